"""Imports every model so that Alembic and the metadata test see the whole schema.

Each domain keeps its tables in `werkstatt/<domain>/models.py`; listing a domain in `DOMAINS` of app.py and
here is all it takes."""

import importlib

from werkstatt.db import metadata
from werkstatt.idempotency import ApiRequest
from werkstatt.scheduler import ScheduledRun
from werkstatt.sessions import WebSession

MODEL_MODULES = ("network", "catalogue", "workshops", "live", "board", "voting", "results")

for _domain in MODEL_MODULES:
    try:
        importlib.import_module(f"werkstatt.{_domain}.models")
    except ModuleNotFoundError as error:
        if error.name not in {f"werkstatt.{_domain}.models", f"werkstatt.{_domain}"}:
            raise

__all__ = ["ApiRequest", "ScheduledRun", "WebSession", "metadata"]
