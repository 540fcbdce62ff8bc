/* teams.c: see docs/cases.md. */
