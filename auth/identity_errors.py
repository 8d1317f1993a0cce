"""Errors of the token side of identity and access.

Each message is one line an operator or a client developer can act on; the CLI
prints it as is and the HTTP layer puts it in ``error_description``.
"""

from __future__ import annotations


class ClientRegistrationError(ValueError):
    """A client cannot be registered as given (bad id, department, region, roles, keys)."""


class ClientExistsError(ClientRegistrationError):
    """A client with this id is already registered; ids are never reused."""


class UnknownClientError(LookupError):
    """No client is registered under this id."""


class DisabledClientError(PermissionError):
    """The client was disabled; it can neither get tokens nor use the ones it has."""


class InvalidTokenError(Exception):
    """A bearer token was refused; the message says why (RFC 6750 ``invalid_token``)."""


def error_description(text: str) -> str:
    """``text`` fit for an OAuth ``error_description`` (RFC 6749 §5.2, RFC 6750 §3):
    printable ASCII without '"' or '\\'. Library messages may quote values an
    attacker chose, and a header cannot carry them raw."""
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in text)


class OfficerRegistrationError(ValueError):
    """An officer account cannot be created as given (bad username, department, role,
    region or password)."""


class UnknownOfficerError(LookupError):
    """No officer account has this username."""


class SignInError(PermissionError):
    """A sign-in was refused: unknown officer, wrong password or code, or a disabled account.
    One message for all of them, so the form tells no one which usernames exist."""
