"""Fixtures of the sharing tests."""

from tests.sharing.peer_pair import pair  # noqa: F401  # two connected national instances
