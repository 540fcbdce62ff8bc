// The child's page (docs/recovery.md). Filled in below.
