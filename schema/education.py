"""The institution and its joint record; the education bureau's own sections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial

import strawberry

from xietong.domain.records import Institution as InstitutionRecord
from xietong.resolvers import joint_record
from xietong.resolvers.context import HubInfo
from xietong.resolvers.joint_record import Employment as EmploymentRecord
from xietong.resolvers.reviews import queries as reviews
from xietong.resolvers.settled import Answer, settled
from xietong.schema.enums import (
    Department,
    InstitutionCategory,
    LicenseStatus,
    RecordOrigin,
    RectificationStatus,
    TrainingDomain,
)
from xietong.schema.finance import FundSupervision
from xietong.schema.fire import FireSafetyRecord, Premises, fire_safety_of
from xietong.schema.institution_filter import InstitutionFilter
from xietong.schema.mapping import from_record, from_records
from xietong.schema.market import AdvertisingViolation, BusinessRegistration, Complaint
from xietong.schema.pagination import (
    Connection,
    connection,
    credit_code_key,
    decode_cursor,
    node_fields,
    page_size,
)
from xietong.schema.police import BackgroundCheck, background_check_of
from xietong.schema.reviews import AnnualReview
from xietong.schema.risk import RiskAssessment
from xietong.schema.scalars import CreditCode, Decimal, IdNumber, RegionCode


@strawberry.type(description="School licence (办学许可证).")
class SchoolLicense:
    number: str = strawberry.field(description="Licence number (许可证号).")
    status: LicenseStatus = strawberry.field(description="Whether it is in force.")
    issued_on: date | None = strawberry.field(description="Issued on.")
    valid_until: date | None = strawberry.field(description="Valid until (inclusive).")


@strawberry.type
class Course:
    name: str = strawberry.field(description="Course name.")
    subject: bool = strawberry.field(
        description="Whether it is academic subject training (学科类)."
    )
    hours: int = strawberry.field(description="Lessons (class hours) in the course.")
    price: Decimal = strawberry.field(description="Price of the whole course, in yuan.")
    prepaid_limit_months: int | None = strawberry.field(
        description="Prepaid terms: at most this many months paid in advance."
    )
    teacher_id_number: IdNumber | None = strawberry.field(
        description="The teacher's resident ID number (masked for some roles)."
    )
    domain: TrainingDomain | None = strawberry.field(
        description="The training domain the course is filed under; SCOPE_MISMATCH names a "
        "course outside the licence's domains or the business scope."
    )


@strawberry.type(description="An entry of the education bureau's blacklist (黑名单).")
class BlacklistEntry:
    listed_on: date = strawberry.field(description="The day it was listed.")
    listed_by: str = strawberry.field(description="The authority that listed the institution.")
    reason: str = strawberry.field(description="Why it was listed (列入事由).")
    until: date | None = strawberry.field(
        description="The day it leaves the list; null: no end set. Past entries are listed too."
    )


@strawberry.type(description="A person on the roster barred from the industry (从业禁止).")
class BarredPerson:
    name: str | None = strawberry.field(description="Name (masked for some roles).")
    id_number: IdNumber | None = strawberry.field(
        description="Resident ID number (masked for some roles)."
    )
    barred_on: date | None = strawberry.field(description="The day the bar took effect.")
    barred_by: str | None = strawberry.field(description="The authority that barred the person.")
    reason: str | None = strawberry.field(description="Why the person is barred.")
    until: date | None = strawberry.field(description="Null: barred for life.")


@strawberry.type(description="One line of an institution's staff roster.")
class StaffMember:
    name: str | None = strawberry.field(description="Name (masked for some roles).")
    id_number: IdNumber | None = strawberry.field(
        description="Resident ID number (masked for some roles)."
    )
    position: str | None = strawberry.field(
        description="Post: head, teacher, teaching assistant, administration or finance."
    )
    teacher_certificate: str | None = strawberry.field(
        description="Teacher certificate number (教师资格证); null if none."
    )

    @strawberry.field(description="Public security's check of this person.")
    async def background_check(self, info: HubInfo) -> BackgroundCheck | None:
        assert self.id_number is not None
        return background_check_of(
            await joint_record.background_check(info.context, self.id_number)
        )


@strawberry.type(description="Rectification notice (整改通知书) issued after an inspection.")
class RectificationNotice:
    issued_on: date = strawberry.field(description="Issued on.")
    deadline: date = strawberry.field(description="Rectify by this day.")
    status: RectificationStatus = strawberry.field(description="Whether it was complied with.")
    content: str = strawberry.field(description="What must be rectified.")
    origin: RecordOrigin = strawberry.field(
        description="DEPARTMENT: the education bureau's own record; HUB: issued in the hub."
    )
    issued_by: Department = strawberry.field(description="The department that issued it.")
    number: str | None = strawberry.field(description="e.g. 汴教整改〔2026〕31号 (hub notices).")
    case_id: strawberry.ID | None = strawberry.field(
        description="The hub case that is this notice (see Query.case), for the hub's own."
    )


@strawberry.type
class Inspection:
    inspected_on: date = strawberry.field(description="Inspected on.")
    inspector: str = strawberry.field(description="The inspectors, as recorded.")
    result: str = strawberry.field(description="PASSED, RECTIFICATION_ORDERED or FAILED.")
    notices: list[RectificationNotice] = strawberry.field(
        description="The rectification notices it led to."
    )
    origin: RecordOrigin = strawberry.field(
        description="DEPARTMENT: the education bureau's own record; HUB: recorded in the hub."
    )
    case_id: strawberry.ID | None = strawberry.field(
        description="The hub case that is this inspection (see Query.case), for the hub's own."
    )


@strawberry.type(description="Tip-off (举报); the reporter is confidential.")
class TipOff:
    received_on: date = strawberry.field(description="Received on.")
    content: str | None = strawberry.field(description="What was reported.")
    reporter: str | None = strawberry.field(description="Who reported it (confidential).")
    status: str = strawberry.field(description="NEW, IN_PROGRESS or CLOSED.")


@strawberry.type(description="A training institution as every department sees it.")
class Institution:
    record: strawberry.Private[InstitutionRecord]
    credit_code: CreditCode = strawberry.field(
        description="Unified Social Credit Code: the institution's key."
    )
    name: str = strawberry.field(description="Registered name (机构名称).")
    region: RegionCode = strawberry.field(description="Region code of its district.")
    address: str = strawberry.field(
        description="Where it teaches (办学地址), as the education bureau registered it."
    )
    category: InstitutionCategory = strawberry.field(description="Subject or non-subject training.")
    domains: list[TrainingDomain] = strawberry.field(description="Its training domains.")
    supervisors: list[Department] = strawberry.field(
        description="EDUCATION plus the competent bureau(s): the annual review's signers."
    )

    @strawberry.field(
        description="Its blacklist entries, past ones included; the `blacklisted` filter and "
        "the BLACKLISTED signal see those that hold today."
    )
    def blacklist(self) -> list[BlacklistEntry]:
        return from_records(BlacklistEntry, self.record.blacklist)

    @strawberry.field(description="People on its roster barred from the industry (从业禁止).")
    def barred_staff(self) -> list[BarredPerson]:
        return from_records(BarredPerson, self.record.barred_staff)

    @strawberry.field(description="Its school licence (办学许可证); null if it holds none.")
    def license(self) -> SchoolLicense | None:
        licence = self.record.license
        return from_record(SchoolLicense, licence) if licence else None

    @strawberry.field(description="Courses it offers.")
    def courses(self) -> list[Course]:
        return from_records(Course, self.record.courses)

    @strawberry.field(description="Its staff roster.")
    def staff(self) -> list[StaffMember]:
        return from_records(StaffMember, self.record.staff)

    @strawberry.field(
        description="Every rectification notice: the education bureau's own, from its "
        "inspections, then those issued in the hub (origin says which)."
    )
    async def rectification_notices(self, info: HubInfo) -> list[RectificationNotice]:
        found = await joint_record.rectification_notices(info.context, self.record)
        return from_records(RectificationNotice, found)

    @strawberry.field(
        description="The education bureau's inspections, then those recorded in the hub "
        "(origin says which).",
        graphql_type=list[Inspection],
    )
    def inspections(self, info: HubInfo) -> Answer[list[Inspection]]:
        return settled(
            joint_record.inspections(info.context, self.record), partial(from_records, Inspection)
        )

    @strawberry.field(description="Tip-offs (举报) about it.")
    def tip_offs(self) -> list[TipOff] | None:
        return from_records(TipOff, self.record.tip_offs)

    @strawberry.field(
        description="Market supervision's business registration.",
        graphql_type=BusinessRegistration | None,
    )
    def registration(self, info: HubInfo) -> Answer[BusinessRegistration | None]:
        return settled(
            joint_record.registration(info.context, self.record.credit_code),
            lambda found: from_record(BusinessRegistration, found) if found else None,
        )

    @strawberry.field(
        description="Refund complaints (退费投诉) at market supervision, of any date.",
        graphql_type=list[Complaint] | None,
    )
    def complaints(self, info: HubInfo) -> Answer[list[Complaint] | None]:
        return settled(
            joint_record.complaints(info.context, self.record.credit_code),
            partial(from_records, Complaint),
        )

    @strawberry.field(
        description="Advertising violations market supervision found (广告违法), oldest first.",
        graphql_type=list[AdvertisingViolation] | None,
    )
    def advertisements(self, info: HubInfo) -> Answer[list[AdvertisingViolation] | None]:
        return settled(
            joint_record.advertisements(info.context, self.record.credit_code),
            partial(from_records, AdvertisingViolation),
        )

    @strawberry.field(
        description="Each campus with its own fire acceptance, hazards and seal-ups; null "
        "when fire safety holds no record.",
        graphql_type=list[Premises] | None,
    )
    def premises(self, info: HubInfo) -> Answer[list[Premises] | None]:
        today = info.context.hub.today()
        return settled(
            joint_record.premises(info.context, self.record.credit_code),
            lambda found: (
                None
                if found is None
                else [from_record(Premises, p, acceptance=p.acceptance_on(today)) for p in found]
            ),
        )

    @strawberry.field(
        description="Fire safety's record of its premises.",
        graphql_type=FireSafetyRecord | None,
    )
    def fire_safety(self, info: HubInfo) -> Answer[FireSafetyRecord | None]:
        return settled(
            joint_record.fire_safety(info.context, self.record.credit_code),
            partial(fire_safety_of, info.context.hub.today()),
        )

    @strawberry.field(
        description="Its custody account at a supervising bank.",
        graphql_type=FundSupervision | None,
    )
    def funds(self, info: HubInfo) -> Answer[FundSupervision | None]:
        return settled(
            joint_record.funds(info.context, self.record.credit_code),
            lambda found: from_record(FundSupervision, found) if found else None,
        )

    @strawberry.field(description="Its annual reviews, newest year first.")
    async def annual_reviews(self, info: HubInfo) -> list[AnnualReview]:
        found = await reviews.institution_reviews(info.context, self.record.credit_code)
        return from_records(AnnualReview, found)

    @strawberry.field(description="The risk assessment across departments.")
    async def risk(self, info: HubInfo) -> RiskAssessment:
        return from_record(RiskAssessment, await joint_record.risk(info.context, self.record))


@strawberry.type(description="Where a person works: one roster line at one institution.")
class Employment:
    institution: Institution = strawberry.field(description="Where the person works.")
    position: str | None = strawberry.field(description="The person's post there.")
    teacher_certificate: str | None = strawberry.field(
        description="The teacher certificate on that roster line."
    )


@strawberry.type(description="A person on the staff rosters, across institutions.")
class Person:
    id_number: IdNumber | None = strawberry.field(
        description="Resident ID number (masked for some roles)."
    )
    name: str | None = strawberry.field(description="Name (masked for some roles).")
    employments: list[Employment] = strawberry.field(
        description="Every roster line of the person, across institutions in scope."
    )

    @strawberry.field(description="Public security's check of this person.")
    async def background_check(self, info: HubInfo) -> BackgroundCheck | None:
        assert self.id_number is not None
        return background_check_of(
            await joint_record.background_check(info.context, self.id_number)
        )


@strawberry.type
class EducationQuery:
    @strawberry.field(description="The joint record of one institution.")
    async def institution(self, info: HubInfo, credit_code: CreditCode) -> Institution | None:
        found = await joint_record.institution(info.context, credit_code)
        return from_record(Institution, found) if found else None

    @strawberry.field(
        description="Institutions in the principal's region, by credit code; with a filter, "
        "those meeting conditions across departments."
    )
    async def institutions(
        self,
        info: HubInfo,
        filter: InstitutionFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Institution] | None:
        size = page_size(first)
        criteria = None
        if filter is not None:
            info.context.require_readable(filter.given())
            criteria = filter.criteria()
        records, total = await joint_record.institutions_page(
            info.context,
            criteria,
            decode_cursor(after, credit_code_key),
            size + 1,
            selected={f"Institution.{name}" for name in node_fields(info)},
        )
        return connection(
            records,
            first=size,
            after=after,
            total=total,
            key=lambda record: record.credit_code,
            node=partial(from_record, Institution),
        )

    @strawberry.field(description="Where a person works, across institutions in scope.")
    async def person(self, info: HubInfo, id_number: IdNumber) -> Person | None:
        return person_of(id_number, await joint_record.employments(info.context, id_number))


def person_of(id_number: str, found: Sequence[EmploymentRecord] | None) -> Person | None:
    """The person of ``id_number`` from their roster lines, if any (``person`` and
    the federation's entity lookup)."""
    if not found:
        return None
    return Person(
        id_number=IdNumber(id_number),
        name=found[0].staff.name,
        employments=[
            Employment(
                institution=from_record(Institution, e.institution),
                position=e.staff.position,
                teacher_certificate=e.staff.teacher_certificate,
            )
            for e in found
        ],
    )
