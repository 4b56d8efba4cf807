"""Read-only figures for people: the dashboard's overview, computed with SQL aggregates."""
