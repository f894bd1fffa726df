"""Docs as tests: the shipped privacy notice states exactly the retention the defaults apply, and names every
cookie the server sets."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import ROOT
from tests.html import parse
from werkstatt.idempotency import RETENTION as IDEMPOTENCY_RETENTION
from werkstatt.settings import Settings

NOTICE = (ROOT / "werkstatt" / "content" / "datenschutz.md").read_text()


def default(name: str) -> Any:
    return Settings.model_fields[name].default


def flat(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def test_the_notice_states_the_default_retention_periods() -> None:
    notice = flat(NOTICE)
    hours = int(IDEMPOTENCY_RETENTION / timedelta(hours=1))
    claims = {
        "guest_session_hours": f"Gast-Sitzung endet nach {default('guest_session_hours')} Stunden",
        "guest_retention_days": f"{default('guest_retention_days')} Tage nach dem letzten Termin",
        "session_idle_minutes": f"nach {default('session_idle_minutes')} Minuten ohne Aktivität",
        "session_absolute_hours": f"spätestens {default('session_absolute_hours')} Stunden nach der Anmeldung",
        "expired_link_days (tokens)": f"abgelaufene werden {default('expired_link_days')} Tage danach gelöscht",
        "expired_link_days (invitations)": f"nicht angenommene {default('expired_link_days')} Tage nach Ablauf",
        "login_window_minutes": f"nach {default('login_window_minutes')} Minuten gelöscht",
        "idempotency RETENTION": f"Idempotency-Keys) werden {hours} Stunden aufbewahrt",
    }
    missing = {name: claim for name, claim in claims.items() if claim not in notice}
    assert missing == {}, f"the notice does not say what the defaults do: {missing}"


def test_every_number_in_the_notice_is_one_of_the_defaults() -> None:
    """A period added to the notice without a setting behind it (or left behind after a change) fails here."""
    known = {
        default(name)
        for name in (
            "guest_session_hours",
            "guest_retention_days",
            "session_idle_minutes",
            "session_absolute_hours",
            "expired_link_days",
            "login_window_minutes",
        )
    } | {int(IDEMPOTENCY_RETENTION / timedelta(hours=1))}
    periods = re.findall(r"(\d+) (?:Stunden|Tage|Tagen|Minuten)", flat(NOTICE))
    assert periods and {int(number) for number in periods} <= known


def test_the_access_log_claim_matches_the_default() -> None:
    assert default("access_log_client_addresses") is False
    assert "keine IP-Adressen" in flat(NOTICE)


async def test_the_notice_names_each_cookie_the_server_sets(client: AsyncTestClient[Any]) -> None:
    """Visiting the start page and joining sets the session and the CSRF cookie: the notice lists both kinds."""
    page = await client.get("/datenschutz")
    assert page.status_code == 200
    article = parse(page.text).select_one("article")
    assert article is not None and "Gast 1a2b" in article.get_text()
    await client.post("/sprache", data={"locale": "de"}, headers={"x-csrftoken": client.cookies.get("csrftoken", "")})
    names = set(client.cookies.keys())
    described = {"werkstatt_session": "Sitzungs-Cookie", "csrftoken": "Schutz-Cookie gegen Cross-Site-Request-Forgery"}
    assert names == set(described), names
    for name in names:
        assert described[name] in flat(NOTICE)
