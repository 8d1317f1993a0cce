"""Errors that stop the hub before it serves."""


class ConfigError(Exception):
    """A setting, file or service the hub needs is wrong or unreachable.

    The message is one line that says what is wrong and where, so an operator can
    fix it without reading a traceback.
    """
