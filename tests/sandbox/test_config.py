"""The sources file the demo writes loads with the hub's own loader."""

from __future__ import annotations

from pathlib import Path

from xietong.adapters.config import SourceKind, load_sources
from xietong.domain.departments import Department
from xietong.sandbox.config import write_sources_file
from xietong.sandbox.layout import sandbox_files
from xietong.sandbox.serve import SandboxPorts


def test_the_sources_file_loads_and_points_at_the_sandbox(seeded: Path) -> None:
    path = write_sources_file(
        seeded, "127.0.0.1", SandboxPorts(market=9101, police=9102, bank=9103)
    )
    sources = {source.name: source for source in load_sources(path)}
    assert path == seeded / "sources.toml"
    assert {source.department for source in sources.values()} == {
        Department.EDUCATION,
        Department.MARKET_SUPERVISION,
        Department.PUBLIC_SECURITY,
        Department.FIRE_SAFETY,
        Department.FINANCE,
    }
    finance = [s for s in sources.values() if s.department is Department.FINANCE]
    assert {s.kind for s in finance} == {SourceKind.SQL, SourceKind.HTTP}
    assert {s.format for s in finance} == {"bank-jinming", "bank-songdu"}
    files = sandbox_files(seeded)
    assert sources["education-platform"].url == f"sqlite:///{files.education.resolve()}"
    assert sources["fire-records"].format == "fire"
    for source in sources.values():
        if source.kind is SourceKind.SQL:
            assert Path(source.url.removeprefix("sqlite:///")).is_file()
    assert sources["market-registry"].url == "http://127.0.0.1:9101"
    assert sources["police-check"].health_path == "/health"
    assert sources["bank-songdu"].url == "http://127.0.0.1:9103"


def test_paths_with_quotes_and_spaces_survive(tmp_path: Path) -> None:
    data_dir = tmp_path / 'a "quoted" dir\\ with 空格'
    sources = load_sources(write_sources_file(data_dir))
    assert sources[0].url == f"sqlite:///{(data_dir / 'sandbox' / 'education.db').resolve()}"
