"""Catalogue pages (German, htmx): list with live filters, card, print card, network cards, ratings."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from markupsafe import Markup
from pydantic import StringConstraints, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.catalogue import editing, ratings, service
from werkstatt.catalogue.access import Viewer, require_creator, require_editor, viewer_from_scope
from werkstatt.catalogue.forms import CardForm, card_from_form, form_errors, form_from_card, new_form
from werkstatt.catalogue.loader import field_of, message_of
from werkstatt.catalogue.models import Method, Visibility
from werkstatt.catalogue.schema import LABELS, MaterialPer, MethodCard
from werkstatt.errors import Invalid
from werkstatt.forms import FormModel, cut, form_values, parse_form
from werkstatt.i18n import Message, _
from werkstatt.network.topics import TARGET_GROUPS
from werkstatt.web import htmx, page

PERSONS_MAX = 2000


def _history_restore(request: Request[Any, Any, Any]) -> bool:
    """htmx's back-button restore asks for the whole page, not the fragment."""
    return htmx(request).history_restore_request


def materials_for(card: MethodCard, persons: int) -> list[dict[str, Any]]:
    """Quantities for a group of `persons`: per person, per group (subgroup size) or per table."""
    group = card.group_size.subgroup or 5
    tables = math.ceil(persons / (card.group_size.subgroup or 6))
    groups = math.ceil(persons / group)
    factor = {MaterialPer.person: persons, MaterialPer.gruppe: groups, MaterialPer.tisch: tables}
    return [
        {"material": material, "total": material.amount * factor.get(material.per, 1)} for material in card.materials
    ]


def timeline(card: MethodCard) -> list[dict[str, Any]]:
    start, found = 0, []
    for index, step in enumerate(card.steps, start=1):
        found.append({"number": index, "start": start, "step": step})
        start += step.minutes
    return found


def howto_jsonld(card: MethodCard, url: str) -> Markup:
    """schema.org HowTo; `<`, `>` and `&` are escaped so that no text can end the script element."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "HowTo",
        "name": card.name,
        "description": card.summary,
        "url": url,
        "inLanguage": "de",
        "totalTime": f"PT{card.duration.typical}M",
        "license": card.licence,
        "supply": [{"@type": "HowToSupply", "name": m.item, "requiredQuantity": m.amount} for m in card.materials],
        "step": [
            {"@type": "HowToStep", "position": i, "name": s.title, "text": s.instructions}
            for i, s in enumerate(card.steps, start=1)
        ],
        "isBasedOn": [str(source.url) for source in card.sources if source.url],
    }
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - JSON with every markup character escaped


def _persons(value: str | None, card: MethodCard) -> tuple[int, Message | None]:
    if not value:
        return card.group_size.optimal, None
    if not value.isdigit() or not 1 <= int(value) <= PERSONS_MAX:
        return card.group_size.optimal, _("Bitte eine Zahl von 1 bis %(max)d angeben.") % {"max": PERSONS_MAX}
    return int(value), None


async def _detail_context(
    db: AsyncSession, request: Request[Any, Any, Any], method: Method, viewer: Viewer, persons_param: str | None
) -> dict[str, Any]:
    card = service.card_of(method)
    persons, persons_error = _persons(persons_param, card)
    stats = (await ratings.stats_for(db, [method.id])).get(method.id, ratings.Stats())
    forked_from = await db.get(Method, method.forked_from_id) if method.forked_from_id else None
    if forked_from is not None and not viewer.can_see(forked_from):
        forked_from = None
    topics, groups = await editing.network_taxonomy(db, method.network_id)
    linked = card.combines_with.before + card.combines_with.after
    return {
        "names": await service.names_of(db, linked, viewer),
        "method": method,
        "card": card,
        "labels": LABELS,
        "topics": topics,
        "groups": groups,
        "persons": persons,
        "persons_error": persons_error,
        "materials": materials_for(card, persons),
        "timeline": timeline(card),
        "stats": stats,
        "ratings": await ratings.ratings_of(db, method),
        "forked_from": forked_from,
        "network_name": await editing.network_name(db, method.network_id),
        "can_edit": viewer.can_edit(method),
        "can_fork": viewer.can_create,
        "can_rate": viewer.can_rate,
        "rating_groups": dict(TARGET_GROUPS),
        "rating_values": {},
        "rating_errors": {},
        "jsonld": howto_jsonld(card, str(request.url.with_replacements(query=""))),
    }


class ForkForm(FormModel):
    """A variant of a method card: its address and name (editing.fork_method checks both in its own words)."""

    slug: Annotated[str, cut(200), StringConstraints(strip_whitespace=True)] = ""
    name: Annotated[str, cut(1000), StringConstraints(strip_whitespace=True)] = ""


class CatalogueController(Controller):
    path = "/methoden"
    include_in_schema = False

    @get("/", name="methods")
    async def list_methods(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[str]:
        viewer = viewer_from_scope(request.scope)
        params = {key: value for key, value in request.query_params.items() if key in service.MethodQuery.model_fields}
        errors: dict[str, Message] = {}
        try:
            query = service.parse_query(params)
        except Invalid as error:
            errors = error.errors
            query = service.MethodQuery()
        methods = await service.search_methods(db, query, viewer)
        stats = await ratings.stats_for(db, [m.id for m in methods])
        topics, groups = await editing.network_taxonomy(db, viewer.network_id)
        context = {
            "methods": methods,
            "stats": stats,
            "query": query,
            "params": params,
            "errors": errors,
            "labels": LABELS,
            "topics": topics,
            "groups": groups,
            "viewer": viewer,
            "unpack": lambda value: [part for part in value.split("|") if part],
        }
        block = None if _history_restore(request) else "results"
        return page(request, "catalogue/list.html", context, block=block)

    @get("/neu", name="method_new")
    async def new(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[str]:
        viewer = viewer_from_scope(request.scope)
        require_creator(viewer)
        return await self._form_page(request, db, viewer, new_form(), None)

    @post("/neu", name="method_create")
    async def create(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        viewer = viewer_from_scope(request.scope)
        require_creator(viewer)
        form = await request.form()
        card, state = card_from_form(form)
        if card is not None:
            try:
                method = await editing.create_method(db, viewer, card, state.values["visibility"], state.values["note"])
            except Invalid as error:
                state.errors = form_errors(error.errors)
            else:
                return Redirect(f"/methoden/{method.slug}", status_code=303)
        return await self._form_page(request, db, viewer, state, None, status_code=422)

    @get("/hochladen", name="method_upload")
    async def upload_form(self, request: Request[Any, Any, Any]) -> Response[str]:
        require_creator(viewer_from_scope(request.scope))
        return page(request, "catalogue/upload.html", {"errors": {}, "visibility": "network"})

    @post("/hochladen", name="method_upload_post")
    async def upload(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        viewer = viewer_from_scope(request.scope)
        require_creator(viewer)
        form = await request.form()
        upload = form.get("file")
        visibility = str(form.get("visibility", "network"))
        content: bytes = b""
        if upload is not None and hasattr(upload, "read"):
            content = await upload.read()
        errors: dict[str, Message]
        if not content:
            errors = {"file": _("Bitte eine Kartendatei (.yaml) auswählen.")}
        else:
            try:
                method = await editing.import_card(db, viewer, content, visibility)
            except Invalid as error:
                errors = error.errors or {"(Datei)": error.detail}
            else:
                return Redirect(f"/methoden/{method.slug}", status_code=303)
        return page(request, "catalogue/upload.html", {"errors": errors, "visibility": visibility}, status_code=422)

    @get("/export.zip", name="methods_export")
    async def export(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[bytes]:
        viewer = viewer_from_scope(request.scope)
        network_id = require_creator(viewer) if viewer.role != "kernteam" else viewer.network_id
        assert network_id is not None
        data = await editing.export_zip(db, network_id)
        return Response(
            data,
            media_type="application/zip",
            headers={"content-disposition": 'attachment; filename="methodenkarten.zip"'},
        )

    @get("/{slug:str}", name="method_detail")
    async def detail(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], slug: FromPath[str]
    ) -> Response[str]:
        viewer = viewer_from_scope(request.scope)
        method = await service.method_or_404(db, slug, viewer)
        context = await _detail_context(db, request, method, viewer, request.query_params.get("personen"))
        block = None if _history_restore(request) else "materials"
        return page(request, "catalogue/detail.html", context, block=block)

    @get("/{slug:str}/druck", name="method_print")
    async def print_card(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], slug: FromPath[str]
    ) -> Response[str]:
        viewer = viewer_from_scope(request.scope)
        method = await service.method_or_404(db, slug, viewer)
        context = await _detail_context(db, request, method, viewer, request.query_params.get("personen"))
        return page(request, "catalogue/print.html", context)

    @get("/{slug:str}/yaml", name="method_yaml")
    async def card_file(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], slug: FromPath[str]
    ) -> Response[str]:
        method = await service.method_or_404(db, slug, viewer_from_scope(request.scope))
        return Response(
            editing.card_yaml(method.card),
            media_type="application/yaml; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{method.slug}.yaml"'},
        )

    @get("/{slug:str}/bearbeiten", name="method_edit")
    async def edit(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], slug: FromPath[str]
    ) -> Response[str]:
        viewer = viewer_from_scope(request.scope)
        method = await service.method_or_404(db, slug, viewer)
        require_editor(viewer, method)
        return await self._form_page(request, db, viewer, form_from_card(method.card, method.visibility), method)

    @post("/{slug:str}/bearbeiten", name="method_update")
    async def update(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], slug: FromPath[str]
    ) -> Response[Any]:
        viewer = viewer_from_scope(request.scope)
        method = await service.method_or_404(db, slug, viewer)
        require_editor(viewer, method)
        form = await request.form()
        card, state = card_from_form(form, slug=method.slug)
        if card is not None:
            try:
                await editing.update_method(db, viewer, method, card, state.values["visibility"], state.values["note"])
            except Invalid as error:
                state.errors = form_errors(error.errors)
            else:
                return Redirect(f"/methoden/{method.slug}", status_code=303)
        return await self._form_page(request, db, viewer, state, method, status_code=422)

    @get("/{slug:str}/variante", name="method_fork")
    async def fork_form(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], slug: FromPath[str]
    ) -> Response[str]:
        viewer = viewer_from_scope(request.scope)
        method = await service.method_or_404(db, slug, viewer)
        network_id = require_creator(viewer)
        values = {
            "slug": await editing.suggest_fork_slug(db, method, network_id),
            "name": f"{method.name} (Variante)"[:200],
        }
        return page(request, "catalogue/fork.html", {"method": method, "values": values, "errors": {}})

    @post("/{slug:str}/variante", name="method_fork_post")
    async def fork(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], slug: FromPath[str]
    ) -> Response[Any]:
        viewer = viewer_from_scope(request.scope)
        method = await service.method_or_404(db, slug, viewer)
        require_creator(viewer)
        values = parse_form(await request.form(), ForkForm).model_dump()
        try:
            fork = await editing.fork_method(db, viewer, method, values["slug"], values["name"])
        except Invalid as error:
            errors = {key: value for key, value in error.errors.items() if key in {"slug", "name"}}
            errors = errors or {"name": error.detail}
            return page(
                request, "catalogue/fork.html", {"method": method, "values": values, "errors": errors}, status_code=422
            )
        return Redirect(f"/methoden/{fork.slug}/bearbeiten", status_code=303)

    @get("/{slug:str}/versionen", name="method_versions")
    async def versions(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], slug: FromPath[str]
    ) -> Response[str]:
        method = await service.method_or_404(db, slug, viewer_from_scope(request.scope))
        versions = await editing.versions_of(db, method)
        yaml_of = {version.id: editing.card_yaml(version.card) for version in versions}
        return page(request, "catalogue/versions.html", {"method": method, "versions": versions, "yaml_of": yaml_of})

    @post("/{slug:str}/bewertung", name="method_rate")
    async def rate(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], slug: FromPath[str]
    ) -> Response[Any]:
        viewer = viewer_from_scope(request.scope)
        method = await service.method_or_404(db, slug, viewer)
        form = await request.form()
        values = dict.fromkeys(ratings.RatingInput.model_fields, "") | form_values(form, ratings.RatingInput)
        try:
            rating = parse_form(form, ratings.RatingInput)
        except ValidationError as error:
            errors = {field_of(item["loc"]): message_of(item) for item in error.errors()}
            if "stars" in errors:
                errors["stars"] = _("Bitte 1 bis 5 Sterne wählen.")
            context = await _detail_context(db, request, method, viewer, None)
            context.update(rating_values=values, rating_errors=errors)
            return page(request, "catalogue/detail.html", context, status_code=422)
        await ratings.rate_method(db, viewer, method, rating)
        return Redirect(f"/methoden/{method.slug}#bewertungen", status_code=303)

    async def _form_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        viewer: Viewer,
        form: CardForm,
        method: Method | None,
        status_code: int = 200,
    ) -> Response[str]:
        topics, groups = await editing.network_taxonomy(db, method.network_id if method else viewer.network_id)
        return page(
            request,
            "catalogue/form.html",
            {
                "form": form,
                "method": method,
                "labels": LABELS,
                "topics": topics,
                "groups": groups,
                "visibilities": [Visibility.network.value, Visibility.shared.value],
            },
            status_code=status_code,
        )
