"""The hardening tests reuse the board's live workshop and signed-in coach."""

from tests.board.conftest import coach_client, workshop

__all__ = ["coach_client", "workshop"]
