"""Create or update a batch of records keyed by another system's ids, through the lifecycle.

Shared by file imports and bulk calls: each item is checked on its own (so one bad item is
reported with its fields and nothing else is held back by it), items whose key is known update
their record, the others are created together (`lifecycle.create_many`) and their keys kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select

from core.exchange.inputs import FieldError
from core.exchange.models import ExternalKey
from core.gql.errors import ApiError, NotFoundError
from core.records import lifecycle
from core.records.declaration import RecordType, WriteContext

CREATED, UPDATED, UNCHANGED, INVALID = "created", "updated", "unchanged", "invalid"


@dataclass
class Item:
    index: int  # row number of a file, position in a bulk call
    key: str | None
    data: Any | None  # the module's input; None when building it failed
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class Outcome:
    index: int
    key: str | None
    status: str
    record_id: int | None = None
    errors: list[FieldError] = field(default_factory=list)
    record: Any = None  # a dry run's checked new row (not written)


def api_errors(exc: ApiError) -> list[FieldError]:
    extensions = exc.extensions
    return [FieldError(str(extensions.get("field") or ""), str(extensions["code"]), str(exc))]


async def known_keys(
    ctx: WriteContext, rt: RecordType[Any, Any], source: str, keys: Sequence[str]
) -> dict[str, int]:
    """Key -> record id of the keys already imported from `source`, whose record still exists."""
    if not keys:
        return {}
    model: Any = rt.model
    found = await ctx.session.execute(
        select(ExternalKey.key, ExternalKey.record_id)
        .join(model, model.id == ExternalKey.record_id)
        .where(
            ExternalKey.entity_type == rt.name,
            ExternalKey.source == source,
            ExternalKey.key.in_(set(keys)),
        )
    )
    return {key: record_id for key, record_id in found}


async def upsert(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    source: str,
    items: Sequence[Item],
    *,
    dry: bool,
    reason: str,
) -> list[Outcome]:
    """Check (`dry`) or write the items in the caller's transaction; one outcome per item, in
    order. A dry run leaves the session dirty (nothing flushed): roll it back."""
    if dry:
        with ctx.session.no_autoflush:
            return await _upsert(ctx, rt, source, items, dry=True, reason=reason)
    return await _upsert(ctx, rt, source, items, dry=False, reason=reason)


async def _upsert(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    source: str,
    items: Sequence[Item],
    *,
    dry: bool,
    reason: str,
) -> list[Outcome]:
    known = await known_keys(ctx, rt, source, [i.key for i in items if i.key])
    outcomes: dict[int, Outcome] = {}
    creates: list[tuple[Item, Any]] = []
    for item in items:
        if item.errors or item.data is None:
            outcomes[item.index] = Outcome(item.index, item.key, INVALID, errors=item.errors)
            continue
        record_id = known.get(item.key) if item.key else None
        try:
            if record_id is None:
                creates.append((item, await lifecycle.check_create(ctx, rt, item.data)))
                continue
            record, before = await lifecycle.check_update(
                ctx, rt, record_id, None, item.data, reason, dry=dry
            )
            if dry:
                changed = lifecycle.changed_by_update(rt, record, before)
            else:
                changed = await lifecycle.finish_update(ctx, rt, record, before, item.data, reason)
            status = UPDATED if changed else UNCHANGED
            outcomes[item.index] = Outcome(item.index, item.key, status, record_id)
        except NotFoundError as exc:
            errors = [FieldError("key", "NOT_VISIBLE", f"the record with this key: {exc}")]
            outcomes[item.index] = Outcome(item.index, item.key, INVALID, errors=errors)
        except ApiError as exc:
            outcomes[item.index] = Outcome(item.index, item.key, INVALID, errors=api_errors(exc))
    if creates and not dry:
        await create_checked(ctx, rt, source, [(item, record) for item, record in creates])
    for item, record in creates:
        outcomes[item.index] = Outcome(
            item.index, item.key, CREATED, getattr(record, "id", None), record=record
        )
    return [outcomes[item.index] for item in items]


async def create_checked(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    source: str,
    checked: Sequence[tuple[Item, Any]],
) -> None:
    """Write new rows checked by `lifecycle.check_create` (or their `RowImage`s) and keep their
    keys: `(entity type, source, key) -> record`."""
    records = await lifecycle.create_many(
        ctx, rt, [(record, item.data) for item, record in checked]
    )
    keyed = [
        {"entity_type": rt.name, "source": source, "key": item.key, "record_id": record.id}
        for (item, _), record in zip(checked, records, strict=True)
        if item.key
    ]
    if keyed:
        # Keys whose record was deleted since point at nothing: they name the new one now.
        await ctx.session.execute(
            delete(ExternalKey).where(
                ExternalKey.entity_type == rt.name,
                ExternalKey.source == source,
                ExternalKey.key.in_([row["key"] for row in keyed]),
            )
        )
        await ctx.session.execute(insert(cast(Table, ExternalKey.__table__)), keyed)
