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
from sqlalchemy.exc import IntegrityError

from core.exchange.inputs import FieldError
from core.exchange.models import ExternalKey
from core.gql.errors import ApiError, NotFoundError
from core.records import bulk, lifecycle
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
    one_by_one: bool = False,
) -> list[Outcome]:
    """Check (`dry`) or write the items in the caller's transaction; one outcome per item, in
    order. A dry run leaves the session dirty (nothing flushed): roll it back. New records are
    written together; if that batch is refused (`BatchRefused`: the transaction is spoilt),
    run the call again in a new transaction with `one_by_one`, which writes each new record in
    its own savepoint and reports the refused ones as invalid."""
    if dry:
        with ctx.session.no_autoflush:
            return await _upsert(ctx, rt, source, items, dry=True, reason=reason)
    return await _upsert(ctx, rt, source, items, dry=False, reason=reason, one_by_one=one_by_one)


async def _upsert(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    source: str,
    items: Sequence[Item],
    *,
    dry: bool,
    reason: str,
    one_by_one: bool = False,
) -> list[Outcome]:
    known = await known_keys(ctx, rt, source, [i.key for i in items if i.key])
    # New rows as plain objects when they can be inserted without the ORM (all built-in types).
    plain = bulk.insertable(rt.model, tuple(rt.collections))
    outcomes: dict[int, Outcome] = {}
    creates: list[tuple[Item, Any]] = []
    for item in items:
        if item.errors or item.data is None:
            outcomes[item.index] = Outcome(item.index, item.key, INVALID, errors=item.errors)
            continue
        record_id = known.get(item.key) if item.key else None
        try:
            if record_id is None:
                record = await lifecycle.check_create(ctx, rt, item.data, plain=plain)
                creates.append((item, record))
                continue
            if dry:
                status = await _check_update(ctx, rt, record_id, item.data, reason)
            else:
                # A savepoint per update: a record refused half-way (replaced child rows
                # already deleted, a unique index) leaves nothing behind.
                async with ctx.session.begin_nested():
                    status = await _update(ctx, rt, record_id, item.data, reason)
            outcomes[item.index] = Outcome(item.index, item.key, status, record_id)
        except NotFoundError as exc:
            errors = [FieldError("key", "NOT_VISIBLE", f"the record with this key: {exc}")]
            outcomes[item.index] = Outcome(item.index, item.key, INVALID, errors=errors)
        except ApiError as exc:
            outcomes[item.index] = Outcome(item.index, item.key, INVALID, errors=api_errors(exc))
        except IntegrityError:
            errors = _duplicate(rt, None)
            outcomes[item.index] = Outcome(item.index, item.key, INVALID, errors=errors)
    refused: dict[int, list[FieldError]] = {}
    if creates and not dry:
        refused = await create_each(ctx, rt, source, creates, one_by_one=one_by_one)
    for item, record in creates:
        if item.index in refused:
            outcomes[item.index] = Outcome(
                item.index, item.key, INVALID, errors=refused[item.index]
            )
        else:
            outcomes[item.index] = Outcome(
                item.index, item.key, CREATED, getattr(record, "id", None), record=record
            )
    return [outcomes[item.index] for item in items]


async def _check_update(
    ctx: WriteContext, rt: RecordType[Any, Any], record_id: int, data: Any, reason: str
) -> str:
    record, before = await lifecycle.check_update(ctx, rt, record_id, None, data, reason, dry=True)
    return UPDATED if lifecycle.changed_by_update(rt, record, before) else UNCHANGED


async def _update(
    ctx: WriteContext, rt: RecordType[Any, Any], record_id: int, data: Any, reason: str
) -> str:
    record, before = await lifecycle.check_update(ctx, rt, record_id, None, data, reason)
    changed = await lifecycle.finish_update(ctx, rt, record, before, data, reason)
    return UPDATED if changed else UNCHANGED


def _duplicate(rt: RecordType[Any, Any], record: Any | None) -> list[FieldError]:
    """The error of a record a unique index refused: the module's, or a generic one."""
    error = rt.integrity_error(record) if record is not None else None
    if error is not None:
        return api_errors(error)
    return [
        FieldError(
            "",
            "DUPLICATE",
            f"this {rt.noun} repeats another one (of this call or stored) where a unique "
            "rule allows one",
        )
    ]


class BatchRefused(Exception):
    """The batch of new records was refused while being written (a unique index: two twins
    of one call, or a twin written meanwhile; an error found only then): the transaction is
    spoilt. Run it again with `one_by_one`, which tells which record was refused."""


async def create_each(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    source: str,
    checked: Sequence[tuple[Item, Any]],
    *,
    one_by_one: bool = False,
) -> dict[int, list[FieldError]]:
    """Write checked new records. Together in one batch (the fast path); or, `one_by_one`,
    each in its own savepoint, so that each record refused gets its own error and leaves
    nothing behind. Item index -> errors of the refused records (one by one only; a refused
    batch raises `BatchRefused`)."""
    if not one_by_one:
        try:
            await create_checked(ctx, rt, source, checked)
        except (IntegrityError, ApiError) as exc:
            for _, record in checked:
                _forget_ids(record)
            raise BatchRefused(str(exc)) from exc
        return {}
    refused: dict[int, list[FieldError]] = {}
    for item, record in checked:
        _forget_ids(record)
        try:
            async with ctx.session.begin_nested():
                await create_checked(ctx, rt, source, [(item, record)])
        except IntegrityError:
            refused[item.index] = _duplicate(rt, record)
        except ApiError as exc:
            refused[item.index] = api_errors(exc)
        if item.index in refused:
            _forget_ids(record)
    return refused


def _forget_ids(record: Any) -> None:
    """Clear the ids a refused insert gave a new record (an ORM row or its image) and its
    child rows, so that the next try takes new ones."""
    record.id = None
    for children in list(record.__dict__.values()):
        if isinstance(children, list):
            for child in children:
                if getattr(child, "id", None) is not None:
                    child.id = None


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
