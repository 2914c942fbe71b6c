"""Infrastructure: opening and migrating the database, connectivity, logging, database roles, backups."""
