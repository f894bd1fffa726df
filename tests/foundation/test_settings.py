from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT
from werkstatt.settings import Settings, SettingsError, load_settings


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"database_url": "mysql://db/werkstatt"}, "WERKSTATT_DATABASE_URL"),
        ({"database_url": "::kaputt::"}, "WERKSTATT_DATABASE_URL"),
        ({"redis_url": "http://127.0.0.1:6379"}, "WERKSTATT_REDIS_URL"),
        ({"mode": "production"}, "WERKSTATT_SECRET_KEY"),
        ({"port": 0}, "WERKSTATT_PORT"),
        ({"workers": 2}, "WERKSTATT_REDIS_URL"),
        ({"default_locale": "fr"}, "WERKSTATT_DEFAULT_LOCALE"),
    ],
)
def test_bad_setting_names_the_setting_in_one_line(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(**overrides)
    message = str(error.value)
    assert named in message
    assert "\n" not in message


def test_cli_stops_with_one_line_and_nonzero_exit(tmp_path) -> None:
    env = {"WERKSTATT_DATABASE_URL": "mysql://nope", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "werkstatt.cli", "serve"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "Ungültige Einstellung WERKSTATT_DATABASE_URL: muss mit sqlite+aiosqlite:// oder postgresql+asyncpg:// beginnen"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_embedded_secret_is_generated_once_and_kept(tmp_path) -> None:
    first = Settings(data_dir=tmp_path).resolved_secret_key
    second = Settings(data_dir=tmp_path).resolved_secret_key
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_comma_separated_lists_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WERKSTATT_ALLOWED_HOSTS", "werkstatt.example.org, localhost")
    assert load_settings().allowed_hosts == ["werkstatt.example.org", "localhost"]
