from tests.board.conftest import coach_client, workshop

__all__ = ["coach_client", "workshop"]
