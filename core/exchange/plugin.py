"""Data exchange as a core plugin: its tables and its GraphQL fields."""

from __future__ import annotations

from core.exchange.models import MODELS
from core.hookspecs import hookimpl


class CoreExchangePlugin:
    @hookimpl
    def register_models(self) -> list[type]:
        return list(MODELS)
