"""The one permission table: role × action × object kind. Every guard (HTML routes, JSON API and, later,
websocket messages) asks `can()` / `require()` here; nothing else decides who may do what.

Two rules sit on top of the table:
- Networks are isolated. An object of another network is answered with 404 ("not found"), never 403, so
  nobody learns that it exists. Only the instance admin (`admin`) works across networks.
- Anonymous visitors get 401 (the HTML pages send them to the login page).

| action               | object kind      | anonymous | kernteam | coach | network_admin | admin |
|----------------------|------------------|-----------|----------|-------|---------------|-------|
| view_methods         | method           | ✓         | ✓        | ✓     | ✓             | ✓     |
| edit_profile         | profile          |           | ✓        | ✓     | ✓             | ✓     |
| view_network         | network          |           | ✓        | ✓     | ✓             | ✓     |
| create_network       | network          |           |          |       |               | ✓     |
| view_town            | town             |           | ✓        | ✓     | ✓             | ✓     |
| edit_town_topics     | town             |           |          | ✓     | ✓             | ✓     |
| manage_kernteam      | kernteam_member  |           |          | ✓     | ✓             | ✓     |
| manage_town          | town             |           |          |       | ✓             | ✓     |
| manage_taxonomy      | focus_topic      |           |          |       | ✓             | ✓     |
| manage_accounts      | account          |           |          |       | ✓             | ✓     |
| view_workshop        | workshop         |           | ✓        | ✓     | ✓             | ✓     |
| contribute_ideas     | idea             |           | ✓        | ✓     | ✓             | ✓     |
| plan_workshop        | workshop         |           |          | ✓     | ✓             | ✓     |
| run_workshop         | workshop         |           |          | ✓     | ✓             | ✓     |
| rate_method          | method           |           |          | ✓     | ✓             | ✓     |
| edit_network_method  | method           |           |          | ✓     | ✓             | ✓     |
| curate_catalogue     | method           |           |          |       | ✓             | ✓     |
| own_project_idea     | project_idea     |           | ✓        | ✓     | ✓             | ✓     |
| adopt_idea           | project_idea     |           | ✓        | ✓     | ✓             | ✓     |

`tests/network/test_permissions.py` fails when this table and `PERMISSIONS` drift apart, and drives every cell
of the organisation actions over HTTP pages and the JSON API. Later domains guard their routes with
`allowed(Action.x)` (role may do it at all) and `require(account, Action.x, object.network_id)` once the object
is loaded (404 for another network), or ask `can()` to show or hide a control.
"""

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


@dataclass(frozen=True)
class Rule:
    kind: str
    roles: frozenset[str]


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
    Action.contribute_ideas: Rule("idea", _MEMBERS),
    Action.plan_workshop: Rule("workshop", _COACHES),
    Action.run_workshop: Rule("workshop", _COACHES),
    Action.rate_method: Rule("method", _COACHES),
    Action.edit_network_method: Rule("method", _COACHES),
    Action.curate_catalogue: Rule("method", _ADMINS),
    Action.own_project_idea: Rule("project_idea", _MEMBERS),
    Action.adopt_idea: Rule("project_idea", _MEMBERS),
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


def can(account: CurrentAccount | None, action: Action, network_id: UUID | None = None) -> bool:
    """May `account` do `action` (on an object of `network_id`, when the object belongs to a network)?"""
    if not role_may(role_of(account), action):
        return False
    if network_id is None or role_of(account) == ANONYMOUS:
        return True
    return in_network(account, network_id)


def require(account: CurrentAccount | None, action: Action, network_id: UUID | None = None) -> CurrentAccount:
    """`can()` as an exception for actions on an account's objects: 401 anonymous, 404 another network's
    object, 403 a role without the right."""
    if account is None:
        raise Unauthenticated(_("Bitte melden Sie sich an."))
    if network_id is not None and not in_network(account, network_id):
        raise NotFound(_("Nicht gefunden."))
    if not role_may(account.role, action):
        raise Forbidden(_("Diese Aktion ist für Ihre Rolle nicht freigegeben."))
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
