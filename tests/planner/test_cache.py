"""A filter's plan is kept for its next pages: briefly, per scope, never when it failed."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from tests.planner.support import walk
from tests.support.harness import SandboxWorld, hub_harness
from xietong.domain.risk import RiskLevel
from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import DEFAULT_PLAN_TTL, Settings
from xietong.planner import FilterCriteria, Plan
from xietong.planner.cache import PlanCache, PlanKey

DAY = date(2026, 11, 1)
RISKY = FilterCriteria(risk_at_least=RiskLevel.MEDIUM)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Planner:
    """Stands in for ``plan``: counts how often it is asked, answers what it is told."""

    def __init__(self, codes: list[str], *, fails: bool = False) -> None:
        self.codes, self.fails, self.asked = codes, fails, 0
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self) -> Plan:
        self.asked += 1
        await self.release.wait()
        if self.fails:
            raise RuntimeError("a department did not answer")
        return Plan(list(self.codes), [])


def key(region_prefix: str = "4102", criteria: FilterCriteria = RISKY) -> PlanKey:
    return PlanKey(criteria, region_prefix, DAY)


async def test_a_plan_is_kept_for_its_ttl_from_when_it_began() -> None:
    clock, planner = Clock(), Planner(["A", "B"])
    cache = PlanCache(30, clock=clock)

    first = await cache.plan(key(), planner)
    clock.now += 29.9
    again = await cache.plan(key(), planner)
    clock.now += 0.1
    later = await cache.plan(key(), planner)

    assert first.codes == again.codes == later.codes == ["A", "B"]
    assert planner.asked == 2


async def test_another_scope_criteria_or_day_is_another_plan() -> None:
    planner = Planner(["A"])
    cache = PlanCache(30)

    await cache.plan(key("4102"), planner)
    await cache.plan(key("410202"), planner)
    await cache.plan(key(criteria=FilterCriteria(risk_at_least=RiskLevel.HIGH)), planner)
    await cache.plan(PlanKey(RISKY, "4102", date(2026, 11, 2)), planner)
    await cache.plan(key("4102"), planner)

    assert planner.asked == 4


async def test_questions_at_the_same_time_share_one_plan() -> None:
    planner = Planner(["A"])
    planner.release.clear()
    cache = PlanCache(30)

    waiting = [asyncio.create_task(cache.plan(key(), planner)) for _ in range(5)]
    await asyncio.sleep(0)
    planner.release.set()
    plans = await asyncio.gather(*waiting)

    assert planner.asked == 1
    assert all(plan.codes == ["A"] for plan in plans)


async def test_a_failed_plan_is_not_kept() -> None:
    planner = Planner(["A"], fails=True)
    cache = PlanCache(30)

    with pytest.raises(RuntimeError):
        await cache.plan(key(), planner)
    planner.fails = False
    found = await cache.plan(key(), planner)

    assert found.codes == ["A"]
    assert planner.asked == 2


async def test_the_least_recently_used_plan_goes_first() -> None:
    planner = Planner(["A"])
    cache = PlanCache(30, max_plans=2)

    await cache.plan(key("4101"), planner)
    await cache.plan(key("4102"), planner)
    await cache.plan(key("4101"), planner)  # used again: now the most recent
    await cache.plan(key("4103"), planner)  # 4102 goes
    asked = planner.asked
    await cache.plan(key("4101"), planner)
    await cache.plan(key("4102"), planner)

    assert planner.asked == asked + 1


async def test_a_ttl_of_zero_plans_every_time() -> None:
    planner = Planner(["A"])
    cache = PlanCache(0)

    for _ in range(3):
        await cache.plan(key(), planner)

    assert planner.asked == 3


def plans_counted(result: str) -> float:
    return REGISTRY.get_sample_value("xietong_filter_plans_total", {"result": result}) or 0.0


@pytest.mark.parametrize(("ttl", "computed_per_walk"), [("30", 1), ("0", None)])
async def test_walking_a_filters_pages_plans_once(
    migrated_sqlite_template: Path,
    tmp_path: Path,
    world: SandboxWorld,
    ttl: str,
    computed_per_walk: int | None,
) -> None:
    database = tmp_path / "hub.db"
    shutil.copyfile(migrated_sqlite_template, database)
    async with hub_harness(
        f"sqlite:///{database}", world, env={"XIETONG_PLAN_TTL": ttl}
    ) as harness:
        computed, kept = plans_counted("computed"), plans_counted("kept")

        walked = await walk(harness, {"riskAtLeast": "MEDIUM"}, first=7)

        assert walked.pages > 2
        assert len(set(walked.codes)) == len(walked.codes) == walked.totals[0]
        assert set(walked.totals) == {walked.totals[0]}
        planned = plans_counted("computed") - computed
        assert planned == (computed_per_walk or walked.pages)
        assert plans_counted("kept") - kept == walked.pages - planned


@pytest.mark.parametrize("value", ["soon", "-1", "inf", "nan"])
def test_a_plan_ttl_that_is_not_seconds_stops_start_up(value: str) -> None:
    with pytest.raises(ConfigError, match="XIETONG_PLAN_TTL"):
        Settings.from_env({"XIETONG_PLAN_TTL": value})


def test_the_plan_ttl_is_read_from_the_environment() -> None:
    assert Settings.from_env({"XIETONG_PLAN_TTL": "2.5"}).plan_ttl == 2.5
    assert Settings.from_env({}).plan_ttl == DEFAULT_PLAN_TTL
