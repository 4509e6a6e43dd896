"""Errors a user can fix. The command line prints them as one clean line and exits 1."""


class UserError(Exception):
    """Bad input from the user (a flag, a file, a setting); the message says what and where."""
