/* h_teams.c: see docs/cases.md. */
