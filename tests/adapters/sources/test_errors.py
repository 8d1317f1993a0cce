"""A department that does not answer becomes a value, so the others' answers survive."""

from __future__ import annotations

import pytest

from xietong.adapters.sources.errors import SourceUnavailableError, or_unavailable
from xietong.domain.departments import Department


async def test_an_answer_passes_through() -> None:
    async def answer() -> dict[str, int]:
        return {"91310110666007217T": 1}

    assert await or_unavailable(answer()) == {"91310110666007217T": 1}


async def test_an_unavailable_source_is_returned_naming_its_department() -> None:
    async def down() -> dict[str, int]:
        raise SourceUnavailableError(Department.FIRE_SAFETY, "fire-db", "timed out")

    found = await or_unavailable(down())

    assert isinstance(found, SourceUnavailableError)
    assert found.department is Department.FIRE_SAFETY
    assert found.source == "fire-db"


async def test_any_other_failure_still_raises() -> None:
    async def broken() -> None:
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError, match="a bug"):
        await or_unavailable(broken())
