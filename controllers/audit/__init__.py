"""The audit trail: writing, verifying, archiving and reading entries; what changed for whom."""
