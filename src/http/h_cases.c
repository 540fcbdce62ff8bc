/* h_cases.c: see docs/cases.md. */
