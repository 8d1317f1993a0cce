"""The annual review workflow: open, sign, revoke, publish (DESIGN §9).

Each change reads the review, asks ``rules`` whether the actor may make it, does
the slow work (hashing, signing) outside any transaction, and then writes in one
short transaction that starts with the compare-and-set on ``version``
(``store``) and ends with the request's access-log event
(``xietong.audit.in_transaction``): a change is committed with its event or not at
all. A writer that lost a race gets VERSION_CONFLICT and nothing it computed is
kept; refusals are returned as ``ReviewFailure`` values.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xietong.audit.in_transaction import WriteEvent, audited
from xietong.auth.clock import Clock, utc_now
from xietong.auth.keys import SigningKeyStore
from xietong.domain.actors import Actor
from xietong.domain.departments import Department
from xietong.reviews import store
from xietong.reviews.checklist import Observation, contradictions
from xietong.reviews.digest import SignatureContent, content_digest, link_digest
from xietong.reviews.publication import Publication, sign_publication
from xietong.reviews.records import (
    ReviewConclusion,
    ReviewErrorCode,
    ReviewFailure,
    ReviewRecord,
    ReviewStatus,
    SignatureRecord,
)
from xietong.reviews.rules import (
    Supervised,
    outcome,
    refusal_to_open,
    refusal_to_publish,
    refusal_to_revoke,
    refusal_to_sign,
    required_signers_of,
    unknown_institution,
    unknown_review,
    version_conflict,
)
from xietong.reviews.signing import sign_link

ReviewResult = ReviewRecord | ReviewFailure
Write = Callable[[AsyncSession], Awaitable[None]]
"""One transaction's writes, the compare-and-set first."""
Observe = Callable[[str], Awaitable[Observation | None]]
"""The joint record of a credit code as the signer reads it now (None: not found)."""


class _LostRace(Exception):
    """The review moved on between reading it and writing: undo and say so."""


class ReviewService:
    """The workflow over the hub database, signing with the hub's current key.

    Example::

        reviews = ReviewService(hub.sessions, hub.tokens.keys, event=WriteEvent(draft))
        result = await reviews.sign(actor, review_id, ReviewConclusion.PASS,
                                    "licence, fire safety and funds in order",
                                    expected_version=1)
        if isinstance(result, ReviewFailure): ...   # result.code says why
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        keys: SigningKeyStore,
        *,
        clock: Clock = utc_now,
        event: WriteEvent | None = None,
    ) -> None:
        """``event``: the access-log event each change commits with (a request's);
        without one, changes are not logged here (a caller outside any request)."""
        self._sessions = sessions
        self._keys = keys
        self._clock = clock
        self._event = event

    async def get(self, review_id: str) -> ReviewRecord | None:
        async with self._sessions() as session:
            return await store.load_review(session, review_id)

    async def open(
        self, actor: Actor, credit_code: str, year: int, institution: Supervised | None
    ) -> ReviewResult:
        """Open the review of ``institution`` for ``year``; its supervisors now are
        its required signers for good."""
        if institution is None:
            return unknown_institution(credit_code)
        refusal = refusal_to_open(actor, institution)
        if refusal is not None:
            return refusal
        review_id = str(uuid.uuid4())
        required = required_signers_of(institution.supervisors)
        review = ReviewRecord(
            id=review_id,
            credit_code=credit_code,
            region=institution.region,
            year=year,
            status=ReviewStatus.OPEN,
            required_signers=required,
            conclusion=None,
            version=1,
            digest=content_digest(review_id, credit_code, year, required),
            opened_by=actor.subject,
            opened_at=self._clock(),
            published_at=None,
            signatures=(),
        )
        try:
            async with audited(
                self._sessions, self._event, changed=_changed_keys(review)
            ) as session:
                await store.add_review(session, review)
        except IntegrityError:
            async with self._sessions() as session:
                if not await store.review_exists(session, credit_code, year):
                    raise
            return ReviewFailure(
                ReviewErrorCode.DUPLICATE_REVIEW,
                f"institution {credit_code} already has an annual review for {year}",
                "year",
            )
        return review

    async def sign(
        self,
        actor: Actor,
        review_id: str,
        conclusion: ReviewConclusion,
        findings: str,
        expected_version: int,
        observe: Observe | None = None,
    ) -> ReviewResult:
        """Sign with ``conclusion``. ``observe`` reads the joint record as the signer
        sees it: the conclusion is checked against it (CONTRADICTS_RECORD) and its
        snapshot is signed with the signature; without it, no snapshot is kept."""
        review = await self.get(review_id)
        if review is None:
            return unknown_review(review_id)
        refusal = refusal_to_sign(actor, review, expected_version)
        if refusal is not None:
            return refusal
        snapshot = None
        seen = await observe(review.credit_code) if observe is not None else None
        if seen is not None:
            contradicted = contradictions(seen.record, conclusion)
            if contradicted:
                return ReviewFailure(
                    ReviewErrorCode.CONTRADICTS_RECORD,
                    f"{conclusion} contradicts the joint record: {'; '.join(contradicted)}",
                    "conclusion",
                )
            snapshot = seen.snapshot.canonical()
        content = SignatureContent(
            actor.department, actor.subject, conclusion, findings, self._clock(), snapshot
        )
        digest = link_digest(review.digest, review.id, content)
        key = await self._keys.signing_key()
        jws = sign_link(
            key,
            review.id,
            actor.department,
            review.digest,
            digest,
            content.snapshot_digest,
            signer=actor.subject,
        )
        signed = [*_conclusions(review.live_signatures), (actor.department, conclusion)]
        status, agreed = outcome(review.required_signers, signed)

        async def write(session: AsyncSession) -> None:
            await _advance(session, review, expected_version, status, agreed, digest)
            await store.add_signature(session, review.id, content, jws, signer_region=actor.region)

        try:
            return await self._change(review, expected_version, write)
        except IntegrityError:
            # The live-signature index or the published-review trigger said no: the
            # rules, asked again on what is stored now, say why.
            now = await self.get(review_id)
            why = refusal_to_sign(actor, now, expected_version) if now else None
            if why is None:
                raise
            return why

    async def revoke(self, actor: Actor, review_id: str, expected_version: int) -> ReviewResult:
        review = await self.get(review_id)
        if review is None:
            return unknown_review(review_id)
        refusal = refusal_to_revoke(actor, review, expected_version)
        if refusal is not None:
            return refusal
        revoked = review.live_signature_of(actor.department)
        assert revoked is not None, "refusal_to_revoke checked it"
        remaining = [s for s in review.live_signatures if s is not revoked]
        status, agreed = outcome(review.required_signers, _conclusions(remaining))
        at = self._clock()

        async def write(session: AsyncSession) -> None:
            await _advance(session, review, expected_version, status, agreed, review.digest)
            if not await store.revoke_signature(session, revoked.seq, at):
                raise _LostRace

        return await self._change(review, expected_version, write)

    async def publish(self, actor: Actor, review_id: str, expected_version: int) -> ReviewResult:
        review = await self.get(review_id)
        if review is None:
            return unknown_review(review_id)
        refusal = refusal_to_publish(actor, review, expected_version)
        if refusal is not None:
            return refusal
        key = await self._keys.signing_key()
        publication = sign_publication(key, review, actor, self._clock())

        async def write(session: AsyncSession) -> None:
            published = ReviewStatus.PUBLISHED
            await _advance(
                session,
                review,
                expected_version,
                published,
                review.conclusion,
                review.digest,
                publication,
            )

        return await self._change(review, expected_version, write)

    async def _change(
        self, review: ReviewRecord, expected_version: int, write: Write
    ) -> ReviewResult:
        try:
            async with audited(
                self._sessions, self._event, changed=_changed_keys(review)
            ) as session:
                await write(session)
                # What this change made, read in its own transaction: read after the
                # commit, it could already show the next signer's change.
                changed = await store.load_review(session, review.id)
        except _LostRace:
            current = await self.get(review.id)
            return version_conflict(expected_version, current.version if current else None)
        assert changed is not None, "reviews are never deleted"
        return changed


async def _advance(
    session: AsyncSession,
    review: ReviewRecord,
    expected_version: int,
    status: ReviewStatus,
    conclusion: ReviewConclusion | None,
    digest: str,
    publication: Publication | None = None,
) -> None:
    """The compare-and-set that opens every change's transaction."""
    moved = await store.compare_and_set(
        session,
        review.id,
        expected_version,
        status=status,
        conclusion=conclusion,
        digest=digest,
        publication=publication,
    )
    if not moved:
        raise _LostRace


def _changed_keys(review: ReviewRecord) -> list[str]:
    """The record keys a change to ``review`` leaves in its event."""
    return [f"id:{review.id}", review.credit_code]


def _conclusions(
    signatures: Iterable[SignatureRecord],
) -> list[tuple[Department, ReviewConclusion]]:
    return [(signature.department, signature.conclusion) for signature in signatures]
