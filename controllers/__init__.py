"""Use cases and rules over a database session. Never imports ui or Qt."""
