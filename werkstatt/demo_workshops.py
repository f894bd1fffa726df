"""Demo workshops, made through the same commands a coach and guests use: one finished Ideen-Werkstatt with
cards, dots, a rating matrix and project ideas, and one Fokusgruppe planned from an agenda template, ready
to start. Idempotent: a workshop whose title already exists in its town is left alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from werkstatt.board import service as board
from werkstatt.board.commands import run_command
from werkstatt.live.visibility import COACH, Viewer
from werkstatt.network.models import FocusTopic, KernteamMember, TargetGroup, Town
from werkstatt.network.service import slugify
from werkstatt.results import service as results
from werkstatt.results.models import ProjectStatus
from werkstatt.sessions import account_snapshot
from werkstatt.voting import service as voting
from werkstatt.web import BERLIN
from werkstatt.workshops import planning
from werkstatt.workshops.models import Workshop
from werkstatt.workshops.schemas import JoinIn, WorkshopCreate
from werkstatt.workshops.service import Actor, create_workshop, join_workshop, resolve_actor

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.network.models import Account

FINISHED = "Ideen-Werkstatt Buchholzer Straße"
PLANNED = "Fokusgruppe Jugend: Unsere Innenstadt"
TOWN = "Annaberg-Buchholz"
OWNER = "Sabine Lorenz"

FINISHED_AGENDA = [
    {
        "method_slug": "kartenabfrage",
        "title": "Was fehlt in der Buchholzer Straße?",
        "minutes": 25,
        "question": "Was würde Sie öfter in die Buchholzer Straße bringen?",
        "board": {"mechanic": "collect", "config": {"blind": True}},
    },
    {
        "method_slug": "mehrpunktabfrage",
        "title": "Prioritäten setzen",
        "minutes": 15,
        "board": {"mechanic": "vote", "config": {"dots_per_person": 3, "max_per_item": 2, "hidden": True}},
    },
    {
        "method_slug": "aufwand-nutzen-matrix",
        "title": "Aufwand und Nutzen einschätzen",
        "minutes": 20,
        "board": {"mechanic": "rate_matrix", "config": {"x_label": "Aufwand", "y_label": "Nutzen", "scale": 5}},
    },
    {"method_slug": "aktionsplan", "title": "Wer macht was bis wann?", "minutes": 30, "board": {"mechanic": "discuss"}},
]


@dataclass(frozen=True)
class Guest:
    name: str
    group: str  # the network's target group name
    card: str
    dots: tuple[int, ...]  # indexes into the cards, one per dot
    rating: tuple[int, int, int] | None = None  # (card index, Aufwand, Nutzen)


# Each guest posts one card; card N is the card of guest N, so dots and ratings name cards by that index.
GUESTS = [
    Guest("Lena", "Jugendliche", "Pop-up-Läden für junge Gründerinnen in leeren Schaufenstern", (0, 0, 7)),
    Guest("Jonas", "Jugendliche", "Freies WLAN und Sitzplätze zum Verweilen", (1, 1, 2), (1, 2, 4)),
    Guest("Familie Richter", "Familien", "Spielpunkte für Kinder zwischen den Geschäften", (2, 2, 4), (2, 2, 5)),
    Guest("Monika", "Familien", "Samstags länger geöffnet, abgestimmt zwischen den Läden", (3, 0, 6)),
    Guest("Herr Weber", "Senioren", "Mehr Bänke und ein öffentliches WC", (4, 4, 5), (4, 3, 5)),
    Guest("Frau Schubert", "Senioren", "Lieferservice der Händler für Ältere", (5, 4, 0)),
    Guest("Uwe Krause", "Händler", "Gemeinsame Aktionstage der Buchholzer Straße", (6, 6, 3), (0, 2, 4)),
    Guest("Petra Baumann", "Eigentümer", "Zwischennutzung leerer Läden zu fairen Mieten", (7, 7, 0), (7, 1, 4)),
]


async def _coach_actor(db: AsyncSession, coach: Account, workshop: Workshop) -> Actor:
    return await resolve_actor(db, workshop.id, account=account_snapshot(coach), session=None, bearer=None)


async def _exists(db: AsyncSession, town: Town, title: str) -> bool:
    found = await db.execute(select(Workshop.id).where(Workshop.town_id == town.id, Workshop.title == title))
    return found.first() is not None


async def _group_slugs(db: AsyncSession, town: Town) -> dict[str, str]:
    """Short demo labels ("Händler") to the network's slugs: the vocabulary's slug is the label's slug."""
    rows = await db.execute(select(TargetGroup.slug).where(TargetGroup.network_id == town.network_id))
    slugs = set(rows.scalars())
    labels = {"Jugendliche", "Familien", "Senioren", "Händler", "Eigentümer", "Bürgerschaft"}
    return {label: slugify(label) for label in labels if slugify(label) in slugs}


async def finished_workshop(db: AsyncSession, coach: Account, town: Town) -> None:
    """A workshop two weeks ago: blind collecting, hidden dots revealed, a matrix, two project ideas, closed."""
    if await _exists(db, town, FINISHED):
        return
    groups = await _group_slugs(db, town)
    named = await db.execute(select(FocusTopic.name, FocusTopic.id).where(FocusTopic.network_id == town.network_id))
    topics = dict(named.all())
    held = datetime.combine(date.today() - timedelta(days=14), time(18, 0), tzinfo=BERLIN)
    data = WorkshopCreate.model_validate(
        {
            "town_id": str(town.id),
            "title": FINISHED,
            "format": "ideen-werkstatt",
            "starts_at": held.isoformat(),
            "place": "Ratssaal, Markt 1",
            "expected_participants": 12,
            "focus_topic_ids": [str(topics["Leerstand und Brachflächen"])],
            "target_groups": [groups[name] for name in ("Jugendliche", "Familien", "Senioren", "Händler")],
            "agenda": FINISHED_AGENDA,
        }
    )
    workshop = await create_workshop(db, account_snapshot(coach), data)
    await db.flush()
    coach_actor = await _coach_actor(db, coach, workshop)
    await board.start_step(db, coach_actor, 0)
    guests: list[Actor] = []
    for guest in GUESTS:
        joined, participant, _token, _event = await join_workshop(
            db, JoinIn(code=workshop.join_code, display_name=guest.name, target_group=groups[guest.group]), None
        )
        guests.append(Actor(joined, participant, None, is_coach=False))
    cards = [(await board.post_idea(db, actor, guest.card))[0] for actor, guest in zip(guests, GUESTS, strict=True)]
    await run_command(db, coach_actor, {"type": "reveal"})
    await board.start_step(db, coach_actor, 1)
    for actor, guest in zip(guests, GUESTS, strict=True):
        for index in guest.dots:
            await voting.cast_vote(db, actor, cards[index].id)
    await voting.reveal_tallies(db, coach_actor)
    await board.start_step(db, coach_actor, 2)
    for actor, guest in zip(guests, GUESTS, strict=True):
        if guest.rating is not None:
            index, effort, benefit = guest.rating
            await voting.cast_vote(db, actor, cards[index].id, effort, benefit)
    await voting.reveal_tallies(db, coach_actor)
    await board.start_step(db, coach_actor, 3)
    owner = (
        await db.execute(
            select(KernteamMember).where(KernteamMember.town_id == town.id, KernteamMember.display_name == OWNER)
        )
    ).scalar_one_or_none()
    viewer = Viewer(workshop_id=str(workshop.id), role=COACH, participant_id=None)
    pop_up = results.ProjectIdeaIn.model_validate(
        {
            "title": "Pop-up-Läden in der Buchholzer Straße",
            "description": "Leere Schaufenster für drei Monate an Gründerinnen und Vereine vergeben, "
            "mit fairen Zwischenmieten, die die Eigentümer mittragen.",
            "idea_ids": [str(cards[0].id), str(cards[7].id)],
            "focus_topic_ids": [str(topics["Leerstand und Brachflächen"])],
            "owner_id": str(owner.id) if owner else None,
            "next_steps": [
                {"text": "Eigentümer der leeren Läden ansprechen", "due_on": (held + timedelta(days=35)).date()},
                {"text": "Mustervertrag für Zwischennutzung abstimmen", "due_on": (held + timedelta(days=60)).date()},
            ],
        }
    )
    project, _event = await results.create_project_idea(db, coach_actor, pop_up, viewer)
    await results.change_status(db, account_snapshot(coach), project.id, ProjectStatus.ausgewaehlt)
    benches = results.ProjectIdeaIn.model_validate(
        {
            "title": "Bänke und öffentliches WC",
            "description": "Drei Bänke zwischen Markt und Buchholzer Straße, ein WC im Rathaus zu Ladenöffnungszeiten.",
            "idea_ids": [str(cards[4].id)],
            "focus_topic_ids": [str(topics["Funktionsvielfalt der Innenstadt"])],
        }
    )
    await results.create_project_idea(db, coach_actor, benches, viewer)
    await board.close_workshop(db, coach_actor)


async def planned_workshop(db: AsyncSession, coach: Account, town: Town) -> None:
    """A youth focus group next week, planned from the shipped agenda template; its join code works."""
    if await _exists(db, town, PLANNED):
        return
    groups = await _group_slugs(db, town)
    starts = datetime.combine(date.today() + timedelta(days=7), time(16, 0), tzinfo=BERLIN)
    data = WorkshopCreate.model_validate(
        {
            "town_id": str(town.id),
            "title": PLANNED,
            "format": "fokusgruppe",
            "starts_at": starts.isoformat(),
            "place": "Jugendtreff Alte Brauerei",
            "expected_participants": 15,
            "target_groups": [groups["Jugendliche"]],
        }
    )
    workshop = await create_workshop(db, account_snapshot(coach), data)
    await db.flush()
    steps = await planning.apply_template(db, workshop, "fokusgruppe-jugend")
    workshop.planned_minutes = sum(step.minutes for step in steps)  # two dates, as the template plans them


async def load_demo_workshops(db: AsyncSession, coach: Account, towns: dict[str, Town]) -> None:
    town = towns[TOWN]
    await finished_workshop(db, coach, town)
    await planned_workshop(db, coach, town)
