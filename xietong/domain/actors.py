"""Who acts in the hub's own workflows: an annual review, a case, a lesson release."""

from __future__ import annotations

from dataclasses import dataclass

from xietong.domain.departments import Department
from xietong.domain.scope import Scope


@dataclass(frozen=True, slots=True)
class Actor:
    """A department's client (and the officer behind it), within its region."""

    department: Department
    region: str
    subject: str
    """The access token's ``sub``: recorded as the signer, the case's actor, the approver."""
    client_id: str = ""
    roles: frozenset[str] = frozenset()

    @property
    def scope(self) -> Scope:
        """The institutions the actor may act on."""
        return Scope(self.region)

    @property
    def name(self) -> str:
        """As a bank and the ledger record the actor."""
        return self.subject or self.client_id
