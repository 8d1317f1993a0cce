"""Who is asking: the principal a verified access token stands for."""

from __future__ import annotations

from dataclasses import dataclass

from xietong.domain.departments import Department


@dataclass(frozen=True, slots=True)
class Principal:
    """A department client (system or officer) as its token's claims describe it.

    ``region`` scopes every record it may see (DESIGN §7): ``410200`` sees Kaifeng
    city, ``410000`` the province, ``000000`` the nation.
    """

    client_id: str
    subject: str
    department: Department
    roles: tuple[str, ...]
    region: str
    trusted_documents_only: bool = False
    """The client may run only the documents registered for it, as its registry
    entry says at the time of the request (not a claim of the token)."""
