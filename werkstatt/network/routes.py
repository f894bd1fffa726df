"""HTML pages of the organisation: network overview, town pages, and the administration (/verwaltung).

Each handler reads top to bottom: guard (role may do the action at all) → load the object, which answers 404
for another network's ids → validate → service command → redirect (or the form again with German errors)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from werkstatt.errors import Invalid, NotFound
from werkstatt.i18n import Message, _
from werkstatt.live.broker import announce_account_changed, announce_sessions_ended
from werkstatt.logo import MAX_UPLOAD, logo_url, remove_town_logo, save_town_logo, town_logo_path
from werkstatt.network import auth, service
from werkstatt.network.forms import (
    HTML_EXCEPTION_HANDLERS,
    base_url,
    form_data,
    render,
    settings_of,
    signed_in,
    validate,
)
from werkstatt.network.models import KERNTEAM_ROLE_LABELS, KernteamMember, Network, Role, Town
from werkstatt.network.permissions import Action, allowed, require
from werkstatt.network.schemas import InviteForm, KernteamForm, NameForm, RoleForm, TownForm, TownTopicChoice
from werkstatt.sessions import open_session
from werkstatt.uow import UnitOfWork

PRIORITIES = list(range(1, 10))


class NetworkController(Controller):
    """What every member sees: the network with its towns, and each town's page."""

    include_in_schema = False
    exception_handlers = HTML_EXCEPTION_HANDLERS

    @get("/netzwerk", name="network", guards=[allowed(Action.view_network)])
    async def overview(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        account = signed_in(request)
        networks = await service.visible_networks(db, account)
        if account.role == Role.admin and len(networks) != 1:
            return render(request, "network/networks.html", {"networks": networks})
        if not networks:
            return render(request, "network/networks.html", {"networks": []})
        return await self._network_page(request, db, networks[0])

    @get("/netzwerk/{network_id:str}", name="network_detail", guards=[allowed(Action.view_network)])
    async def detail(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], network_id: FromPath[str]
    ) -> Response[Any]:
        network = await service.get_network(db, signed_in(request), network_id)
        return await self._network_page(request, db, network)

    async def _network_page(self, request: Request[Any, Any, Any], db: AsyncSession, network: Network) -> Response[Any]:
        towns = await service.towns_of(db, network.id)
        topics = await service.topics_of(db, network.id)
        groups = await service.groups_of(db, network.id)
        context = {"network": network, "towns": towns, "topics": topics, "groups": groups}
        return render(request, "network/overview.html", context)

    @get("/staedte/{town_id:str}", name="town", guards=[allowed(Action.view_town)])
    async def town(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], town_id: FromPath[str]
    ) -> Response[Any]:
        town = await service.get_town(db, signed_in(request), town_id)
        network = await service.get_network(db, signed_in(request), town.network_id)
        return render(request, "network/town.html", {"town": town, "network": network})

    # --- a town's focus topics (coaches and admins) ------------------------------------------------------

    async def _topics_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        town: Town,
        values: dict[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> Response[Any]:
        topics = await service.topics_of(db, town.network_id)
        if values is None:
            values = {}
            for chosen in town.focus_topics:
                values[f"topic-{chosen.focus_topic_id}"] = "on"
                values[f"priority-{chosen.focus_topic_id}"] = str(chosen.priority)
                values[f"note-{chosen.focus_topic_id}"] = chosen.note
        context = {"town": town, "topics": topics, "values": values, "errors": errors or {}, "priorities": PRIORITIES}
        return render(request, "network/town_topics.html", context, status_code=422 if errors else 200)

    @get("/staedte/{town_id:str}/schwerpunkte", name="town_topics", guards=[allowed(Action.edit_town_topics)])
    async def topics_form(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], town_id: FromPath[str]
    ) -> Response[Any]:
        town = await service.get_town(db, signed_in(request), town_id)
        require(signed_in(request), Action.edit_town_topics, town.network_id)
        return await self._topics_page(request, db, town)

    @post("/staedte/{town_id:str}/schwerpunkte", name="town_topics_save", guards=[allowed(Action.edit_town_topics)])
    async def topics_save(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], town_id: FromPath[str]
    ) -> Response[Any]:
        account = signed_in(request)
        town = await service.get_town(db, account, town_id)
        require(account, Action.edit_town_topics, town.network_id)
        form = await request.form()
        data = {key: str(value) for key, value in form.items() if key != "_csrf_token"}
        chosen_ids = [str(value) for value in form.getall("topic")] if "topic" in form else []
        known = {str(topic.id): topic for topic in await service.topics_of(db, town.network_id)}
        errors: dict[str, Message] = {}
        choices: list[TownTopicChoice] = []
        for raw in chosen_ids:
            if raw not in known:
                errors["_"] = _("Unbekanntes Schwerpunktthema.")
                continue
            fields = {
                "focus_topic_id": raw,
                "priority": data.get(f"priority-{raw}", "1"),
                "note": data.get(f"note-{raw}", ""),
            }
            try:
                choices.append(validate(TownTopicChoice, fields))
            except Invalid as error:
                for key, message in error.errors.items():
                    errors[f"{key}-{raw}"] = message
        values = {**data, **{f"topic-{raw}": "on" for raw in chosen_ids}}
        if errors:
            return await self._topics_page(request, db, town, values, errors)
        await service.set_town_topics(db, town, choices)
        return Redirect(f"/staedte/{town.id}?ok=gespeichert", status_code=303)

    # --- a town's Kernteam (coaches and admins) ------------------------------------------------------------

    async def _kernteam_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        town: Town,
        values: dict[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> Response[Any]:
        context = {
            "town": town,
            "values": values or {},
            "errors": errors or {},
            "roles": KERNTEAM_ROLE_LABELS,
            "accounts": await service.kernteam_accounts(db, town.network_id),
        }
        return render(request, "network/kernteam.html", context, status_code=422 if errors else 200)

    async def _member(
        self, request: Request[Any, Any, Any], db: AsyncSession, town_id: str, member_id: str
    ) -> tuple[Town, KernteamMember]:
        """A member of this town's Kernteam (another town's member is not found here)."""
        town = await service.get_town(db, signed_in(request), town_id)
        member = await service.get_member(
            db, await service.get_network(db, signed_in(request), town.network_id), member_id
        )
        if member.town_id != town.id:
            raise NotFound(_("Nicht gefunden."))
        return town, member

    @get("/staedte/{town_id:str}/kernteam", name="kernteam", guards=[allowed(Action.manage_kernteam)])
    async def kernteam(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], town_id: FromPath[str]
    ) -> Response[Any]:
        town = await service.get_town(db, signed_in(request), town_id)
        return await self._kernteam_page(request, db, town)

    @post("/staedte/{town_id:str}/kernteam", name="kernteam_add", guards=[allowed(Action.manage_kernteam)])
    async def kernteam_add(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], town_id: FromPath[str]
    ) -> Response[Any]:
        town = await service.get_town(db, signed_in(request), town_id)
        data = await form_data(request)
        try:
            form = validate(KernteamForm, data)
        except Invalid as error:
            return await self._kernteam_page(request, db, town, data, error.errors)
        await service.add_kernteam_member(db, town, form.member_name, form.member_role, form.member_organisation)
        return Redirect(f"/staedte/{town.id}/kernteam?ok=gespeichert", status_code=303)

    @post(
        "/staedte/{town_id:str}/kernteam/{member_id:str}/konto",
        name="kernteam_link",
        guards=[allowed(Action.manage_kernteam)],
        status_code=303,
    )
    async def kernteam_link(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        town_id: FromPath[str],
        member_id: FromPath[str],
    ) -> Response[Any]:
        town, member = await self._member(request, db, town_id, member_id)
        data = await form_data(request)
        account_id = str(data.get("account_id", ""))[:40]
        linked_before = member.account_id
        try:
            await service.link_kernteam_account(db, town, member, account_id, field=f"account-{member.id}")
        except Invalid as error:  # refused before anything changed
            return await self._kernteam_page(request, db, town, {f"account-{member.id}": account_id}, error.errors)
        if linked_before != member.account_id:  # both accounts' towns changed: their sockets reconnect anew
            for changed in {linked_before, member.account_id} - {None}:
                UnitOfWork.of(db).after_commit(
                    partial(announce_account_changed, request.app.state.channels, str(changed))
                )
        return Redirect(f"/staedte/{town.id}/kernteam?ok=gespeichert", status_code=303)

    @post(
        "/staedte/{town_id:str}/kernteam/{member_id:str}/entfernen",
        name="kernteam_remove",
        guards=[allowed(Action.manage_kernteam)],
        status_code=303,
    )
    async def kernteam_remove(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        town_id: FromPath[str],
        member_id: FromPath[str],
    ) -> Redirect:
        town, member = await self._member(request, db, town_id, member_id)
        linked = member.account_id
        await service.remove_kernteam_member(db, member)
        if linked is not None:  # the account left the town's Kernteam: its sockets reconnect with the new rights
            UnitOfWork.of(db).after_commit(partial(announce_account_changed, request.app.state.channels, str(linked)))
        return Redirect(f"/staedte/{town.id}/kernteam?ok=entfernt", status_code=303)


class AdminController(Controller):
    """/verwaltung: towns, focus topics, target groups, accounts and invitations of a network."""

    path = "/verwaltung"
    include_in_schema = False
    exception_handlers = HTML_EXCEPTION_HANDLERS

    async def _network(
        self, request: Request[Any, Any, Any], db: AsyncSession, network_id: str, action: Action
    ) -> Network:
        account = signed_in(request)
        network = await service.get_network(db, account, network_id)
        require(account, action, network.id)
        return network

    async def _network_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        network: Network,
        values: dict[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> Response[Any]:
        context = {
            "network": network,
            "towns": await service.towns_of(db, network.id),
            "topics": await service.topics_of(db, network.id),
            "groups": await service.groups_of(db, network.id),
            "values": values or {},
            "errors": errors or {},
        }
        return render(request, "network/admin/network.html", context, status_code=422 if errors else 200)

    @get("/", name="admin", guards=[allowed(Action.manage_town)])
    async def index(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        account = signed_in(request)
        if account.role != Role.admin and account.network_id is not None:
            return Redirect(f"/verwaltung/{account.network_id}", status_code=303)
        networks = await service.visible_networks(db, account)
        return render(request, "network/admin/index.html", {"networks": networks})

    @post("/netzwerke", name="admin_network_create", guards=[allowed(Action.create_network)])
    async def create_network(self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]) -> Response[Any]:
        account = signed_in(request)
        data = await form_data(request)
        try:
            form = validate(NameForm, {"name": data.get("network_name", "")})
            network = await service.create_network(db, form.name, field="network_name")
        except Invalid as error:
            errors = {("network_name" if key == "name" else key): value for key, value in error.errors.items()}
            networks = await service.visible_networks(db, account)
            context = {"networks": networks, "values": data, "errors": errors}
            return render(request, "network/admin/index.html", context, status_code=422)
        return Redirect(f"/verwaltung/{network.id}?ok=angelegt", status_code=303)

    @get("/{network_id:str}", name="admin_network", guards=[allowed(Action.manage_town)])
    async def network(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], network_id: FromPath[str]
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_town)
        return await self._network_page(request, db, network)

    # --- towns ---------------------------------------------------------------------------------------

    @post("/{network_id:str}/staedte", name="admin_town_create", guards=[allowed(Action.manage_town)])
    async def town_create(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], network_id: FromPath[str]
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_town)
        data = await form_data(request)
        try:
            form = validate(NameForm, {"name": data.get("town_name", "")})
            town = await service.create_town(db, network, form.name, field="town_name")
        except Invalid as error:
            errors = {("town_name" if key == "name" else key): value for key, value in error.errors.items()}
            return await self._network_page(request, db, network, data, errors)
        return Redirect(f"/verwaltung/{network.id}/staedte/{town.id}?ok=angelegt", status_code=303)

    async def _town_page(
        self,
        request: Request[Any, Any, Any],
        network: Network,
        town: Town,
        values: dict[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        logo_errors: Mapping[str, str] | None = None,
    ) -> Response[Any]:
        settings = settings_of(request)
        context = {
            "network": network,
            "town": town,
            "values": values or {"name": town.name, "description": town.description},
            "errors": errors or {},
            "town_logo": logo_url(settings, town.id) if town_logo_path(settings, town.id) else None,
            "logo_errors": logo_errors or {},
        }
        failed = errors or logo_errors
        return render(request, "network/admin/town.html", context, status_code=422 if failed else 200)

    async def _town(
        self, request: Request[Any, Any, Any], db: AsyncSession, network_id: str, town_id: str
    ) -> tuple[Network, Town]:
        network = await self._network(request, db, network_id, Action.manage_town)
        town = await service.get_town(db, signed_in(request), town_id)
        if town.network_id != network.id:
            raise NotFound(_("Diese Stadt gibt es nicht."))
        return network, town

    @get("/{network_id:str}/staedte/{town_id:str}", name="admin_town", guards=[allowed(Action.manage_town)])
    async def town(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        town_id: FromPath[str],
    ) -> Response[Any]:
        network, town = await self._town(request, db, network_id, town_id)
        return await self._town_page(request, network, town)

    @post("/{network_id:str}/staedte/{town_id:str}", name="admin_town_save", guards=[allowed(Action.manage_town)])
    async def town_save(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        town_id: FromPath[str],
    ) -> Response[Any]:
        network, town = await self._town(request, db, network_id, town_id)
        data = await form_data(request)
        try:
            form = validate(TownForm, data)
            await service.update_town(db, town, form.name, form.description)
        except Invalid as error:
            await UnitOfWork.of(db).rollback()  # a lost race on the unique name: reload what the rollback expired
            network, town = await self._town(request, db, network_id, town_id)
            return await self._town_page(request, network, town, data, error.errors)
        return Redirect(f"/verwaltung/{network.id}/staedte/{town.id}?ok=gespeichert", status_code=303)

    @post("/{network_id:str}/staedte/{town_id:str}/logo", name="admin_town_logo", guards=[allowed(Action.manage_town)])
    async def town_logo(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        town_id: FromPath[str],
    ) -> Response[Any]:
        """The town's logo for its posters and protocols: PNG or JPEG, at most 1 MB, checked before it is stored."""
        network, town = await self._town(request, db, network_id, town_id)
        form = await request.form()
        upload = form.get("logo")
        content = await upload.read(MAX_UPLOAD + 1) if upload is not None and hasattr(upload, "read") else b""
        try:
            save_town_logo(settings_of(request), town.id, content)
        except Invalid as error:
            return await self._town_page(request, network, town, logo_errors=error.errors)
        return Redirect(f"/verwaltung/{network.id}/staedte/{town.id}?ok=logo", status_code=303)

    @post(
        "/{network_id:str}/staedte/{town_id:str}/logo/entfernen",
        name="admin_town_logo_remove",
        guards=[allowed(Action.manage_town)],
        status_code=303,
    )
    async def town_logo_remove(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        town_id: FromPath[str],
    ) -> Redirect:
        network, town = await self._town(request, db, network_id, town_id)
        remove_town_logo(settings_of(request), town.id)
        return Redirect(f"/verwaltung/{network.id}/staedte/{town.id}?ok=logo-entfernt", status_code=303)

    @post(
        "/{network_id:str}/staedte/{town_id:str}/loeschen",
        name="admin_town_delete",
        guards=[allowed(Action.manage_town)],
        status_code=303,
    )
    async def town_delete(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        town_id: FromPath[str],
    ) -> Redirect:
        network, town = await self._town(request, db, network_id, town_id)
        await service.delete_town(db, town)
        return Redirect(f"/verwaltung/{network.id}?ok=geloescht", status_code=303)

    # --- focus topics and target groups --------------------------------------------------------------------

    @post("/{network_id:str}/schwerpunkte", name="admin_topic_create", guards=[allowed(Action.manage_taxonomy)])
    async def topic_create(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], network_id: FromPath[str]
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_taxonomy)
        data = await form_data(request)
        try:
            form = validate(NameForm, {"name": data.get("topic_name", "")})
            await service.create_focus_topic(db, network, form.name, field="topic_name")
        except Invalid as error:
            errors = {("topic_name" if key == "name" else key): value for key, value in error.errors.items()}
            return await self._network_page(request, db, network, data, errors)
        return Redirect(f"/verwaltung/{network.id}?ok=angelegt#schwerpunkte", status_code=303)

    @post("/{network_id:str}/zielgruppen", name="admin_group_create", guards=[allowed(Action.manage_taxonomy)])
    async def group_create(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], network_id: FromPath[str]
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_taxonomy)
        data = await form_data(request)
        try:
            form = validate(NameForm, {"name": data.get("group_name", "")})
            await service.create_target_group(db, network, form.name, field="group_name")
        except Invalid as error:
            errors = {("group_name" if key == "name" else key): value for key, value in error.errors.items()}
            return await self._network_page(request, db, network, data, errors)
        return Redirect(f"/verwaltung/{network.id}?ok=angelegt#zielgruppen", status_code=303)

    async def _rename_page(
        self,
        request: Request[Any, Any, Any],
        network: Network,
        kind: str,
        item: Any,
        values: dict[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> Response[Any]:
        context = {
            "network": network,
            "kind": kind,
            "item": item,
            "values": values or {"name": item.name},
            "errors": errors or {},
        }
        return render(request, "network/admin/rename.html", context, status_code=422 if errors else 200)

    async def _item(self, db: AsyncSession, network: Network, kind: str, item_id: str) -> Any:
        if kind == "schwerpunkte":
            return await service.get_topic(db, network, item_id)
        if kind == "zielgruppen":
            return await service.get_group(db, network, item_id)
        from werkstatt.errors import NotFound

        raise NotFound(_("Nicht gefunden."))

    async def _item_form(
        self, request: Request[Any, Any, Any], db: AsyncSession, network_id: str, kind: str, item_id: str
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_taxonomy)
        item = await self._item(db, network, kind, item_id)
        return await self._rename_page(request, network, kind, item)

    async def _item_save(
        self, request: Request[Any, Any, Any], db: AsyncSession, network_id: str, kind: str, item_id: str
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_taxonomy)
        item = await self._item(db, network, kind, item_id)
        data = await form_data(request)
        try:
            form = validate(NameForm, data)
            if kind == "schwerpunkte":
                await service.rename_focus_topic(db, item, form.name)
            else:
                await service.rename_target_group(db, item, form.name)
        except Invalid as error:
            await UnitOfWork.of(db).rollback()  # a lost race on the unique name: reload what the rollback expired
            network = await self._network(request, db, network_id, Action.manage_taxonomy)
            item = await self._item(db, network, kind, item_id)
            return await self._rename_page(request, network, kind, item, data, error.errors)
        return Redirect(f"/verwaltung/{network.id}?ok=gespeichert#{kind}", status_code=303)

    async def _item_delete(
        self, request: Request[Any, Any, Any], db: AsyncSession, network_id: str, kind: str, item_id: str
    ) -> Redirect:
        network = await self._network(request, db, network_id, Action.manage_taxonomy)
        item = await self._item(db, network, kind, item_id)
        if kind == "schwerpunkte":
            await service.delete_focus_topic(db, item)
        else:
            await service.delete_target_group(db, item)
        return Redirect(f"/verwaltung/{network.id}?ok=geloescht#{kind}", status_code=303)

    @get("/{network_id:str}/schwerpunkte/{item_id:str}", name="admin_topic", guards=[allowed(Action.manage_taxonomy)])
    async def topic(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        item_id: FromPath[str],
    ) -> Response[Any]:
        return await self._item_form(request, db, network_id, "schwerpunkte", item_id)

    @post(
        "/{network_id:str}/schwerpunkte/{item_id:str}",
        name="admin_topic_save",
        guards=[allowed(Action.manage_taxonomy)],
    )
    async def topic_save(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        item_id: FromPath[str],
    ) -> Response[Any]:
        return await self._item_save(request, db, network_id, "schwerpunkte", item_id)

    @post(
        "/{network_id:str}/schwerpunkte/{item_id:str}/loeschen",
        name="admin_topic_delete",
        guards=[allowed(Action.manage_taxonomy)],
        status_code=303,
    )
    async def topic_delete(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        item_id: FromPath[str],
    ) -> Redirect:
        return await self._item_delete(request, db, network_id, "schwerpunkte", item_id)

    @get("/{network_id:str}/zielgruppen/{item_id:str}", name="admin_group", guards=[allowed(Action.manage_taxonomy)])
    async def group(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        item_id: FromPath[str],
    ) -> Response[Any]:
        return await self._item_form(request, db, network_id, "zielgruppen", item_id)

    @post(
        "/{network_id:str}/zielgruppen/{item_id:str}", name="admin_group_save", guards=[allowed(Action.manage_taxonomy)]
    )
    async def group_save(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        item_id: FromPath[str],
    ) -> Response[Any]:
        return await self._item_save(request, db, network_id, "zielgruppen", item_id)

    @post(
        "/{network_id:str}/zielgruppen/{item_id:str}/loeschen",
        name="admin_group_delete",
        guards=[allowed(Action.manage_taxonomy)],
        status_code=303,
    )
    async def group_delete(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        item_id: FromPath[str],
    ) -> Redirect:
        return await self._item_delete(request, db, network_id, "zielgruppen", item_id)

    # --- accounts and invitations ----------------------------------------------------------------------------

    async def _accounts_page(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        network: Network,
        *,
        values: dict[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        link: str | None = None,
        link_kind: str | None = None,
        mailed: bool = False,
        status_code: int = 200,
    ) -> Response[Any]:
        context = {
            "network": network,
            "accounts": await service.accounts_of(db, network.id),
            "invitations": await service.open_invitations(db, network.id),
            "values": values or {"role": "coach"},
            "errors": errors or {},
            "link": link,
            "link_kind": link_kind,
            "mailed": mailed,
            "me": signed_in(request),
        }
        return render(request, "network/admin/accounts.html", context, status_code=422 if errors else status_code)

    @get("/{network_id:str}/konten", name="admin_accounts", guards=[allowed(Action.manage_accounts)])
    async def accounts(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], network_id: FromPath[str]
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_accounts)
        return await self._accounts_page(request, db, network)

    @post("/{network_id:str}/einladungen", name="admin_invite", guards=[allowed(Action.manage_accounts)])
    async def invite(
        self, request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], network_id: FromPath[str]
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_accounts)
        data = await form_data(request)
        try:
            form = validate(InviteForm, data)
            link, mailed = await auth.invite(
                db,
                settings_of(request),
                signed_in(request),
                network,
                form.email,
                Role(form.role),
                form.display_name,
                base_url(request),
            )
        except Invalid as error:
            return await self._accounts_page(request, db, network, values=data, errors=error.errors)
        return await self._accounts_page(
            request, db, network, link=link, link_kind="invitation", mailed=mailed, status_code=201
        )

    @post(
        "/{network_id:str}/einladungen/{invitation_id:str}/widerrufen",
        name="admin_invitation_revoke",
        guards=[allowed(Action.manage_accounts)],
        status_code=303,
    )
    async def revoke_invitation(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        invitation_id: FromPath[str],
    ) -> Redirect:
        network = await self._network(request, db, network_id, Action.manage_accounts)
        await auth.revoke_invitation(db, network, service.parse_id(invitation_id))
        return Redirect(f"/verwaltung/{network.id}/konten?ok=widerrufen", status_code=303)

    @post(
        "/{network_id:str}/konten/{account_id:str}/rolle", name="admin_role", guards=[allowed(Action.manage_accounts)]
    )
    async def change_role(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        account_id: FromPath[str],
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_accounts)
        target = await service.get_account_in(db, network, account_id)
        data = await form_data(request)
        try:
            form = validate(RoleForm, data)
            own = await service.change_role(db, signed_in(request), target, Role(form.role))
        except Invalid as error:
            return await self._accounts_page(request, db, network, errors=error.errors)
        announce_sessions_ended(request.app.state.channels, db)
        UnitOfWork.of(db).after_commit(partial(announce_account_changed, request.app.state.channels, str(target.id)))
        if own:
            # The actor changed their own role: their session ended with the others; give them a fresh id.
            _token, cookie = await open_session(db, settings_of(request), previous=None, account_id=target.id)
            return Redirect("/netzwerk?ok=rolle", status_code=303, cookies=[cookie])
        return Redirect(f"/verwaltung/{network.id}/konten?ok=gespeichert", status_code=303)

    @post(
        "/{network_id:str}/konten/{account_id:str}/aktiv", name="admin_active", guards=[allowed(Action.manage_accounts)]
    )
    async def set_active(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        account_id: FromPath[str],
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_accounts)
        target = await service.get_account_in(db, network, account_id)
        data = await form_data(request)
        try:
            await service.set_active(db, signed_in(request), target, data.get("active") == "1")
        except Invalid as error:
            return await self._accounts_page(request, db, network, errors=error.errors)
        announce_sessions_ended(request.app.state.channels, db)
        UnitOfWork.of(db).after_commit(partial(announce_account_changed, request.app.state.channels, str(target.id)))
        return Redirect(f"/verwaltung/{network.id}/konten?ok=gespeichert", status_code=303)

    @post(
        "/{network_id:str}/konten/{account_id:str}/passwort-link",
        name="admin_reset_link",
        guards=[allowed(Action.manage_accounts)],
        status_code=201,
    )
    async def reset_link(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[AsyncSession],
        network_id: FromPath[str],
        account_id: FromPath[str],
    ) -> Response[Any]:
        network = await self._network(request, db, network_id, Action.manage_accounts)
        target = await service.get_account_in(db, network, account_id)
        link = await auth.create_reset_link(db, target, base_url(request))
        return await self._accounts_page(request, db, network, link=link, link_kind="reset", status_code=201)
