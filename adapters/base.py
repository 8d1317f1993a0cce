"""The protocol every department adapter speaks.

An adapter owns one department's sources and the mapping from their native
shape to the canonical records of ``adapters.records``. It takes keys in
batches (credit codes; ID numbers for public security), so a page of
institutions costs one call per source (a batch larger than a source's native
limit, such as the check service's 100 ID numbers, costs one call per limit),
serves repeats from a short per-source cache (``adapters.cache``), and raises only
``SourceUnavailableError`` (naming department and source) when a source fails.

Departments that cross-agency queries can ask (all but public security) also
``match``: which institutions meet the department's own conditions
(``adapters.matching``), answered with credit codes found by the source's own
query — a WHERE, a scan endpoint's parameters — rather than by loading every
record. With ``among``, only those codes are considered: when few candidates are
left, a lookup by key is cheaper than a scan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol, TypeVar

from xietong.adapters.sources.registry import ProbeResult
from xietong.domain.census import (
    EducationCensus,
    EducationSignals,
    MarketCensus,
    MarketSignals,
    Registered,
)
from xietong.domain.departments import Department
from xietong.domain.matching import (
    AcceptanceCriteria,
    CoverageCriteria,
    InstitutionCriteria,
    RegistrationCriteria,
)
from xietong.domain.records import (
    BackgroundCheck,
    BankVerdict,
    BusinessRegistration,
    CustodyStatus,
    CustodyTotals,
    FireSafetyRecord,
    FundSupervision,
    Institution,
    LessonDelivery,
    ReleaseRequest,
    StaffMember,
)

RecordT_co = TypeVar("RecordT_co", covariant=True)


class DepartmentAdapter(Protocol[RecordT_co]):
    department: Department

    @property
    def source_names(self) -> Sequence[str]:
        """The sources this adapter reads, as named in the sources file."""
        ...

    async def load(self, keys: Sequence[str]) -> Mapping[str, RecordT_co]:
        """Canonical records for ``keys``; a key the department does not know is absent."""
        ...

    async def health(self) -> list[ProbeResult]:
        """Ping each source."""
        ...


class EducationAdapter(DepartmentAdapter[Institution], Protocol):
    """The education bureau: institutions and everything it records of them."""

    async def page(
        self, region_prefix: str, after: str | None, first: int
    ) -> tuple[list[Institution], int]:
        """Institutions whose region starts with ``region_prefix``, ordered by credit
        code, after the code ``after``; and how many there are in all."""
        ...

    async def employments(self, id_numbers: Sequence[str]) -> Mapping[str, list[StaffMember]]:
        """Roster lines of each person, across institutions."""
        ...

    async def match(
        self, criteria: InstitutionCriteria, *, among: Sequence[str] | None = None
    ) -> set[str]:
        """Credit codes of the institutions meeting ``criteria`` (one query)."""
        ...

    async def rosters(self, codes: Sequence[str]) -> Mapping[str, list[str]]:
        """The ID numbers on each institution's staff roster, in no particular order
        (only the IDs: what a background check is asked by)."""
        ...

    async def census(self, region_prefix: str, today: date) -> EducationCensus:
        """Counts over every institution of the region, by its own queries (statistics)."""

    async def signals(
        self,
        today: date,
        *,
        among: Sequence[str],
        courses: bool = True,
        census: EducationCensus | None = None,
    ) -> EducationSignals:
        """The facts behind the risk rules of its own tables, as of ``today``, for the
        institutions ``among`` (``xietong.planner.signals``), in ``IN`` lists a call
        each; without ``courses``, none of SCOPE_MISMATCH's facts (the subject category,
        the courses);
        with the region's ``census`` of the same day (statistics), only what it lacks
        is asked (the blacklist and the courses)."""
        ...

    async def over_prepaid_terms(self, orders: Sequence[tuple[str, str, int]]) -> set[str]:
        """The credit codes of ``orders`` (code, course name, the most lessons one order
        of it bought) having a course of that name whose prepaid terms allow fewer."""
        ...

    async def deliveries(self, code: str) -> list[LessonDelivery]:
        """The lessons the institution reported as given (消课记录), oldest first."""
        ...

    async def prepaid_institutions(self, region_prefix: str) -> Mapping[str, int]:
        """District → institutions there with a course sold on prepaid terms (an aggregate)."""
        ...


class MarketAdapter(DepartmentAdapter[BusinessRegistration], Protocol):
    """Market supervision: business registrations, complaints, penalties."""

    async def training_registrations(self, region_prefix: str) -> list[BusinessRegistration]:
        """Registrations in the region whose business scope covers training."""
        ...

    async def match(
        self, criteria: RegistrationCriteria, *, among: Sequence[str] | None = None
    ) -> set[str]:
        """Credit codes whose registration meets ``criteria``."""
        ...

    async def census(
        self,
        region_prefix: str,
        since: date,
        among: Sequence[str],
        *,
        ads_since: date | None = None,
    ) -> MarketCensus:
        """Every registration of the region by one scan, with its complaints since
        ``since`` (and its advertising violations since ``ads_since``, when given)
        counted; and those of the codes ``among`` the scan did not list."""
        ...

    async def signals(self, since: date, least_complaints: int, ads_since: date) -> MarketSignals:
        """The registrations its filtered scans flag for the risk rules (every one it
        holds: the flagged are few)."""
        ...

    async def registered(
        self, among: Sequence[str], since: date, ads_since: date | None
    ) -> Mapping[str, Registered]:
        """The registrations of ``among`` as a census counts them, looked up by code
        (a few candidates: no scan)."""
        ...


class FireSafetyAdapter(DepartmentAdapter[FireSafetyRecord], Protocol):
    """Fire safety: acceptance, inspections, hazards, seal-ups."""

    async def match(
        self, criteria: AcceptanceCriteria, *, among: Sequence[str] | None = None
    ) -> set[str]:
        """Credit codes whose fire acceptance meets ``criteria``."""
        ...

    async def non_compliant(self, today: date, *, among: Sequence[str] | None = None) -> set[str]:
        """Credit codes (of all, or of ``among``) with a campus not compliant today:
        FIRE_NON_COMPLIANT's facts."""
        ...


class FinanceAdapter(DepartmentAdapter[FundSupervision], Protocol):
    """The supervising banks' custody accounts, merged across banks."""

    async def accounts(self, keys: Sequence[str]) -> Mapping[str, FundSupervision]:
        """As ``load``, for the accounts' own figures (balance, outstanding prepaid,
        totals): their orders and refunds may be left out (empty) where that saves
        asking for them, a bank not cached; never read them from this answer."""
        ...

    async def match(
        self, criteria: CoverageCriteria, *, among: Sequence[str] | None = None
    ) -> set[str]:
        """Credit codes whose custody account meets ``criteria``, at any bank."""
        ...

    async def with_account(self, among: Sequence[str]) -> set[str]:
        """Those of ``among`` holding a custody account at any bank."""

    async def match_custody(
        self, statuses: frozenset[CustodyStatus], *, among: Sequence[str] | None = None
    ) -> set[str]:
        """Credit codes whose custody account is in one of ``statuses``, at any bank."""
        ...

    async def without_custody(self, among: Sequence[str]) -> set[str]:
        """Which of ``among`` hold a custody account at no bank."""
        ...

    async def order_peaks(
        self, *, among: Sequence[str] | None = None
    ) -> Mapping[str, Mapping[str, int]]:
        """Credit code → course → the most lessons one order (not refunded) bought."""
        ...

    async def district_totals(self, region_prefix: str) -> Mapping[str, CustodyTotals]:
        """District → every bank's totals of its custody accounts there (bank aggregates)."""
        ...

    async def release(self, bank: str, request: ReleaseRequest) -> BankVerdict:
        """Send a release instruction to ``bank``; SourceUnavailableError if its answer
        did not arrive (it may have been applied: send it again)."""
        ...


class PublicSecurityAdapter(DepartmentAdapter[BackgroundCheck], Protocol):
    """Background checks, by ID number only: never listed, never scanned."""

    async def cleared(self, keys: Sequence[str]) -> set[str]:
        """Those of ``keys`` whose check is CLEAR (as ``load`` would say), asked by ID
        number in batches like ``load``, without a record made of each."""
        ...
