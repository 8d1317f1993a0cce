"""The deployable package: the image's Dockerfile, the compose file, the lock files
that pin what CI and the image install."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ("requirements.lock", "requirements-test.lock")


def pins(lock: Path) -> dict[str, str]:
    return {
        name.lower().replace("_", "-"): version
        for name, version in re.findall(
            r"^([A-Za-z0-9_.-]+)==(\S+)", lock.read_text(encoding="utf-8"), re.MULTILINE
        )
    }


@pytest.mark.parametrize(("lock", "extras"), [(LOCKS[0], ["otlp"]), (LOCKS[1], ["test", "otlp"])])
def test_each_lock_file_pins_every_dependency_pyproject_asks_for(
    lock: str, extras: list[str]
) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"]]
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    pinned = pins(ROOT / lock)
    text = (ROOT / lock).read_text(encoding="utf-8")

    stale = []
    for line in wanted:
        requirement = Requirement(line)
        if requirement.name == "xietong":
            continue
        version = pinned.get(requirement.name.lower().replace("_", "-"))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            stale.append(f"{requirement} (locked: {version})")
    assert not stale, f"{lock} is stale; regenerate it as its header says: {stale}"
    assert "--hash=sha256:" in text, "hashes, so that pip --require-hashes can check them"


def test_the_image_runs_as_a_user_from_a_slim_base_with_a_healthcheck() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)

    assert stages
    assert all(base.endswith("-slim") for base in stages)
    assert users
    assert users[-1] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n?.*/readyz", dockerfile, re.MULTILINE)
    assert "--require-hashes -r requirements.lock" in dockerfile
    for copied in re.findall(r"^COPY (?!--from)(\S+)", dockerfile, re.MULTILINE):
        assert copied == "." or (ROOT / copied).exists()


def _compose() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


@pytest.mark.slow
def test_docker_compose_config_validates() -> None:
    compose = _compose()
    if compose is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed")

    result = subprocess.run(
        [*compose, "-f", str(ROOT / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    for service in ("postgres", "redis", "sandbox", "setup", "hub-1", "hub-2"):
        assert re.search(rf"^  {service}:$", result.stdout, re.MULTILINE), service
