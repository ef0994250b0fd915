"""Global mode: received records in the search index, for the global database's analysts.

Registered only on an instance that is the global database (`[ncen.sharing] global_database`),
so that national instances index nothing of it. A received record's document is built from its
non-nominal data only: the type, country and reference in the title; every text value in the
content; countries and codes as keyword fields; the seizure date as the date. A withdrawn record
has no document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.hookspecs import hookimpl
from core.record_ids import record_ids
from core.search.documents import SearchDocument, SearchType, table_rows
from core.sharing.models import ReceivedRecord

ENTITY_TYPE = "GlobalRecord"
PLUGIN_NAME = "core.sharing.global_database"
_CODE = re.compile(r"^[a-z0-9_\-+]{1,40}$")
_DATE_KEYS = ("seizureDate", "incorporatedOn", "reviewDate")


def _values(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _values(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item, key)
    elif value is not None:
        yield key, value


def document(row: ReceivedRecord) -> SearchDocument:
    data = row.data or {}
    countries = {row.sender_country}
    codes: set[str] = set()
    words: list[str] = []
    for key, value in _values(data):
        if not isinstance(value, str) or key in ("sha256", "id", "mediaType"):
            continue
        if key.lower().endswith("country") or key == "nationality":
            countries.add(value.upper())
        elif _CODE.match(value):
            codes.add(value)
        else:
            words.append(value)
    date = None
    for key in _DATE_KEYS:
        if isinstance(data.get(key), str):
            try:
                date = dt.date.fromisoformat(data[key])
                break
            except ValueError:
                pass
    reference = data.get("reference") or row.source_id
    return SearchDocument(
        entity_type=ENTITY_TYPE,
        id=str(row.id),
        module="core",
        title=f"{row.sender_country} {row.entity_type} {reference}",
        content="\n".join(words),
        date=date,
        keywords={
            "countries": sorted(countries),
            "codes": sorted(codes),
            "identifiers": sorted({str(reference), row.source_id}),
            "tags": [row.entity_type.lower()],
        },
    )


async def _fetch(session: AsyncSession, ids: Sequence[str]) -> list[SearchDocument]:
    rows = await session.scalars(
        select(ReceivedRecord).where(
            ReceivedRecord.id.in_(record_ids(ids)), ReceivedRecord.withdrawn_at.is_(None)
        )
    )
    return [document(row) for row in rows]


_ids, _count = table_rows(ReceivedRecord.id, ReceivedRecord.withdrawn_at.is_(None))


class GlobalDatabasePlugin:
    """Makes received records searchable; registered only in global mode."""

    @hookimpl
    def register_search_types(self) -> list[SearchType]:
        from core.sharing.schema import GLOBAL_VIEW

        return [
            SearchType(
                entity_type=ENTITY_TYPE,
                module="core",
                permission=GLOBAL_VIEW,
                fetch=_fetch,
                ids=_ids,
                count=_count,
            )
        ]
