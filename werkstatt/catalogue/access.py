"""Who may see and change which cards (kept in this domain on purpose: small and obvious).

- Anyone, signed in or not, browses shipped cards and cards a network shared.
- A network's own network-only cards are visible to its members and to instance admins; to everyone else
  they do not exist (404).
- Coaches and network admins create, edit and fork cards of their own network; instance admins may edit
  every network's cards. Shipped cards change only through `methods/` (fork them instead).
- Coaches, network admins and admins rate methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import or_

from werkstatt.catalogue.models import Method, Origin, Visibility
from werkstatt.errors import Forbidden, Unauthenticated
from werkstatt.i18n import _

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from werkstatt.sessions import CurrentAccount

EDITOR_ROLES = frozenset({"coach", "network_admin"})
RATER_ROLES = frozenset({"coach", "network_admin", "admin"})


@dataclass(frozen=True)
class Viewer:
    """The part of the signed-in account that decides what the catalogue shows."""

    account_id: UUID | None = None
    role: str | None = None
    network_id: UUID | None = None
    display_name: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_create(self) -> bool:
        return self.role in EDITOR_ROLES and self.network_id is not None

    @property
    def can_rate(self) -> bool:
        return self.role in RATER_ROLES

    def can_see(self, method: Method) -> bool:
        if method.origin == Origin.shipped or method.visibility == Visibility.shared:
            return True
        return self.is_admin or (self.network_id is not None and method.network_id == self.network_id)

    def can_edit(self, method: Method) -> bool:
        if method.origin != Origin.network:
            return False
        if self.is_admin:
            return True
        return self.role in EDITOR_ROLES and self.network_id is not None and method.network_id == self.network_id

    def visible_clause(self) -> ColumnElement[bool]:
        if self.is_admin:
            return Method.id.is_not(None)
        clauses: list[ColumnElement[bool]] = [Method.origin == Origin.shipped, Method.visibility == Visibility.shared]
        if self.network_id is not None:
            clauses.append(Method.network_id == self.network_id)
        return or_(*clauses)


ANONYMOUS = Viewer()


def viewer_of(account: CurrentAccount | None) -> Viewer:
    if account is None:
        return ANONYMOUS
    return Viewer(account.id, account.role, account.network_id, account.display_name)


def viewer_from_scope(scope: Any) -> Viewer:
    state = scope.get("state", {}) if isinstance(scope, dict) else {}
    return viewer_of(state.get("account"))


def require_creator(viewer: Viewer) -> UUID:
    if viewer.account_id is None:
        raise Unauthenticated(_("Bitte melden Sie sich an, um Methodenkarten anzulegen."))
    if not viewer.can_create or viewer.network_id is None:
        raise Forbidden(_("Methodenkarten anlegen können Coaches und Netzwerk-Admins eines Netzwerks."))
    return viewer.network_id


def require_editor(viewer: Viewer, method: Method) -> None:
    if viewer.account_id is None:
        raise Unauthenticated(_("Bitte melden Sie sich an, um Methodenkarten zu bearbeiten."))
    if not viewer.can_edit(method):
        raise Forbidden(_("Diese Methodenkarte können Sie nicht bearbeiten. Legen Sie stattdessen eine Variante an."))


def require_rater(viewer: Viewer) -> None:
    if viewer.account_id is None:
        raise Unauthenticated(_("Bitte melden Sie sich an, um eine Methode zu bewerten."))
    if not viewer.can_rate:
        raise Forbidden(_("Methoden bewerten können Coaches und Netzwerk-Admins."))
