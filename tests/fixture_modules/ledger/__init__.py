"""Test module `ledger`: business rows with outbox rows, and an idempotent consumer of them."""
