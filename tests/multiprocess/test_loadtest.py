"""`werkstatt loadtest` against a real `werkstatt serve` process: 20 simulated phones for 5 seconds. The report
has its figures, every card reached every phone, and the test workshop never showed on the town page, in the
workshop list or in "erprobt in N" while it ran, and is gone afterwards."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, Server, run_cli, server_env, werkstatt_cmd
from tests.html import parse

PARTICIPANTS = 20
SECONDS = 5


def coach_token(server: Server) -> str:
    response = httpx.post(
        f"{server.url}/api/auth/token", json={"email": "coach@werkstatt.example", "password": "werkstatt-demo"}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def read(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return list(connection.execute(sql))


def listed(server: Server, token: str, path: str) -> list[str]:
    headers = {"Authorization": f"Bearer {token}", "hx-request": "true"}
    page = httpx.get(f"{server.url}{path}", headers=headers, timeout=10)
    assert page.status_code == 200, page.text
    return [link.get_text(strip=True) for link in parse(page.text).select("a[href^='/werkstaetten/']")]


@pytest.mark.multiprocess
def test_loadtest_reports_and_leaves_nothing_behind(live_server: Server, tmp_path: Path) -> None:
    database = tmp_path / "werkstatt.db"
    token = coach_token(live_server)
    usages = read(database, "SELECT count(*) FROM method_usage")[0][0]
    command = werkstatt_cmd(
        "loadtest", live_server.url, "--token", token, "--participants", str(PARTICIPANTS), "--seconds", str(SECONDS)
    )
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    looks = 0
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        running = read(database, "SELECT title, town_id FROM workshop WHERE is_test")
        if running:  # while it runs: counted nowhere
            title, town_id = running[0]
            assert str(title).startswith("Lasttest")
            town = uuid.UUID(bytes=bytes(town_id))  # SQLite keeps UUIDs as 16 bytes
            assert not [t for t in listed(live_server, token, f"/staedte/{town}/werkstaetten") if "Lasttest" in t]
            assert not [t for t in listed(live_server, token, "/werkstaetten/") if "Lasttest" in t]
            assert read(database, "SELECT count(*) FROM method_usage")[0][0] == usages
            looks += 1
        time.sleep(0.3)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, out + err
    assert looks >= 3, "the test workshop was looked for while it ran"

    assert f"Beigetreten:        {PARTICIPANTS} von {PARTICIPANTS}, Websockets offen: {PARTICIPANTS}" in out
    cards = re.search(r"Karten: +(\d+) gepostet, (\d+) von (\d+) Zustellungen angekommen \(100,0 %\)", out)
    assert cards, out
    posted, arrived, expected = map(int, cards.groups())
    assert posted >= PARTICIPANTS and arrived == expected == posted * PARTICIPANTS
    assert re.search(r"Punkte: +[1-9]\d* vergeben", out), out
    for label in ("Karte → Telefone", "Moderation → Tel.", "HTTP insgesamt", "karte", "stimme", "beitreten"):
        assert re.search(rf"{re.escape(label)}: +p50 \d+ ms  p99 \d+ ms  max \d+ ms  \(\d+ Messungen\)", out), label
    assert re.search(r"Abgelehnt \(429\): +0\n", out), out
    assert re.search(r"Fehler: +0\n", out), out
    deleted = re.search(r"Test-Werkstatt ([0-9a-f-]{36}): gelöscht", out)
    assert deleted, out

    assert read(database, "SELECT count(*) FROM workshop WHERE is_test")[0][0] == 0
    gone = httpx.get(
        f"{live_server.url}/api/workshops/{deleted.group(1)}", headers={"Authorization": f"Bearer {token}"}
    )
    assert gone.status_code == 404
    assert read(database, "SELECT count(*) FROM method_usage")[0][0] == usages


@pytest.mark.multiprocess
def test_loadtest_refuses_bad_arguments_and_tokens_in_one_line(live_server: Server, tmp_path: Path) -> None:
    env = server_env("sqlite+aiosqlite://", tmp_path)
    wrong_scheme = run_cli(env, "loadtest", "ftp://127.0.0.1", "--token", "x")
    assert wrong_scheme.returncode == 2
    assert wrong_scheme.stderr.strip() == (
        "Fehler: Die Adresse muss mit http:// oder https:// beginnen, z. B. https://werkstatt.example.org"
    )
    too_many = run_cli(env, "loadtest", live_server.url, "--token", "x", "--participants", "5000")
    assert too_many.returncode == 2 and "--participants muss zwischen 1 und 2000 liegen" in too_many.stderr
    bad_token = run_cli(env, "loadtest", live_server.url, "--token", "wst_falsch", "--seconds", "1")
    assert bad_token.returncode == 2
    assert bad_token.stderr.startswith("Fehler: Netzwerke lesen: Das Token wurde abgelehnt (401)")
    assert read(tmp_path / "werkstatt.db", "SELECT count(*) FROM workshop WHERE is_test")[0][0] == 0
