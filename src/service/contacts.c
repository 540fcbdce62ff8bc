/* contacts.c: see docs/cases.md. */
