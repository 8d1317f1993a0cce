"""The institution and its joint record; the education bureau's own sections."""

from __future__ import annotations

from datetime import date

import strawberry

from xietong.domain.records import Course as CourseRecord
from xietong.domain.records import Inspection as InspectionRecord
from xietong.domain.records import Institution as InstitutionRecord
from xietong.domain.records import SchoolLicense as SchoolLicenseRecord
from xietong.domain.records import StaffMember as StaffRecord
from xietong.domain.records import TipOff as TipOffRecord
from xietong.resolvers import joint_record
from xietong.resolvers.context import HubInfo
from xietong.resolvers.reviews import queries as reviews
from xietong.schema.enums import (
    Department,
    InstitutionCategory,
    LicenseStatus,
    RectificationStatus,
    TrainingDomain,
)
from xietong.schema.finance import FundSupervision
from xietong.schema.fire import FireSafetyRecord
from xietong.schema.institution_filter import InstitutionFilter
from xietong.schema.market import BusinessRegistration, Complaint
from xietong.schema.pagination import (
    Connection,
    connection,
    credit_code_key,
    decode_cursor,
    page_size,
)
from xietong.schema.police import BackgroundCheck
from xietong.schema.reviews import AnnualReview
from xietong.schema.risk import RiskAssessment
from xietong.schema.scalars import CreditCode, Decimal, IdNumber, RegionCode


@strawberry.type(description="School licence (办学许可证).")
class SchoolLicense:
    number: str
    status: LicenseStatus
    issued_on: date | None
    valid_until: date | None

    @classmethod
    def from_record(cls, record: SchoolLicenseRecord) -> SchoolLicense:
        return cls(
            number=record.number,
            status=record.status,
            issued_on=record.issued_on,
            valid_until=record.valid_until,
        )


@strawberry.type
class Course:
    name: str
    subject: bool
    hours: int
    price: Decimal
    prepaid_limit_months: int | None
    teacher_id_number: IdNumber | None

    @classmethod
    def from_record(cls, record: CourseRecord) -> Course:
        return cls(
            name=record.name,
            subject=record.subject,
            hours=record.hours,
            price=Decimal(record.price),
            prepaid_limit_months=record.prepaid_limit_months,
            teacher_id_number=IdNumber(record.teacher_id_number)
            if record.teacher_id_number
            else None,
        )


@strawberry.type(description="One line of an institution's staff roster.")
class StaffMember:
    name: str | None
    id_number: IdNumber | None
    position: str | None
    teacher_certificate: str | None

    @strawberry.field(description="Public security's check of this person.")
    async def background_check(self, info: HubInfo) -> BackgroundCheck | None:
        assert self.id_number is not None
        return BackgroundCheck.from_record(
            await joint_record.background_check(info.context, self.id_number)
        )

    @classmethod
    def from_record(cls, record: StaffRecord) -> StaffMember:
        return cls(
            name=record.name,
            id_number=IdNumber(record.id_number),
            position=record.position,
            teacher_certificate=record.teacher_certificate,
        )


@strawberry.type(description="Rectification notice (整改通知书) issued after an inspection.")
class RectificationNotice:
    issued_on: date
    deadline: date
    status: RectificationStatus
    content: str


@strawberry.type
class Inspection:
    inspected_on: date
    inspector: str
    result: str
    notices: list[RectificationNotice]

    @classmethod
    def from_record(cls, record: InspectionRecord) -> Inspection:
        return cls(
            inspected_on=record.inspected_on,
            inspector=record.inspector,
            result=record.result,
            notices=[
                RectificationNotice(
                    issued_on=n.issued_on, deadline=n.deadline, status=n.status, content=n.content
                )
                for n in record.notices
            ],
        )


@strawberry.type(description="Tip-off (举报); the reporter is confidential.")
class TipOff:
    received_on: date
    content: str | None
    reporter: str | None
    status: str

    @classmethod
    def from_record(cls, record: TipOffRecord) -> TipOff:
        return cls(
            received_on=record.received_on,
            content=record.content,
            reporter=record.reporter,
            status=record.status,
        )


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

    @classmethod
    def from_record(cls, record: InstitutionRecord) -> Institution:
        return cls(
            record=record,
            credit_code=CreditCode(record.credit_code),
            name=record.name,
            region=RegionCode(record.region),
            category=record.category,
            domains=list(record.domains),
            supervisors=list(record.supervisors),
        )

    @strawberry.field
    def license(self) -> SchoolLicense | None:
        licence = self.record.license
        return SchoolLicense.from_record(licence) if licence else None

    @strawberry.field
    def courses(self) -> list[Course]:
        return [Course.from_record(course) for course in self.record.courses]

    @strawberry.field
    def staff(self) -> list[StaffMember]:
        return [StaffMember.from_record(member) for member in self.record.staff]

    @strawberry.field
    def inspections(self) -> list[Inspection]:
        return [Inspection.from_record(inspection) for inspection in self.record.inspections]

    @strawberry.field
    def tip_offs(self) -> list[TipOff] | None:
        return [TipOff.from_record(tip_off) for tip_off in self.record.tip_offs]

    @strawberry.field
    async def registration(self, info: HubInfo) -> BusinessRegistration | None:
        found = await joint_record.registration(info.context, self.record.credit_code)
        return BusinessRegistration.from_record(found) if found else None

    @strawberry.field
    async def complaints(self, info: HubInfo) -> list[Complaint] | None:
        found = await joint_record.complaints(info.context, self.record.credit_code)
        return [Complaint.from_record(complaint) for complaint in found]

    @strawberry.field
    async def fire_safety(self, info: HubInfo) -> FireSafetyRecord | None:
        found = await joint_record.fire_safety(info.context, self.record.credit_code)
        return FireSafetyRecord.from_record(found, info.context.hub.today()) if found else None

    @strawberry.field
    async def funds(self, info: HubInfo) -> FundSupervision | None:
        found = await joint_record.funds(info.context, self.record.credit_code)
        return FundSupervision.from_record(found) if found else None

    @strawberry.field(description="Its annual reviews, newest year first.")
    async def annual_reviews(self, info: HubInfo) -> list[AnnualReview]:
        found = await reviews.institution_reviews(info.context, self.record.credit_code)
        return [AnnualReview.from_record(review) for review in found]

    @strawberry.field
    async def risk(self, info: HubInfo) -> RiskAssessment:
        return RiskAssessment.from_assessment(await joint_record.risk(info.context, self.record))


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
        return BackgroundCheck.from_record(
            await joint_record.background_check(info.context, self.id_number)
        )


@strawberry.type
class EducationQuery:
    @strawberry.field(description="The joint record of one institution.")
    async def institution(self, info: HubInfo, credit_code: CreditCode) -> Institution | None:
        found = await joint_record.institution(info.context, credit_code)
        return Institution.from_record(found) if found else None

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
            node=Institution.from_record,
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
                    institution=Institution.from_record(e.institution),
                    position=e.staff.position,
                    teacher_certificate=e.staff.teacher_certificate,
                )
                for e in found
            ],
        )
