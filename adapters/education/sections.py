"""The education platform's tables → canonical ``Institution`` (source format ``education``).

Glossary (native → canonical; the platform's own is ``sandbox.schemas.education``):

- ``jg_jbxx`` 机构基本信息: ``tyshxydm`` credit_code, ``jgmc`` name, ``xzqh`` region,
  ``bxdz`` address, ``jglb`` category (``1`` SUBJECT 学科类, ``2`` NON_SUBJECT 非学科类)
- ``jg_pxly`` ``pxly`` domains: ``01`` ACADEMIC, ``02`` SPORTS, ``03`` CULTURE_ART,
  ``04`` SCIENCE_TECHNOLOGY
- ``jg_zgbm`` ``zgbm`` supervisors: ``1`` EDUCATION, ``2`` CULTURE_TOURISM,
  ``3`` SCIENCE_TECHNOLOGY, ``4`` SPORTS
- ``bxxkz`` 办学许可证 license: ``xkzh`` number, ``xkzzt`` status (``1`` VALID,
  ``2`` SUSPENDED, ``3`` REVOKED, ``4`` EXPIRED), ``fzrq`` issued_on, ``yxqz`` valid_until
- ``kc`` courses: ``kcmc`` name, ``sfxk`` subject, ``zks`` hours, ``sfbz`` price (fen →
  yuan, the whole course), ``yszdys``/``yszdks`` prepaid_limit_months/lessons (0: none),
  ``jssfzh`` teacher_id_number, ``pxly`` domain (codes as ``jg_pxly``)
- ``jzg`` staff: ``xm`` name, ``sfzh`` id_number, ``gwlb`` position (``1`` head,
  ``2`` teacher, ``3`` teaching assistant, ``4`` administration, ``5`` finance),
  ``jszgzh`` teacher_certificate (empty: none)
- ``jcjl`` inspections: ``jcrq`` inspected_on, ``jcry`` inspector, ``jcjg`` result
  (``1`` PASSED, ``2`` RECTIFICATION_ORDERED, ``3`` FAILED); ``zgtzs`` 整改通知书 their
  notices by ``jcid``: ``xdrq`` issued_on, ``zgqx`` deadline, ``zgzt`` status (``0`` OPEN,
  ``1`` CLOSED), ``zgnr`` content
- ``jb`` 举报 tip_offs: ``jbrq`` received_on, ``jbnr`` content, ``jbrxm`` reporter,
  ``blzt`` status (``0`` NEW, ``1`` IN_PROGRESS, ``2`` CLOSED)
- ``hmd`` 黑名单 blacklist: ``lrrq`` listed_on, ``lrjg`` listed_by, ``lryy`` reason,
  ``ycrq`` until (empty: no end); every entry, past ones too
- ``cyjz`` 从业禁止 barred_staff: roster members (``jzg.sfzh``) with a bar: ``jzrq``
  barred_on, ``jzjg`` barred_by, ``jzyy`` reason, ``jzqx`` until (empty: for life)

Not carried: ``jgzt`` (operating status; the licence status says it),
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
    BarredPerson,
    BlacklistEntry,
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

APART = "\x1f"
"""Between the values of a column joined in one (``string_agg``: a roster's ID numbers, an
institution's domains): the unit separator, which no code nor ID number holds."""
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
    "SELECT tyshxydm, jgmc, xzqh, jglb, bxdz FROM jg_jbxx WHERE tyshxydm IN {within}",
    "SELECT tyshxydm, pxly FROM jg_pxly WHERE tyshxydm IN {within} ORDER BY pxly",
    "SELECT tyshxydm, zgbm FROM jg_zgbm WHERE tyshxydm IN {within} ORDER BY zgbm",
    "SELECT tyshxydm, xkzh, xkzzt, fzrq, yxqz FROM bxxkz WHERE tyshxydm IN {within}",
    "SELECT tyshxydm, kcmc, sfxk, zks, sfbz, yszdys, yszdks, jssfzh, pxly FROM kc"
    " WHERE tyshxydm IN {within} ORDER BY kcid",
    f"SELECT {STAFF_COLUMNS} FROM jzg WHERE tyshxydm IN {{within}} ORDER BY jzgid",
    "SELECT tyshxydm, jcid, jcrq, jcry, jcjg FROM jcjl"
    " WHERE tyshxydm IN {within} ORDER BY jcrq, jcid",
    "SELECT tyshxydm, jcid, xdrq, zgqx, zgzt, zgnr FROM zgtzs"
    " WHERE tyshxydm IN {within} ORDER BY xdrq, tzsid",
    "SELECT tyshxydm, jbrq, jbnr, jbrxm, blzt FROM jb"
    " WHERE tyshxydm IN {within} ORDER BY jbrq, jbid",
    "SELECT tyshxydm, lrrq, lrjg, lryy, ycrq FROM hmd WHERE tyshxydm IN {within}"
    " ORDER BY lrrq, hmdid",
    "SELECT j.tyshxydm, c.sfzh, c.xm, c.jzrq, c.jzjg, c.jzyy, c.jzqx"
    " FROM jzg j JOIN cyjz c ON c.sfzh = j.sfzh WHERE j.tyshxydm IN {within}"
    " ORDER BY c.jzrq, c.cyjzid",
)


def section_queries(within: str, **parameters: Any) -> list[Query]:
    """Every section's statement for the credit codes ``within`` selects."""
    return [query(sql.format(within=within), **parameters) for sql in _SECTIONS]


def institutions(sections: Sequence[Rows]) -> dict[str, Institution]:
    """Assemble the rows of ``section_queries`` into institutions by credit code."""
    (
        basics, domains, supervisors, licences, courses, staff, inspections, notices, tips,
        listed, barred,
    ) = sections  # fmt: skip
    domains_of, supervisors_of = _grouped(domains), _grouped(supervisors)
    licence_of = {row["tyshxydm"]: row for row in licences}
    courses_of, staff_of = _grouped(courses), _grouped(staff)
    inspections_of, tips_of = _grouped(inspections), _grouped(tips)
    notices_of: defaultdict[int, list[RectificationNotice]] = defaultdict(list)
    for row in notices:
        notices_of[row["jcid"]].append(_notice(row))
    listed_of, barred_of = _grouped(listed), _grouped(barred)
    found = {}
    for row in basics:
        code = row["tyshxydm"]
        found[code] = Institution(
            credit_code=code,
            name=row["jgmc"],
            region=row["xzqh"],
            address=row["bxdz"],
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
            blacklist=tuple(_blacklist_entry(r) for r in listed_of[code]),
            barred_staff=tuple(_barred(r) for r in barred_of[code]),
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
        domain=decode(DOMAINS, row["pxly"], "kc.pxly"),
    )


def _blacklist_entry(row: dict[str, Any]) -> BlacklistEntry:
    return BlacklistEntry(
        listed_on=required_ymd(row["lrrq"], "hmd.lrrq"),
        listed_by=row["lrjg"],
        reason=row["lryy"],
        until=ymd(row["ycrq"], "hmd.ycrq"),
    )


def _barred(row: dict[str, Any]) -> BarredPerson:
    return BarredPerson(
        name=row["xm"],
        id_number=row["sfzh"],
        barred_on=required_ymd(row["jzrq"], "cyjz.jzrq"),
        barred_by=row["jzjg"],
        reason=row["jzyy"],
        until=ymd(row["jzqx"], "cyjz.jzqx"),
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
