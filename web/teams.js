// teams page: see docs/cases.md.
