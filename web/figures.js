// figures page: see docs/figures.md.
