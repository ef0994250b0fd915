"""The interface every record type of every module implements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry
from strawberry import relay
from strawberry.types import Info
from strawberry.types.base import get_object_definition

from core.gql.resolvers import pure

if TYPE_CHECKING:
    from core.links.schema import LinkNode


@strawberry.interface(
    description="A record of any module: addressable through `node(id)` and linkable to others."
)
class Entity(relay.Node):
    # Set by each implementing type; ClassVar keeps it out of the GraphQL fields.
    owner_module: ClassVar[str] = ""

    @strawberry.field(description="The entity type, e.g. `Seizure`; stable across versions.")
    @pure
    def entity_type(self) -> str:
        return get_object_definition(type(self), strict=True).name

    @strawberry.field(description="The module that owns the record.")
    @pure
    def module(self) -> str:
        return self.owner_module

    @strawberry.field(
        description="Links to records of other modules (or this one); links reaching a module "
        "that is not enabled are hidden, not deleted."
    )
    async def links(
        self,
        info: Info,
        relation: Annotated[
            str | None, strawberry.argument(description="Only this relation, read from here.")
        ] = None,
        entity_type: Annotated[
            str | None, strawberry.argument(description="Only links to this entity type.")
        ] = None,
        first: Annotated[int, strawberry.argument(description="At most this many links.")] = 50,
    ) -> list[Annotated[LinkNode, strawberry.lazy("core.links.schema")]]:
        from core.links.schema import entity_links

        return await entity_links(self, info, relation, entity_type, first)
