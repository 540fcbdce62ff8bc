// contacts page: see docs/cases.md.
