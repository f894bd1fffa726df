"""Who may take the workshop's result home as a file: the result page shows the links, export serves them."""

from __future__ import annotations

from werkstatt.board.common import network_reader
from werkstatt.workshops.service import Actor


def may_export(actor: Actor) -> bool:
    """The coach, and once the workshop is closed every member of its network; never a guest as such."""
    return actor.is_coach or network_reader(actor.account, actor.workshop)
