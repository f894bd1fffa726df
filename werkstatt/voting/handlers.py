"""Routes of voting: the board's vote panel and forms, and the JSON votes API."""

from werkstatt.voting.api import VotingApi
from werkstatt.voting.routes import VotingController

HANDLERS = [VotingController, VotingApi]
