"""Settings read from the environment, with safe defaults.

Every command uses the same data directory (``./.xietong`` unless ``--data-dir``
or ``XIETONG_DATA_DIR`` says otherwise), so ``demo``, ``serve`` and ``audit verify``
work together in one folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many

from xietong.kernel.case_settings import CaseSettings
from xietong.kernel.config_file import variables_of
from xietong.kernel.errors import ConfigError

DEFAULT_DATA_DIR = Path(".xietong")
DEFAULT_RATE_LIMIT = "20/second;600/minute"
"""Per client: a partner system in a loop is stopped within a second, a busy
officer's GraphiQL session is not."""
DEFAULT_TOKEN_RATE_LIMIT = "2/second;30/minute"
"""Per address, at ``/oauth/token``: a partner needs a token every quarter of an hour;
each try costs the hub a deliberately slow secret check (scrypt)."""
DEFAULT_PLAN_TTL = 30.0
"""Long enough to page through a filter's answer, short enough to stay current."""
DEFAULT_CHECKPOINT_EVERY = 1000
DEFAULT_CHECKPOINT_SECONDS = 60.0
"""A signed checkpoint of the access log at least every 1,000 events or every
minute, whichever comes first (and only when the head moved)."""
DATA_DIR_CONFIG = "xietong.toml"
"""The configuration file every command in a data directory reads when
``XIETONG_CONFIG`` names none (``xietong demo`` writes its issuer there, so that
``xietong token`` signs for the demo's port)."""
DEFAULT_RELOAD_SECONDS = 2.0
"""A changed policy is in force within two seconds; looking costs two small reads."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_FIELD_NAME = re.compile(r"[a-z][a-zA-Z0-9]{0,39}")
SHIPPED_POLICY = Path(__file__).resolve().parent.parent / "auth" / "policy.toml"


@dataclass(frozen=True, slots=True)
class QueryLimits:
    depth: int = 10
    aliases: int = 30
    tokens: int = 5000
    """A joint page with every section is about 160 tokens; 30 aliased lookups of
    one institution with every section about 4 800."""
    cost: int = 500_000
    """A 100-institution joint page with every section is about 210 000; the same
    page of 500, or lists nested under lists under a page, is over a million."""


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    sources_file: Path
    policy_file: Path
    redis_url: str | None
    issuer: str
    audience: str
    token_ttl_seconds: int
    demo: bool
    reference_date: date | None = None
    """``XIETONG_REFERENCE_DATE`` (YYYY-MM-DD): judge "overdue"/"expired" as of this
    day instead of today; the demo sets it to the sandbox's reference date."""
    query_limits: QueryLimits = field(default_factory=QueryLimits)
    """``XIETONG_MAX_DEPTH``, ``_MAX_ALIASES``, ``_MAX_TOKENS``, ``_MAX_COST``."""
    rate_limit: str = DEFAULT_RATE_LIMIT
    """``XIETONG_RATE_LIMIT``: requests per client, e.g. ``20/second;600/minute``
    (the ``limits`` library's notation)."""
    rate_limit_prefix: str = "xietong"
    """``XIETONG_RATE_LIMIT_PREFIX``: Redis key prefix, for hubs sharing one Redis."""
    token_rate_limit: str = DEFAULT_TOKEN_RATE_LIMIT
    """``XIETONG_TOKEN_RATE_LIMIT``: token requests per address."""
    plan_ttl: float = DEFAULT_PLAN_TTL
    """``XIETONG_PLAN_TTL``: seconds a filter's matches are kept for its next pages
    (``resolvers.planner.cache``); 0 plans every page afresh."""
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY
    """``XIETONG_CHECKPOINT_EVERY``: sign a checkpoint of the access log once this
    many events were appended since the last one; 0: not by count."""
    checkpoint_seconds: float = DEFAULT_CHECKPOINT_SECONDS
    """``XIETONG_CHECKPOINT_SECONDS``: sign one once this long has passed since the
    last, if any event came; 0: not by time. Both 0: no checkpoints are made."""
    required_sources: tuple[str, ...] = ()
    """``XIETONG_REQUIRED_SOURCES``: names of sources (comma-separated) without which
    ``/readyz`` says 503; by default none: the hub answers without any of them."""
    log_level: str = "INFO"
    """``XIETONG_LOG_LEVEL``: DEBUG, INFO, WARNING, ERROR or CRITICAL."""
    otlp_endpoint: str | None = None
    """``XIETONG_OTLP_ENDPOINT`` (or OpenTelemetry's ``OTEL_EXPORTER_OTLP_ENDPOINT``):
    where to send traces over OTLP/HTTP; unset, none are exported."""
    service_name: str = "xietong"
    """``OTEL_SERVICE_NAME``: the service the traces are of."""
    metrics_port: int | None = None
    """``XIETONG_METRICS_PORT``: serve ``/metrics`` on this port only, not beside
    ``/graphql`` (one worker only: each worker has metrics of its own)."""
    metrics_host: str = "127.0.0.1"
    """``XIETONG_METRICS_HOST``: the interface of that port."""
    reload_seconds: float = DEFAULT_RELOAD_SECONDS
    """``XIETONG_RELOAD_SECONDS``: how often each worker looks whether the policy or
    the sources file changed (and reloads it); 0: only on SIGHUP."""
    cors_origins: tuple[str, ...] = ()
    """``XIETONG_CORS_ORIGINS``: the web origins (``https://console.example.gov.cn``)
    whose pages may call the hub from a browser, separated by commas; none by default."""
    console_idle_seconds: float = 900.0
    """``XIETONG_CONSOLE_IDLE_SECONDS``: a console session unused this long is over."""
    console_idp: str | None = None
    """``XIETONG_CONSOLE_IDP``: the issuer of a trusted external OpenID Connect provider
    where officers may also sign in to the console (its discovery document and JWKS
    are read from it); none by default."""
    console_idp_client_id: str = "xietong-console"
    """``XIETONG_CONSOLE_IDP_CLIENT_ID``: the console's client id at that provider."""
    console_idp_claims: str = "name=name,dept=dept,role=roles,region=region"
    """``XIETONG_CONSOLE_IDP_CLAIMS``: which of its ID token's claims carry the
    officer's name, department, role and region (``field=claim``, comma-separated)."""
    console_idp_prefix: str = "idp"
    """``XIETONG_CONSOLE_IDP_PREFIX``: its officers' usernames here are ``prefix.sub``,
    so that they never collide with the hub's own accounts."""
    console_redirect_uris: tuple[str, ...] = ()
    """``XIETONG_CONSOLE_REDIRECT_URIS``: more redirect URIs this hub's provider accepts
    for the console client (another hub's console signing its officers in here)."""
    cases: CaseSettings = field(default_factory=CaseSettings)
    """``XIETONG_CASE_*``: notice numbering and the referral calendar."""
    # -- many hubs, one graph (README "A province over its cities' hubs") --
    trusted_issuers_file: Path | None = None
    """``XIETONG_TRUSTED_ISSUERS``: a TOML file of other issuers whose tokens the hub
    accepts (a province's identity provider; ``auth.issuers``); none by default."""
    federation_name: str | None = None
    """``XIETONG_FEDERATION_NAME``: serve as an Apollo Federation 2 subgraph whose
    one root field is this name (``kaifeng``: ``{ kaifeng { institutions ... } }``);
    unset, the hub is no subgraph."""

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, data_dir: Path | None = None
    ) -> Settings:
        """Read ``XIETONG_*`` variables, beside the configuration file that
        ``XIETONG_CONFIG`` names (a variable wins over the file); ``data_dir`` (the
        ``--data-dir`` option) wins over both."""
        env = os.environ if env is None else env
        root = data_dir or Path(env.get("XIETONG_DATA_DIR", str(DEFAULT_DATA_DIR)))
        config = env.get("XIETONG_CONFIG") or (
            root / DATA_DIR_CONFIG if (root / DATA_DIR_CONFIG).is_file() else None
        )
        if config:
            env = {**variables_of(Path(config)), **env}
        return cls(
            data_dir=root,
            database_url=env.get("XIETONG_DATABASE_URL") or f"sqlite:///{root / 'hub.db'}",
            sources_file=Path(env.get("XIETONG_SOURCES") or root / "sources.toml"),
            policy_file=Path(env.get("XIETONG_POLICY") or SHIPPED_POLICY),
            redis_url=env.get("XIETONG_REDIS_URL") or None,
            issuer=env.get("XIETONG_ISSUER", "http://127.0.0.1:8000"),
            audience=env.get("XIETONG_AUDIENCE", "xietong"),
            token_ttl_seconds=_whole(env, "XIETONG_TOKEN_TTL", 900),
            demo=env.get("XIETONG_DEMO", "").lower() in {"1", "true", "yes"},
            reference_date=_date(env, "XIETONG_REFERENCE_DATE"),
            query_limits=_query_limits(env),
            rate_limit=_rate_limit(env, "XIETONG_RATE_LIMIT", DEFAULT_RATE_LIMIT),
            rate_limit_prefix=env.get("XIETONG_RATE_LIMIT_PREFIX") or "xietong",
            token_rate_limit=_rate_limit(env, "XIETONG_TOKEN_RATE_LIMIT", DEFAULT_TOKEN_RATE_LIMIT),
            plan_ttl=_seconds(env, "XIETONG_PLAN_TTL", DEFAULT_PLAN_TTL),
            checkpoint_every=_whole(
                env, "XIETONG_CHECKPOINT_EVERY", DEFAULT_CHECKPOINT_EVERY, unit="events", least=0
            ),
            checkpoint_seconds=_seconds(
                env, "XIETONG_CHECKPOINT_SECONDS", DEFAULT_CHECKPOINT_SECONDS
            ),
            required_sources=_names(env, "XIETONG_REQUIRED_SOURCES"),
            console_idle_seconds=_seconds(env, "XIETONG_CONSOLE_IDLE_SECONDS", 900.0),
            console_idp=env.get("XIETONG_CONSOLE_IDP") or None,
            console_idp_client_id=env.get("XIETONG_CONSOLE_IDP_CLIENT_ID") or "xietong-console",
            console_idp_claims=env.get("XIETONG_CONSOLE_IDP_CLAIMS")
            or "name=name,dept=dept,role=roles,region=region",
            console_idp_prefix=env.get("XIETONG_CONSOLE_IDP_PREFIX") or "idp",
            console_redirect_uris=_names(env, "XIETONG_CONSOLE_REDIRECT_URIS"),
            log_level=_log_level(env, "XIETONG_LOG_LEVEL"),
            otlp_endpoint=env.get("XIETONG_OTLP_ENDPOINT")
            or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
            or None,
            service_name=env.get("OTEL_SERVICE_NAME") or "xietong",
            metrics_port=_port(env, "XIETONG_METRICS_PORT"),
            metrics_host=env.get("XIETONG_METRICS_HOST") or "127.0.0.1",
            reload_seconds=_seconds(env, "XIETONG_RELOAD_SECONDS", DEFAULT_RELOAD_SECONDS),
            cors_origins=_origins(env, "XIETONG_CORS_ORIGINS"),
            cases=CaseSettings.from_env(env),
            trusted_issuers_file=Path(env["XIETONG_TRUSTED_ISSUERS"])
            if env.get("XIETONG_TRUSTED_ISSUERS")
            else None,
            federation_name=federation_name_of(env.get("XIETONG_FEDERATION_NAME") or None),
        )

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def federation_name_of(raw: str | None) -> str | None:
    """``raw`` if it can name the subgraph's root field (``kaifeng``); else a ConfigError."""
    if raw is not None and not _FIELD_NAME.fullmatch(raw):
        raise ConfigError(
            f"XIETONG_FEDERATION_NAME={raw!r} is not a GraphQL field name starting in "
            "lower case, such as 'kaifeng'"
        )
    return raw


def _port(env: Mapping[str, str], name: str) -> int | None:
    if not env.get(name):
        return None
    port = _whole(env, name, 0, unit="(a port)")
    if port > 65535:
        raise ConfigError(f"{name}={port} is not a port (1-65535)")
    return port


def _names(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in env.get(name, "").split(",") if part.strip())


def _log_level(env: Mapping[str, str], name: str) -> str:
    raw = env.get(name) or "INFO"
    if raw.upper() not in LOG_LEVELS:
        raise ConfigError(f"{name}={raw!r} is not one of {', '.join(LOG_LEVELS)}")
    return raw.upper()


def _date(env: Mapping[str, str], name: str) -> date | None:
    raw = env.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a date (YYYY-MM-DD)") from None


def _query_limits(env: Mapping[str, str]) -> QueryLimits:
    default = QueryLimits()
    return QueryLimits(
        depth=_whole(env, "XIETONG_MAX_DEPTH", default.depth, unit="levels"),
        aliases=_whole(env, "XIETONG_MAX_ALIASES", default.aliases, unit="aliases"),
        tokens=_whole(env, "XIETONG_MAX_TOKENS", default.tokens, unit="tokens"),
        cost=_whole(env, "XIETONG_MAX_COST", default.cost, unit="values"),
    )


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name) or default
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a rate such as {default!r}") from None
    return raw


def _whole(
    env: Mapping[str, str], name: str, default: int, *, unit: str = "seconds", least: int = 1
) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number of {unit}") from None
    if value < least:
        raise ConfigError(f"{name}={raw!r} must be {least} or more {unit}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds") from None
    if not 0 <= value < float("inf"):
        raise ConfigError(f"{name}={raw!r} must be 0 or more seconds")
    return value


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Web origins as a browser sends them: scheme, host and port, nothing more."""
    origins = []
    for item in (env.get(name) or "").split(","):
        origin = item.strip()
        if not origin:
            continue
        parts = urlsplit(origin)
        if (
            parts.scheme not in {"http", "https"}
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
        ):
            raise ConfigError(
                f"{name}: {origin!r} is not a web origin such as https://console.example.gov.cn"
            )
        origins.append(origin.lower())
    return tuple(dict.fromkeys(origins))
