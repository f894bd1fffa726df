"""Route handlers of the workshops domain (discovered by werkstatt.app)."""

from __future__ import annotations

from werkstatt.workshops.api import WorkshopsApiController
from werkstatt.workshops.routes import TownWorkshops, WorkshopsController

HANDLERS = [WorkshopsController, TownWorkshops, WorkshopsApiController]
