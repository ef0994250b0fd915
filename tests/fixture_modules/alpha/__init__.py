"""A small in-process module used by core tests: one table, one query, one mutation."""
