"""When a department is asked about candidates by key rather than by a scan of its own."""

from __future__ import annotations

from xietong.adapters.config import SourceKind

AMONG_LIMITS = {SourceKind.SQL: 20_000, SourceKind.HTTP: 2_000}
"""Candidates few enough to look them up by key rather than scan: in a SQL source,
``IN`` lists of 500 codes; in an HTTP source, lookups that return whole records, a
few hundred to a request. One dict, read by the plan and by the risk signals alike."""


def looked_up(candidates: int, kind: SourceKind) -> bool:
    """Whether ``candidates`` codes are few enough to ask a source of ``kind`` about them."""
    return candidates <= AMONG_LIMITS[kind]
