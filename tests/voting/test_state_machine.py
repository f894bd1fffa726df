"""A hypothesis state machine over dot voting, driven through the public JSON API and websocket only.

Guests join (with a target group), post cards in the collect step, cast rounds of dots (some with an
`Idempotency-Key`, retried later) and take dots back (their own, others', of past steps, on removed cards);
the coach moves between the collect step, a hidden vote step and an open vote step and reveals; the coach
hides cards, authors and the coach withdraw them; guests' websockets disconnect and reconnect with `?after=`
their last seq; the tally batcher's window closes whenever the machine says so (machine_support.py).

After every step:
1. the model's dots equal the votes table (every dot on a live card, and no row the model does not know), and
   the coach's results and a guest's (in turns) show the model's dots per card and competition ranks;
2. every connected client's tallies, rebuilt from exactly the events its socket delivered, equal the model's
   for each step whose tallies are visible (open, or revealed) once the batch of that step is out;
3. before the hidden step is revealed, no guest's event about that step carries tallies or any card id, and
   guests' results carry no dot count and no rank;
4. every answer's and event's `remaining` is the budget minus the participant's own live dots (never < 0),
   and refusals (not a vote step, removed card, cap, budget, not your dot, step over) have their 4xx;
5. the event log grows by exactly the events the model expects, in gap-free seq order, on the coach's socket;
   every connected guest's socket delivers exactly the events that are theirs, in seq order: all but other
   people's `vote_cast`/`vote_withdrawn`, which reach a guest not at all (not even as a seq), so a guest's seqs
   have gaps; a reconnect replays exactly the missed events that are theirs, the ones GET /events?after=
   lists for that guest."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.voting.conftest import AGENDA, OPEN_VOTE, VOTE
from tests.voting.machine_support import ClientView, DotRow, Harness, open_harness

COLLECT = 0
STEPS = (COLLECT, VOTE, OPEN_VOTE)


@dataclass(frozen=True)
class Rules:
    dots: int
    cap: int
    hidden: bool


def rules_of(position: int) -> Rules:
    """The vote step's rules as the agenda the machine sends sets them (hidden 3 dots, cap 2; open 2, cap 1)."""
    config = cast(dict[str, Any], AGENDA[position]["board"])["config"]
    return Rules(config["dots_per_person"], config["max_per_item"], config["hidden"])


RULES = {VOTE: rules_of(VOTE), OPEN_VOTE: rules_of(OPEN_VOTE)}
T = TypeVar("T")
PERSONAL = {"vote_cast", "vote_withdrawn"}  # another person's vote is not sent to a guest at all
RESULT_EVENTS = {
    "idea_posted",
    "idea_hidden",
    "idea_merged",
    "ideas_merged",
    "idea_withdrawn",
    "vote_cast",
    "vote_withdrawn",
    "revealed",
}
GROUPS = ("jugendliche", "familien", "senioren", None)
# Both ways to reveal a vote step: POST /votes/reveal and the `reveal` moderation command (API.md).
REVEAL_PATHS = ("votes", "command")
MAX_GUESTS = 5
MAX_CARDS = 8
MAX_LIVE_CARDS = 5
INDEX = st.integers(min_value=0, max_value=7)  # an index into a list of the model (taken modulo its length)
# A round of dots: (voter, card, on the favourite instead?, with an Idempotency-Key?)
ROUND = st.lists(st.tuples(INDEX, INDEX, st.booleans(), st.booleans()), min_size=1, max_size=6)


@dataclass(eq=False)
class Guest:
    name: str
    token: str
    participant_id: str
    group: str | None
    view: ClientView

    def __repr__(self) -> str:
        return self.name


@dataclass(eq=False)
class Card:
    id: str
    author: Guest
    label: str
    state: str = "live"  # live | withdrawn | hidden | merged

    def __repr__(self) -> str:
        return self.label


@dataclass(eq=False)
class Dot:
    id: str
    owner: Guest
    step: int
    card: Card
    gone: bool = False  # taken back

    @property
    def live(self) -> bool:
        return not self.gone and self.card.state == "live"

    def __repr__(self) -> str:
        return f"dot({self.owner!r}→{self.card!r}@{self.step})"


@dataclass
class Expect:
    """One event the coach's log must show next: its type, and its exact data or a check of it."""

    type: str
    data: dict[str, Any] | None = None
    check: Callable[[dict[str, Any]], bool] | None = None


def pick(items: list[T], index: int) -> T:
    assert items, "nothing to choose from"
    return items[index % len(items)]


def competition_ranks(votes: dict[str, int]) -> dict[str, tuple[int, bool]]:
    """1 + the number of cards with more dots; a tie when another card has as many."""
    counts = Counter(votes.values())
    return {card: (1 + sum(1 for n in votes.values() if n > mine), counts[mine] > 1) for card, mine in votes.items()}


class VotingMachine(RuleBasedStateMachine):
    harness: ClassVar[Harness]

    def __init__(self) -> None:
        super().__init__()
        self.h = self.harness
        created = self.h.request(
            "POST",
            "/api/workshops",
            self.h.coach_token,
            json={"town_id": self.h.town_id, "title": "Zustandsautomat", "agenda": AGENDA},
        )
        assert created.status_code == 201, created.text
        self.id: str = created.json()["id"]
        self.code: str = created.json()["join_code"]
        self.base = f"/api/workshops/{self.id}"
        self.coach = ClientView("Moderation")
        self.coach.socket = self.h.connect(f"{self.base}/live?after=0", self.h.coach_token)
        self.all_guests: list[Guest] = []
        self.all_cards: list[Card] = []
        self.all_dots: list[Dot] = []
        self.step: int | None = None
        self.revealed = dict.fromkeys(STEPS, False)
        self.reveal_seq: dict[int, int] = {}
        self.pending: list[int] = []  # vote steps the batcher owes a tally_updated, in the order it queued them
        self.expected: list[Expect] = []
        self.keyed: tuple[Guest, Card, str, dict[str, Any]] | None = None
        self.keys = 0
        self.checks = 0
        self._start(COLLECT)

    # --- requests ------------------------------------------------------------------------------------------

    def as_coach(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.h.request(method, self.base + path, self.h.coach_token, **kwargs)

    def as_guest(self, guest: Guest, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.h.request(method, self.base + path, guest.token, **kwargs)

    def command(self, kind: str, **body: Any) -> httpx.Response:
        return self.as_coach("POST", "/commands", json={"type": kind, **body})

    # --- the model -----------------------------------------------------------------------------------------

    def live_dots(self, step: int, owner: Guest | None = None) -> list[Dot]:
        return [d for d in self.all_dots if d.live and d.step == step and (owner is None or d.owner is owner)]

    def tallies(self, step: int) -> dict[str, int]:
        return dict(Counter(d.card.id for d in self.live_dots(step)))

    def remaining(self, guest: Guest, step: int) -> int:
        left = RULES[step].dots - len(self.live_dots(step, guest))
        assert left >= 0, f"{guest!r} has more dots than the budget in step {step}"
        return left

    def live_cards(self) -> list[Card]:
        return [c for c in self.all_cards if c.state == "live"]

    def hidden(self, step: int) -> bool:
        return RULES[step].hidden and not self.revealed[step]

    def totals(self, cards: list[Card], steps: list[int]) -> dict[str, int]:
        return {c.id: sum(1 for d in self.all_dots if d.live and d.card is c and d.step in steps) for c in cards}

    def mine(self, guest: Guest, step: int) -> dict[str, int]:
        return dict(Counter(d.card.id for d in self.live_dots(step, guest)))

    def vote_data(self, dot: Dot) -> dict[str, Any]:
        """A vote event's data: the voter's own news (their card, remaining dots, dots per card, the rules)."""
        rules = RULES[dot.step]
        return {
            "vote": {
                "id": dot.id,
                "author_id": dot.owner.participant_id,
                "step": dot.step,
                "idea_id": dot.card.id,
                "remaining": self.remaining(dot.owner, dot.step),
                "mine": self.mine(dot.owner, dot.step),
                "dots": rules.dots,
                "cap": rules.cap,
            }
        }

    def due(self, guest: Guest, after: int, through: int) -> list[int]:
        """The seqs after `after` up to `through` that are this guest's: all but other people's votes."""
        return [
            int(e["seq"])
            for e in self.coach.events[after:through]
            if e["type"] not in PERSONAL or e["data"]["vote"]["author_id"] == guest.participant_id
        ]

    def touch(self, step: int) -> None:
        if step not in self.pending:
            self.pending.append(step)

    def _start(self, step: int) -> None:
        answer = self.command("start_step", step=step)
        assert answer.status_code == 200, answer.text
        self.step = step
        revealed = self.revealed[step]
        self.expected.append(
            Expect(
                "step_started",
                check=lambda d: d["step"]["position"] == step and d["step"]["revealed"] is revealed,
            )
        )

    # --- rules -------------------------------------------------------------------------------------------------

    @initialize(
        groups=st.lists(st.sampled_from(GROUPS), min_size=1, max_size=3),
        cards=st.integers(1, 4),
        then=st.sampled_from([VOTE, OPEN_VOTE, COLLECT]),
        dots=ROUND,
        window_closes=st.booleans(),
    )
    def room(
        self,
        groups: list[str | None],
        cards: int,
        then: int,
        dots: list[tuple[int, int, bool, bool]] | None = None,
        window_closes: bool = False,
    ) -> None:
        """A few guests and cards to begin with, and usually a vote step with a first round of dots, so that
        every run votes early."""
        for group in groups:
            self.join(group)
        for index in range(cards):
            self.post_card(index)
        if then != COLLECT:
            self._start(then)
            self.vote(dots or [], window_closes)

    @precondition(lambda self: len(self.all_guests) < MAX_GUESTS)
    @rule(group=st.sampled_from(GROUPS))
    def join(self, group: str | None) -> None:
        name = f"Gast{len(self.all_guests) + 1}"
        body: dict[str, Any] = {"code": self.code, "display_name": name}
        if group:
            body["target_group"] = group
        answer = self.h.request("POST", "/api/join", None, json=body)
        assert answer.status_code == 201, answer.text
        joined = answer.json()
        guest = Guest(name, joined["token"], joined["participant_id"], group, ClientView(name))
        shown = {
            "id": guest.participant_id,
            "display_name": name,
            "target_group": group,
            "role": "guest",
            "target_group_name": group.capitalize() if group else None,  # the coach's list shows the name
        }
        self.expected.append(Expect("participant_joined", data={"participant": shown}))
        guest.view.socket = self.h.connect(f"{self.base}/live?after=0", guest.token)
        self.all_guests.append(guest)

    @precondition(
        lambda self: (
            self.step == COLLECT and len(self.all_cards) < MAX_CARDS and len(self.live_cards()) < MAX_LIVE_CARDS
        )
    )
    @rule(author=INDEX)
    def post_card(self, author: int) -> None:
        writer = pick(self.all_guests, author)
        label = f"Karte{len(self.all_cards) + 1}"
        answer = self.as_guest(writer, "POST", "/ideas", json={"text": label})
        assert answer.status_code == 201, answer.text
        card = Card(answer.json()["id"], writer, label)
        self.all_cards.append(card)
        self.expected.append(Expect("idea_posted", check=lambda d: d["idea"]["id"] == card.id))

    @rule(dots=ROUND, window_closes=st.booleans())
    def vote(self, dots: list[tuple[int, int, bool, bool]], window_closes: bool = False) -> None:
        """A round of dots (voter, card, on the favourite?, with an Idempotency-Key?) in one batch window.
        The favourite (most live dots in this step, then the oldest) runs into caps and budgets; a keyed dot
        may be retried later. The batch window may close right after the round (or any time later)."""
        for voter, card, favourite, keyed in dots:
            target = pick(self.all_cards, card)
            if favourite:
                counts = self.tallies(self.step) if self.step in RULES else {}
                target = max(self.all_cards, key=lambda c: (counts.get(c.id, 0), c.state == "live"))
            self.cast(pick(self.all_guests, voter), target, keyed)
        if window_closes and self.pending:
            self.batch_window_passes()

    def cast(self, voter: Guest, card: Card, keyed: bool) -> None:
        headers = {}
        if keyed:
            self.keys += 1
            headers["Idempotency-Key"] = f"punkt-{self.keys}"
        answer = self.as_guest(voter, "POST", "/votes", json={"idea_id": card.id}, headers=headers)
        step = self.step
        if step not in RULES:
            assert answer.status_code == 403, answer.text
            return
        if card.state != "live":  # merged, hidden or withdrawn: a German 409 that says which
            assert answer.status_code == 409, answer.text
            word = {"merged": "zusammengeführt", "hidden": "ausgeblendet", "withdrawn": "zurückgezogen"}[card.state]
            assert word in answer.json()["detail"], answer.text
            return
        rules = RULES[step]
        mine = self.live_dots(step, voter)
        if sum(1 for d in mine if d.card is card) >= rules.cap:
            assert answer.status_code == 409, answer.text
            assert "höchstens" in answer.json()["detail"], answer.text
            return
        if len(mine) >= rules.dots:
            assert answer.status_code == 409, answer.text
            assert f"alle {rules.dots} Punkte" in answer.json()["detail"], answer.text
            return
        assert answer.status_code == 201, answer.text
        body = answer.json()
        dot = Dot(body["id"], voter, step, card)
        self.all_dots.append(dot)
        left = self.remaining(voter, step)
        assert body == {
            "id": dot.id,
            "idea_id": card.id,
            "step": step,
            "remaining": left,
            "score_x": None,
            "score_y": None,
        }
        self.expected.append(Expect("vote_cast", data=self.vote_data(dot)))
        self.touch(step)
        if keyed:
            self.keyed = (voter, card, headers["Idempotency-Key"], body)

    @precondition(lambda self: self.keyed is not None)
    @rule()
    def retry_keyed_vote(self) -> None:
        """The same request again (a phone that lost the answer): the first answer, and no second dot."""
        assert self.keyed is not None
        voter, card, key, body = self.keyed
        answer = self.as_guest(voter, "POST", "/votes", json={"idea_id": card.id}, headers={"Idempotency-Key": key})
        assert answer.status_code == 201, answer.text
        assert answer.json() == body

    @precondition(lambda self: bool(self.all_dots))
    @rule(
        picks=st.lists(
            st.tuples(INDEX, st.sampled_from(["latest", "any", "someone else"]), INDEX), min_size=1, max_size=3
        )
    )
    def unvote(self, picks: list[tuple[int, str, int]]) -> None:
        """Dots taken back: (dot, how, who). "latest" is the board's "− Punkt": the guest's latest dot of the
        running step, if any; "any" is any dot of its owner (of another step, on a withdrawn card, already
        taken back); "someone else" tries to take back another guest's dot."""
        for dot, how, who in picks:
            if how == "latest":
                guest = pick(self.all_guests, who)
                mine = [d for d in self.all_dots if d.owner is guest and d.step == self.step and not d.gone]
                if mine:
                    self.take_back(mine[-1], guest)
                continue
            taken = pick(self.all_dots, -1 - dot)  # the latest dots first: they are most often still live
            self.take_back(taken, taken.owner if how == "any" else pick(self.all_guests, who))

    def take_back(self, taken: Dot, who: Guest) -> None:
        answer = self.as_guest(who, "DELETE", f"/votes/{taken.id}")
        if who is not taken.owner or taken.gone:
            assert answer.status_code == 404, answer.text
            return
        if not taken.live:
            # A dot on a card withdrawn or hidden since no longer counts; its row goes when its owner next
            # votes in that step. Until then it can still be taken back, afterwards it is simply gone.
            allowed = {204, 404} if taken.step == self.step else {403, 404}
            assert answer.status_code in allowed, answer.text
            if answer.status_code == 403:
                return
            taken.gone = True
            if answer.status_code == 404:
                return
        elif taken.step != self.step:
            assert answer.status_code == 403, answer.text
            return
        else:
            assert answer.status_code == 204, answer.text
            taken.gone = True
        self.expected.append(Expect("vote_withdrawn", data=self.vote_data(taken)))
        self.touch(taken.step)

    @rule(step=st.sampled_from([COLLECT, VOTE, VOTE, OPEN_VOTE, OPEN_VOTE]))
    def start_step(self, step: int) -> None:
        """The coach moves on (or back): the vote steps twice as often as the collect step."""
        self._start(step)

    @precondition(lambda self: self.step in RULES and not self.revealed[self.step])
    @rule(via=st.sampled_from(REVEAL_PATHS), twice=st.booleans())
    def reveal(self, via: str, twice: bool) -> None:
        """The coach reveals the running vote step: its `revealed` event carries the tallies. A second reveal
        is refused and records nothing."""
        step = self.step
        assert step is not None
        for attempt in range(2 if twice else 1):
            answer = self.as_coach("POST", "/votes/reveal") if via == "votes" else self.command("reveal")
            if attempt:
                assert answer.status_code in {409, 422}, answer.text
                return
            assert answer.status_code == 200, answer.text
            self.revealed[step] = True
            self.reveal_seq[step] = int(answer.json()["seq"])
            live = self.live_dots(step)
            revealed = {
                "step": step,
                "mechanic": "vote",
                "dots": len(live),
                "voters": len({d.owner.participant_id for d in live}),
                "tallies": self.counts(step),
            }
            self.expected.append(Expect("revealed", data=revealed))

    @precondition(lambda self: len(self.live_cards()) > 1)
    @rule(card=INDEX, how=st.sampled_from(["hide", "hide", "merge", "author", "coach", "someone"]), someone=INDEX)
    def remove_card(self, card: int, how: str, someone: int) -> None:
        """The coach hides a live card (moderation) or merges it into another live card, or the author or the
        coach withdraws a card (a hidden one too); anyone else is refused. Either way its dots stop counting
        and go back to their owners. A merge is for before the vote: cards with dots are refused (409)."""
        if how == "merge":
            source = pick(self.live_cards(), card)
            survivor = pick([c for c in self.live_cards() if c is not source], someone)
            answer = self.command("merge_ideas", source_id=source.id, target_id=survivor.id)
            if any(d.card is source or d.card is survivor for d in self.all_dots):
                assert answer.status_code in {200, 409}, answer.text  # a dot's row may be gone since
                if answer.status_code == 409:
                    return
            else:
                assert answer.status_code == 200, answer.text
            source.state = "merged"
            merged = source.id
            self.expected.append(Expect("ideas_merged", check=lambda data, merged=merged: data["source"] == merged))
            return
        if how == "hide":
            target = pick(self.live_cards(), card)
            answer = self.command("hide_idea", idea_id=target.id)
            assert answer.status_code == 200, answer.text
            target.state = "hidden"
            hidden = target.id  # the event carries the card whole (the coach's board swaps it in)
            self.expected.append(
                Expect(
                    "idea_hidden",
                    check=lambda data, hidden=hidden: data["idea"]["id"] == hidden and data["idea"]["hidden"],
                )
            )
            return
        target = pick([c for c in self.all_cards if c.state not in {"withdrawn", "merged"}], card)
        other = pick(self.all_guests, someone)
        if how == "coach":
            answer = self.as_coach("DELETE", f"/ideas/{target.id}")
        else:
            answer = self.as_guest(target.author if how == "author" else other, "DELETE", f"/ideas/{target.id}")
        if how == "someone" and other is not target.author:
            assert answer.status_code == 403, answer.text
            return
        assert answer.status_code == 204, answer.text
        target.state = "withdrawn"
        self.expected.append(
            Expect("idea_withdrawn", data={"idea": {"id": target.id, "author_id": target.author.participant_id}})
        )

    @rule(guest=INDEX)
    def connection(self, guest: int) -> None:
        """A guest's phone goes offline (the socket closes) or comes back: then GET /events?after= its last
        seq and the websocket's replay from there both give exactly the missed events."""
        returning = pick(self.all_guests, guest)
        view = returning.view
        if view.socket is not None:
            view.close()
            return
        after, target = view.last_seq, self.coach.last_seq
        listed = self.as_guest(returning, "GET", f"/events?after={after}")
        assert listed.status_code == 200, listed.text
        missed = listed.json()
        due = self.due(returning, after, target)
        assert [e["seq"] for e in missed] == due
        view.socket = self.h.connect(f"{self.base}/live?after={after}", returning.token)
        replayed = view.receive(due, target)
        assert replayed == missed
        self.no_secrets(replayed, returning)

    @precondition(lambda self: bool(self.pending))
    @rule()
    def batch_window_passes(self) -> None:
        flushed = [position for workshop_id, position in self.h.flush_tallies() if workshop_id == self.id]
        assert flushed == self.pending
        for step in self.pending:
            self.expected.append(Expect("tally_updated", check=self.tally_check(step)))
        self.pending = []

    def counts(self, step: int) -> dict[str, int]:
        """Every live card's dots in the step, zeros included (a card whose last dot went back shows 0)."""
        counts = self.tallies(step)
        return {c.id: counts.get(c.id, 0) for c in self.all_cards if c.state == "live"}

    def changes(self, data: dict[str, Any]) -> dict[str, list[str]]:
        """What a tally must name as changed: the cards whose count, or only whose counts per target group,
        differ from the step's previous count in the coach's log (a tally or a reveal); nothing without one."""
        events = self.coach.events
        at = next(i for i in range(len(events) - 1, -1, -1) if events[i]["data"] is data)
        before = next((e["data"] for e in reversed(events[:at]) if e["type"] in {"tally_updated", "revealed"}), {})
        if before.get("step") != data["step"] or "tallies" not in before:
            return {}
        old, new = before["tallies"], data["tallies"]
        changed = [i for i in new if old.get(i, 0) != new[i]]
        if "by_group" not in before:
            return {"changed": changed, "regrouped": [i for i in new if i not in changed]}
        groups = before["by_group"]
        return {
            "changed": changed,
            "regrouped": [
                i for i in new if i not in changed and (data["by_group"].get(i) or {}) != (groups.get(i) or {})
            ],
        }

    def tally_check(self, step: int) -> Callable[[dict[str, Any]], bool]:
        """The coach's `tally_updated`: full counts even while hidden (guests get them stripped), and the dots
        per target group ("" for none) with a name for each group."""
        live = self.live_dots(step)
        by_group: dict[str, dict[str, int]] = {}
        for dot in live:
            groups = by_group.setdefault(dot.card.id, {})
            groups[dot.owner.group or ""] = groups.get(dot.owner.group or "", 0) + 1
        expected: dict[str, Any] = {
            "step": step,
            "mechanic": "vote",
            "dots": len(live),
            "voters": len({d.owner.participant_id for d in live}),
            "hidden": self.hidden(step),
            "tallies": self.counts(step),
            "positions": {},
            "by_group": by_group,
        }
        named = {group for groups in by_group.values() for group in groups if group}

        def check(data: dict[str, Any]) -> bool:
            names = data.get("group_names") or {}
            rest = {key: value for key, value in data.items() if key not in ("group_names", "changed", "regrouped")}
            assert rest == expected, (rest, expected)
            assert {k: data[k] for k in ("changed", "regrouped") if k in data} == self.changes(data), data
            return set(names) == named and all(isinstance(name, str) and name for name in names.values())

        return check

    # --- invariants --------------------------------------------------------------------------------------------

    @invariant()
    def everything_agrees(self) -> None:
        self.checks += 1
        # Results change with dots, cards and reveals; after a step that recorded none of those (a refusal, a
        # step change, a socket toggle) they are read only now and then, to keep the run short.
        changed = any(x.type in RESULT_EVENTS for x in self.expected)
        last_seq, rows = self.h.stored(self.id)
        self.coach_log_is_what_happened(last_seq)
        for guest in self.all_guests:
            if guest.view.socket is not None:
                target = self.coach.last_seq
                got = guest.view.receive(self.due(guest, guest.view.caught_up, target), target)
                assert [e["type"] for e in got] == [self.coach.events[e["seq"] - 1]["type"] for e in got]
                self.no_secrets(got, guest)
        self.database_holds_the_model(rows)
        if changed or self.checks % 6 == 0:
            self.results_show_the_model()
        self.clients_were_sent_the_model()

    def coach_log_is_what_happened(self, last_seq: int) -> None:
        """The log grew by exactly the expected events, and the coach's socket delivered each of them."""
        new = self.coach.receive_until(last_seq)
        assert [e["type"] for e in new] == [x.type for x in self.expected], (new, self.expected)
        for event, expected in zip(new, self.expected, strict=True):
            if expected.data is not None:
                assert event["data"] == expected.data, (event, expected.data)
            if expected.check is not None:
                assert expected.check(event["data"]), event
        self.expected = []

    def no_secrets(self, events: list[dict[str, Any]], guest: Guest) -> None:
        """A guest learns nothing per card about the hidden step before it is revealed (how many dots were
        cast in all, and by how many people, is public: the board shows the progress), never anything of
        another person's vote, and never the coach's counts per target group."""
        revealed_at = self.reveal_seq.get(VOTE)
        for event in events:
            data = event.get("data") or {}
            assert "by_group" not in data and "group_names" not in data, event
            if event["type"] in PERSONAL:
                assert data["vote"]["author_id"] == guest.participant_id, event
                continue  # their own dot: their own card and budget
            if revealed_at is not None and event["seq"] >= revealed_at:
                continue
            data = event.get("data") or {}
            if event["type"] in {"tally_updated", "revealed"}:
                step = data.get("step")
            elif event["type"] in {"vote_cast", "vote_withdrawn"}:
                step = (data.get("vote") or {}).get("step")
            else:
                continue
            if step != VOTE:
                continue
            assert "tallies" not in data and "positions" not in data, event
            text = json.dumps(event)
            assert not any(card.id in text for card in self.all_cards), event

    def database_holds_the_model(self, rows: list[DotRow]) -> None:
        live = {(r.id, r.step, r.participant_id, r.idea_id) for r in rows if r.live}
        model = {(d.id, d.step, d.owner.participant_id, d.card.id) for d in self.all_dots if d.live}
        assert live == model
        ghosts = {r.id for r in rows if not r.live}
        assert ghosts <= {d.id for d in self.all_dots if not d.gone and not d.live}, "a dot row the model lost"
        for step, rules in RULES.items():
            per_card = Counter((d.owner.participant_id, d.card.id) for d in self.live_dots(step))
            assert all(n <= rules.cap for n in per_card.values())
            for guest in self.all_guests:
                self.remaining(guest, step)

    def results_show_the_model(self) -> None:
        """The coach's results and a guest's, in turns (one request per check)."""
        if self.checks % 2 or not self.all_guests:
            answer = self.as_coach("GET", "/results")
            assert answer.status_code == 200, answer.text
            shown = answer.json()
            cards = self.live_cards()  # hidden and merged cards count in no result, not even the coach's
            hidden = False
            steps = list(RULES)
        else:
            guest = self.all_guests[(self.checks // 2) % len(self.all_guests)]
            answer = self.as_guest(guest, "GET", "/results")
            assert answer.status_code == 200, answer.text
            shown = answer.json()
            cards = self.live_cards()
            # A reveal belongs to its step: the hidden step keeps back only its own dots (once it has any), the
            # open step's dots count all along.
            steps = [step for step in RULES if not self.hidden(step)]
            hidden = self.hidden(VOTE) and bool(self.live_dots(VOTE))
        assert {i["id"] for i in shown["ideas"]} == {c.id for c in cards}
        assert shown["hidden"] is hidden
        totals = self.totals(cards, steps)
        if hidden and not any(totals.values()):  # nothing to show but zeros: no counts, no ranks made of them
            assert all(i["votes"] is None and i["rank"] is None and not i["tie"] for i in shown["ideas"]), shown
            return
        ranks = competition_ranks(totals)
        assert {i["id"]: (i["votes"], i["rank"], i["tie"]) for i in shown["ideas"]} == {
            card: (n, *ranks[card]) for card, n in totals.items()
        }

    def clients_were_sent_the_model(self) -> None:
        views = [self.coach] + [g.view for g in self.all_guests if g.view.socket is not None]
        for step in RULES:
            if step in self.pending or self.hidden(step):
                continue
            expected = self.tallies(step)
            for view in views:
                assert view.tallies.get(step, {}) == expected, (view.name, step, view.tallies.get(step), expected)

    def teardown(self) -> None:
        self.coach.close()
        for guest in self.all_guests:
            guest.view.close()
        self.h.flush_tallies()


SETTINGS = settings(
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.timeout(900)  # a failure is shrunk for minutes on a busy machine; a pass takes well under one
def test_tallies_agree_with_database_and_every_client(database_url: str, tmp_path: Path) -> None:
    with open_harness(database_url, tmp_path) as harness:
        VotingMachine.harness = harness
        run_state_machine_as_test(VotingMachine, settings=SETTINGS)


def test_dots_on_a_hidden_card_come_back_at_once(database_url: str, tmp_path: Path) -> None:
    """Found by the machine: a dot on a card the coach hid still counted against the voter's `remaining`
    (withdrawn cards did not), so taking back another dot announced one dot too few."""
    with open_harness(database_url, tmp_path) as harness:
        VotingMachine.harness = harness
        machine = VotingMachine()
        try:
            machine.room(groups=["jugendliche"], cards=2, then=VOTE)
            machine.vote(dots=[(0, 0, False, False), (0, 1, False, False)])
            machine.everything_agrees()
            machine.remove_card(card=0, how="hide", someone=0)
            machine.everything_agrees()
            machine.unvote(picks=[(0, "latest", 0)])
            machine.everything_agrees()
        finally:
            machine.teardown()


def test_the_reveal_command_sends_the_tallies(database_url: str, tmp_path: Path) -> None:
    """Found by the machine: POST /commands {type: "reveal"} in a hidden vote step used to reveal without the
    tallies, so API clients and the coach's socket got no counts for the revealed step until the next dot."""
    with open_harness(database_url, tmp_path) as harness:
        VotingMachine.harness = harness
        machine = VotingMachine()
        try:
            machine.room(groups=["jugendliche"], cards=2, then=VOTE)
            machine.vote(dots=[(0, 0, False, False)])
            machine.batch_window_passes()
            machine.everything_agrees()
            machine.reveal(via="command", twice=True)
            machine.everything_agrees()
        finally:
            machine.teardown()
