"""Data exchange: file imports with mappings, bulk upserts, streamed exports and statistics.
Modules declare an `ExchangeType` (`register_exchange_types`); see docs/exchange.md."""

from core.exchange.declaration import Column, Dimension, ExchangeType, Statistics

__all__ = ["Column", "Dimension", "ExchangeType", "Statistics"]
