// cases page: see docs/cases.md.
