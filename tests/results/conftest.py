from tests.voting.conftest import Room, coach_client, room, workshop

__all__ = ["Room", "coach_client", "room", "workshop"]
