"""The one permission table: role × action × object kind. Every guard (HTML routes, JSON API and, later,
websocket messages) asks `can()` / `require()` here; nothing else decides who may do what.

Three rules sit on top of the table:
- Networks are isolated. An object of another network is answered with 404 ("not found"), never 403, so
  nobody learns that it exists. Only the instance admin (`admin`) works across networks.
- Anonymous visitors get 401 (the HTML pages send them to the login page).
- The scope column: `network` actions reach every object of the account's network; `town` actions reach, for
  a Kernteam account, only objects of the towns whose Kernteam the account belongs to (a Kernteam member linked
  to the account, see `network.service.link_kernteam_account`). Another town of the same network answers 403
  with a German message; coaches and admins keep the whole network.

| action               | object kind      | anonymous | kernteam | coach | network_admin | admin | scope   |
|----------------------|------------------|-----------|----------|-------|---------------|-------|---------|
| view_methods         | method           | ✓         | ✓        | ✓     | ✓             | ✓     | network |
| edit_profile         | profile          |           | ✓        | ✓     | ✓             | ✓     | network |
| view_network         | network          |           | ✓        | ✓     | ✓             | ✓     | network |
| create_network       | network          |           |          |       |               | ✓     | network |
| view_town            | town             |           | ✓        | ✓     | ✓             | ✓     | network |
| edit_town_topics     | town             |           |          | ✓     | ✓             | ✓     | network |
| manage_kernteam      | kernteam_member  |           |          | ✓     | ✓             | ✓     | network |
| manage_town          | town             |           |          |       | ✓             | ✓     | network |
| manage_taxonomy      | focus_topic      |           |          |       | ✓             | ✓     | network |
| manage_accounts      | account          |           |          |       | ✓             | ✓     | network |
| view_workshop        | workshop         |           | ✓        | ✓     | ✓             | ✓     | network |
| contribute_ideas     | idea             |           | ✓        | ✓     | ✓             | ✓     | town    |
| plan_workshop        | workshop         |           |          | ✓     | ✓             | ✓     | network |
| run_workshop         | workshop         |           |          | ✓     | ✓             | ✓     | network |
| rate_method          | method           |           |          | ✓     | ✓             | ✓     | network |
| edit_network_method  | method           |           |          | ✓     | ✓             | ✓     | network |
| curate_catalogue     | method           |           |          |       | ✓             | ✓     | network |
| own_project_idea     | project_idea     |           | ✓        | ✓     | ✓             | ✓     | town    |
| adopt_idea           | project_idea     |           | ✓        | ✓     | ✓             | ✓     | town    |

`tests/network/test_permissions.py` fails when this table and `PERMISSIONS` drift apart, and drives every cell
of the organisation actions over HTTP pages and the JSON API. Later domains guard their routes with
`allowed(Action.x)` (role may do it at all) and `require(account, Action.x, object.network_id)` once the object
is loaded (404 for another network), `require(account, Action.x, object.network_id, town_id=object.town_id)` for
a town-scoped action (403 for another town), or ask `can()` to show or hide a control."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from werkstatt.errors import Forbidden, NotFound, Unauthenticated
from werkstatt.i18n import _
from werkstatt.network.models import Role

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler

    from werkstatt.sessions import CurrentAccount

ANONYMOUS = "anonymous"
ROLES: tuple[str, ...] = (ANONYMOUS, Role.kernteam, Role.coach, Role.network_admin, Role.admin)


class Action(StrEnum):
    view_methods = "view_methods"
    edit_profile = "edit_profile"
    view_network = "view_network"
    create_network = "create_network"
    view_town = "view_town"
    edit_town_topics = "edit_town_topics"
    manage_kernteam = "manage_kernteam"
    manage_town = "manage_town"
    manage_taxonomy = "manage_taxonomy"
    manage_accounts = "manage_accounts"
    view_workshop = "view_workshop"
    contribute_ideas = "contribute_ideas"
    plan_workshop = "plan_workshop"
    run_workshop = "run_workshop"
    rate_method = "rate_method"
    edit_network_method = "edit_network_method"
    curate_catalogue = "curate_catalogue"
    own_project_idea = "own_project_idea"
    adopt_idea = "adopt_idea"


class Scope(StrEnum):
    """How far an allowed action reaches for a Kernteam account (coaches and admins: always the network)."""

    network = "network"
    town = "town"


@dataclass(frozen=True)
class Rule:
    kind: str
    roles: frozenset[str]
    scope: Scope = Scope.network


_MEMBERS = frozenset({Role.kernteam, Role.coach, Role.network_admin, Role.admin})
_COACHES = frozenset({Role.coach, Role.network_admin, Role.admin})
_ADMINS = frozenset({Role.network_admin, Role.admin})

PERMISSIONS: dict[Action, Rule] = {
    Action.view_methods: Rule("method", frozenset({ANONYMOUS, *_MEMBERS})),
    Action.edit_profile: Rule("profile", _MEMBERS),
    Action.view_network: Rule("network", _MEMBERS),
    Action.create_network: Rule("network", frozenset({Role.admin})),
    Action.view_town: Rule("town", _MEMBERS),
    Action.edit_town_topics: Rule("town", _COACHES),
    Action.manage_kernteam: Rule("kernteam_member", _COACHES),
    Action.manage_town: Rule("town", _ADMINS),
    Action.manage_taxonomy: Rule("focus_topic", _ADMINS),
    Action.manage_accounts: Rule("account", _ADMINS),
    Action.view_workshop: Rule("workshop", _MEMBERS),
    Action.contribute_ideas: Rule("idea", _MEMBERS, Scope.town),
    Action.plan_workshop: Rule("workshop", _COACHES),
    Action.run_workshop: Rule("workshop", _COACHES),
    Action.rate_method: Rule("method", _COACHES),
    Action.edit_network_method: Rule("method", _COACHES),
    Action.curate_catalogue: Rule("method", _ADMINS),
    Action.own_project_idea: Rule("project_idea", _MEMBERS, Scope.town),
    Action.adopt_idea: Rule("project_idea", _MEMBERS, Scope.town),
}


def role_of(account: CurrentAccount | None) -> str:
    return account.role if account is not None else ANONYMOUS


def role_may(role: str, action: Action) -> bool:
    return role in PERMISSIONS[action].roles


def in_network(account: CurrentAccount | None, network_id: UUID | None) -> bool:
    """Networks are isolated: only the instance admin sees every network."""
    if account is None:
        return False
    if account.role == Role.admin:
        return True
    return network_id is not None and account.network_id == network_id


def in_town(account: CurrentAccount | None, action: Action, town_id: UUID | None) -> bool:
    """The town scope: a Kernteam account reaches a town-scoped action's objects only in its own towns."""
    if town_id is None or PERMISSIONS[action].scope is Scope.network:
        return True
    if account is None or account.role != Role.kernteam:
        return account is not None
    return town_id in account.town_ids


def can(
    account: CurrentAccount | None, action: Action, network_id: UUID | None = None, *, town_id: UUID | None = None
) -> bool:
    """May `account` do `action` (on an object of `network_id` and `town_id`, when the object belongs to a
    network or a town)?"""
    if not role_may(role_of(account), action):
        return False
    if role_of(account) == ANONYMOUS:
        return True
    if network_id is not None and not in_network(account, network_id):
        return False
    return in_town(account, action, town_id)


def require(
    account: CurrentAccount | None, action: Action, network_id: UUID | None = None, *, town_id: UUID | None = None
) -> CurrentAccount:
    """`can()` as an exception for actions on an account's objects: 401 anonymous, 404 another network's
    object, 403 a role without the right, 403 another town's object for a town-scoped action."""
    if account is None:
        raise Unauthenticated(_("Bitte melden Sie sich an."))
    if network_id is not None and not in_network(account, network_id):
        raise NotFound(_("Nicht gefunden."))
    if not role_may(account.role, action):
        raise Forbidden(_("Diese Aktion ist für Ihre Rolle nicht freigegeben."))
    if not in_town(account, action, town_id):
        raise Forbidden(_("Das dürfen nur Mitglieder des Kernteams dieser Stadt."))
    return account


def require_network(account: CurrentAccount | None, network_id: UUID | None) -> None:
    """404 unless the object's network is the account's (or the account is the instance admin)."""
    if not in_network(account, network_id):
        raise NotFound(_("Nicht gefunden."))


def current_account(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentAccount | None:
    account: CurrentAccount | None = connection.scope.get("state", {}).get("account")
    return account


def allowed(action: Action) -> Any:
    """A Litestar guard: the role must hold `action` somewhere. The object's network is checked in the handler
    (once the object is loaded), so that another network's ids answer 404."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        account = current_account(connection)
        if account is None and not role_may(ANONYMOUS, action):
            raise Unauthenticated(_("Bitte melden Sie sich an."))
        if not role_may(role_of(account), action):
            raise Forbidden(_("Diese Aktion ist für Ihre Rolle nicht freigegeben."))

    guard.__name__ = f"allowed_{action.value}"
    return guard
