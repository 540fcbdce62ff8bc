/* cmd_import.c: see docs/figures.md. */
