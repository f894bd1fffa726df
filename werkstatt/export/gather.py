"""Gathering a workshop's result for an export, as the room has seen it.

The export is built for the projector's audience (role `projector`, no participant), through the same
queries as the result page and the results API (the card rules of werkstatt.board.rules). So it shows no
moderation-hidden, withdrawn or merged card (a merged card's text is listed under the surviving one), no unrevealed
blind card, no dots of a hidden vote step before the reveal (nor ranks made of them), no author at all:
guests' display names never enter an export, only the Kernteam owners of project ideas do. Dots remembered
on a project idea's cards are not used either (they were taken with the coach's eyes): a card shows the dots
the room sees now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from babel.dates import format_date, format_time
from sqlalchemy import select

from werkstatt import i18n
from werkstatt.catalogue.models import Method, MethodRating
from werkstatt.catalogue.schema import MECHANIC_LABELS
from werkstatt.export.model import (
    AgendaItem,
    ExportCluster,
    ExportClusterCard,
    ExportData,
    ExportIdea,
    ExportProjectIdea,
    MatrixAxes,
    MethodRatingItem,
    NextStepItem,
    ParticipationRow,
    ProjectCardItem,
)
from werkstatt.export.text import clean
from werkstatt.live.visibility import PROJECTOR, Viewer
from werkstatt.network.models import Account, FocusTopic, Network, Town
from werkstatt.network.service import group_names
from werkstatt.results.models import ProjectStatus
from werkstatt.results.service import STATUS_LABELS, participation, projects_of_workshop
from werkstatt.voting.ranking import workshop_results
from werkstatt.voting.service import VOTING_MECHANICS, items_of, matrix_rules
from werkstatt.web import BERLIN
from werkstatt.workshops.methods_source import method_cards
from werkstatt.workshops.models import FORMAT_LABELS, WorkshopFormat

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.workshops.models import Workshop


def room_viewer(workshop: Workshop, locale: str) -> Viewer:
    """The audience of an export: what the projector shows to everyone in the room."""
    return Viewer(workshop_id=str(workshop.id), role=PROJECTOR, participant_id=None, locale=locale, format="json")


def date_label(value: datetime | None, locale: str) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(BERLIN)
    return f"{format_date(local, 'full', locale=locale)}, {format_time(local, 'short', locale=locale)}"


async def gather(db: AsyncSession, workshop: Workshop, locale: str = "de") -> ExportData:
    locale = i18n.pick_locale(locale, "de")

    def tr(message: str) -> str:
        return i18n.gettext(locale, message)

    found = await workshop_results(db, workshop, room_viewer(workshop, locale))
    shown = [idea for idea in found["ideas"] if idea.get("text")]
    topics = {
        str(topic.id): clean(topic.name)
        for topic in (await db.execute(select(FocusTopic).where(FocusTopic.network_id == workshop.network_id)))
        .scalars()
        .all()
    }
    projects = await projects_of_workshop(db, workshop.id)
    ideas = _ideas(shown, found["clusters"], projects)
    visible = {idea.id: idea for idea in ideas}
    town = await db.get(Town, workshop.town_id)
    network = await db.get(Network, workshop.network_id)
    coach = await db.get(Account, workshop.created_by_id) if workshop.created_by_id else None
    groups = await group_names(db, workshop.network_id)
    matrix_step = next((s for s in workshop.steps if s.mechanic == "rate_matrix"), None)
    axes = matrix_rules(matrix_step) if matrix_step is not None else None
    return ExportData(
        locale=locale,
        generated_at=datetime.now(UTC),
        workshop_id=str(workshop.id),
        title=clean(workshop.title),
        town=clean(town.name) if town else "",
        network=clean(network.name) if network else "",
        format=str(workshop.format),
        format_label=tr(FORMAT_LABELS.get(WorkshopFormat(workshop.format), str(workshop.format))),
        starts_at=workshop.starts_at,
        date_label=date_label(workshop.starts_at, locale),
        place=clean(workshop.place),
        state=str(workshop.state),
        moderation=clean(coach.display_name) if coach else None,
        focus_topics=[topics[t] for t in workshop.focus_topic_ids if t in topics],
        target_groups=[clean(groups.get(slug, slug)) for slug in workshop.target_groups],
        agenda=await _agenda(db, workshop, locale),
        matrix=MatrixAxes(x_label=clean(axes["x_label"]), y_label=clean(axes["y_label"]), scale=axes["scale"])
        if axes
        else None,
        hidden=bool(found["hidden"]),
        fixed=bool(found["fixed"]),
        blind_cards=len(found["ideas"]) - len(shown),
        ideas=ideas,
        clusters=[
            ExportCluster(
                id=cluster["id"],
                name=clean(cluster["name"]),
                idea_ids=[idea.id for idea in ideas if idea.cluster_id == cluster["id"]],
                cards=[
                    ExportClusterCard(id=card["id"], number=card["number"], text=clean(card["text"]))
                    for card in cluster.get("cards") or []
                ],
                votes=cluster.get("votes"),
                score_x=cluster.get("score_x"),
                score_y=cluster.get("score_y"),
                raters=cluster.get("raters") or 0,
                rank=cluster.get("rank"),
                tie=bool(cluster.get("tie")),
            )
            for cluster in found["clusters"]
        ],
        cluster_voting=any(
            items_of(workshop, step).clusters for step in workshop.steps if step.mechanic in VOTING_MECHANICS
        ),
        project_ideas=[_project(p, topics, visible, tr) for p in projects],
        participation=[
            ParticipationRow(target_group=clean(name) if name else None, count=count)
            for name, count in await participation(db, workshop)
        ],
        method_ratings=await _ratings(db, workshop.id, locale),
    )


def _ideas(
    shown: list[dict[str, Any]], clusters: list[dict[str, Any]], projects: list[dict[str, Any]]
) -> list[ExportIdea]:
    names = {cluster["id"]: cluster["name"] for cluster in clusters}
    made_into: dict[str, list[str]] = {}
    for project in projects:
        for card in project["cards"]:
            if card["idea_id"]:
                made_into.setdefault(card["idea_id"], []).append(project["id"])
    return [
        ExportIdea(
            id=idea["id"],
            number=idea.get("number") or position,
            text=clean(idea["text"]),
            merged=[clean(other["text"]) for other in idea.get("merged") or []],
            cluster_id=idea["cluster_id"],
            cluster=clean(names[idea["cluster_id"]]) if idea["cluster_id"] in names else None,
            votes=idea["votes"],
            score_x=idea["score_x"],
            score_y=idea["score_y"],
            raters=idea["raters"],
            rank=idea["rank"],
            tie=idea["tie"],
            fixed=idea["fixed"],
            project_idea_ids=made_into.get(idea["id"], []),
        )
        for position, idea in enumerate(shown, start=1)
    ]


def _project(
    project: dict[str, Any], topics: dict[str, str], visible: dict[str, ExportIdea], tr: Any
) -> ExportProjectIdea:
    cards = [
        ProjectCardItem(
            idea_id=card["idea_id"], text=visible[card["idea_id"]].text, votes=visible[card["idea_id"]].votes
        )
        for card in project["cards"]
        if card["idea_id"] in visible  # a card the room cannot see (any more) is not named
    ]
    return ExportProjectIdea(
        id=project["id"],
        title=clean(project["title"]),
        description=clean(project["description"]),
        owner_id=project["owner_id"],
        owner_name=clean(project["owner_name"]) if project["owner_name"] else None,
        status=project["status"],
        status_label=tr(STATUS_LABELS.get(ProjectStatus(project["status"]), project["status"])),
        focus_topic_ids=project["focus_topic_ids"],
        focus_topics=[topics[t] for t in project["focus_topic_ids"] if t in topics],
        cards=cards,
        next_steps=[
            NextStepItem(
                text=clean(step["text"]),
                due_on=datetime.fromisoformat(step["due_on"]).date() if step["due_on"] else None,
                done=step["done"],
            )
            for step in project["next_steps"]
        ],
    )


async def _agenda(db: AsyncSession, workshop: Workshop, locale: str) -> list[AgendaItem]:
    slugs = {step.method_slug for step in workshop.steps if step.method_slug}
    cards = await method_cards(db, workshop.network_id, slugs) if slugs else {}
    items = []
    for step in workshop.steps:
        card = cards.get(step.method_slug) if step.method_slug else None
        name = (card.name_en or card.name) if card and locale == "en" else card.name if card else None
        items.append(
            AgendaItem(
                position=step.position,
                title=clean(step.title),
                minutes=step.minutes,
                mechanic=step.mechanic,
                mechanic_label=i18n.gettext(locale, MECHANIC_LABELS.get(step.mechanic, step.mechanic)),
                method_slug=step.method_slug,
                method_name=clean(name) if name else None,
            )
        )
    return items


async def _ratings(db: AsyncSession, workshop_id: UUID, locale: str) -> list[MethodRatingItem]:
    """The coach's ratings of the methods used here (without who rated)."""
    method, rating = Method, MethodRating
    rows = (
        await db.execute(
            select(method.slug, method.name, method.card, rating.stars, rating.note)
            .join(method, method.id == rating.method_id)
            .where(rating.workshop_id == workshop_id)
            .order_by(method.name, rating.created_at)
        )
    ).all()
    return [
        MethodRatingItem(
            method_slug=slug,
            method_name=clean((card or {}).get("name_en") or name) if locale == "en" else clean(name),
            stars=stars,
            note=clean(note),
        )
        for slug, name, card, stars, note in rows
    ]
