"""Row scope: which records a principal may see, decided in one place (DESIGN §7)."""

from __future__ import annotations

from dataclasses import dataclass

from xietong.kernel.errors import CodedError, ErrorCode
from xietong.kernel.identifiers import region_contains, region_prefix


@dataclass(frozen=True, slots=True)
class Scope:
    """The records inside a region code: ``410200`` sees every code starting
    ``4102`` (Kaifeng city), ``410000`` the province, ``000000`` the nation.

    Outside its scope a record is not found in lists, and OUT_OF_SCOPE when asked
    for directly:

    >>> city = Scope("410200")
    >>> city.contains("410202"), city.contains("410100")
    (True, False)
    >>> city.narrowed("410202", argument="region").prefix
    '410202'
    """

    region: str

    @property
    def prefix(self) -> str:
        """What every region code in scope starts with (``""`` for the nation)."""
        return region_prefix(self.region)

    def contains(self, region: str) -> bool:
        return region_contains(self.region, region)

    def narrowed(self, region: str | None, *, argument: str) -> Scope:
        """The part of this scope a question asks for: ``region`` when given (it must
        lie inside, or the ``argument`` that named it is OUT_OF_SCOPE), else all of it."""
        if region is None:
            return self
        self.require(region, what=f"region {region}", argument=argument)
        return Scope(region)

    def require(self, region: str, *, what: str, argument: str) -> None:
        """OUT_OF_SCOPE, naming ``argument``, unless ``region`` (that of ``what``) is inside."""
        if not self.contains(region):
            raise self.refusal(what, argument=argument)

    def refusal(self, what: str, *, argument: str) -> CodedError:
        """The error for ``what``, a record or region outside this scope."""
        return CodedError(
            ErrorCode.OUT_OF_SCOPE, f"{what} is outside region {self.region}", argument=argument
        )
