"""Docker cannot run here: check that compose.yaml parses, has the deployment's parts, and sets only real
settings."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT
from werkstatt.settings import Settings


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_has_the_deployment_topology() -> None:
    services = _compose()["services"]
    assert {"postgres", "redis", "migrate", "app", "proxy"} <= set(services)
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["redis"]
    assert services["migrate"]["command"][-2:] == ["db", "upgrade"] or "upgrade" in str(services["migrate"]["command"])
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    workers = int(services["app"]["environment"]["WERKSTATT_WORKERS"])
    assert workers >= 2
    assert services["app"]["environment"]["WERKSTATT_REDIS_URL"].startswith("redis://")
    # X-Forwarded-For is believed from any address only because nothing but the proxy reaches the app
    assert services["app"]["environment"]["WERKSTATT_FORWARDED_ALLOW_IPS"] == "*"
    assert "ports" not in services["app"] and "ports" in services["proxy"]
    assert any(volume for volume in services["postgres"].get("volumes", []))


def test_every_werkstatt_variable_in_compose_is_a_real_setting() -> None:
    text = (ROOT / "compose.yaml").read_text()
    names = set(re.findall(r"\bWERKSTATT_([A-Z_]+)\b", text))
    assert names, "compose.yaml sets no WERKSTATT_ variables"
    known = {name.upper() for name in Settings.model_fields}
    assert names <= known, f"unknown settings in compose.yaml: {sorted(names - known)}"


def test_caddy_proxies_to_the_app() -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy" in caddyfile and "app:8000" in caddyfile
