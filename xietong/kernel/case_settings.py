"""The settings of joint cases: who numbers notices how, and the working calendar
a referral's answer is due by (``XIETONG_CASE_*``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from xietong.kernel.errors import ConfigError

DEFAULT_NOTICE_PREFIXES = {
    "EDUCATION": "汴教",
    "MARKET_SUPERVISION": "汴市监",
    "FIRE_SAFETY": "汴消",
}
"""Kaifeng's (汴) bureaus, as the demo's city: education, market supervision, fire."""
DEFAULT_REFERRAL_DAYS = 10
"""Working days a department has to accept or return a referral (the seeds'
"feedback within 10 working days")."""
DEFAULT_SWEEP_SECONDS = 300.0
"""How often a hub looks for referrals gone overdue and risks gone up."""
DEFAULT_ATTACHMENT_BYTES = 10 * 1024 * 1024
DEFAULT_CASE_ATTACHMENT_BYTES = 50 * 1024 * 1024
LIVE_BUSES = ("postgres", "redis", "memory")


@dataclass(frozen=True, slots=True)
class CaseSettings:
    notice_prefixes: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_NOTICE_PREFIXES)
    )
    """``XIETONG_CASE_NOTICE_PREFIXES``: department = abbreviation, comma separated
    (``EDUCATION=汴教,MARKET_SUPERVISION=汴市监,FIRE_SAFETY=汴消``): a notice of
    education in 2026 is then numbered ``汴教整改〔2026〕31号``."""
    referral_days: int = DEFAULT_REFERRAL_DAYS
    """``XIETONG_CASE_REFERRAL_DAYS``."""
    holidays: frozenset[date] = frozenset()
    """``XIETONG_CASE_HOLIDAYS``: dates (YYYY-MM-DD, comma separated) that are not
    working days although on a weekday (the State Council's public holidays)."""
    workdays: frozenset[date] = frozenset()
    """``XIETONG_CASE_WORKDAYS``: weekend dates that are working days (调休)."""
    sweep_seconds: float = DEFAULT_SWEEP_SECONDS
    """``XIETONG_CASE_SWEEP_SECONDS``: how often one of the workers looks for
    referrals gone overdue and institutions whose risk went up (0: never)."""
    live_bus: str = ""
    """``XIETONG_LIVE_BUS``: ``postgres``, ``redis`` or ``memory``; empty: PostgreSQL
    when it is the store, else Redis when configured, else this process only."""
    attachment_bytes: int = DEFAULT_ATTACHMENT_BYTES
    """``XIETONG_CASE_ATTACHMENT_BYTES``: the largest attachment file."""
    case_attachment_bytes: int = DEFAULT_CASE_ATTACHMENT_BYTES
    """``XIETONG_CASE_ATTACHMENTS_PER_CASE_BYTES``: all the attachments of one case."""
    attachments_dir: Path | None = None
    """``XIETONG_CASE_ATTACHMENTS_DIR``: keep attachment bytes in this directory (by
    SHA-256) instead of the hub store."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> CaseSettings:
        default = cls()
        raw_days = env.get("XIETONG_CASE_REFERRAL_DAYS")
        if raw_days and not (raw_days.isdigit() and 1 <= int(raw_days) <= 366):
            raise ConfigError(
                f"XIETONG_CASE_REFERRAL_DAYS={raw_days!r} is not a number of working days (1-366)"
            )
        return cls(
            notice_prefixes=_prefixes(env.get("XIETONG_CASE_NOTICE_PREFIXES"))
            or default.notice_prefixes,
            referral_days=int(raw_days) if raw_days else default.referral_days,
            holidays=_dates(env, "XIETONG_CASE_HOLIDAYS"),
            workdays=_dates(env, "XIETONG_CASE_WORKDAYS"),
            sweep_seconds=_number(env, "XIETONG_CASE_SWEEP_SECONDS", DEFAULT_SWEEP_SECONDS),
            live_bus=_bus(env.get("XIETONG_LIVE_BUS", "")),
            attachment_bytes=int(
                _number(env, "XIETONG_CASE_ATTACHMENT_BYTES", DEFAULT_ATTACHMENT_BYTES)
            ),
            case_attachment_bytes=int(
                _number(
                    env, "XIETONG_CASE_ATTACHMENTS_PER_CASE_BYTES", DEFAULT_CASE_ATTACHMENT_BYTES
                )
            ),
            attachments_dir=Path(raw_dir)
            if (raw_dir := env.get("XIETONG_CASE_ATTACHMENTS_DIR"))
            else None,
        )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"{name}={raw!r} is not a number (0 or more)")
    return value


def _bus(raw: str) -> str:
    choice = raw.strip().lower()
    if choice and choice not in LIVE_BUSES:
        raise ConfigError(f"XIETONG_LIVE_BUS={raw!r}: use one of {', '.join(LIVE_BUSES)}")
    return choice


def _prefixes(raw: str | None) -> dict[str, str]:
    prefixes: dict[str, str] = {}
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        department, equals, abbreviation = item.partition("=")
        if not equals or not department.strip() or not abbreviation.strip():
            raise ConfigError(
                f"XIETONG_CASE_NOTICE_PREFIXES: {item!r} is not DEPARTMENT=abbreviation"
            )
        prefixes[department.strip().upper()] = abbreviation.strip()
    return prefixes


def _dates(env: Mapping[str, str], name: str) -> frozenset[date]:
    found: set[date] = set()
    for item in env.get(name, "").split(","):
        if not item.strip():
            continue
        try:
            found.add(date.fromisoformat(item.strip()))
        except ValueError:
            raise ConfigError(f"{name}: {item.strip()!r} is not a date (YYYY-MM-DD)") from None
    return frozenset(found)
