"""The organisation's route handlers, collected by app.py."""

from __future__ import annotations

from typing import Any

from werkstatt.network.api import NetworkApi
from werkstatt.network.auth_routes import AuthController, ProfileController
from werkstatt.network.routes import AdminController, NetworkController

HANDLERS: list[Any] = [AuthController, ProfileController, NetworkController, AdminController, NetworkApi]
