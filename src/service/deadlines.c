/* deadlines.c: see docs/cases.md. */
