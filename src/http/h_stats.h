/* Handlers: see docs/figures.md. */
#pragma once
