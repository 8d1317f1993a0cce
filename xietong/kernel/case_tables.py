"""The hub-owned tables of joint cases (``xietong.cases``): the case, its timeline
and the per-department, per-year counter that numbers rectification notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xietong.kernel.store import Base


class Case(Base):
    """A piece of joint work: a rectification notice, a referral, later a tip-off,
    a complaint or an inspection. Kind-specific content lives in ``details``."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    number: Mapped[str | None] = mapped_column(String(60), unique=True)
    """The official number of a notice (``汴教整改〔2026〕31号``)."""
    opened_by_department: Mapped[str] = mapped_column(String(40))
    responsible: Mapped[str] = mapped_column(String(40))
    """The department answerable for the case now: the first contact until a
    referral is accepted (首接负责制)."""
    assigned_to: Mapped[str] = mapped_column(String(40), index=True)
    """Whose inbox the case is in: the referral's target while one is pending."""
    referred_by: Mapped[str | None] = mapped_column(String(40))
    answer_due: Mapped[date | None] = mapped_column(Date)
    """The last working day to accept or return the pending referral."""
    involved: Mapped[list[str]]
    """Every department the case ever involved: those that may see it."""
    details: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)

    timeline: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id")


class CaseEvent(Base):
    """One step of a case's timeline: who did what, when, from which client."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    """The case's status after the step."""
    department: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class CaseCounter(Base):
    """The last number a department gave a notice in a year; bumped in the
    notice's own transaction, so numbers are gapless and never given twice."""

    __tablename__ = "case_counters"

    department: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class ReporterKey(Base):
    """A key that seals tip-off reporters (AES-256-GCM); the newest seals, every
    one stays to open what it sealed. ``xietong migrate`` makes the first,
    ``xietong keys rotate`` a new one."""

    __tablename__ = "case_reporter_keys"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    """Hex of 32 random bytes."""
    created_at: Mapped[datetime]


class RiskLevelSeen(Base):
    """The risk level last announced for an institution: ``riskRaised`` is sent when
    a new assessment is higher, once, whichever worker makes it."""

    __tablename__ = "live_risk_levels"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    region: Mapped[str] = mapped_column(String(6), index=True)
    level: Mapped[str] = mapped_column(String(8))
    assessed_at: Mapped[datetime]


class OverdueAnnounced(Base):
    """A referral whose overdue ``caseAssigned`` was sent (once per due day)."""

    __tablename__ = "live_overdue_notices"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    answer_due: Mapped[date] = mapped_column(Date, primary_key=True)
    announced_at: Mapped[datetime]


class SweepLease(Base):
    """When a periodic sweep is due next: the worker that moves it on runs it."""

    __tablename__ = "live_sweeps"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    due_at: Mapped[datetime]


class AttachmentBlob(Base):
    """An attachment's bytes, addressed by their SHA-256; stored once whatever the
    number of cases that cite them. ``data`` is null when they live in the
    configured directory instead (``XIETONG_CASE_ATTACHMENTS_DIR``)."""

    __tablename__ = "case_attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime]


class CaseAttachment(Base):
    """An attachment of a case, as declared when the case was recorded; its bytes
    are uploaded afterwards (``uploaded_at`` null until then)."""

    __tablename__ = "case_attachments"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime | None]
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
