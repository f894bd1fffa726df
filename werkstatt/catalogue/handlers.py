"""Route handlers of the catalogue domain (discovered by werkstatt.app)."""

from __future__ import annotations

from werkstatt.catalogue.api import MethodsApiController
from werkstatt.catalogue.routes import CatalogueController

HANDLERS = [CatalogueController, MethodsApiController]
