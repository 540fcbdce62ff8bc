/* figure.c: see docs/figures.md. */
