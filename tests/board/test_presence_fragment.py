"""Presence ("3 verbunden") goes to the boards that show it: participants and the coach, not the projector."""

from __future__ import annotations

from werkstatt.board.fragments import render_presence
from werkstatt.live.visibility import Viewer

SUMMARY = {"connected": 3, "by_target_group": {"": 3}, "group_names": {}}


def test_presence_goes_to_boards_with_a_presence_box_only() -> None:
    for role in ("participant", "coach"):
        fragment = render_presence(SUMMARY, Viewer("w", role, "p"))
        assert fragment is not None and 'id="presence"' in fragment and "3" in fragment
    assert render_presence(SUMMARY, Viewer("w", "projector", None)) is None  # the projector has no #presence
