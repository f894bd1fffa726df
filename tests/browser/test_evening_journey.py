"""A whole evening as the room lives it (issue 14, "Done when"): the shipped 2-hour Ideen-Werkstatt template, the
coach in Chromium, three real phones that join through the join page with the code, a projector and 40 more
participants on the JSON API.

The journey: a Blitzlicht keyword from each phone, then ideas from everyone (83 cards), clustering, a duplicate
merged and the merge undone, a hidden dot vote, the reveal and the ranking step. Along the way:

- each phone's sticky step bar names the new step after every step change (and stays at the top);
- every card carries one number ("Nr. N"): coach, phones, projector, the vote panel and the PDF agree;
- the vote offers the answers to its own question only (not the opening keywords);
- the dots are cast, revealed, and shown on the projector and on all phones in the ranking step.

Screenshots of the projector at each vote step go to a folder the test prints (and, when
WERKSTATT_JOURNEY_SHOTS names a folder, are copied there for a person to look at)."""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import create_async_engine

from tests.browser.test_live_board import coach_on_board, in_thread
from tests.conftest import Server
from tests.factories import PASSWORD, make_account, make_network
from werkstatt.db import create_sessionmaker
from werkstatt.network.models import Role
from werkstatt.sessions import account_snapshot
from werkstatt.workshops import planning
from werkstatt.workshops.schemas import WorkshopCreate
from werkstatt.workshops.service import create_workshop

TEMPLATE = "ideen-werkstatt-2-stunden"
API_GUESTS = 40
PHONES = {"Anna": "Lebendig", "Bernd": "Leerstand", "Clara": "Parkplätze"}  # name: Blitzlicht keyword
PHONE_IDEAS = {"Anna": "Wochenmarkt auch samstags", "Bernd": "Sitzstufen am Fluss", "Clara": "Kinderflohmarkt"}
# The first five API guests post the cards the evening turns on; every guest posts two cards in all.
MARKET, PLAY, BENCHES, DUPLICATE, FOUNTAIN = (
    "Abendmarkt im Sommer",
    "Spielecke für Kinder",
    "Mehr Bänke am Brunnen",
    "Bänke am Brunnen aufstellen",
    "Trinkbrunnen am Markt",
)
KEY_CARDS = [MARKET, PLAY, BENCHES, DUPLICATE, FOUNTAIN]
CLUSTER = "Aufenthalt"


async def _setup(database_url: str) -> tuple[str, str, str, list[dict[str, Any]]]:
    """A workshop planned from the shipped 2-hour template: (id, join code, the coach's email, its steps)."""
    engine = create_async_engine(database_url)
    async with create_sessionmaker(engine)() as db:
        network = await make_network(db, "Lust auf Innenstadt (Abend)", towns=("Zschopau",))
        coach = await make_account(db, Role.coach, network.network, email="abend@zschopau.example")
        data = WorkshopCreate.model_validate(
            {"town_id": str(network.towns[0].id), "title": "Ideen-Werkstatt Zschopau", "agenda": []}
        )
        workshop = await create_workshop(db, account_snapshot(coach), data)
        rows = await planning.apply_template(db, workshop, TEMPLATE, replace=True)
        await db.commit()
        steps = [
            {"position": s.position, "title": s.title, "minutes": s.minutes, "mechanic": s.mechanic}
            for s in sorted(rows, key=lambda s: s.position)
        ]
        result = (str(workshop.id), workshop.join_code, coach.email, steps)
    await engine.dispose()
    return result


class Steps:
    """The template's steps the journey uses, found by their mechanics (not by fixed positions)."""

    def __init__(self, steps: list[dict[str, Any]]) -> None:
        self.all = steps
        self.vote = self._first("vote")
        self.rank = self._first("rank", after=self.vote)
        self.ideas = max(s["position"] for s in steps if s["mechanic"] == "collect" and s["position"] < self.vote)
        self.keywords = self._first("collect")
        self.cluster = self._first("cluster", after=self.ideas)
        assert self.keywords < self.ideas < self.cluster < self.vote < self.rank

    def _first(self, mechanic: str, after: int = -1) -> int:
        return next(s["position"] for s in self.all if s["mechanic"] == mechanic and s["position"] > after)

    def title(self, position: int) -> str:
        return str(self.all[position]["title"])


class Room:
    """The coach's token and the 40 API participants: join, post, vote and read over HTTP."""

    def __init__(self, base: str, workshop_id: str, code: str, email: str) -> None:
        self.api = httpx.Client(base_url=base, timeout=20)
        self.workshop_id = workshop_id
        self.code = code
        token = self.api.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["token"]
        self.coach = {"Authorization": f"Bearer {token}"}
        self.guests: list[dict[str, str]] = []

    def path(self, tail: str) -> str:
        return f"/api/workshops/{self.workshop_id}/{tail}"

    def command(self, **body: Any) -> int:
        answer = self.api.post(self.path("commands"), headers=self.coach, json=body)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["seq"])

    def join(self) -> None:
        for n in range(API_GUESTS):
            answer = self.api.post("/api/join", json={"code": self.code, "display_name": f"Gast {n + 1}"})
            assert answer.status_code == 201, answer.text
            self.guests.append({"Authorization": f"Bearer {answer.json()['token']}"})

    def post(self, guest: int, text: str) -> str:
        """A card; a refusal for posting too fast waits as long as the server says, then goes again."""
        for _attempt in range(20):
            answer = self.api.post(self.path("ideas"), headers=self.guests[guest], json={"text": text})
            if answer.status_code != 429:
                break
            threading.Event().wait(float(answer.headers.get("retry-after", "1")))
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def dot(self, guest: int, idea_id: str) -> None:
        answer = self.api.post(self.path("votes"), headers=self.guests[guest], json={"idea_id": idea_id})
        assert answer.status_code == 201, answer.text

    def results(self, headers: dict[str, str]) -> dict[str, Any]:
        answer = self.api.get(self.path("results"), headers=headers)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found


def join_phone(browser: Any, base: str, code: str, name: str) -> Any:
    """A phone joins as a guest would: the join page, the code typed in, a name, "Mitmachen"."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{base}/beitreten")
    page.fill("#f-code", code)
    page.get_by_role("button", name="Weiter").click()
    page.fill("#f-display_name", name)
    page.get_by_role("button", name="Mitmachen").click()
    page.wait_for_selector("#live-status[data-state='online']")
    return page


def card_numbers(page: Any) -> dict[str, str]:
    """Each card's number as this board shows it ("Nr. N" → "N"), by card id."""
    found: dict[str, str] = page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('#board .idea[data-idea-id]'))
            .filter(card => card.querySelector('.idea-number'))
            .map(card => [card.dataset.ideaId,
                          card.querySelector('.idea-number').textContent.replace('Nr.', '').trim()]))"""
    )
    return found


def start(coach: Any, phones: list[Any], title: str) -> None:
    """The coach starts a step from the agenda; every phone's sticky step bar names it."""
    coach.get_by_role("button", name=f"Starten: {title}", exact=True).click()
    coach.get_by_role("button", name=f"Läuft: {title}", exact=True).wait_for()
    for phone in phones:
        expect(phone.locator("#step-bar #step-title")).to_have_text(title)


@pytest.mark.browser
def test_an_evening_from_the_two_hour_template(browser: Any, live_server: Server, tmp_path: Path) -> None:
    began = time.monotonic()

    def lap(what: str) -> None:
        print(f"{time.monotonic() - began:6.1f} s  {what}")

    shots = tmp_path / "projector"
    shots.mkdir()
    print(f"\nScreenshots of the evening: {shots}")
    workshop_id, code, email, planned = in_thread(
        _setup(f"sqlite+aiosqlite:///{live_server.log.parent / 'werkstatt.db'}")
    )
    steps = Steps(planned)
    assert sum(s["minutes"] for s in planned) == 120, "the 2-hour template fits 120 minutes"
    base = live_server.url
    room = Room(base, workshop_id, code, email)

    coach_context, coach = coach_on_board(browser, base, email, workshop_id, (1440, 900), 20_000)
    coach.wait_for_selector("#live-status[data-state='online']")
    projector_context = browser.new_context(viewport={"width": 1920, "height": 1080})
    projector_context.set_default_timeout(20_000)
    projector = projector_context.new_page()
    # The projector is the coach's second screen: the same sign-in, the projector view.
    projector_context.add_cookies(coach_context.cookies())
    projector.goto(f"{base}/w/{workshop_id}/beamer")
    projector.wait_for_selector("#live-status[data-state='online']", state="attached")
    projector_fetched: list[str] = []
    projector.on("request", lambda r: projector_fetched.append(r.url) if r.method == "GET" and "/w/" in r.url else None)

    phones = [join_phone(browser, base, code, name) for name in PHONES]
    room.join()
    lap("joined")

    # The opening Blitzlicht: one keyword from each phone.
    start(coach, phones, steps.title(steps.keywords))
    for phone, keyword in zip(phones, PHONES.values(), strict=True):
        phone.fill("#idea-text", keyword)
        phone.get_by_role("button", name="Karte posten").click()
        phone.locator(".idea-text", has_text=keyword).wait_for()

    lap("keywords posted")
    # The ideas: three from the phones, two from each API guest (83 cards).
    start(coach, phones, steps.title(steps.ideas))
    for phone, idea in zip(phones, PHONE_IDEAS.values(), strict=True):
        phone.fill("#idea-text", idea)
        phone.get_by_role("button", name="Karte posten").click()
        phone.locator(".idea-text", has_text=idea).wait_for()
    ids: dict[str, str] = {}
    for n in range(API_GUESTS):
        text = KEY_CARDS[n] if n < len(KEY_CARDS) else f"Vorschlag {n + 1}: mehr Grün in der Altstadt"
        ids[text] = room.post(n, text)
    for n in range(API_GUESTS):
        room.post(n, f"Vorschlag {API_GUESTS + n + 1}: Leerstand als Treffpunkt")
    for page in (coach, projector, *phones):
        page.locator(f"#idea-{ids[FOUNTAIN]}").wait_for()

    lap("83 cards on every board")
    # One number per card: the API, the coach, every phone and the projector agree.
    numbered = {i["id"]: str(i["number"]) for i in room.results(room.coach)["ideas"]}
    assert len(numbered) == 3 + 3 + 2 * API_GUESTS and len(set(numbered.values())) == len(numbered)
    for name, page in {"coach": coach, "projector": projector, **dict(zip(PHONES, phones, strict=True))}.items():
        shown = card_numbers(page)
        assert len(shown) >= 50, f"{name} shows {len(shown)} numbered cards"
        wrong = {i: (n, numbered.get(i)) for i, n in shown.items() if numbered.get(i) != n}
        assert wrong == {}, f"{name}: card numbers differ from the API: {wrong}"
    assert projector.locator(f"#idea-{ids[MARKET]} .idea-number").is_visible(), "the projector shows the number"

    lap("numbers agree")
    # Clustering: a cluster, two cards sorted into it, the duplicate merged and the merge undone.
    start(coach, phones, steps.title(steps.cluster))
    coach.fill("#cluster-name", CLUSTER)
    coach.press("#cluster-name", "Enter")
    for page in (coach, projector, *phones):
        page.locator(".cluster-name", has_text=CLUSTER).wait_for()
    cluster_id = coach.locator(".cluster-cards[data-cluster-id]:not([data-cluster-id=''])").first.get_attribute(
        "data-cluster-id"
    )
    for text in (BENCHES, DUPLICATE):
        room.command(type="move_idea", idea_id=ids[text], cluster_id=cluster_id)
    for page in (coach, projector, *phones):
        page.locator(f".cluster-cards[data-cluster-id='{cluster_id}'] #idea-{ids[DUPLICATE]}").wait_for()
    duplicate = coach.locator(f"#idea-{ids[DUPLICATE]}")
    duplicate.locator("summary", has_text="Moderieren").click()
    duplicate.get_by_role("button", name="Zusammenführen …").click()
    coach.select_option("#merge-target", ids[BENCHES])
    coach.locator("#merge-dialog").get_by_role("button", name="Zusammenführen", exact=True).click()
    for page in (coach, projector, *phones):
        expect(page.locator(f"#idea-{ids[DUPLICATE]}")).to_have_count(0)
        expect(page.locator(f"#idea-{ids[BENCHES]} .idea-merged")).to_contain_text(DUPLICATE)
    merged = {i["id"]: i for i in room.results(room.guests[0])["ideas"]}
    assert [m["text"] for m in merged[ids[BENCHES]]["merged"]] == [DUPLICATE]
    assert ids[DUPLICATE] not in merged
    projector.screenshot(path=str(shots / "1-cluster-merged.png"), animations="disabled")
    coach.locator(f"#idea-{ids[BENCHES]} .idea-merged").get_by_role("button", name="Trennen").click()
    for page in (coach, projector, *phones):
        page.locator(f"#idea-{ids[DUPLICATE]}").wait_for()
        expect(page.locator(f"#idea-{ids[BENCHES]} .idea-merged")).to_have_count(0)
        expect(page.locator(f"#idea-{ids[DUPLICATE]} .idea-number")).to_have_text(f"Nr. {numbered[ids[DUPLICATE]]}")
    unmerged = {i["id"]: i for i in room.results(room.guests[0])["ideas"]}
    assert unmerged[ids[BENCHES]].get("merged") in (None, []) and ids[DUPLICATE] in unmerged

    lap("merge undone")
    # The dot vote (hidden): each phone from its page, the API guests by plan. The market gets 60 dots,
    # the play corner 40, the benches 10 + 3 from the phones, the fountain 10.
    for phone in phones:
        phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    start(coach, phones, steps.title(steps.vote))
    for phone in phones:
        phone.wait_for_selector("#voting-panel[data-mechanic='vote']")
        phone.wait_for_function("() => window.scrollY < 400")  # back to the step
    projector.screenshot(path=str(shots / "2-vote-open.png"), animations="disabled")
    qr = projector.locator("#projector-join .projector-qr").bounding_box()
    assert qr is not None and min(qr["width"], qr["height"]) >= 160, f"the join QR is too small to scan: {qr}"
    offered = phones[0].locator("#voting-panel .vote-text").all_inner_texts()
    assert MARKET in offered and PHONE_IDEAS["Anna"] in offered
    assert not set(PHONES.values()) & set(offered), "the opening keywords are not voted on"
    for card_id, number in phones[0].evaluate(
        """() => Array.from(document.querySelectorAll('#voting-panel .vote-item'))
            .map(item => [item.id.replace('vote-item-', ''), item.querySelector('.vote-number').textContent.trim()])"""
    ):
        assert numbered[card_id] == number, f"the vote panel numbers {card_id} {number}, not {numbered[card_id]}"
    # The coach's main thread while the room votes: every task longer than 50 ms (the browser's long tasks).
    coach.evaluate(
        """() => { window.longTasks = [];
            new PerformanceObserver(list => list.getEntries().forEach(t => window.longTasks.push(t.duration)))
                .observe({ type: 'longtask' }); }"""
    )
    for n in range(API_GUESTS):
        plan = [MARKET, MARKET, PLAY] if n < 30 else [BENCHES, PLAY, FOUNTAIN]
        for text in plan:
            room.dot(n, ids[text])
    for phone in phones:
        phone.locator(f"#vote-item-{ids[BENCHES]}").get_by_role("button", name="+ Punkt").click()
        phone.locator("#bar-dots", has_text="2 / 3").wait_for()
    last_vote = time.monotonic()
    total = API_GUESTS * 3 + len(phones)
    # The coach's board keeps up with a room voting (it once fell a minute behind: every tally redrew every
    # card's count and chips, each swapped by htmx on its own).
    expect(coach.locator(f"#tally-dots-{steps.vote}")).to_have_text(str(total), timeout=30_000)
    behind = time.monotonic() - last_vote
    longest = max(coach.evaluate("() => window.longTasks"), default=0.0)
    print(f"\ncoach: the total {behind:.2f} s after the last vote; longest main-thread task {longest:.0f} ms")
    assert behind < 5, f"the coach's counter showed the total {behind:.1f} s after the last vote"
    assert longest < 1000, f"a task of {longest:.0f} ms on the coach's page"
    projector.locator(f"#tally-dots-{steps.vote}", has_text=str(total)).wait_for()
    phone = phones[0]
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    bar = phone.locator("#step-bar")
    phone.wait_for_function("() => document.querySelector('#step-bar').getBoundingClientRect().top <= 1")
    assert bar.is_visible() and steps.title(steps.vote) in bar.inner_text(), "the step bar stays at the top"
    assert phone.locator(".vote-tally").count() == 0, "the phones see no dots before the reveal"
    assert projector.locator("#beamer-results").count() == 0, "the projector covers the result"
    projector.screenshot(path=str(shots / "3-vote-covered.png"), animations="disabled")

    lap("dots cast")
    coach.get_by_role("button", name="Ergebnis aufdecken").click()
    top = projector.locator("#beamer-results .beamer-row").first
    top.filter(has_text=MARKET).wait_for()
    assert "60" in top.inner_text()
    assert PLAY in projector.locator("#beamer-results .beamer-row").nth(1).inner_text()
    for phone in phones:
        phone.locator(f"#vote-item-{ids[MARKET]} .vote-tally", has_text="60").wait_for()
    rows = projector.locator("#beamer-results .beamer-row")
    assert rows.count() == 4, "only the cards with dots are listed"
    assert rows.first.locator(".beamer-number").inner_text() == f"Nr. {numbered[ids[MARKET]]}"
    projector.screenshot(path=str(shots / "4-vote-revealed.png"), animations="disabled")

    lap("revealed")
    # The ranking step: the revealed dots on the projector and on every phone.
    start(coach, phones, steps.title(steps.rank))
    projector.locator("#beamer-ranking .beamer-row").first.filter(has_text=MARKET).wait_for()
    assert PLAY in projector.locator("#beamer-ranking .beamer-row").nth(1).inner_text()
    for phone in phones:
        first = phone.locator("#ranking-list .ranking-item").first
        first.filter(has_text=MARKET).wait_for()
        assert "1." in first.inner_text() and "60" in first.inner_text()
        second = phone.locator("#ranking-list .ranking-item").nth(1)
        assert PLAY in second.inner_text() and "40" in second.inner_text()
        assert phone.locator("#voting-hidden-note").count() == 0, "nothing covered in the ranking step"
    ranked = room.results(room.guests[7])["ideas"]
    assert [(i["text"], i["votes"], i["rank"]) for i in ranked[:4]] == [
        (MARKET, 60, 1),
        (PLAY, 40, 2),
        (BENCHES, 13, 3),
        (FOUNTAIN, 10, 4),
    ]
    projector.screenshot(path=str(shots / "5-ranking.png"), animations="disabled")

    lap("ranking shown")
    # The protocol: the same numbers as on the screens.
    answer = room.api.get(room.path("export"), params={"format": "pdf"}, headers=room.coach)
    assert answer.status_code == 200, answer.text
    pdf = "".join("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(answer.content)).pages).split())
    for text in (MARKET, PLAY, BENCHES):
        assert f"Nr.{numbered[ids[text]]}{''.join(text.split())}" in pdf, f"the PDF numbers {text} as the screens do"

    lap("pdf checked")
    room.command(type="close")
    projector.locator("#beamer-closing").wait_for()
    assert MARKET in projector.locator("#beamer-closing .beamer-row").first.inner_text()
    projector.screenshot(path=str(shots / "6-closed.png"), animations="disabled")
    assert projector_fetched == [], f"the projector fetched: {projector_fetched}"

    copy_to = os.environ.get("WERKSTATT_JOURNEY_SHOTS")
    if copy_to:
        Path(copy_to).mkdir(parents=True, exist_ok=True)
        for shot in shots.iterdir():
            shutil.copy(shot, Path(copy_to) / f"evening-{shot.name}")
    for context in (*(p.context for p in phones), projector_context, coach_context):
        context.close()
