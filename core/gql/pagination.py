"""Server-side page size for the `first` argument of module list fields and connections.

Strawberry's own `ListConnection` refuses a `first` above `relay_max_results` with a plain
ValueError, which the client would only see as a masked internal error; fields that take a
`first` themselves use `clamp_first`, so a large `first` simply gets the largest page.
"""

from __future__ import annotations

from core.config import GraphQLSettings
from core.gql.errors import InputError


def clamp_first(first: int | None, settings: GraphQLSettings) -> int:
    """The page size to use: `first` capped at `max_page_size`, the maximum when omitted."""
    if first is None:
        return settings.max_page_size
    if first < 0:
        raise InputError("must not be negative", field="first")
    return min(first, settings.max_page_size)
