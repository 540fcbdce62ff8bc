/* cmd_deadlines.c: hartline deadlines sweep; see docs/cases.md. */
