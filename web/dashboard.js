// dashboard page: see docs/cases.md.
