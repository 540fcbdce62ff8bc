/* Handlers: see docs/cases.md. */
#pragma once
