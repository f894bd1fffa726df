"""Project ideas: the coach turns selected cards into a Projektidee owned by a Kernteam member of the town.

Commands read authorize → validate → apply → record; the unit of work commits and then publishes."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select, update

from werkstatt.board import rules
from werkstatt.board.models import Cluster, Idea
from werkstatt.errors import Conflict, Forbidden, Invalid, NotFound
from werkstatt.i18n import _
from werkstatt.live.events import record
from werkstatt.network.models import FocusTopic, KernteamMember
from werkstatt.network.permissions import Action, in_network, require
from werkstatt.network.service import group_names
from werkstatt.results.events import ProjectIdeaCreated
from werkstatt.results.models import TRANSITIONS, NextStep, ProjectCard, ProjectIdea, ProjectStatus
from werkstatt.voting.ranking import workshop_results
from werkstatt.workshops.models import Participant, ParticipantRole, Workshop
from werkstatt.workshops.permissions import require_moderator
from werkstatt.workshops.service import may_run

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.live.models import WorkshopEvent
    from werkstatt.live.visibility import Viewer
    from werkstatt.sessions import CurrentAccount
    from werkstatt.workshops.service import Actor

STATUS_LABELS = {
    ProjectStatus.idee: _("Idee"),
    ProjectStatus.ausgewaehlt: _("ausgewählt"),
    ProjectStatus.in_umsetzung: _("in Umsetzung"),
    ProjectStatus.umgesetzt: _("umgesetzt"),
    ProjectStatus.verworfen: _("verworfen"),
}


MAX_NEXT_STEPS = 20


class NextStepIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=300)
    due_on: date | None = None


class ProjectIdeaIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    idea_ids: list[UUID] = Field(default_factory=list, max_length=50)
    cluster_ids: list[UUID] = Field(default_factory=list, max_length=20)  # each brings all its cards
    focus_topic_ids: list[UUID] = Field(default_factory=list, max_length=20)
    owner_id: UUID | None = None
    next_steps: list[NextStepIn] = Field(default_factory=list, max_length=MAX_NEXT_STEPS)

    @field_validator("title", "description")
    @classmethod
    def _no_control_chars(cls, value: str) -> str:
        return _plain(value)


def _plain(value: str) -> str:
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in value) or any(
        ch in value for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    ):
        raise ValueError(_("Unzulässige Steuerzeichen."))
    return value


class ProjectIdeaEdit(BaseModel):
    """What changes as a project idea goes on: only the fields sent (PATCH); the status forward only."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: ProjectStatus | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    owner_id: UUID | None = None
    focus_topic_ids: list[UUID] | None = Field(default=None, max_length=20)

    @field_validator("title", "description")
    @classmethod
    def _no_control_chars(cls, value: str | None) -> str | None:
        return None if value is None else _plain(value)


def project_view(project: ProjectIdea, owner: KernteamMember | None = None) -> dict[str, Any]:
    return {
        "id": str(project.id),
        "title": project.title,
        "description": project.description,
        "owner_id": str(project.owner_id) if project.owner_id else None,
        "owner_name": owner.display_name if owner else None,
        "status": str(project.status),
        "status_label": STATUS_LABELS.get(ProjectStatus(project.status), str(project.status)),
        "focus_topic_ids": list(project.focus_topic_ids or []),
        "workshop_id": str(project.workshop_id) if project.workshop_id else None,
        "town_id": str(project.town_id),
        "cards": [
            {"idea_id": str(c.idea_id) if c.idea_id else None, "text": c.text, "votes": c.votes} for c in project.cards
        ],
        "next_steps": [
            {"id": str(s.id), "text": s.text, "due_on": s.due_on.isoformat() if s.due_on else None, "done": s.done}
            for s in project.next_steps
        ],
    }


async def _town_member(db: AsyncSession, town_id: UUID, member_id: UUID | None) -> KernteamMember | None:
    """The owner of a project idea comes from its town's Kernteam (None: still open)."""
    if member_id is None:
        return None
    member = await db.get(KernteamMember, member_id)
    if member is None or member.town_id != town_id:
        raise Invalid(
            _("Die Verantwortlichen kommen aus dem Kernteam der Stadt."),
            {"owner_id": _("Nicht im Kernteam der Stadt.")},
        )
    return member


async def _check_topics(db: AsyncSession, network_id: UUID, topic_ids: list[UUID]) -> None:
    query = select(FocusTopic.id).where(FocusTopic.id.in_(topic_ids), FocusTopic.network_id == network_id)
    if set((await db.execute(query)).scalars()) != set(topic_ids):
        raise Invalid(_("Unbekanntes Schwerpunktthema."), {"focus_topic_ids": _("Unbekanntes Schwerpunktthema.")})


async def create_project_idea(
    db: AsyncSession, actor: Actor, data: ProjectIdeaIn, viewer: Viewer
) -> tuple[ProjectIdea, WorkshopEvent]:
    require_moderator(actor, _("Nur die Moderation macht aus Karten Projektideen."))
    workshop = actor.workshop
    owner = await _town_member(db, workshop.town_id, data.owner_id)
    await _check_topics(db, workshop.network_id, data.focus_topic_ids)
    if len(set(data.idea_ids)) != len(data.idea_ids):
        raise Invalid(_("Jede Karte nur einmal auswählen."), {"idea_ids": _("Doppelte Karte.")})
    cards = {
        idea.id: idea
        for idea in (
            await db.execute(select(Idea).where(Idea.id.in_(data.idea_ids), *rules.counted_cards(workshop.id)))
        ).scalars()
    }
    if set(cards) != set(data.idea_ids):
        raise Invalid(_("Unbekannte Karte ausgewählt."), {"idea_ids": _("Unbekannte Karte.")})
    idea_ids = list(data.idea_ids)
    for cluster_id in dict.fromkeys(data.cluster_ids):
        for idea in await _cluster_cards(db, workshop.id, cluster_id):
            if idea.id not in cards:
                cards[idea.id] = idea
                idea_ids.append(idea.id)
    votes = {i["id"]: i["votes"] or 0 for i in (await workshop_results(db, workshop, viewer))["ideas"]}
    project = ProjectIdea(
        network_id=workshop.network_id,
        town_id=workshop.town_id,
        workshop_id=workshop.id,
        owner_id=owner.id if owner else None,
        title=data.title,
        description=data.description,
        status=ProjectStatus.idee,
        focus_topic_ids=[str(t) for t in data.focus_topic_ids],
        cards=[
            ProjectCard(idea_id=idea_id, position=index, text=cards[idea_id].text, votes=votes.get(str(idea_id), 0))
            for index, idea_id in enumerate(idea_ids)
        ],
        next_steps=[
            NextStep(position=index, text=step.text, due_on=step.due_on) for index, step in enumerate(data.next_steps)
        ],
    )
    db.add(project)
    await db.flush()
    event = await record(
        db,
        workshop.id,
        ProjectIdeaCreated({"id": str(project.id), "title": project.title, "status": str(project.status)}),
    )
    return project, event


async def clusters_with_cards(db: AsyncSession, workshop_id: UUID) -> list[tuple[str, str, int]]:
    """(id, name, number of cards on the board) of the workshop's clusters that hold cards."""
    query = (
        select(Cluster.id, Cluster.name, func.count(Idea.id))
        .join(Idea, Idea.cluster_id == Cluster.id)
        .where(Cluster.workshop_id == workshop_id, *rules.ON_THE_BOARD)
        .group_by(Cluster.id, Cluster.name, Cluster.position)
        .order_by(Cluster.position, Cluster.name)
    )
    return [(str(cluster_id), name, count) for cluster_id, name, count in (await db.execute(query)).all()]


async def _cluster_cards(db: AsyncSession, workshop_id: UUID, cluster_id: UUID) -> list[Idea]:
    """The cards on the board in one of the workshop's clusters (in their order there)."""
    cluster = await db.get(Cluster, cluster_id)
    if cluster is None or cluster.workshop_id != workshop_id:
        raise Invalid(_("Unbekannter Cluster ausgewählt."), {"cluster_ids": _("Unbekannter Cluster.")})
    query = select(Idea).where(Idea.cluster_id == cluster.id, *rules.ON_THE_BOARD)
    found = list((await db.execute(query.order_by(Idea.created_at))).scalars())
    if not found:
        raise Invalid(_("Dieser Cluster hat keine Karten."), {"cluster_ids": _("Der Cluster ist leer.")})
    return found


def may_steer(account: CurrentAccount | None, network_id: UUID, owner: KernteamMember | None) -> bool:
    """Who moves a project idea on: the network's coaches, and the Kernteam member who owns it (by account)."""
    if may_run(account, network_id):
        return True
    return (
        account is not None
        and account.network_id == network_id
        and owner is not None
        and owner.account_id is not None
        and owner.account_id == account.id
    )


def next_statuses(status: str) -> list[tuple[str, str]]:
    """The statuses a project idea may move on to, with their German labels."""
    return [(s.value, STATUS_LABELS[s]) for s in ProjectStatus if s in TRANSITIONS[ProjectStatus(status)]]


async def change_status(
    db: AsyncSession, account: CurrentAccount | None, project_id: UUID, status: ProjectStatus
) -> ProjectIdea:
    """Forward only (Idee → ausgewählt → in Umsetzung → umgesetzt, or verworfen): one conditional UPDATE."""
    project = await _steerable(db, account, project_id)
    allowed_from = [old.value for old, new in TRANSITIONS.items() if status in new]
    changed = (
        await db.execute(
            update(ProjectIdea)
            .where(ProjectIdea.id == project.id, ProjectIdea.status.in_(allowed_from))
            .values(status=status.value)
            .execution_options(synchronize_session=False)
        )
    ).rowcount  # type: ignore[attr-defined]
    if not changed:
        raise Conflict(
            _("Von „%(old)s“ geht es nicht zu „%(new)s“.")
            % {"old": STATUS_LABELS[ProjectStatus(project.status)], "new": STATUS_LABELS[status]},
            {"status": _("Dieser Statuswechsel ist nicht möglich.")},
        )
    await db.refresh(project)
    return project


async def edit_project_idea(
    db: AsyncSession, account: CurrentAccount | None, project_id: UUID, data: ProjectIdeaEdit
) -> ProjectIdea:
    """The coach or the owner corrects title and description, hands the idea to another Kernteam member,
    retags it, or moves its status on; all or nothing."""
    project = await _steerable(db, account, project_id)
    sent = data.model_fields_set
    if "title" in sent and data.title is None:
        raise Invalid(_("Bitte einen Titel angeben."), {"title": _("Der Titel fehlt.")})
    await _town_member(db, project.town_id, data.owner_id)
    if data.focus_topic_ids is not None:
        await _check_topics(db, project.network_id, data.focus_topic_ids)
    if data.status is not None:
        project = await change_status(db, account, project.id, data.status)
    if data.title is not None:
        project.title = data.title
    if data.description is not None:
        project.description = data.description
    if "owner_id" in sent:
        project.owner_id = data.owner_id
    if data.focus_topic_ids is not None:
        project.focus_topic_ids = [str(topic) for topic in data.focus_topic_ids]
    await db.flush()
    return project


async def _steerable(db: AsyncSession, account: CurrentAccount | None, project_id: UUID) -> ProjectIdea:
    """Another network's project idea does not exist (404); in the network, only who may steer it changes it."""
    project = await db.get(ProjectIdea, project_id)
    if project is None or not in_network(account, project.network_id):
        raise NotFound(_("Diese Projektidee gibt es nicht."))
    if not may_run(account, project.network_id):
        # a Kernteam account steers project ideas of its own towns only (the permission table's town scope)
        require(account, Action.own_project_idea, project.network_id, town_id=project.town_id)
    owner = await db.get(KernteamMember, project.owner_id) if project.owner_id else None
    if not may_steer(account, project.network_id, owner):
        raise Forbidden(_("Das ändern die Moderation und wer die Projektidee verantwortet."))
    return project


async def add_next_step(
    db: AsyncSession, account: CurrentAccount | None, project_id: UUID, data: NextStepIn
) -> NextStep:
    """The owner (or the coach) plans the next step as the project goes on."""
    project = await _steerable(db, account, project_id)
    await db.refresh(project, ["next_steps"])
    if len(project.next_steps) >= MAX_NEXT_STEPS:
        raise Invalid(
            _("Höchstens %(max)d nächste Schritte.") % {"max": MAX_NEXT_STEPS}, {"text": _("Zu viele Schritte.")}
        )
    step = NextStep(project_idea_id=project.id, position=len(project.next_steps), text=data.text, due_on=data.due_on)
    db.add(step)
    await db.flush()
    return step


async def set_step_done(
    db: AsyncSession, account: CurrentAccount | None, project_id: UUID, step_id: UUID, done: bool
) -> NextStep:
    """Tick a next step off (or open it again)."""
    project = await _steerable(db, account, project_id)
    step = await db.get(NextStep, step_id)
    if step is None or step.project_idea_id != project.id:
        raise NotFound(_("Diesen Schritt gibt es nicht."))
    step.done = done
    await db.flush()
    return step


async def owners(db: AsyncSession, project_ids: list[UUID]) -> dict[UUID, KernteamMember]:
    if not project_ids:
        return {}
    rows = (
        await db.execute(
            select(KernteamMember)
            .join(ProjectIdea, ProjectIdea.owner_id == KernteamMember.id)
            .where(ProjectIdea.id.in_(project_ids))
        )
    ).scalars()
    return {member.id: member for member in rows}


async def projects_of_workshop(db: AsyncSession, workshop_id: UUID) -> list[dict[str, Any]]:
    found = list(
        (
            await db.execute(
                select(ProjectIdea).where(ProjectIdea.workshop_id == workshop_id).order_by(ProjectIdea.created_at)
            )
        ).scalars()
    )
    people = await owners(db, [p.id for p in found])
    return [project_view(p, people.get(p.owner_id) if p.owner_id else None) for p in found]


async def projects_of_town(db: AsyncSession, town_id: UUID) -> list[dict[str, Any]]:
    found = list(
        (
            await db.execute(
                select(ProjectIdea).where(ProjectIdea.town_id == town_id).order_by(ProjectIdea.created_at.desc())
            )
        ).scalars()
    )
    people = await owners(db, [p.id for p in found])
    return [project_view(p, people.get(p.owner_id) if p.owner_id else None) for p in found]


async def participation(db: AsyncSession, workshop: Workshop) -> list[tuple[str | None, int]]:
    """Participants (not the coach, not removed) per target group by the network's name for it, largest
    first; None = no answer."""
    groups = (
        await db.execute(
            select(Participant.target_group).where(
                Participant.workshop_id == workshop.id,
                Participant.removed.is_(False),
                Participant.role != ParticipantRole.coach,
            )
        )
    ).scalars()
    names = await group_names(db, workshop.network_id)
    counted = Counter(names.get(group, group) if group else None for group in groups)
    return sorted(counted.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
