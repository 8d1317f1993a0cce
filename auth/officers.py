"""Officer accounts (``officers`` table): the people who sign in to the console.

An officer has one department, one region (the row scope) and one role, exactly
like a client; the console's tokens carry them (``sub`` = the username). Passwords
are argon2id hashes (argon2-cffi); an optional TOTP secret (pyotp, RFC 6238) adds
a second factor. A disabled officer keeps the row: usernames are never reused, so
the access log and the review signatures stay unambiguous.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from xietong.auth.clock import Clock, as_utc, utc_now
from xietong.auth.identity_errors import (
    OfficerRegistrationError,
    SignInError,
    UnknownOfficerError,
)
from xietong.auth.roles import KNOWN_ROLES
from xietong.domain.departments import Department
from xietong.kernel.db import lookup
from xietong.kernel.identifiers import region_code_error
from xietong.kernel.store import Officer

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD_LENGTH = 10
SIGN_IN_REFUSED = "用户名、密码或动态口令不正确"
"""The one answer to a refused sign-in (wrong name, password, code, or disabled)."""

EXTERNAL_ACCOUNT = "!external"
"""The password hash of an account an external provider signs in: no password matches it."""

_HASHER = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 "low memory" profile
_DUMMY_HASH = _HASHER.hash("a password no officer has")
"""Checked against when the username is unknown, so the answer takes as long."""


@dataclass(frozen=True, slots=True)
class OfficerRecord:
    username: str
    name: str
    department: Department
    roles: tuple[str, ...]
    region: str
    created_at: datetime
    disabled_at: datetime | None
    password_hash: str = field(repr=False)
    totp_secret: str | None = field(repr=False)

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None


class OfficerRegistry:
    """Adds, lists, disables and signs in officers.

    ``active`` is asked on every console request (through the token verifier), so
    disabling an officer ends their access at once on every worker.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utc_now,
        lookup_engine: Engine | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._lookup_engine = lookup_engine

    async def add(
        self,
        username: str,
        *,
        name: str,
        department: Department | str,
        role: str,
        region: str,
        password: str,
        totp_secret: str | None = None,
    ) -> OfficerRecord:
        """Create an account; raises ``OfficerRegistrationError`` naming what is wrong.

        Example::

            await officers.add("wang.fang", name="王芳", department="EDUCATION",
                               role="education.supervisor", region="410200",
                               password="a long passphrase")
        """
        checked = _checked(username, name, department, role, region)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise OfficerRegistrationError(
                f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
            )
        if totp_secret is not None:
            try:
                pyotp.TOTP(totp_secret).now()
            except (ValueError, TypeError):
                raise OfficerRegistrationError("the TOTP secret is not base32") from None
        row = Officer(
            username=username,
            **checked,
            # argon2 is slow on purpose; keep it off the event loop.
            password_hash=await asyncio.to_thread(_HASHER.hash, password),
            totp_secret=totp_secret,
            created_at=self._clock(),
            disabled_at=None,
        )
        try:
            async with self._sessions() as session, session.begin():
                if await session.get(Officer, username) is not None:
                    raise _exists(username)
                session.add(row)
        except IntegrityError:
            raise _exists(username) from None
        return _record(row)

    async def get(self, username: str) -> OfficerRecord | None:
        if _USERNAME.fullmatch(username) is None:
            return None
        async with self._sessions() as session:
            row = await session.get(Officer, username)
            return _record(row) if row is not None else None

    async def active(self, username: str) -> OfficerRecord:
        """The officer, if the account exists and is enabled; raises otherwise."""
        if self._lookup_engine is None or _USERNAME.fullmatch(username) is None:
            record = await self.get(username)
        else:
            record = await asyncio.to_thread(_read_officer, self._lookup_engine, username)
        if record is None or not record.enabled:
            raise UnknownOfficerError(f"officer '{username[:64]}' is unknown or disabled")
        return record

    async def list_all(self) -> list[OfficerRecord]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(Officer).order_by(Officer.username))).all()
            return [_record(row) for row in rows]

    async def disable(self, username: str) -> OfficerRecord:
        """Disable an account at once (its console sessions stop on their next request)."""
        async with self._sessions() as session, session.begin():
            row = await session.get(Officer, username)
            if row is None:
                raise UnknownOfficerError(f"no officer has the username '{username}'")
            if row.disabled_at is None:
                row.disabled_at = self._clock()
            return _record(row)

    async def provision_external(
        self,
        username: str,
        *,
        name: str,
        department: Department | str,
        role: str,
        region: str,
    ) -> OfficerRecord:
        """The account of an officer a trusted external provider vouched for, created
        or brought up to date from its claims (it has no password here: only that
        provider signs it in). A disabled account stays disabled: an operator's
        ``officers disable`` holds whatever the provider says."""
        checked = _checked(username, name, department, role, region)
        async with self._sessions() as session, session.begin():
            row = await session.get(Officer, username)
            if row is None:
                row = Officer(
                    username=username,
                    password_hash=EXTERNAL_ACCOUNT,
                    totp_secret=None,
                    created_at=self._clock(),
                    disabled_at=None,
                    **checked,
                )
                session.add(row)
            elif row.disabled_at is not None:
                raise SignInError(SIGN_IN_REFUSED)
            else:
                for field_name, value in checked.items():
                    setattr(row, field_name, value)
            return _record(row)

    async def sign_in(self, username: str, password: str, code: str = "") -> OfficerRecord:
        """The officer whose password (and TOTP code, if they have one) this is;
        raises ``SignInError`` with one message whatever was wrong."""
        record = await self.get(username.strip().lower())
        stored = record.password_hash if record is not None else _DUMMY_HASH
        if not await asyncio.to_thread(_password_matches, stored, password):
            raise SignInError(SIGN_IN_REFUSED)
        if record is None or not record.enabled:
            raise SignInError(SIGN_IN_REFUSED)
        if record.totp_secret is not None and not pyotp.TOTP(record.totp_secret).verify(
            code.strip(), valid_window=1
        ):
            raise SignInError(SIGN_IN_REFUSED)
        return record


def _checked(
    username: str, name: str, department: Department | str, role: str, region: str
) -> dict[str, Any]:
    """The account's columns, checked; raises ``OfficerRegistrationError`` naming what is wrong."""
    if _USERNAME.fullmatch(username) is None:
        raise OfficerRegistrationError(
            f"username {username!r} is not valid: use 1-64 lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    name = name.strip()
    if not name or len(name) > 100:
        raise OfficerRegistrationError("the officer's name must have 1-100 characters")
    try:
        dept = Department(department)
    except ValueError:
        known = ", ".join(member.value for member in Department)
        raise OfficerRegistrationError(
            f"unknown department {department!r}; use one of {known}"
        ) from None
    if role not in KNOWN_ROLES or role == "admin":
        usable = ", ".join(r for r in KNOWN_ROLES if r != "admin")
        raise OfficerRegistrationError(f"unknown role {role!r}; officers may hold {usable}")
    problem = region_code_error(region)
    if problem is not None:
        raise OfficerRegistrationError(f"region {region!r} is not valid: {problem}")
    return {"name": name, "department": dept.value, "roles": [role], "region": region}


def _password_matches(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _exists(username: str) -> OfficerRegistrationError:
    return OfficerRegistrationError(f"an officer '{username}' already exists")


def _read_officer(engine: Engine, username: str) -> OfficerRecord | None:
    def read(connection: Connection) -> OfficerRecord | None:
        with Session(connection) as session:
            row = session.get(Officer, username)
            return _record(row) if row is not None else None

    return lookup(engine, read)


def _record(row: Officer) -> OfficerRecord:
    return OfficerRecord(
        username=row.username,
        name=row.name,
        department=Department(row.department),
        roles=tuple(row.roles),
        region=row.region,
        created_at=as_utc(row.created_at),
        disabled_at=as_utc(row.disabled_at) if row.disabled_at is not None else None,
        password_hash=row.password_hash,
        totp_secret=row.totp_secret,
    )
