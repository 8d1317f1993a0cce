"""The access log: what it costs a request, and how fast a whole chain is verified.

``audit_overhead_ratio``: throughput of a simple authenticated query with the log
÷ without it, in the same run, through the whole app in-process. "Without" is the
same app with the log's append replaced by a no-op (here only: the hub never runs
unlogged). The two are measured alternately, so drift on the machine hits both.

``audit_verify_events_per_s``: a hub database holding a long chain, written here
straight into the table (properly chained, as the log writes it, but in bulk), then
``auth.audit.verify.verify_chain`` over all of it; baseline: the same check with every
event re-encoded in Python.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.measure import hub_database
from tests.support.harness import HubHarness, SandboxWorld, hub_harness, sandbox_world
from xietong.audit.events import GENESIS_HASH, AuditDraft, AuditOutcome
from xietong.audit.log import COLUMNS, Statements
from xietong.audit.verify import verify_chain
from xietong.kernel.db import create_sync_engine
from xietong.kernel.migrate import upgrade

QUESTION = {"query": "{ me { clientId department region } }"}
CLIENT = "demo-education"
AT_ONCE = 16
"""Requests in flight: a busy hub, where the log's group commit has work to batch."""
INSERT_BATCH = 5000


@dataclass
class _NoLog:
    """Stands in for the access log: the "without" half of the overhead ratio."""

    async def append(self, draft: AuditDraft, *, at: datetime, duration_ms: float) -> int:
        return 0


async def _throughput(harness: HubHarness, requests: int) -> float:
    """Requests answered per second, ``AT_ONCE`` at a time."""
    headers = {"Authorization": f"Bearer {await harness.token(CLIENT)}"}
    limit = asyncio.Semaphore(AT_ONCE)

    async def one() -> None:
        async with limit:
            response = await harness.http.post("/graphql", json=QUESTION, headers=headers)
            assert response.status_code == 200, response.text

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(requests)))
    return requests / (time.perf_counter() - started)


async def overhead(harness: HubHarness, *, requests: int, rounds: int) -> list[str]:
    """Rounds of both halves, in alternating order; the median of the rounds' ratios,
    so that a slow spell of the machine weighs on one round, not on one half."""
    hub = harness.hub
    real_log: Any = hub.audit_log

    async def unlogged() -> float:
        hub.audit_log = _NoLog()  # type: ignore[assignment]
        try:
            return await _throughput(harness, requests)
        finally:
            hub.audit_log = real_log

    async def logged() -> float:
        return await _throughput(harness, requests)

    await _throughput(harness, requests // 2)  # warm up: connections, caches
    pairs: list[tuple[float, float]] = []
    for round_ in range(rounds):
        if round_ % 2:
            without, with_log = await unlogged(), await logged()
        else:
            with_log, without = await logged(), await unlogged()
        pairs.append((with_log, without))
    ratio = statistics.median(with_log / without for with_log, without in pairs)
    return [
        f"audit_overhead_ratio: {ratio:.2f}  (with the access log "
        f"{statistics.median(p[0] for p in pairs):.0f} requests/s, baseline without it "
        f"{statistics.median(p[1] for p in pairs):.0f} requests/s, same run; median of "
        f"{rounds} rounds of {requests} each, {AT_ONCE} at a time; target >= 0.9)"
    ]


def write_chain(database_url: str, events: int) -> None:
    """Append ``events`` chained events to an empty, migrated hub database, in bulk:
    rows made by the log's own ``Statements.chained_rows``, so hashed and stored exactly
    as the log writes them, only many per transaction (``COPY`` on PostgreSQL)."""
    started_at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    engine = create_sync_engine(database_url)
    sql = Statements.of(engine)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        prev_hash = GENESIS_HASH
        for first_seq in range(1, events + 1, INSERT_BATCH):
            batch = [
                (_draft(seq), started_at + timedelta(milliseconds=7 * seq), 3.0 + seq % 97 / 7)
                for seq in range(first_seq, min(first_seq + INSERT_BATCH, events + 1))
            ]
            rows, prev_hash = sql.chained_rows(first_seq, prev_hash, batch)
            if sql.sqlite:
                cursor.executemany(sql.insert, rows)
                continue
            with cursor.copy(f"COPY audit_events ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        mark = "?" if sql.sqlite else "%s"
        cursor.execute(
            f"UPDATE audit_chain_head SET seq = {mark}, hash = {mark} WHERE id = 1",
            (events, prev_hash),
        )
        connection.commit()
        if not sql.sqlite:
            cursor.execute("ANALYZE audit_events")
            connection.commit()
    finally:
        connection.close()
        engine.dispose()


def _draft(seq: int) -> AuditDraft:
    """Events as a working hub writes them: several clients, reads and refusals."""
    code = f"91410202MA{seq:07d}X"
    return AuditDraft(
        client_id=f"demo-{('education', 'market', 'auditor')[seq % 3]}",
        subject="officer-7",
        department="EDUCATION",
        roles=["education.supervisor"],
        region="410200",
        purpose="annual inspection" if seq % 2 else None,
        case_id=f"CASE-{seq % 500}" if seq % 5 == 0 else None,
        operation_type="query",
        operation_name="Institution",
        document_hash=f"{seq:064x}",
        variables={"code": code, "first": 50} if seq % 4 else {},
        fields_read=["Institution.creditCode", "Institution.name", "Query.institution"],
        fields_masked=["StaffMember.idNumber"] if seq % 3 == 0 else [],
        fields_denied=[],
        record_keys=[code],
        error_codes=[],
        outcome=AuditOutcome.OK,
    )


def verify_rate(database_url: str, store: str, events: int) -> list[str]:
    """The whole check, and as baseline the same chain re-encoded row by row in Python
    (``screen=False``, what every event the screen cannot pass goes through)."""
    engine = create_sync_engine(database_url)
    try:
        seconds = {}
        for screen in (False, True):
            started = time.perf_counter()
            report = verify_chain(engine, screen=screen)
            seconds[screen] = time.perf_counter() - started
            if not report.intact or report.events != events:
                raise RuntimeError(f"the benchmark's chain does not verify: {report}")
    finally:
        engine.dispose()
    return [
        f"audit_verify_events_per_s: {events / seconds[True]:,.0f}  ({store}: {events:,} "
        f"events in {seconds[True]:.2f} s, {len(os.sched_getaffinity(0))} cores; baseline "
        f"row by row in Python {events / seconds[False]:,.0f}/s, same chain: ratio "
        f"{seconds[False] / seconds[True]:.1f}x; target >= 200,000)"
    ]


def run(folder: Path, *, quick: bool) -> list[str]:
    """``audit_overhead_ratio``, and ``audit_verify_events_per_s`` on SQLite and, when
    it answers, PostgreSQL."""
    requests, rounds, events = (60, 20, 200_000) if quick else (200, 30, 1_000_000)
    lines: list[str] = []
    with sandbox_world(folder / "audit", 20, separate_process=True) as world:
        database = folder / "audit-hub.db"
        upgrade(f"sqlite:///{database}")
        lines += asyncio.run(_overhead_over(world, database, requests, rounds))
    chain = f"sqlite:///{folder / 'chain-hub.db'}"
    with hub_database(folder / "chain-hub.db") as (other, store):
        stores = [(chain, "SQLite")] + ([(other, store)] if store != "SQLite" else [])
        for database_url, name in stores:
            upgrade(database_url)
            write_chain(database_url, events)
            lines += verify_rate(database_url, name, events)
    return lines


async def _overhead_over(
    world: SandboxWorld, database: Path, requests: int, rounds: int
) -> list[str]:
    env = {"XIETONG_RATE_LIMIT": "1000000/second"}
    async with hub_harness(f"sqlite:///{database}", world, env=env) as harness:
        return await overhead(harness, requests=requests, rounds=rounds)
