"""The password complexity numbers, in a module light enough for the login dialog to import
before SQLAlchemy and argon2 are loaded (the rule itself is ``controllers.auth.passwords``)."""

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_KINDS = 3
