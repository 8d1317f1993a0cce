"""Operational settings: a mistake is one line saying what and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from xietong.kernel.errors import ConfigError
from xietong.kernel.settings import Settings


def test_operational_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "XIETONG_LOG_LEVEL": "warning",
            "XIETONG_REQUIRED_SOURCES": " education-platform, bank-a ,,",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
            "XIETONG_METRICS_PORT": "9464",
            "XIETONG_FEDERATION_NAME": "kaifeng",
            "XIETONG_TRUSTED_ISSUERS": "/etc/xietong/issuers.toml",
        },
        data_dir=tmp_path,
    )

    assert settings.log_level == "WARNING"
    assert settings.required_sources == ("education-platform", "bank-a")
    assert settings.otlp_endpoint == "http://collector:4318"
    assert settings.metrics_port == 9464
    assert settings.federation_name == "kaifeng"
    assert settings.trusted_issuers_file == Path("/etc/xietong/issuers.toml")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("XIETONG_LOG_LEVEL", "LOUD", "is not one of DEBUG, INFO"),
        ("XIETONG_METRICS_PORT", "70000", "is not a port"),
        ("XIETONG_METRICS_PORT", "metrics", "is not a whole number"),
        ("XIETONG_FEDERATION_NAME", "Kai-feng", "is not a GraphQL field name"),
    ],
)
def test_a_bad_operational_setting_says_which(
    tmp_path: Path, name: str, value: str, says: str
) -> None:
    with pytest.raises(ConfigError, match=f"{name}=.*{says}"):
        Settings.from_env({name: value}, data_dir=tmp_path)
