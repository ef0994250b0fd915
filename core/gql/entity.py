"""The interface every record type of every module implements."""

from __future__ import annotations

from typing import ClassVar

import strawberry
from strawberry import relay


@strawberry.interface(
    description="A record of any module: addressable through `node(id)` and linkable to others."
)
class Entity(relay.Node):
    # Set by each implementing type; ClassVar keeps it out of the GraphQL fields.
    owner_module: ClassVar[str] = ""

    @strawberry.field(description="The entity type, e.g. `Seizure`; stable across versions.")
    def entity_type(self) -> str:
        return type(self).__strawberry_definition__.name

    @strawberry.field(description="The module that owns the record.")
    def module(self) -> str:
        return self.owner_module
