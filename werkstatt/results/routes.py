"""HTML of results: a workshop's result page (ranking, matrix, project ideas, participation, method ratings),
the coach's project-idea form, and the town page's list of project ideas (an htmx fragment)."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.board.common import actor_for, reader_for, viewer_for
from werkstatt.catalogue import service as catalogue
from werkstatt.catalogue.access import viewer_of
from werkstatt.errors import DomainError, NotFound
from werkstatt.forms import parse_form
from werkstatt.i18n import _
from werkstatt.network import service as network
from werkstatt.network.forms import signed_in
from werkstatt.network.models import Town
from werkstatt.network.permissions import Action, allowed
from werkstatt.results import service as results
from werkstatt.results.access import may_export
from werkstatt.results.forms import STEP_ROWS, DoneForm, NextStepForm, ProjectCreateForm, ProjectEditForm, StatusForm
from werkstatt.results.models import TRANSITIONS, ProjectIdea, ProjectStatus
from werkstatt.uow import UnitOfWork
from werkstatt.voting import service as voting
from werkstatt.voting.board import QUADRANTS
from werkstatt.voting.matrix import matrix_svg
from werkstatt.voting.ranking import workshop_results
from werkstatt.voting.service import VOTING_MECHANICS, items_of
from werkstatt.web import N_, gettext, htmx, render_html
from werkstatt.workshops.permissions import may_moderate, require_moderator
from werkstatt.workshops.service import Actor

# The status names, for the catalogue of translations (service.STATUS_LABELS holds the same German texts).
STATUS_TEXTS = (N_("Idee"), N_("ausgewählt"), N_("in Umsetzung"), N_("umgesetzt"), N_("verworfen"))
# A new project idea starts as "Idee"; the form may move it one step on at once (forward only).
FORM_STATUSES = [ProjectStatus.idee, *sorted(TRANSITIONS[ProjectStatus.idee])]
FIELD_MESSAGES = {
    "title": N_("Bitte einen Titel angeben (höchstens 200 Zeichen)."),
    "description": N_("Die Beschreibung ist zu lang (höchstens 4000 Zeichen)."),
    "idea_ids": N_("Unbekannte Karte."),
    "focus_topic_ids": N_("Unbekanntes Schwerpunktthema."),
    "owner_id": N_("Bitte jemanden aus dem Kernteam der Stadt wählen."),
    "next_steps": N_("Bitte jeden nächsten Schritt kurz beschreiben (höchstens 300 Zeichen)."),
    "status": N_("Bitte einen gültigen Status wählen."),
    "due": N_("Bitte ein gültiges Datum angeben."),
}


def _html(html: str, status: int = 200) -> Response[str]:
    return Response(html, media_type=MediaType.HTML, status_code=status)


def _matrix(actor: Actor, ideas: list[dict[str, Any]]) -> Any:
    step = next((s for s in actor.workshop.steps if s.mechanic == "rate_matrix"), None)
    if step is None:
        return None
    rules = voting.matrix_rules(step)
    points = [
        {"label": str(number), "title": idea["text"], "x": idea["score_x"], "y": idea["score_y"]}
        for number, idea in enumerate(ideas, start=1)
        if idea["score_x"] is not None and idea["score_y"] is not None
    ]
    return {
        "rules": rules,
        "svg": matrix_svg(points, rules["x_label"], rules["y_label"], rules["scale"], QUADRANTS),
        "empty": not points,
    }


def _empty_form(card: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "idea_id": card["id"] if card else "",
        "title": (card["text"] or "")[:200] if card else "",
        "description": "",
        "focus_topic_ids": [],
        "owner_id": "",
        "status": ProjectStatus.idee.value,
        "steps": [{"text": "", "due_on": ""} for _ in range(STEP_ROWS)],
    }


def _on_clusters(workshop: Any) -> bool:
    return any(items_of(workshop, s).clusters for s in workshop.steps if s.mechanic in VOTING_MECHANICS)


class ResultPage(Controller):
    path = "/w/{workshop_id:uuid}/ergebnis"
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        actor: Actor,
        form: dict[str, Any] | None = None,
        errors: Mapping[str, str] | None = None,
        status: int = 200,
        edit_errors: Mapping[str, str] | None = None,
    ) -> Response[str]:
        workshop = actor.workshop
        found = await workshop_results(db, workshop, viewer_for(request, actor))
        ideas = [idea for idea in found["ideas"] if idea["text"]]
        context: dict[str, Any] = {
            "workshop": workshop,
            "actor": actor,
            "ideas": ideas,
            "hidden": found["hidden"],
            "fixed": found["fixed"],
            "matrix": _matrix(actor, ideas),
            # a vote, rank or matrix on clusters: the clusters' result with the cards voted on
            "cluster_results": found["clusters"] if _on_clusters(workshop) else [],
            "projects": await results.projects_of_workshop(db, workshop.id),
            "participation": await results.participation(db, workshop),
            "methods": [],
            "may_export": may_export(actor),
            "may_moderate": may_moderate(actor),
            "reader": not may_moderate(actor) and actor.participant is None,  # a network member, not in the room
            "town": await db.get(Town, workshop.town_id),  # its name leads the reader's breadcrumbs
            "form": None,
            "errors": {key: gettext(request, message) for key, message in (errors or {}).items()},
            "edit_errors": {key: gettext(request, message) for key, message in (edit_errors or {}).items()},
        }
        if may_moderate(actor):
            slugs = list(dict.fromkeys(s.method_slug for s in workshop.steps if s.method_slug))
            names = await catalogue.names_of(db, slugs, viewer_of(actor.account))
            context["methods"] = [(slug, names.get(slug, slug)) for slug in slugs]
            card_id = request.query_params.get("karte")
            card = next((idea for idea in ideas if idea["id"] == card_id), None)
            town = await network.get_town(db, actor.account, workshop.town_id)
            context.update(
                clusters=await results.clusters_with_cards(db, workshop.id),
                form=form or _empty_form(card),
                kernteam=sorted(town.kernteam, key=lambda m: m.display_name.casefold()),
                topics=await network.topics_of(db, workshop.network_id),
                statuses=[(s.value, results.STATUS_LABELS[s]) for s in FORM_STATUSES],
            )
        return _html(render_html(request, "results/result.html", context), status)

    @get("/", name="workshop_result")
    async def show(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], workshop_id: FromPath[UUID]
    ) -> Response[str]:
        actor = await reader_for(request, db, workshop_id)
        return await self._page(request, db, actor)

    @post("/projektideen/{project_id:uuid}", name="workshop_result_project_edit")
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        workshop_id: FromPath[UUID],
        project_id: FromPath[UUID],
    ) -> Response[Any]:
        """The coach corrects a project idea: title, description, owner, focus topics."""
        actor = await actor_for(request, db, workshop_id)
        key = f"edit-{project_id}"
        try:
            form = parse_form(await request.form(), ProjectEditForm)
            data = results.ProjectIdeaEdit.model_validate(form.edit_data())
        except ValidationError as error:
            field = str(error.errors()[0]["loc"][0])
            message = FIELD_MESSAGES.get(field, FIELD_MESSAGES["title"])
            return await self._page(request, db, actor, edit_errors={key: message}, status=422)
        try:
            require_moderator(actor, _("Nur die Moderation ändert hier Projektideen."))
            project = await db.get(ProjectIdea, project_id)
            if project is None or project.workshop_id != actor.workshop.id:
                raise NotFound(_("Diese Projektidee gibt es nicht."))
            await results.edit_project_idea(db, actor.account, project_id, data)
        except DomainError as error:
            await UnitOfWork.of(db).rollback()
            if error.status_code == 404:
                raise
            fresh = await actor_for(request, db, workshop_id)
            message = next(iter(error.errors), "") if error.errors else ""
            detail = FIELD_MESSAGES.get(message, error.detail)
            return await self._page(request, db, fresh, edit_errors={key: detail}, status=error.status_code)
        return Redirect(f"/w/{workshop_id}/ergebnis?ok=projektidee#projektideen", status_code=303)

    @post("/projektideen", name="workshop_result_project")
    async def create(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], workshop_id: FromPath[UUID]
    ) -> Response[Any]:
        actor = await actor_for(request, db, workshop_id)
        if not may_moderate(actor):
            return await self._page(
                request, db, actor, status=403, errors={"form": N_("Nur die Moderation macht Projektideen.")}
            )
        raw = await request.form()
        try:
            form = parse_form(raw, ProjectCreateForm).values()
        except ValidationError as error:
            form = ProjectCreateForm().values()  # more topics than any network has: start again
            return await self._page(request, db, actor, form, _create_errors(error), 422)
        errors: dict[str, str] = {}
        steps: list[dict[str, Any]] = []
        for n, step in enumerate(form["steps"]):
            due: date | None = None
            if step["due_on"]:
                try:
                    due = date.fromisoformat(step["due_on"][:10])
                except ValueError:
                    errors[f"step_due_{n}"] = FIELD_MESSAGES["due"]
            if step["text"]:
                steps.append({"text": step["text"], "due_on": due})
            elif due is not None:
                errors[f"step_text_{n}"] = N_("Bitte den Schritt beschreiben.")
        if form["status"] not in {s.value for s in FORM_STATUSES}:
            errors["status"] = FIELD_MESSAGES["status"]
        data = None
        try:
            data = results.ProjectIdeaIn.model_validate(
                {
                    "title": form["title"],
                    "description": form["description"],
                    "idea_ids": [form["idea_id"]] if form["idea_id"] and ":" not in form["idea_id"] else [],
                    "cluster_ids": [form["idea_id"][8:]] if form["idea_id"].startswith("cluster:") else [],
                    "focus_topic_ids": form["focus_topic_ids"],
                    "owner_id": form["owner_id"] or None,
                    "next_steps": steps,
                }
            )
        except ValidationError as error:
            errors = {**_create_errors(error), **errors}
        if errors or data is None:
            return await self._page(request, db, actor, form, errors, 422)
        try:
            project, _event = await results.create_project_idea(db, actor, data, viewer_for(request, actor))
            if form["status"] != ProjectStatus.idee.value:
                await results.change_status(db, actor.account, project.id, ProjectStatus(form["status"]))
        except DomainError as error:
            await UnitOfWork.of(db).rollback()
            if error.status_code == 404:
                raise
            errors = {
                {"idea_ids": "idea_id", "cluster_ids": "idea_id"}.get(key, key): FIELD_MESSAGES.get(key, str(message))
                for key, message in (error.errors or {}).items()
            } or {"form": error.detail}
            fresh = await actor_for(request, db, workshop_id)
            return await self._page(request, db, fresh, form, errors, 422)
        return Redirect(f"/w/{workshop_id}/ergebnis?ok=projektidee#projektideen", status_code=303)


def _create_errors(error: ValidationError) -> dict[str, str]:
    """The create form's refusals in the page's own words, keyed by the form's fields."""
    errors: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "title"
        key = {"idea_ids": "idea_id", "cluster_ids": "idea_id"}.get(field, field)
        errors.setdefault(key, FIELD_MESSAGES.get(field, FIELD_MESSAGES["title"]))
    return errors


class TownProjects(Controller):
    """The town page's list of project ideas, fetched by htmx (the network's own routes stay as they are)."""

    path = "/staedte/{town_id:str}/projektideen"
    include_in_schema = False

    @get("/", name="town_project_ideas", guards=[allowed(Action.view_town)])
    async def town_list(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], town_id: FromPath[str]
    ) -> Response[Any]:
        if not htmx(request):  # opened directly: the list lives on the town page
            town = await network.get_town(db, signed_in(request), town_id)  # another network's town: 404
            return Redirect(f"/staedte/{town.id}#town-workshops", status_code=303)
        return await self._list(request, db, town_id)

    @post("/{project_id:uuid}/status", name="town_project_status", guards=[allowed(Action.view_town)])
    async def set_status(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        town_id: FromPath[str],
        project_id: FromPath[UUID],
    ) -> Response[Any]:
        """The coach or the owning Kernteam member moves a project idea on, from the town page."""
        try:
            status = parse_form(await request.form(), StatusForm).status
        except ValidationError:
            return await self._list(request, db, town_id, error=N_("Bitte einen gültigen Status wählen."), status=422)
        return await self._change(
            request, db, town_id, results.change_status(db, signed_in(request), project_id, status)
        )

    @post("/{project_id:uuid}/schritte", name="town_project_step_add", guards=[allowed(Action.view_town)])
    async def add_step(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        town_id: FromPath[str],
        project_id: FromPath[UUID],
    ) -> Response[Any]:
        """The project goes on: its owner (or the coach) plans the next step, with a due date if known."""
        try:
            form = parse_form(await request.form(), NextStepForm)
            data = results.NextStepIn.model_validate(form.model_dump())
        except ValidationError as error:
            field = str(error.errors()[0]["loc"][0])
            message = FIELD_MESSAGES["due"] if field == "due_on" else FIELD_MESSAGES["next_steps"]
            return await self._list(request, db, town_id, error=message, status=422)
        return await self._change(request, db, town_id, results.add_next_step(db, signed_in(request), project_id, data))

    @post(
        "/{project_id:uuid}/schritte/{step_id:uuid}", name="town_project_step_done", guards=[allowed(Action.view_town)]
    )
    async def step_done(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        town_id: FromPath[str],
        project_id: FromPath[UUID],
        step_id: FromPath[UUID],
    ) -> Response[Any]:
        """Tick a next step off, or open it again."""
        done = parse_form(await request.form(), DoneForm).done == "1"
        action = results.set_step_done(db, signed_in(request), project_id, step_id, done)
        return await self._change(request, db, town_id, action)

    async def _change(
        self, request: Request[Any, Any, Any], db: AsyncSession, town_id: str, action: Awaitable[object]
    ) -> Response[Any]:
        """Apply (the unit of work commits), then show the list again (htmx) or go back to the town page;
        refusals change nothing."""
        try:
            await action
        except DomainError as error:
            await UnitOfWork.of(db).rollback()
            if error.status_code == 404:
                raise
            return await self._list(request, db, town_id, error=error.detail, status=error.status_code)
        if not htmx(request):
            return Redirect(f"/staedte/{town_id}", status_code=303)
        return await self._list(request, db, town_id)

    async def _list(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        town_id: str,
        error: str | None = None,
        status: int = 200,
    ) -> Response[str]:
        account = signed_in(request)
        town = await network.get_town(db, account, town_id)  # another network's town: 404
        projects = await results.projects_of_town(db, town.id)
        members = {str(member.id): member for member in town.kernteam}
        for project in projects:
            owner = members.get(project["owner_id"] or "")
            project["may_steer"] = steer = results.may_steer(account, town.network_id, owner)
            project["next"] = results.next_statuses(project["status"]) if steer else []
        context = {"town": town, "projects": projects, "error": gettext(request, error) if error else None}
        return _html(render_html(request, "results/_town.html", context), status)


__all__ = ["ResultPage", "TownProjects"]
