"""Search types derived from record types: a module writes only its records' documents.

Fetching current documents, listing ids for a rebuild, counting, the permission and the
record-level audience (drafts for their author and validators) come from the declaration, and the
searchable extension fields of country plugins are added to every document here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.record_ids import record_ids
from core.records.declaration import RecordType
from core.search.documents import SearchDocument, SearchType, table_rows


def is_searchable(rt: RecordType[Any, Any]) -> bool:
    return type(rt).search_document is not RecordType.search_document


def search_types(rt: RecordType[Any, Any]) -> list[SearchType]:
    """One search type per entity type of the record type (conveyances: Vehicle, Vessel...)."""
    if not is_searchable(rt):
        return []
    return [_search_type(rt, entity_type) for entity_type in rt.accepted_id_types]


def _search_type(rt: RecordType[Any, Any], entity_type: str) -> SearchType:
    model: Any = rt.model
    where = [rt.entity_filter(entity_type)] if rt.id_types else []

    async def fetch(session: AsyncSession, ids: Sequence[str]) -> list[SearchDocument]:
        from core.forms import extension_search_parts
        from core.instance import instance_of

        instance = instance_of(session)
        wanted = record_ids(ids)
        rows = (
            await session.scalars(rt.load(select(model).where(model.id.in_(wanted), *where)))
        ).all()
        documents = []
        for row in rows:
            document = rt.search_document(instance, row)
            if document is None:
                continue
            if rt.has_extra:
                text, keywords = extension_search_parts(instance, entity_type, row.extra)
                document = _with_extension(document, text, keywords.get("codes", ()))
            documents.append(document)
        return documents

    ids, count = table_rows(model.id, *where)

    return SearchType(
        entity_type=entity_type,
        module=rt.module,
        permission=rt.view_permission,
        fetch=fetch,
        ids=ids,
        count=count,
        audience=rt.search_audience if rt.workflow is not None else None,
    )


def _with_extension(document: SearchDocument, text: str, codes: Sequence[str]) -> SearchDocument:
    if not text and not codes:
        return document
    keywords = {key: list(values) for key, values in document.keywords.items()}
    if codes:
        keywords["codes"] = sorted({*keywords.get("codes", ()), *codes})
    content = "\n".join(filter(None, [document.content, text]))
    return dataclasses.replace(document, content=content, keywords=keywords)
