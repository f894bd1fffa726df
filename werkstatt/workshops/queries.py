"""Reading workshops for the planning pages: the coach's list, a town's workshops, the choices a form offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from werkstatt.errors import NotFound
from werkstatt.i18n import _
from werkstatt.network.models import FocusTopic, KernteamMember, Role, TargetGroup, Town
from werkstatt.workshops.models import Workshop, WorkshopState
from werkstatt.workshops.service import may_run

if TYPE_CHECKING:
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from werkstatt.sessions import CurrentAccount

_STATE_ORDER = {WorkshopState.live: 0, WorkshopState.planned: 1, WorkshopState.closed: 2}


async def workshop_to_plan(db: AsyncSession, account: CurrentAccount, workshop_id: UUID) -> Workshop:
    """The workshop, fresh from the database; another network's workshop does not exist for you."""
    query = select(Workshop).where(Workshop.id == workshop_id).execution_options(populate_existing=True)
    workshop = (await db.execute(query)).scalar_one_or_none()
    if workshop is None or not may_run(account, workshop.network_id):
        raise NotFound(_("Diese Werkstatt gibt es nicht."))
    return workshop


async def network_choices(db: AsyncSession, network_id: UUID) -> tuple[list[FocusTopic], list[TargetGroup]]:
    """The network's focus topics and target groups, in their order, for a workshop's form and run sheet."""
    topics = (
        await db.execute(select(FocusTopic).where(FocusTopic.network_id == network_id).order_by(FocusTopic.position))
    ).scalars()
    groups = (
        await db.execute(select(TargetGroup).where(TargetGroup.network_id == network_id).order_by(TargetGroup.position))
    ).scalars()
    return list(topics), list(groups)


async def town_workshops(db: AsyncSession, town_id: UUID) -> list[Workshop]:
    """A town's workshops (test workshops left out): live first, then planned, then held; newest first in each."""
    query = (
        select(Workshop)
        .where(Workshop.town_id == town_id, Workshop.is_test.is_(False))
        .order_by(Workshop.starts_at.desc())
    )
    workshops = list((await db.execute(query)).scalars())
    workshops.sort(key=lambda w: _STATE_ORDER[WorkshopState(w.state)])
    return workshops


async def kernteam_town(db: AsyncSession, account_id: UUID) -> UUID | None:
    """The town whose Kernteam the account belongs to (the first one), if any."""
    query = select(KernteamMember.town_id).where(KernteamMember.account_id == account_id)
    town_id: UUID | None = (await db.execute(query)).scalar()
    return town_id


async def listed_workshops(db: AsyncSession, account: CurrentAccount) -> dict[str, list[tuple[Workshop, str]]]:
    """The coach's list by state (`live`, `planned`, `closed`), each with its town's name: the account's network
    (every network for the instance admin); planned ones soonest first, the others newest first."""
    query = select(Workshop, Town.name).join(Town, Town.id == Workshop.town_id).where(Workshop.is_test.is_(False))
    if account.role != Role.admin:
        query = query.where(Workshop.network_id == account.network_id)
    rows = (await db.execute(query.order_by(Workshop.starts_at.desc(), Workshop.created_at.desc()))).all()
    sections: dict[str, list[tuple[Workshop, str]]] = {"live": [], "planned": [], "closed": []}
    for workshop, town in rows:
        sections[str(workshop.state)].append((workshop, town))
    sections["planned"].reverse()  # upcoming: soonest first
    return sections


async def towns_to_plan_in(db: AsyncSession, account: CurrentAccount) -> list[Town]:
    """The towns a coach may plan a workshop in: the account's network (all for the instance admin), by name."""
    query = select(Town).order_by(Town.name)
    if account.role != Role.admin:
        query = query.where(Town.network_id == account.network_id)
    return list((await db.execute(query)).scalars())
