"""HTML pages for planning: the coach's workshop list, the create form, the workshop page with the agenda
editor (htmx fragments of the same template), the QR code and the printable run sheet.

Routes stay thin: authorise → parse the form → call a planning command → render (the unit of work commits). Every agenda
form works without JavaScript (POST, then redirect back); with htmx the `agenda` block is swapped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.board import step_cards
from werkstatt.catalogue.schema import CONFIG_MODELS, MECHANIC_LABELS, Category
from werkstatt.errors import Invalid, NotFound, Unauthenticated
from werkstatt.i18n import _
from werkstatt.logo import logo_url
from werkstatt.network import service as network_service
from werkstatt.network.forms import signed_in
from werkstatt.network.models import Network, Role, Town
from werkstatt.network.permissions import Action, allowed
from werkstatt.sessions import CurrentAccount
from werkstatt.settings import Settings
from werkstatt.uow import UnitOfWork
from werkstatt.web import BERLIN, htmx, page, url_for
from werkstatt.workshops import forms, methods_source, planning
from werkstatt.workshops.models import Workshop, WorkshopFormat, WorkshopState
from werkstatt.workshops.planning import N_
from werkstatt.workshops.qr import qr_markup, qr_svg
from werkstatt.workshops.queries import (
    kernteam_town,
    listed_workshops,
    network_choices,
    town_workshops,
    towns_to_plan_in,
    workshop_to_plan,
)
from werkstatt.workshops.service import create_workshop, may_run
from werkstatt.workshops.views import join_url, public_base

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from werkstatt.catalogue.schema import MethodCard

CATEGORY_LABELS = {
    Category.sensibilisierung: N_("Sensibilisierung"),
    Category.aktivierung: N_("Aktivierung"),
    Category.ideenentwicklung: N_("Ideenentwicklung"),
    Category.kooperation: N_("Kooperation"),
    Category.kommunikation: N_("Kommunikation"),
    Category.projektumsetzung: N_("Projektumsetzung"),
}
STATE_LABELS = {
    WorkshopState.planned: N_("geplant"),
    WorkshopState.live: N_("live"),
    WorkshopState.closed: N_("beendet"),
}
# The format names of models.FORMAT_LABELS, marked here so that they get English texts.
FORMAT_NAMES = {
    WorkshopFormat.ideen_werkstatt: N_("Ideen-Werkstatt"),
    WorkshopFormat.werkstatt_gespraech: N_("Werkstatt-Gespräch"),
    WorkshopFormat.fokusgruppe: N_("Fokusgruppe"),
    WorkshopFormat.erfahrungsaustausch: N_("Erfahrungsaustausch"),
}
COACH_ROLES = {Role.admin, Role.network_admin, Role.coach}


class LoginRequired(Unauthenticated):
    """Not signed in: the browser goes to the login page (when installed) and comes back."""


def to_login(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    login = url_for(request, "login")
    if login:
        return Redirect(f"{login}?next={request.url.path}", status_code=303)
    from werkstatt.errors import domain_error_handler

    return domain_error_handler(request, exc)


def signed_in_coach(request: Request[Any, Any, Any]) -> CurrentAccount:
    account: CurrentAccount | None = request.scope.get("state", {}).get("account")
    if account is None:
        raise LoginRequired(_("Bitte melden Sie sich an."))
    if account.role not in COACH_ROLES:
        raise NotFound(_("Diese Seite gibt es nicht."))
    return account


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    details = htmx(request)
    return bool(details) and not details.boosted


def _clock(value: Any) -> str:
    return value.astimezone(BERLIN).strftime("%H:%M") if value else ""


def _local_parts(workshop: Workshop | None) -> tuple[str, str]:
    if workshop is None or workshop.starts_at is None:
        return "", ""
    local = workshop.starts_at.astimezone(BERLIN)
    return local.date().isoformat(), local.strftime("%H:%M")


def _mechanic_fields() -> dict[str, list[dict[str, Any]]]:
    """Which config fields each board mode offers in the step editor, and of what kind."""
    found: dict[str, list[dict[str, Any]]] = {}
    for mechanic, model in CONFIG_MODELS.items():
        fields: list[dict[str, Any]] = []
        for key, info in model.model_fields.items():
            kind = "bool" if info.annotation is bool else "int" if "int" in str(info.annotation) else "text"
            choices: list[str] = []
            if key == "cards":  # the options depend on the step's place in the agenda (`card_choices`)
                fields.append({"key": key, "kind": "cards", "choices": [], "default": ""})
                continue
            if key == "who":
                choices = ["coach", "all"]
            elif key == "source":
                choices = ["votes", "manual", "scores"]
            elif key == "rotation":
                choices = ["keine", "tische", "blaetter", "paare", "rollen", "stationen"]
            default = info.default if info.default is not None else ""
            fields.append({"key": key, "kind": "choice" if choices else kind, "choices": choices, "default": default})
        found[mechanic.value] = fields
    return found


CONFIG_LABELS = {
    "blind": N_("Verdeckt sammeln (Karten erst nach dem Aufdecken sichtbar)"),
    "anonymous": N_("Anonym (ohne Namen)"),
    "max_cards_per_person": N_("Höchstens Karten je Person"),
    "max_length": N_("Höchstens Zeichen je Karte"),
    "coach_only": N_("Nur die Moderation schreibt"),
    "who": N_("Wer ordnet die Karten?"),
    "dots_per_person": N_("Punkte je Person"),
    "max_per_item": N_("Höchstens Punkte je Karte"),
    "hidden": N_("Stand bis zum Aufdecken verdeckt"),
    "x_label": N_("Beschriftung x-Achse"),
    "y_label": N_("Beschriftung y-Achse"),
    "scale": N_("Skala (Stufen)"),
    "source": N_("Grundlage der Rangfolge"),
    "cards": N_("Welche Karten stehen zur Wahl?"),
    "x_hint": N_("Was die x-Achse meint (leer: 1 = wenig … viel)"),
    "y_hint": N_("Was die y-Achse meint (leer: 1 = wenig … viel)"),
    "auto_advance": N_("Nach Ablauf automatisch weiter"),
    "count": N_("Anzahl Runden"),
    "rotation": N_("Wechsel zwischen den Runden"),
}
CHOICE_LABELS = {
    "coach": N_("die Moderation"),
    "all": N_("alle"),
    "votes": N_("Punkte"),
    "manual": N_("von Hand"),
    "scores": N_("Bewertungen"),
    "keine": N_("kein Wechsel"),
    "tische": N_("Tische"),
    "blaetter": N_("Blätter"),
    "paare": N_("Paare"),
    "rollen": N_("Rollen"),
    "stationen": N_("Stationen"),
}


def _card_choices(workshop: Workshop, editing: UUID | None) -> list[tuple[str, str]]:
    """The step editor's options for `cards` (vote, rank, matrix): the default named, earlier steps, all."""
    step = next((step for step in workshop.steps if step.id == editing), None)
    return step_cards.choices(workshop, step) if step is not None else []


def _method_groups(cards: Mapping[str, MethodCard]) -> list[tuple[str, list[MethodCard]]]:
    grouped: list[tuple[str, list[MethodCard]]] = []
    for category, label in CATEGORY_LABELS.items():
        members = sorted(
            (card for card in cards.values() if card.category == category), key=lambda c: c.name.casefold()
        )
        if members:
            grouped.append((label, members))
    return grouped


class TownWorkshops(Controller):
    """The town page's workshops (live, planned, held), fetched by htmx; coaches get links to them."""

    path = "/staedte/{town_id:str}/werkstaetten"
    include_in_schema = False

    @get("/", name="town_workshops", guards=[allowed(Action.view_town)])
    async def town_list(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], town_id: FromPath[str]
    ) -> Response[Any]:
        account = signed_in(request)
        town = await network_service.get_town(db, account, town_id)  # another network's town: 404
        if not htmx(request):  # opened directly: the list lives on the town page
            return Redirect(f"/staedte/{town.id}#town-workshops", status_code=303)
        context = {
            "town": town,
            "workshops": await town_workshops(db, town.id),
            "formats": FORMAT_NAMES,
            "states": STATE_LABELS,
            "may_open": may_run(account, town.network_id),
        }
        return page(request, "workshops/_town.html", context)


class WorkshopsController(Controller):
    path = "/werkstaetten"
    include_in_schema = False
    exception_handlers = {LoginRequired: to_login}  # noqa: RUF012 - Litestar reads it as a class attribute
    dependencies = {"coach": Provide(signed_in_coach, sync_to_thread=False)}  # noqa: RUF012 - as above

    # --- list and create ---------------------------------------------------------------------------------

    @get("/", name="workshops")
    async def index(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        member: CurrentAccount | None = request.scope.get("state", {}).get("account")
        if member is not None and member.role not in COACH_ROLES:  # the Kernteam: its town's workshops
            town_id = await kernteam_town(db, member.id)
            return Redirect(f"/staedte/{town_id}" if town_id else "/netzwerk", status_code=303)
        sections = await listed_workshops(db, signed_in_coach(request))
        return page(
            request,
            "workshops/list.html",
            {"sections": sections, "formats": FORMAT_NAMES, "states": STATE_LABELS, "clock": _clock},
        )

    async def _create_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        account: CurrentAccount,
        *,
        values: Mapping[str, Any],
        errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> Response[Any]:
        towns = await towns_to_plan_in(db, account)
        if not towns:
            return page(request, "workshops/new.html", {"towns": [], "errors": {}, "values": {}})
        chosen = next((town for town in towns if str(town.id) == values.get("town_id")), towns[0])
        topics, groups = await network_choices(db, chosen.network_id)
        town_topics = {str(link.focus_topic_id) for link in chosen.focus_topics}
        ticked = values.get("focus_topic_ids")
        context = {
            "towns": towns,
            "town": chosen,
            "topics": topics,
            "town_topics": town_topics,
            "ticked_topics": set(ticked) if ticked is not None else town_topics,
            "groups": groups,
            "formats": FORMAT_NAMES,
            "templates": await methods_source.agenda_templates(db),
            "values": values,
            "errors": dict(errors or {}),
        }
        return page(request, "workshops/new.html", context, block="topics", status_code=status_code)

    @get("/neu", name="workshop_new")
    async def new(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        town_id: FromQuery[str | None] = None,
    ) -> Response[Any]:
        values = {"town_id": town_id} if town_id else {}
        return await self._create_page(request, db, coach, values=values)

    @post("/neu", name="workshop_create")
    async def create(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], coach: NamedDependency[CurrentAccount]
    ) -> Response[Any]:
        form = await request.form()
        values: dict[str, Any] = {key: forms.text(form, key) for key in form}
        values["focus_topic_ids"] = forms.values(form, "focus_topic_ids")
        values["target_groups"] = forms.values(form, "target_groups")
        try:
            agenda = []
            template_slug = forms.text(form, "template")
            if template_slug:
                template = await methods_source.agenda_template(db, template_slug)
                if template is None:
                    raise Invalid(forms.CHECK, {"template": _("Diese Ablaufvorlage gibt es nicht.")})
                town = await db.get(Town, UUID(values["town_id"])) if _uuid(values.get("town_id")) else None
                network_id = town.network_id if town else coach.network_id
                if network_id is not None:
                    agenda = await planning.template_steps(db, template, network_id)
            data = forms.create_from_form(form, agenda)
            workshop = await create_workshop(db, coach, data)
        except Invalid as error:
            await UnitOfWork.of(db).rollback()
            return await self._create_page(request, db, coach, values=values, errors=error.errors, status_code=422)
        return Redirect(url_for(request, "workshop_plan", workshop_id=workshop.id) or "/", status_code=303)

    # --- the workshop page and its agenda editor ---------------------------------------------------------------

    async def _plan_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        settings: Settings,
        workshop: Workshop,
        *,
        editing: UUID | None = None,
        errors: Mapping[str, str] | None = None,
        error_form: str | None = None,
        focus: str | None = None,
        status_code: int = 200,
        form_values: Mapping[str, Any] | None = None,
    ) -> Response[Any]:
        network = await db.get(Network, workshop.network_id)
        town = await db.get(Town, workshop.town_id)
        topics, groups = await network_choices(db, workshop.network_id)
        topic_names = {str(topic.id): topic.name for topic in topics}
        group_names = {group.slug: group.name for group in groups}
        cards = await methods_source.method_cards(db, workshop.network_id)
        plan = await planning.plan_for(db, workshop)
        context = {
            "workshop": workshop,
            "network": network,
            "town": town,
            "topic_names": [topic_names[t] for t in workshop.focus_topic_ids if t in topic_names],
            "group_names": [group_names.get(g, g) for g in workshop.target_groups],
            "formats": FORMAT_NAMES,
            "states": STATE_LABELS,
            "plan": plan,
            "method_groups": _method_groups(cards),
            "templates": await methods_source.agenda_templates(db),
            "mechanics": MECHANIC_LABELS,
            "mechanic_fields": _mechanic_fields(),
            "card_choices": _card_choices(workshop, editing),
            "config_labels": CONFIG_LABELS,
            "choice_labels": CHOICE_LABELS,
            "join_url": join_url(public_base(request, settings), workshop.join_code),
            "editing": editing,
            "errors": dict(errors or {}),
            "error_form": error_form,
            "form_values": dict(form_values or {}),
            "focus": focus,
            "editable": workshop.state == WorkshopState.planned,
            "clock": _clock,
        }
        return page(request, "workshops/plan.html", context, block="agenda", status_code=status_code)

    @get("/{workshop_id:uuid}", name="workshop_plan")
    async def plan(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        bearbeiten: FromQuery[UUID | None] = None,
        fokus: FromQuery[str | None] = None,
    ) -> Response[Any]:
        workshop = await workshop_to_plan(db, coach, workshop_id)
        if bearbeiten is not None and all(step.id != bearbeiten for step in workshop.steps):
            bearbeiten = None
        focus = f"edit-{bearbeiten}-title" if bearbeiten else fokus
        return await self._plan_page(request, db, settings, workshop, editing=bearbeiten, focus=focus)

    async def _agenda_command(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        settings: Settings,
        coach: CurrentAccount,
        workshop_id: UUID,
        form_name: str,
        command: Callable[[Workshop, Any], Awaitable[str | None]],
        *,
        editing: UUID | None = None,
    ) -> Response[Any]:
        """Run one agenda command (the unit of work commits); answer with the agenda block (htmx) or a redirect back."""
        workshop = await workshop_to_plan(db, coach, workshop_id)
        form = await request.form()
        try:
            focus = await command(workshop, form)
        except Invalid as error:
            await UnitOfWork.of(db).rollback()
            workshop = await workshop_to_plan(db, coach, workshop_id)
            values = {key: forms.text(form, key) for key in form}
            return await self._plan_page(
                request,
                db,
                settings,
                workshop,
                editing=editing,
                errors=error.errors or {"_": error.detail},
                error_form=form_name,
                status_code=422,
                form_values=values,
                focus=f"{form_name}-errors",
            )
        if not _is_htmx(request):
            target = url_for(request, "workshop_plan", workshop_id=workshop_id) or "/"
            return Redirect(f"{target}?fokus={focus}" if focus else target, status_code=303)
        workshop = await workshop_to_plan(db, coach, workshop_id)
        return await self._plan_page(request, db, settings, workshop, focus=focus)

    @post("/{workshop_id:uuid}/ablauf/methode", name="agenda_add_method")
    async def add_method(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        async def command(workshop: Workshop, form: Any) -> str | None:
            added = await planning.add_method_steps(db, workshop, forms.text(form, "method_slug"))
            return f"step-{added[0].id}" if added else None

        return await self._agenda_command(request, db, settings, coach, workshop_id, "add-method", command)

    @post("/{workshop_id:uuid}/ablauf/frei", name="agenda_add_free")
    async def add_free(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        async def command(workshop: Workshop, form: Any) -> str | None:
            added = await planning.add_free_step(db, workshop, forms.step_from_form(form, "free"))
            return f"step-{added.id}"

        return await self._agenda_command(request, db, settings, coach, workshop_id, "add-free", command)

    @post("/{workshop_id:uuid}/ablauf/vorlage", name="agenda_apply_template")
    async def apply_template(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        async def command(workshop: Workshop, form: Any) -> str | None:
            replace = forms.text(form, "replace") == "1"
            await planning.apply_template(db, workshop, forms.text(form, "template"), replace=replace)
            return "agenda-title"

        return await self._agenda_command(request, db, settings, coach, workshop_id, "template", command)

    @post("/{workshop_id:uuid}/ablauf/reihenfolge", name="agenda_reorder")
    async def reorder(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        async def command(workshop: Workshop, form: Any) -> str | None:
            await planning.reorder_steps(db, workshop, forms.order_from_form(form))
            return None

        return await self._agenda_command(request, db, settings, coach, workshop_id, "order", command)

    @post("/{workshop_id:uuid}/ablauf/{step_id:uuid}", name="agenda_edit_step")
    async def edit_step(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        step_id: FromPath[UUID],
    ) -> Response[Any]:
        async def command(workshop: Workshop, form: Any) -> str | None:
            await planning.edit_step(db, workshop, step_id, forms.step_from_form(form, f"edit-{step_id}"))
            return f"edit-link-{step_id}"

        return await self._agenda_command(request, db, settings, coach, workshop_id, "edit", command, editing=step_id)

    @post("/{workshop_id:uuid}/ablauf/{step_id:uuid}/hoch", name="agenda_step_up")
    async def step_up(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        step_id: FromPath[UUID],
    ) -> Response[Any]:
        return await self._move(request, db, settings, coach, workshop_id, step_id, -1)

    @post("/{workshop_id:uuid}/ablauf/{step_id:uuid}/runter", name="agenda_step_down")
    async def step_down(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        step_id: FromPath[UUID],
    ) -> Response[Any]:
        return await self._move(request, db, settings, coach, workshop_id, step_id, 1)

    async def _move(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        settings: Settings,
        coach: CurrentAccount,
        workshop_id: UUID,
        step_id: UUID,
        offset: int,
    ) -> Response[Any]:
        async def command(workshop: Workshop, form: Any) -> str | None:
            step = await planning.move_step(db, workshop, step_id, offset)
            last = len(workshop.steps) - 1
            # Focus stays on the moved step: on the same button, or the other one at either end.
            if offset < 0:
                return f"up-{step_id}" if step.position > 0 else f"down-{step_id}"
            return f"down-{step_id}" if step.position < last else f"up-{step_id}"

        return await self._agenda_command(request, db, settings, coach, workshop_id, "move", command)

    @post("/{workshop_id:uuid}/ablauf/{step_id:uuid}/loeschen", name="agenda_delete_step")
    async def delete_step(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        step_id: FromPath[UUID],
    ) -> Response[Any]:
        async def command(workshop: Workshop, form: Any) -> str | None:
            await planning.delete_step(db, workshop, step_id)
            return "agenda-title"

        return await self._agenda_command(request, db, settings, coach, workshop_id, "delete", command)

    @post("/{workshop_id:uuid}/ablauf/methode/{step_id:uuid}/hoch", name="agenda_block_up")
    async def block_up(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        step_id: FromPath[UUID],
    ) -> Response[Any]:
        return await self._move_block(request, db, settings, coach, workshop_id, step_id, -1)

    @post("/{workshop_id:uuid}/ablauf/methode/{step_id:uuid}/runter", name="agenda_block_down")
    async def block_down(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        step_id: FromPath[UUID],
    ) -> Response[Any]:
        return await self._move_block(request, db, settings, coach, workshop_id, step_id, 1)

    async def _move_block(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        settings: Settings,
        coach: CurrentAccount,
        workshop_id: UUID,
        step_id: UUID,
        offset: int,
    ) -> Response[Any]:
        async def command(workshop: Workshop, form: Any) -> str | None:
            block = await planning.move_block(db, workshop, step_id, offset)
            first = block[0]
            # Focus stays on the moved block: on the same button, or the other one at either end.
            at_top, at_bottom = first.position == 0, block[-1].position == len(workshop.steps) - 1
            if offset < 0:
                return f"block-up-{first.id}" if not at_top else f"block-down-{first.id}"
            return f"block-down-{first.id}" if not at_bottom else f"block-up-{first.id}"

        return await self._agenda_command(request, db, settings, coach, workshop_id, "move", command)

    @post("/{workshop_id:uuid}/ablauf/methode/{step_id:uuid}/loeschen", name="agenda_delete_block")
    async def delete_block(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
        step_id: FromPath[UUID],
    ) -> Response[Any]:
        async def command(workshop: Workshop, form: Any) -> str | None:
            await planning.delete_block(db, workshop, step_id)
            return "agenda-title"

        return await self._agenda_command(request, db, settings, coach, workshop_id, "delete", command)

    # --- details -----------------------------------------------------------------------------------------------

    async def _details_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        workshop: Workshop,
        values: Mapping[str, Any],
        errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> Response[Any]:
        topics, groups = await network_choices(db, workshop.network_id)
        town = await db.get(Town, workshop.town_id)
        context = {
            "workshop": workshop,
            "town": town,
            "topics": topics,
            "town_topics": {str(link.focus_topic_id) for link in town.focus_topics} if town else set(),
            "groups": groups,
            "formats": FORMAT_NAMES,
            "values": values,
            "errors": dict(errors or {}),
        }
        return page(request, "workshops/details.html", context, status_code=status_code)

    @get("/{workshop_id:uuid}/details", name="workshop_details")
    async def details(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        workshop = await workshop_to_plan(db, coach, workshop_id)
        day, clock = _local_parts(workshop)
        values = {
            "title": workshop.title,
            "format": str(workshop.format),
            "date": day,
            "time": clock,
            "place": workshop.place,
            "planned_minutes": workshop.planned_minutes,
            "expected_participants": workshop.expected_participants or "",
            "focus_topic_ids": list(workshop.focus_topic_ids),
            "target_groups": list(workshop.target_groups),
        }
        return await self._details_page(request, db, workshop, values)

    @post("/{workshop_id:uuid}/details", name="workshop_details_save")
    async def save_details(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        workshop = await workshop_to_plan(db, coach, workshop_id)
        form = await request.form()
        values: dict[str, Any] = {key: forms.text(form, key) for key in form}
        values["focus_topic_ids"] = forms.values(form, "focus_topic_ids")
        values["target_groups"] = forms.values(form, "target_groups")
        try:
            await planning.edit_details(db, workshop, forms.details_from_form(form))
        except Invalid as error:
            await UnitOfWork.of(db).rollback()
            workshop = await workshop_to_plan(db, coach, workshop_id)
            return await self._details_page(request, db, workshop, values, error.errors, status_code=422)
        return Redirect(url_for(request, "workshop_plan", workshop_id=workshop_id) or "/", status_code=303)

    # --- QR code and run sheet ---------------------------------------------------------------------------------

    @get("/{workshop_id:uuid}/qr.svg", name="workshop_qr")
    async def qr(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
    ) -> Response[bytes]:
        workshop = await workshop_to_plan(db, coach, workshop_id)
        return Response(
            qr_svg(join_url(public_base(request, settings), workshop.join_code)),
            media_type="image/svg+xml",
            headers={"cache-control": "private, max-age=3600"},
        )

    @get("/{workshop_id:uuid}/plakat", name="workshop_poster")
    async def poster(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        coach: NamedDependency[CurrentAccount],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        """A printable A4 join poster: title, "Mitmachen", the code, the link and the QR code."""
        workshop = await workshop_to_plan(db, coach, workshop_id)
        context = {
            "workshop": workshop,
            "town": await db.get(Town, workshop.town_id),
            "join_url": join_url(public_base(request, settings), workshop.join_code),
            "qr": qr_markup(join_url(public_base(request, settings), workshop.join_code)),
            "logo_url": logo_url(settings, workshop.town_id),
        }
        return page(request, "workshops/poster.html", context)

    @get("/{workshop_id:uuid}/ablaufplan", name="workshop_runsheet")
    async def runsheet(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        coach: NamedDependency[CurrentAccount],
        settings: NamedDependency[Settings],
        workshop_id: FromPath[UUID],
    ) -> Response[Any]:
        workshop = await workshop_to_plan(db, coach, workshop_id)
        town = await db.get(Town, workshop.town_id)
        topics, groups = await network_choices(db, workshop.network_id)
        topic_names = {str(topic.id): topic.name for topic in topics}
        group_names = {group.slug: group.name for group in groups}
        context = {
            "workshop": workshop,
            "town": town,
            "plan": await planning.plan_for(db, workshop),
            "formats": FORMAT_NAMES,
            "mechanics": MECHANIC_LABELS,
            "per_labels": planning.PER_LABELS,
            "topic_names": [topic_names[t] for t in workshop.focus_topic_ids if t in topic_names],
            "group_names": [group_names.get(g, g) for g in workshop.target_groups],
            "join_url": join_url(public_base(request, settings), workshop.join_code),
            "qr": qr_markup(join_url(public_base(request, settings), workshop.join_code)),
            "clock": _clock,
        }
        return page(request, "workshops/runsheet.html", context)


def _uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True
