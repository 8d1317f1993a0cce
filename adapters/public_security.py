"""Public security's background check service, over HTTP (source format ``police``).

Asked by ID number only, in batches; it lists nothing, so there is no scan here
and cross-department conditions on checks start from the staff rosters.

Glossary (native → canonical; the service's own is ``sandbox.services.police``):
``POST /api/check/batch`` with ``sfzh`` answers ``{"resultCode": "0", "results"}``,
one result per ID number: ``hczt`` 核查状态 (``1`` checked → CLEAR, or RECORD_FOUND
when ``jllb`` lists records; ``2`` 核查中 → PENDING; ``0`` 未申请 never submitted →
no record at all, which the hub shows as NOT_REQUESTED), ``hcrq`` checked_on,
``jllb`` 记录类别 record_categories (``01`` SEXUAL_ASSAULT 性侵, ``02`` ABUSE 虐待,
``03`` TRAFFICKING 拐卖, ``04`` VIOLENCE 暴力). ``POST /api/check/exceptions`` asks
the same of up to 20,000 people and answers only for those not checked and clear
(``cleared``: a city's rosters, most of whom need no answer).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from xietong.adapters.cache import RecordCache
from xietong.adapters.native import (
    NativeShapeError,
    chunked,
    decode,
    gather_batches,
    json_list,
    json_object,
    native_shape,
    valid_keys,
    ymd,
)
from xietong.adapters.sources.http import HttpSource
from xietong.adapters.sources.registry import ProbeResult, probe_source
from xietong.domain.departments import Department
from xietong.domain.records import BackgroundCheck, BackgroundCheckStatus
from xietong.kernel.identifiers import id_number_error

BATCH_LIMIT = 1000
"""ID numbers per request, the service's default cap."""
CLEARED_BATCH = 5000
"""ID numbers per request when only exceptions are answered (the service takes up to
20,000; smaller batches keep several requests in flight, and each sooner answered)."""

RECORD_CATEGORIES = {
    "01": "SEXUAL_ASSAULT",
    "02": "ABUSE",
    "03": "TRAFFICKING",
    "04": "VIOLENCE",
}
_CHECKED, _PENDING, _NEVER_SUBMITTED = "1", "2", "0"
_CLEAR = BackgroundCheckStatus.CLEAR


class HttpPublicSecurityAdapter:
    def __init__(
        self,
        source: HttpSource,
        *,
        clock: Callable[[], float] = time.monotonic,
        batch_limit: int = BATCH_LIMIT,
    ) -> None:
        self.department = Department.PUBLIC_SECURITY
        self.source = source
        self.batch_limit = batch_limit
        self.cache = RecordCache[BackgroundCheck](
            source.config.cache_ttl, clock=clock, name=source.config.name
        )

    @property
    def source_names(self) -> Sequence[str]:
        return [self.source.config.name]

    async def load(self, keys: Sequence[str]) -> Mapping[str, BackgroundCheck]:
        """Checks of the people ``keys`` name; a person never submitted is absent."""
        return await self.cache.load(valid_keys(keys, id_number_error), self._fetch)

    async def cleared(self, keys: Sequence[str]) -> set[str]:
        """Those of ``keys`` checked and found clear: everyone else (pending, with a
        record, never submitted, or not a valid ID number) raises
        UNCHECKED_OR_FLAGGED_STAFF. What ``load`` would say, read from the answer
        without making a record of each person (a city asks about hundreds of
        thousands), and only of the exceptions, unless the cache may serve them."""
        if self.cache.ttl > 0:
            found = await self.load(keys)
            return {key for key, check in found.items() if check.status is _CLEAR}
        # Not checked here (a city's staff are hundreds of thousands): the service answers
        # an invalid ID number as never submitted.
        people = list(dict.fromkeys(keys))
        answers = await gather_batches(
            [
                self.source.request_json(
                    "POST", "/api/check/exceptions", json={"sfzh": batch}, idempotent=True
                )
                for batch in chunked(people, CLEARED_BATCH)
            ]
        )
        with native_shape(self.department, self.source.config.name):
            not_clear = set()
            for answer in answers:
                for result in _results(answer):
                    if not _clear(json_object(result, "results[]")):
                        not_clear.add(result["sfzh"])
        return set(people).difference(not_clear)

    async def health(self) -> list[ProbeResult]:
        return [await probe_source(self.source)]

    async def _fetch(self, id_numbers: list[str]) -> dict[str, BackgroundCheck]:
        answers = await gather_batches(
            [
                self.source.request_json(
                    "POST", "/api/check/batch", json={"sfzh": batch}, idempotent=True
                )
                for batch in chunked(id_numbers, self.batch_limit)
            ]
        )
        found = {}
        with native_shape(self.department, self.source.config.name):
            for answer in answers:
                for result in _results(answer):
                    check = _check(json_object(result, "results[]"))
                    if check is not None:
                        found[check.id_number] = check
        return found


def _results(answer: Any) -> list[Any]:
    envelope = json_object(answer, "answer")
    if envelope.get("resultCode") != "0":
        raise NativeShapeError(
            f"resultCode {envelope.get('resultCode')!r}: {envelope.get('resultMsg')!r}"
        )
    return json_list(envelope["results"], "results")


def _clear(result: dict[str, Any]) -> bool:
    """Whether ``_check`` would find this result CLEAR (and it raises where ``_check``
    would: the same fields read the same way)."""
    state = result["hczt"]
    if state == _NEVER_SUBMITTED:
        return False
    categories = json_list(result["jllb"], "jllb")
    for code in categories:
        decode(RECORD_CATEGORIES, code, "jllb")
    if state not in (_CHECKED, _PENDING):
        raise NativeShapeError(f"hczt has no code {state!r}")
    ymd(result["hcrq"], "hcrq")
    return state == _CHECKED and not categories


def _check(result: dict[str, Any]) -> BackgroundCheck | None:
    state = result["hczt"]
    if state == _NEVER_SUBMITTED:
        return None
    categories = tuple(
        decode(RECORD_CATEGORIES, code, "jllb") for code in json_list(result["jllb"], "jllb")
    )
    if state == _CHECKED:
        status = BackgroundCheckStatus.RECORD_FOUND if categories else BackgroundCheckStatus.CLEAR
    elif state == _PENDING:
        status = BackgroundCheckStatus.PENDING
    else:
        raise NativeShapeError(f"hczt has no code {state!r}")
    return BackgroundCheck(
        id_number=result["sfzh"],
        status=status,
        checked_on=ymd(result["hcrq"], "hcrq"),
        record_categories=categories,
    )
