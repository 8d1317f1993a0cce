"""The token side of identity and access, assembled once per process."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from xietong.auth.access_tokens import (
    IssuedToken,
    access_token_claims,
    officer_access_token_claims,
    sign_access_token,
)
from xietong.auth.authorization_codes import AuthorizationCodeStore
from xietong.auth.clients import ClientRecord, ClientRegistry
from xietong.auth.clock import Clock, utc_now
from xietong.auth.issuers import trusting
from xietong.auth.keys import SigningKeyPair, SigningKeyStore
from xietong.auth.officers import OfficerRecord, OfficerRegistry
from xietong.auth.replay import AssertionReplayCache
from xietong.auth.trusted_documents import TrustedDocuments
from xietong.auth.verifier import AccessTokenVerifier, HubTokenVerifier
from xietong.kernel.settings import Settings


class TokenService:
    """Signing keys, the client registry, the assertion replay cache and the token
    verifier over one hub database, with the issuer, audience and TTL of ``settings``.

    Example::

        service = TokenService(create_hub_engine(settings.database_url), settings)
        routes = oauth_routes(service)
        middleware = authentication_middleware(service.verifier)
    """

    def __init__(
        self,
        engine: AsyncEngine,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        lookup_engine: Engine | None = None,
    ) -> None:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.settings = settings
        self.clock = clock
        self.keys = SigningKeyStore(sessions, clock=clock)
        self.clients = ClientRegistry(sessions, clock=clock, lookup_engine=lookup_engine)
        self.officers = OfficerRegistry(sessions, clock=clock, lookup_engine=lookup_engine)
        self.codes = AuthorizationCodeStore(sessions, clock=clock)
        self.used_assertions = AssertionReplayCache(sessions)
        self.documents = TrustedDocuments(sessions, clock=clock, lookup_engine=lookup_engine)
        own = HubTokenVerifier(
            keys=self.keys,
            clients=self.clients,
            officers=self.officers,
            issuer=settings.issuer,
            audience=settings.audience,
            token_ttl=self.token_ttl,
            clock=clock,
        )
        # With XIETONG_TRUSTED_ISSUERS, a province's tokens are accepted beside the hub's own.
        self.verifier: AccessTokenVerifier = trusting(
            own, settings.issuer, settings.trusted_issuers_file, clock=clock
        )

    @property
    def issuer(self) -> str:
        return self.settings.issuer

    @property
    def token_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.token_ttl_seconds)

    @property
    def token_endpoint(self) -> str:
        return f"{self.settings.issuer.rstrip('/')}/oauth/token"

    @property
    def authorization_endpoint(self) -> str:
        return f"{self.settings.issuer.rstrip('/')}/oauth/authorize"

    @property
    def jwks_uri(self) -> str:
        return f"{self.settings.issuer.rstrip('/')}/.well-known/jwks.json"

    async def issue_access_token(self, client_id: str) -> IssuedToken:
        """A fresh token for an enabled client, without client authentication: for
        operators (``xietong token``) and the demo, who hold the database anyway."""
        client = await self.clients.active(client_id)
        return self.mint(client, await self.keys.signing_key())

    def mint(self, client: ClientRecord, key: SigningKeyPair) -> IssuedToken:
        claims = access_token_claims(
            client,
            issuer=self.settings.issuer,
            audience=self.settings.audience,
            now=self.clock(),
            ttl=self.token_ttl,
        )
        return IssuedToken(
            access_token=sign_access_token(claims, key),
            expires_in=self.settings.token_ttl_seconds,
            kid=key.kid,
        )

    def mint_for_officer(
        self, officer: OfficerRecord, client_id: str, key: SigningKeyPair
    ) -> IssuedToken:
        """An access token for ``officer`` acting through ``client_id`` (the console)."""
        claims = officer_access_token_claims(
            officer,
            client_id,
            issuer=self.settings.issuer,
            audience=self.settings.audience,
            now=self.clock(),
            ttl=self.token_ttl,
        )
        return IssuedToken(
            access_token=sign_access_token(claims, key),
            expires_in=self.settings.token_ttl_seconds,
            kid=key.kid,
        )
