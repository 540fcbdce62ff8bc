/* import.c: see docs/figures.md. */
