/* figures.c: see docs/figures.md. */
