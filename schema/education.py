"""The institution and its joint record; the education bureau's own sections."""

from __future__ import annotations

from datetime import date
from functools import partial

import strawberry

from xietong.domain.records import Institution as InstitutionRecord
from xietong.resolvers import joint_record
from xietong.resolvers.context import HubInfo
from xietong.resolvers.reviews import queries as reviews
from xietong.schema.enums import (
    Department,
    InstitutionCategory,
    LicenseStatus,
    RecordOrigin,
    RectificationStatus,
    TrainingDomain,
)
from xietong.schema.finance import FundSupervision
from xietong.schema.fire import FireSafetyRecord
from xietong.schema.institution_filter import InstitutionFilter
from xietong.schema.mapping import from_record, from_records
from xietong.schema.market import BusinessRegistration, Complaint
from xietong.schema.pagination import (
    Connection,
    connection,
    credit_code_key,
    decode_cursor,
    page_size,
)
from xietong.schema.police import BackgroundCheck, background_check_of
from xietong.schema.reviews import AnnualReview
from xietong.schema.risk import RiskAssessment
from xietong.schema.scalars import CreditCode, Decimal, IdNumber, RegionCode


@strawberry.type(description="School licence (办学许可证).")
class SchoolLicense:
    number: str
    status: LicenseStatus
    issued_on: date | None
    valid_until: date | None


@strawberry.type
class Course:
    name: str
    subject: bool
    hours: int
    price: Decimal
    prepaid_limit_months: int | None
    teacher_id_number: IdNumber | None


@strawberry.type(description="One line of an institution's staff roster.")
class StaffMember:
    name: str | None
    id_number: IdNumber | None
    position: str | None
    teacher_certificate: str | None

    @strawberry.field(description="Public security's check of this person.")
    async def background_check(self, info: HubInfo) -> BackgroundCheck | None:
        assert self.id_number is not None
        return background_check_of(
            await joint_record.background_check(info.context, self.id_number)
        )


@strawberry.type(description="Rectification notice (整改通知书) issued after an inspection.")
class RectificationNotice:
    issued_on: date
    deadline: date
    status: RectificationStatus
    content: str
    origin: RecordOrigin = strawberry.field(
        description="DEPARTMENT: the education bureau's own record; HUB: issued in the hub."
    )
    issued_by: Department
    number: str | None = strawberry.field(description="e.g. 汴教整改〔2026〕31号 (hub notices).")
    case_id: strawberry.ID | None = strawberry.field(
        description="The hub case that is this notice (see Query.case), for the hub's own."
    )


@strawberry.type
class Inspection:
    inspected_on: date
    inspector: str
    result: str
    notices: list[RectificationNotice]
    origin: RecordOrigin = strawberry.field(
        description="DEPARTMENT: the education bureau's own record; HUB: recorded in the hub."
    )
    case_id: strawberry.ID | None = strawberry.field(
        description="The hub case that is this inspection (see Query.case), for the hub's own."
    )


@strawberry.type(description="Tip-off (举报); the reporter is confidential.")
class TipOff:
    received_on: date
    content: str | None
    reporter: str | None
    status: str


@strawberry.type(description="A training institution as every department sees it.")
class Institution:
    record: strawberry.Private[InstitutionRecord]
    credit_code: CreditCode
    name: str
    region: RegionCode
    category: InstitutionCategory
    domains: list[TrainingDomain]
    supervisors: list[Department] = strawberry.field(
        description="EDUCATION plus the competent bureau(s): the annual review's signers."
    )

    @strawberry.field
    def license(self) -> SchoolLicense | None:
        licence = self.record.license
        return from_record(SchoolLicense, licence) if licence else None

    @strawberry.field
    def courses(self) -> list[Course]:
        return from_records(Course, self.record.courses)

    @strawberry.field
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
        "(origin says which)."
    )
    async def inspections(self, info: HubInfo) -> list[Inspection]:
        return from_records(Inspection, await joint_record.inspections(info.context, self.record))

    @strawberry.field
    def tip_offs(self) -> list[TipOff] | None:
        return from_records(TipOff, self.record.tip_offs)

    @strawberry.field
    async def registration(self, info: HubInfo) -> BusinessRegistration | None:
        found = await joint_record.registration(info.context, self.record.credit_code)
        return from_record(BusinessRegistration, found) if found else None

    @strawberry.field
    async def complaints(self, info: HubInfo) -> list[Complaint] | None:
        found = await joint_record.complaints(info.context, self.record.credit_code)
        return from_records(Complaint, found)

    @strawberry.field
    async def fire_safety(self, info: HubInfo) -> FireSafetyRecord | None:
        found = await joint_record.fire_safety(info.context, self.record.credit_code)
        if found is None:
            return None
        return from_record(
            FireSafetyRecord, found, acceptance=found.acceptance_on(info.context.hub.today())
        )

    @strawberry.field
    async def funds(self, info: HubInfo) -> FundSupervision | None:
        found = await joint_record.funds(info.context, self.record.credit_code)
        return from_record(FundSupervision, found) if found else None

    @strawberry.field(description="Its annual reviews, newest year first.")
    async def annual_reviews(self, info: HubInfo) -> list[AnnualReview]:
        found = await reviews.institution_reviews(info.context, self.record.credit_code)
        return from_records(AnnualReview, found)

    @strawberry.field
    async def risk(self, info: HubInfo) -> RiskAssessment:
        return from_record(RiskAssessment, await joint_record.risk(info.context, self.record))


@strawberry.type(description="Where a person works: one roster line at one institution.")
class Employment:
    institution: Institution
    position: str | None
    teacher_certificate: str | None


@strawberry.type(description="A person on the staff rosters, across institutions.")
class Person:
    id_number: IdNumber | None
    name: str | None
    employments: list[Employment]

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
            info.context, criteria, decode_cursor(after, credit_code_key), size + 1
        )
        return connection(
            records,
            first=size,
            total=total,
            key=lambda record: record.credit_code,
            node=partial(from_record, Institution),
        )

    @strawberry.field(description="Where a person works, across institutions in scope.")
    async def person(self, info: HubInfo, id_number: IdNumber) -> Person | None:
        found = await joint_record.employments(info.context, id_number)
        if not found:
            return None
        return Person(
            id_number=id_number,
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
