"""What modules hand to search: one `SearchType` per entity type, `SearchDocument`s for records.

The document schema is generic and fixed, so every backend can index every module's records and
a query can span modules; module-specific meaning goes into `title`, `content` and the keyword
fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

# Exact-match keyword fields of the generic schema (case-insensitive; `field:value` in queries).
KEYWORD_FIELDS = ("countries", "codes", "identifiers", "tags")
# Full-text fields searched by words without a field prefix.
TEXT_FIELDS = ("title", "content")
# Date fields: `date:2026-03-05`, `month:2026-03`, `year:2026` in queries.
DATE_FIELDS = ("date", "month", "year")
# The audience token of documents every holder of the type's permission may see.
PUBLIC_AUDIENCE = "*"
# Every field a query may name; anything else is refused as an unknown field.
QUERY_FIELDS = frozenset((*TEXT_FIELDS, *KEYWORD_FIELDS, *DATE_FIELDS, "module", "entity_type"))


@dataclass(frozen=True)
class SearchDocument:
    """The searchable form of one record; `id` is the record's id inside its module.

    `audience` narrows who sees the document below the type's permission (e.g. a draft only for
    its author: `["user:42"]`); None means every holder of the permission. It is matched against
    `SearchType.audience(principal)` inside the query, so hidden documents are never counted.
    """

    entity_type: str
    id: str
    module: str
    title: str
    content: str = ""
    date: dt.date | None = None
    keywords: Mapping[str, Sequence[str]] = field(default_factory=dict)
    audience: Sequence[str] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.keywords) - set(KEYWORD_FIELDS)
        if unknown:
            raise ValueError(
                f"{self.entity_type}:{self.id}: unknown keyword field(s) {sorted(unknown)}; "
                f"the generic schema has {list(KEYWORD_FIELDS)}"
            )

    @property
    def doc_id(self) -> str:
        return doc_id(self.entity_type, self.id)


def doc_id(entity_type: str, record_id: str | int) -> str:
    """The index-wide key of a record: entity types are unique across modules."""
    return f"{entity_type}:{record_id}"


FetchFn = Callable[[AsyncSession, Sequence[str]], Awaitable[Sequence[SearchDocument]]]
IdsFn = Callable[[AsyncSession, int], AsyncIterator[Sequence[str]]]
CountFn = Callable[[AsyncSession], Awaitable[int]]


def table_rows(id_column: Any, *where: Any) -> tuple[IdsFn, CountFn]:
    """`ids` and `count` for a search type whose records are the rows of one table with an
    integer id, narrowed by `where`: ids come in keyset batches, so a rebuild never holds them
    all nor pays for an offset."""

    async def ids(session: AsyncSession, batch_size: int) -> AsyncIterator[Sequence[str]]:
        last = 0
        while True:
            query = select(id_column).where(id_column > last, *where)
            batch: Sequence[int] = (
                await session.scalars(query.order_by(id_column).limit(batch_size))
            ).all()
            if not batch:
                return
            yield [str(i) for i in batch]
            last = batch[-1]

    async def count(session: AsyncSession) -> int:
        query = select(func.count(id_column)).where(*where)
        return await session.scalar(query) or 0

    return ids, count


@dataclass(frozen=True)
class SearchType:
    """An entity type a module makes searchable.

    - `permission`: what a caller needs (`context.can`) to see hits of this type at all.
    - `fetch(session, ids)`: current documents for those record ids; a record that no longer
      exists (or must not be searchable) is simply left out, and is then removed from the index.
    - `ids(session, batch_size)`: every record id, in batches, for a rebuild.
    - `count(session)`: optional, number of records (progress bars, `ncen search check`).
    - `resolve(info, ids)`: optional; the GraphQL objects for hits. By default the strawberry type
      named `entity_type` resolves them with its `resolve_nodes`.
    - `audience(principal)`: optional, for record-level visibility; None when the caller sees
      every document of the type (e.g. a validator), else the audience tokens they hold (e.g.
      `["user:42"]`): they then see documents without audience and those sharing a token.
    """

    entity_type: str
    module: str
    permission: str
    fetch: FetchFn
    ids: IdsFn
    count: CountFn | None = None
    resolve: Callable[[Any, Sequence[str]], Awaitable[Sequence[Any]]] | None = None
    audience: Callable[[Any], Sequence[str] | None] | None = None
