"""The client registry over the ``clients`` table: who may ask the hub for tokens.

A client is a department system or officer with one department, one region (its
row scope) and one or more roles. It authenticates with a secret
(``client_secret_basic``, stored as an scrypt hash) or with a key from its
registered public JWKS (``private_key_jwt``), or either. A disabled client keeps
its row (ids are never reused, so the audit log stays unambiguous).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey
from sqlalchemy import Engine, Row, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.auth.client_secrets import MIN_SECRET_LENGTH, hash_secret
from xietong.auth.clock import Clock, as_utc, utc_now
from xietong.auth.identity_errors import (
    ClientExistsError,
    ClientRegistrationError,
    DisabledClientError,
    UnknownClientError,
)
from xietong.auth.roles import KNOWN_ROLES, unknown_roles
from xietong.domain.departments import Department
from xietong.kernel.db import lookup
from xietong.kernel.identifiers import region_code_error
from xietong.kernel.store import Client

# No ":" (it splits HTTP Basic credentials) and nothing that needs quoting in
# error messages or WWW-Authenticate headers.
_CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")

SECRET_BASIC = "client_secret_basic"
PRIVATE_KEY_JWT = "private_key_jwt"


@dataclass(frozen=True, slots=True)
class ClientRecord:
    client_id: str
    name: str
    department: Department
    roles: tuple[str, ...]
    region: str
    secret_hash: str | None = field(repr=False)
    jwks: dict[str, Any] | None
    created_at: datetime
    disabled_at: datetime | None
    trusted_documents_only: bool = False
    """Runs only the documents registered for it (``auth.trusted_documents``)."""

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None

    @property
    def auth_methods(self) -> tuple[str, ...]:
        """The token endpoint authentication methods this client can use."""
        methods = []
        if self.secret_hash is not None:
            methods.append(SECRET_BASIC)
        if self.jwks is not None:
            methods.append(PRIVATE_KEY_JWT)
        return tuple(methods)


class ClientRegistry:
    """Adds, lists, reads and disables clients.

    Reads are not cached: the verifier asks ``active`` on every request so that a
    disabled client's tokens stop working at once on every worker. With a
    ``lookup_engine`` (synchronous) that read is one hand-off to a worker thread
    instead of an async driver's several.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utc_now,
        lookup_engine: Engine | None = None,
    ):
        self._sessions = sessions
        self._clock = clock
        self._lookup_engine = lookup_engine

    async def add(
        self,
        client_id: str,
        *,
        name: str,
        department: Department | str,
        roles: Iterable[str],
        region: str,
        secret: str | None = None,
        jwks: Mapping[str, Any] | None = None,
    ) -> ClientRecord:
        """Register a client; raises ``ClientRegistrationError`` naming what is wrong.

        Example::

            await registry.add("edu-kaifeng", name="Kaifeng education bureau",
                               department="EDUCATION", roles=["education.supervisor"],
                               region="410200", secret=generate_secret())
        """
        row = Client(
            client_id=_checked_client_id(client_id),
            name=_checked_name(name),
            department=_checked_department(department).value,
            roles=list(_checked_roles(roles)),
            region=_checked_region(region),
            secret_hash=None,
            jwks=_checked_jwks(jwks) if jwks is not None else None,
            created_at=self._clock(),
            disabled_at=None,
        )
        if secret is None and jwks is None:
            raise ClientRegistrationError(
                "give the client a secret or a public JWKS, or it can never get a token"
            )
        if secret is not None:
            # scrypt is slow on purpose; keep it off the event loop.
            row.secret_hash = await asyncio.to_thread(hash_secret, _checked_secret(secret))
        record = _record(row)
        try:
            async with self._sessions() as session, session.begin():
                if await session.get(Client, row.client_id) is not None:
                    raise _exists(row.client_id)
                session.add(row)
        except IntegrityError:  # a concurrent add of the same id won the race
            raise _exists(row.client_id) from None
        return record

    async def get(self, client_id: str) -> ClientRecord | None:
        async with self._sessions() as session:
            row = await session.get(Client, client_id)
            return _record(row) if row is not None else None

    async def active(self, client_id: str) -> ClientRecord:
        """The client, if it exists and is enabled; raises otherwise."""
        if self._lookup_engine is None:
            record = await self.get(client_id)
        else:
            record = await asyncio.to_thread(_read_client, self._lookup_engine, client_id)
        if record is None:
            raise UnknownClientError(f"no client is registered as '{client_id}'")
        if not record.enabled:
            raise DisabledClientError(f"client '{client_id}' is disabled")
        return record

    async def list_all(self) -> list[ClientRecord]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(Client).order_by(Client.client_id))).all()
            return [_record(row) for row in rows]

    async def disable(self, client_id: str) -> ClientRecord:
        """Disable a client at once; disabling a disabled client changes nothing."""
        async with self._sessions() as session, session.begin():
            row = await session.get(Client, client_id)
            if row is None:
                raise UnknownClientError(f"no client is registered as '{client_id}'")
            if row.disabled_at is None:
                row.disabled_at = self._clock()
            return _record(row)

    async def require_trusted_documents(self, client_id: str, *, only: bool) -> ClientRecord:
        """Let the client run only its registered documents (``only``), or any
        document again; takes effect on its next request, on every worker."""
        async with self._sessions() as session, session.begin():
            row = await session.get(Client, client_id)
            if row is None:
                raise UnknownClientError(f"no client is registered as '{client_id}'")
            row.trusted_documents_only = only
            return _record(row)


def is_client_id(value: str) -> bool:
    """Whether ``value`` could name a client (say no before asking the database)."""
    return _CLIENT_ID.fullmatch(value) is not None


def _checked_client_id(client_id: str) -> str:
    if not is_client_id(client_id):
        raise ClientRegistrationError(
            f"client id {client_id!r} is not valid: use 1-100 letters, digits, '.', '_' "
            "or '-', starting with a letter or digit"
        )
    return client_id


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise ClientRegistrationError("the client name must have 1-200 characters")
    return name


def _checked_department(department: Department | str) -> Department:
    try:
        return Department(department)
    except ValueError:
        known = ", ".join(member.value for member in Department)
        raise ClientRegistrationError(
            f"unknown department {department!r}; use one of {known}"
        ) from None


def _checked_roles(roles: Iterable[str]) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(roles))
    if not unique:
        raise ClientRegistrationError("give the client at least one role")
    unknown = unknown_roles(unique)
    if unknown:
        raise ClientRegistrationError(
            f"unknown role(s) {', '.join(unknown)}; known roles: {', '.join(KNOWN_ROLES)}"
        )
    return unique


def _checked_region(region: str) -> str:
    error = region_code_error(region)
    if error is not None:
        raise ClientRegistrationError(f"region {region!r} is not valid: {error}")
    return region


def _checked_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET_LENGTH:
        raise ClientRegistrationError(
            f"the client secret must have at least {MIN_SECRET_LENGTH} characters"
        )
    return secret


def _checked_jwks(jwks: Mapping[str, Any]) -> dict[str, Any]:
    """Only public asymmetric keys: a JWKS is published material, and an HMAC
    key here would be a shared secret stored in the clear."""
    try:
        key_set = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
    except (JoseError, KeyError, TypeError, ValueError) as error:
        raise ClientRegistrationError(f"the JWKS cannot be read: {error}") from None
    for key in key_set:
        if isinstance(key, OctKey):
            raise ClientRegistrationError("the JWKS holds a symmetric key; register public keys")
        if key.is_private:
            raise ClientRegistrationError(
                "the JWKS holds a private key; register only the public half"
            )
    return {"keys": [dict(key.as_dict(private=False)) for key in key_set]}


def _exists(client_id: str) -> ClientExistsError:
    return ClientExistsError(f"a client '{client_id}' is already registered")


_CLIENT_BY_ID = select(*Client.__table__.columns).where(
    Client.__table__.c.client_id == bindparam("client_id")
)
"""The client's row, read as columns: loaded through the ORM (identity map, instance)
the same read costs about twice the CPU, and nothing here changes the row."""


def _read_client(engine: Engine, client_id: str) -> ClientRecord | None:
    row = lookup(
        engine,
        lambda connection: connection.execute(
            _CLIENT_BY_ID, {"client_id": client_id}
        ).one_or_none(),
    )
    return _record(row) if row is not None else None


def _record(row: Client | Row[Any]) -> ClientRecord:
    return ClientRecord(
        client_id=row.client_id,
        name=row.name,
        department=Department(row.department),
        roles=tuple(row.roles),
        region=row.region,
        secret_hash=row.secret_hash,
        jwks=dict(row.jwks) if row.jwks is not None else None,
        created_at=as_utc(row.created_at),
        disabled_at=as_utc(row.disabled_at) if row.disabled_at is not None else None,
        trusted_documents_only=bool(row.trusted_documents_only),
    )
