"""Reading a module's records for exports and statistics, derived from its record type: the
rows a caller may see (the workflow's rule), the module's list filter, chunks by id. Modules
declare only what differs (`ExchangeType.reader`: a faster read than the ORM rows)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, select, true

from core.exchange.declaration import ExchangeType

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.gql.context import Principal
    from core.records.declaration import RecordType


def visible(rt: RecordType[Any, Any], principal: Principal) -> ColumnElement[bool]:
    """SQL condition on the record's table for the rows `principal` may see, the record's
    view permission checked by the caller (drafts stay with their author and validators)."""
    if rt.workflow is not None:
        return rt.workflow.visible_filter(rt.model, principal)
    return true()


def validated(rt: RecordType[Any, Any]) -> ColumnElement[bool] | None:
    """The condition of validated records, for types with a workflow."""
    if rt.workflow is None:
        return None
    model: Any = rt.model
    condition: ColumnElement[bool] = model.status == "validated"
    return condition


async def read_chunk(
    rt: RecordType[Any, Any],
    xt: ExchangeType,
    session: AsyncSession,
    principal: Principal,
    filter: Any,
    after: int,
    limit: int,
) -> Sequence[Any]:
    """Up to `limit` records the principal may see, matching the list filter, with an id
    above `after`, by id; full records (the record type's `load`) unless the module declares
    its own reader."""
    model: Any = rt.model
    query = xt.reader.query() if xt.reader is not None else select(model)
    query = query.where(visible(rt, principal), model.id > after)
    if filter is not None and xt.apply_filter is not None:
        query = xt.apply_filter(query, filter)
    query = query.order_by(model.id).limit(limit)
    if xt.reader is not None:
        return await xt.reader.read(session, query)
    return list((await session.scalars(rt.load(query))).all())
