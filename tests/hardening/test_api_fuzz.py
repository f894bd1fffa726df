"""Schemathesis against the running app's own OpenAPI document: every operation, as the coach and as a
guest, valid and invalid inputs, a small fixed budget. Whatever comes in, the answer is never a 5xx."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.conftest import Server

EXAMPLES = 6
"""Per operation, caller and mode: about 40 operations x 2 callers x 2 modes stay within a minute."""

AGENDA = [{"title": "Sammeln", "minutes": 10, "board": {"mechanic": "collect", "config": {}}}]


def callers(server: Server) -> tuple[dict[str, str], dict[str, str], str]:
    """A coach token and a guest token of a fresh live workshop, both from the public API."""
    login = {"email": "coach@werkstatt.example", "password": "werkstatt-demo"}
    coach = httpx.post(f"{server.url}/api/auth/token", json=login).json()["token"]
    as_coach = {"Authorization": f"Bearer {coach}"}
    network = httpx.get(f"{server.url}/api/networks", headers=as_coach).json()[0]["id"]
    town = httpx.get(f"{server.url}/api/networks/{network}/towns", headers=as_coach).json()[0]["id"]
    planned = httpx.post(
        f"{server.url}/api/workshops",
        json={"town_id": town, "title": "Fuzz", "agenda": AGENDA},
        headers=as_coach,
    ).json()
    guest = httpx.post(f"{server.url}/api/join", json={"code": planned["join_code"], "display_name": "Fuzz"})
    as_guest = {"Authorization": f"Bearer {guest.json()['token']}"}
    return as_coach, as_guest, planned["id"]


def fuzz(strategy: st.SearchStrategy[Any], url: str, headers: dict[str, str], server_errors: list[str]) -> int:
    """Runs one bounded, derandomized hypothesis search; returns the number of calls made."""
    calls = 0

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        nonlocal calls
        calls += 1
        response = case.call(base_url=url, headers=headers, timeout=10)
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except Exception as failure:  # collect all, report together
            server_errors.append(f"{case.method} {case.formatted_path}: {failure}"[:800])

    with contextlib.suppress(Unsatisfiable):  # nothing to break (no parameters, no body) in negative mode
        call()
    return calls


def test_no_server_error_for_any_operation(live_server: Server) -> None:
    as_coach, as_guest, workshop_id = callers(live_server)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/schema/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    server_errors: list[str] = []
    tried = 0
    started = time.monotonic()
    for operation in operations:
        known = {"workshop_id": workshop_id} if "{workshop_id}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies = [operation.as_strategy(generation_mode=mode)]
            if known:
                strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=known))
            for headers in (as_coach, as_guest):
                tried += fuzz(st.one_of(strategies), live_server.url, headers, server_errors)
    took = time.monotonic() - started
    print(f"schemathesis: {len(operations)} operations, {tried} calls, {len(server_errors)} 5xx, {took:.1f} s")
    assert tried >= len(operations) * 2
    assert not server_errors, "\n".join(server_errors)
