"""Imports every model so that Alembic and the metadata test see the whole schema.

Each domain keeps its tables in `werkstatt/<domain>/models.py`; a new domain adds its module here."""

from werkstatt.board import models as board_models
from werkstatt.catalogue import models as catalogue_models
from werkstatt.db import metadata
from werkstatt.idempotency import ApiRequest
from werkstatt.live import models as live_models
from werkstatt.network import models as network_models
from werkstatt.results import models as results_models
from werkstatt.scheduler import ScheduledRun
from werkstatt.sessions import WebSession
from werkstatt.voting import models as voting_models
from werkstatt.workshops import models as workshops_models

MODEL_MODULES = (
    network_models,
    catalogue_models,
    workshops_models,
    live_models,
    board_models,
    voting_models,
    results_models,
)

__all__ = ["MODEL_MODULES", "ApiRequest", "ScheduledRun", "WebSession", "metadata"]
