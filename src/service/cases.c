/* cases.c: see docs/cases.md. */
