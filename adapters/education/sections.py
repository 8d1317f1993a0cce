"""The education platform's tables → canonical ``Institution`` (source format ``education``).

Glossary (native → canonical; the platform's own is ``sandbox.schemas.education``):

- ``jg_jbxx`` 机构基本信息: ``tyshxydm`` credit_code, ``jgmc`` name, ``xzqh`` region,
  ``jglb`` category (``1`` SUBJECT 学科类, ``2`` NON_SUBJECT 非学科类)
- ``jg_pxly`` ``pxly`` domains: ``01`` ACADEMIC, ``02`` SPORTS, ``03`` CULTURE_ART,
  ``04`` SCIENCE_TECHNOLOGY
- ``jg_zgbm`` ``zgbm`` supervisors: ``1`` EDUCATION, ``2`` CULTURE_TOURISM,
  ``3`` SCIENCE_TECHNOLOGY, ``4`` SPORTS
- ``bxxkz`` 办学许可证 license: ``xkzh`` number, ``xkzzt`` status (``1`` VALID,
  ``2`` SUSPENDED, ``3`` REVOKED, ``4`` EXPIRED), ``fzrq`` issued_on, ``yxqz`` valid_until
- ``kc`` courses: ``kcmc`` name, ``sfxk`` subject, ``zks`` hours, ``sfbz`` price (fen →
  yuan, the whole course), ``yszdys``/``yszdks`` prepaid_limit_months/lessons (0: none),
  ``jssfzh`` teacher_id_number
- ``jzg`` staff: ``xm`` name, ``sfzh`` id_number, ``gwlb`` position (``1`` head,
  ``2`` teacher, ``3`` teaching assistant, ``4`` administration, ``5`` finance),
  ``jszgzh`` teacher_certificate (empty: none)
- ``jcjl`` inspections: ``jcrq`` inspected_on, ``jcry`` inspector, ``jcjg`` result
  (``1`` PASSED, ``2`` RECTIFICATION_ORDERED, ``3`` FAILED); ``zgtzs`` 整改通知书 their
  notices by ``jcid``: ``xdrq`` issued_on, ``zgqx`` deadline, ``zgzt`` status (``0`` OPEN,
  ``1`` CLOSED), ``zgnr`` content
- ``jb`` 举报 tip_offs: ``jbrq`` received_on, ``jbnr`` content, ``jbrxm`` reporter,
  ``blzt`` status (``0`` NEW, ``1`` IN_PROGRESS, ``2`` CLOSED)
- ``hmd`` 黑名单 blacklisted: an entry not yet removed (``ycrq`` empty)

Not carried: ``jgzt`` (operating status; the licence status says it), addresses,
phones, founding and hiring dates, the reporter's phone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from xietong.adapters.native import decode, fen, required_ymd, ymd
from xietong.adapters.sources.sql import Query, Rows, query
from xietong.domain.departments import Department
from xietong.domain.records import (
    Course,
    Inspection,
    Institution,
    InstitutionCategory,
    LicenseStatus,
    RectificationNotice,
    RectificationStatus,
    SchoolLicense,
    StaffMember,
    TipOff,
    TrainingDomain,
)

CATEGORIES = {"1": InstitutionCategory.SUBJECT, "2": InstitutionCategory.NON_SUBJECT}
DOMAINS = {
    "01": TrainingDomain.ACADEMIC,
    "02": TrainingDomain.SPORTS,
    "03": TrainingDomain.CULTURE_ART,
    "04": TrainingDomain.SCIENCE_TECHNOLOGY,
}
SUPERVISORS = {
    "1": Department.EDUCATION,
    "2": Department.CULTURE_TOURISM,
    "3": Department.SCIENCE_TECHNOLOGY,
    "4": Department.SPORTS,
}
LICENSE_STATUSES = {
    "1": LicenseStatus.VALID,
    "2": LicenseStatus.SUSPENDED,
    "3": LicenseStatus.REVOKED,
    "4": LicenseStatus.EXPIRED,
}
POSITIONS = {
    "1": "head",
    "2": "teacher",
    "3": "teaching assistant",
    "4": "administration",
    "5": "finance",
}
INSPECTION_RESULTS = {"1": "PASSED", "2": "RECTIFICATION_ORDERED", "3": "FAILED"}
NOTICE_STATUSES = {"0": RectificationStatus.OPEN, "1": RectificationStatus.CLOSED}
TIP_OFF_STATUSES = {"0": "NEW", "1": "IN_PROGRESS", "2": "CLOSED"}

STAFF_COLUMNS = "tyshxydm, xm, sfzh, gwlb, jszgzh"

# One statement per section, in the order ``institutions`` reads them; ``{within}``
# is the set of credit codes (a bound list, or a subquery for a page).
_SECTIONS = (
    "SELECT tyshxydm, jgmc, xzqh, jglb FROM jg_jbxx WHERE tyshxydm IN {within}",
    "SELECT tyshxydm, pxly FROM jg_pxly WHERE tyshxydm IN {within} ORDER BY pxly",
    "SELECT tyshxydm, zgbm FROM jg_zgbm WHERE tyshxydm IN {within} ORDER BY zgbm",
    "SELECT tyshxydm, xkzh, xkzzt, fzrq, yxqz FROM bxxkz WHERE tyshxydm IN {within}",
    "SELECT tyshxydm, kcmc, sfxk, zks, sfbz, yszdys, yszdks, jssfzh FROM kc"
    " WHERE tyshxydm IN {within} ORDER BY kcid",
    f"SELECT {STAFF_COLUMNS} FROM jzg WHERE tyshxydm IN {{within}} ORDER BY jzgid",
    "SELECT tyshxydm, jcid, jcrq, jcry, jcjg FROM jcjl"
    " WHERE tyshxydm IN {within} ORDER BY jcrq, jcid",
    "SELECT tyshxydm, jcid, xdrq, zgqx, zgzt, zgnr FROM zgtzs"
    " WHERE tyshxydm IN {within} ORDER BY xdrq, tzsid",
    "SELECT tyshxydm, jbrq, jbnr, jbrxm, blzt FROM jb"
    " WHERE tyshxydm IN {within} ORDER BY jbrq, jbid",
    "SELECT DISTINCT tyshxydm FROM hmd WHERE tyshxydm IN {within} AND ycrq = ''",
)


def section_queries(within: str, **parameters: Any) -> list[Query]:
    """Every section's statement for the credit codes ``within`` selects."""
    return [query(sql.format(within=within), **parameters) for sql in _SECTIONS]


def institutions(sections: Sequence[Rows]) -> dict[str, Institution]:
    """Assemble the rows of ``section_queries`` into institutions by credit code."""
    basics, domains, supervisors, licences, courses, staff, inspections, notices, tips, listed = (
        sections
    )
    domains_of, supervisors_of = _grouped(domains), _grouped(supervisors)
    licence_of = {row["tyshxydm"]: row for row in licences}
    courses_of, staff_of = _grouped(courses), _grouped(staff)
    inspections_of, tips_of = _grouped(inspections), _grouped(tips)
    notices_of: defaultdict[int, list[RectificationNotice]] = defaultdict(list)
    for row in notices:
        notices_of[row["jcid"]].append(_notice(row))
    blacklisted = {row["tyshxydm"] for row in listed}
    found = {}
    for row in basics:
        code = row["tyshxydm"]
        found[code] = Institution(
            credit_code=code,
            name=row["jgmc"],
            region=row["xzqh"],
            category=decode(CATEGORIES, row["jglb"], "jg_jbxx.jglb"),
            domains=tuple(decode(DOMAINS, r["pxly"], "jg_pxly.pxly") for r in domains_of[code]),
            supervisors=tuple(
                decode(SUPERVISORS, r["zgbm"], "jg_zgbm.zgbm") for r in supervisors_of[code]
            ),
            license=_licence(licence_of[code]) if code in licence_of else None,
            courses=tuple(_course(r) for r in courses_of[code]),
            staff=tuple(staff_member(r) for r in staff_of[code]),
            inspections=tuple(
                Inspection(
                    inspected_on=required_ymd(r["jcrq"], "jcjl.jcrq"),
                    inspector=r["jcry"],
                    result=decode(INSPECTION_RESULTS, r["jcjg"], "jcjl.jcjg"),
                    notices=tuple(notices_of[r["jcid"]]),
                )
                for r in inspections_of[code]
            ),
            tip_offs=tuple(_tip_off(r) for r in tips_of[code]),
            blacklisted=code in blacklisted,
        )
    return found


def staff_member(row: dict[str, Any]) -> StaffMember:
    return StaffMember(
        name=row["xm"],
        id_number=row["sfzh"],
        position=decode(POSITIONS, row["gwlb"], "jzg.gwlb"),
        teacher_certificate=row["jszgzh"] or None,
        credit_code=row["tyshxydm"],
    )


def _grouped(rows: Iterable[dict[str, Any]]) -> defaultdict[str, list[dict[str, Any]]]:
    by_code: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_code[row["tyshxydm"]].append(row)
    return by_code


def _licence(row: dict[str, Any]) -> SchoolLicense:
    return SchoolLicense(
        number=row["xkzh"],
        status=decode(LICENSE_STATUSES, row["xkzzt"], "bxxkz.xkzzt"),
        issued_on=ymd(row["fzrq"], "bxxkz.fzrq"),
        valid_until=ymd(row["yxqz"], "bxxkz.yxqz"),
    )


def _course(row: dict[str, Any]) -> Course:
    return Course(
        name=row["kcmc"],
        subject=decode({"1": True, "0": False}, row["sfxk"], "kc.sfxk"),
        hours=row["zks"],
        price=fen(row["sfbz"], "kc.sfbz"),
        prepaid_limit_months=row["yszdys"] or None,
        teacher_id_number=row["jssfzh"] or None,
        prepaid_limit_lessons=row["yszdks"] or None,
    )


def _notice(row: dict[str, Any]) -> RectificationNotice:
    return RectificationNotice(
        issued_on=required_ymd(row["xdrq"], "zgtzs.xdrq"),
        deadline=required_ymd(row["zgqx"], "zgtzs.zgqx"),
        status=decode(NOTICE_STATUSES, row["zgzt"], "zgtzs.zgzt"),
        content=row["zgnr"],
    )


def _tip_off(row: dict[str, Any]) -> TipOff:
    return TipOff(
        received_on=required_ymd(row["jbrq"], "jb.jbrq"),
        content=row["jbnr"],
        reporter=row["jbrxm"] or None,
        status=decode(TIP_OFF_STATUSES, row["blzt"], "jb.blzt"),
    )
