"""Settings come from MAAS_* variables through one function, with defaults that need no configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from maas.settings import SettingsError, load_settings


def test_defaults_need_no_configuration() -> None:
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.corpus_dir.name == "corpus"
    assert settings.is_default_secret


def test_environment_overrides_and_driver_mapping() -> None:
    settings = load_settings({
        "MAAS_DATABASE_URL": "postgresql://maas@db.internal/maas", "MAAS_PORT": "9000",
        "MAAS_CORPUS": "/data/corpus", "MAAS_SECRET_KEY": "s3cret", "MAAS_LOG_LEVEL": "debug",
    })
    assert settings.database_url == "postgresql+asyncpg://maas@db.internal/maas"
    assert settings.port == 9000 and settings.corpus_dir == Path("/data/corpus")
    assert settings.log_level == "DEBUG" and not settings.is_default_secret


def test_secrets_do_not_show_in_repr() -> None:
    settings = load_settings({"MAAS_SECRET_KEY": "top-secret-value"})
    assert "top-secret-value" not in repr(settings) and "top-secret-value" not in str(settings.model_dump())


@pytest.mark.parametrize(("env", "names"), [
    ({"MAAS_PORT": "eighty"}, "MAAS_PORT"),
    ({"MAAS_PORT": "70000"}, "MAAS_PORT"),
    ({"MAAS_DATABASE_URL": "mysql://x"}, "MAAS_DATABASE_URL"),
    ({"MAAS_LOG_LEVEL": "chatty"}, "MAAS_LOG_LEVEL"),
    ({"MAAS_DATABSE_URL": "sqlite:///x"}, "MAAS_DATABSE_URL"),
])
def test_bad_values_and_misspelt_names_are_named(env: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        load_settings(env)


def test_empty_values_fall_back_to_defaults() -> None:
    assert load_settings({"MAAS_PORT": ""}).port == 8080
