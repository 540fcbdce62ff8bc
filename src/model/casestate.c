/* casestate.c: see docs/cases.md. */
