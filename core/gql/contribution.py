"""What a module hands to the schema through `register_graphql`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class GraphQLContribution:
    """Strawberry classes: `queries` and `mutations` are types whose fields are merged into the
    root Query and Mutation; `types` are extra types (e.g. Entity implementations only reachable
    through `node`)."""

    queries: Sequence[type] = ()
    mutations: Sequence[type] = ()
    types: Sequence[type] = ()
