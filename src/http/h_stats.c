/* h_stats.c: see docs/figures.md. */
