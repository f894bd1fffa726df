"""JSON API: a workshop's results (API.md) and its project ideas."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.board import step_cards
from werkstatt.board.common import _same_origin_only, actor_for, bearer, reader_for, viewer_for
from werkstatt.idempotency import Effect, IdempotentOperation, idempotent
from werkstatt.results import service as results
from werkstatt.results.service import ProjectIdeaEdit, ProjectIdeaIn
from werkstatt.settings import Settings
from werkstatt.voting.ranking import workshop_results


class ResultsApi(Controller):
    path = "/api/workshops/{workshop_id:uuid}"
    tags = ("Ergebnisse",)  # type: ignore[assignment]

    @get(
        "/results",
        summary="Ergebnis: Karten mit Punkten und Rang, Cluster, Projektideen",
        description=(
            "Ein Aufdecken gehört zu seinem Abstimmungsschritt: die Punkte eines aufgedeckten (oder offenen) Schritts "
            "zählen, gleich welche Abstimmungen später kommen. `hidden` ist wahr, solange ein verdeckter Schritt "
            "schon Punkte hat; `pending` nennt diese Schritte (0-basierte Position in `agenda`). "
            "Die Schlüssel aus API.md (`ideas`, `clusters`, `hidden`, `project_ideas`) und dazu: `ideas[].step` "
            "(Position des Schritts, in dem die Karte gepostet wurde) und `steps`: je Punkt-, Rangfolge- und "
            "Matrix-Schritt `{step, mechanic, title, cards, items}`. `cards` sagt, woher seine Karten kommen "
            "(`from`: `step` mit `steps`, `top` mit `step` und `n`, oder `all`; `default`: ob der Schritt die "
            "Standardauswahl nimmt), `items` sind die ids der gezählten Karten, die er anbietet."
        ),
    )
    async def results(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], workshop_id: FromPath[UUID]
    ) -> dict[str, Any]:
        actor = await reader_for(request, db, workshop_id)
        found = await workshop_results(db, actor.workshop, viewer_for(request, actor, "json"))
        projects = await results.projects_of_workshop(db, workshop_id)
        steps = await step_cards.voting_steps(db, actor.workshop)
        return {
            "ideas": found["ideas"],
            "clusters": found["clusters"],
            "hidden": found["hidden"],
            "pending": found["pending"],
            "project_ideas": projects,
            "steps": steps,
        }

    @post(
        "/project-ideas",
        status_code=201,
        summary="Projektidee aus Karten machen (Moderation)",
        operation_class=IdempotentOperation,
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        data: JSONBody[ProjectIdeaIn],
    ) -> dict[str, Any]:
        actor = await actor_for(request, db, workshop_id)

        async def run() -> Effect:
            project, _event = await results.create_project_idea(db, actor, data, viewer_for(request, actor, "json"))
            owner_list = await results.owners(db, [project.id])
            owner = owner_list.get(project.owner_id) if project.owner_id else None
            return Effect(results.project_view(project, owner))

        return (await idempotent(request, db, settings, run, data=data, actor=actor)).body


class ProjectIdeaApi(Controller):
    path = "/api/project-ideas"
    tags = ("Ergebnisse",)  # type: ignore[assignment]

    @patch("/{project_id:uuid}", summary="Projektidee ändern (Status, Titel, …)", operation_class=IdempotentOperation)
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        project_id: FromPath[UUID],
        data: JSONBody[ProjectIdeaEdit],
    ) -> dict[str, Any]:
        if bearer(request) is None:  # cookie-authenticated writes only from our own pages (no CSRF via /api)
            _same_origin_only(request)
        account = request.scope.get("state", {}).get("account")

        async def run() -> Effect:
            project = await results.edit_project_idea(db, account, project_id, data)
            people = await results.owners(db, [project.id])
            return Effect(results.project_view(project, people.get(project.owner_id) if project.owner_id else None))

        return (await idempotent(request, db, settings, run, data=data)).body
