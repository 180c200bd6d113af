"""The user-error type: raised for bad input, printed by the CLI as one line."""


class UserError(ValueError):
    """Bad input from a user (flag, config value, file). The CLI prints it on one line,
    exits with status 2 and shows no traceback."""


__all__ = ["UserError"]
