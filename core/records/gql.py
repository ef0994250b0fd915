"""What every record type's GraphQL type shares: the `Record` interface, with its history and
node resolution through the record type's visibility rules. (The `extra` field of extension
values is `core.forms.extension_values_field`.)"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry.types import Info

from core.audit.history import HistoryEntry, record_history
from core.gql.context import Context
from core.gql.entity import Entity
from core.record_ids import record_id


@strawberry.interface(
    description="A record of a module's database, with a version and a history of its life."
)
class Record(Entity):
    @strawberry.field(description="Every step with who and when: creation, edits, transitions.")
    async def history(self, info: Info[Context, None]) -> list[HistoryEntry]:
        entity_type = type(self).__strawberry_definition__.name  # type: ignore[attr-defined]  # every strawberry type has its definition; the interface is not one
        return await record_history(info, entity_type, self.id)  # type: ignore[attr-defined]  # implementations of Record declare `id`

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """`node`, links and search hits, through the record type's visibility rules (one
        query); modules override it to batch through their request loaders."""
        from core.records.lifecycle import read_many
        from core.records.registry import record_registry

        entity_type = cls.__strawberry_definition__.name  # type: ignore[attr-defined]  # every strawberry type has its definition; the interface is not one
        rt = record_registry(info.context.instance).get(entity_type)
        ids = [record_id(i) or 0 for i in node_ids]
        if rt is None:
            return [None] * len(ids)
        async with info.context.instance.db.session() as session:
            rows = await read_many(session, rt, ids, info.context.principal)
            return [rt.to_graphql(row) if row is not None else None for row in rows]
