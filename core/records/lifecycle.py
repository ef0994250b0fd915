"""The one write path of every record, whatever its module.

Each function runs inside the caller's write transaction (`WriteContext.session`) and writes the
record, its audit event, its search outbox row and its record event together, so they commit or
vanish as one. Checks run in one order everywhere: permission, existence and visibility (a record
the caller may not see is missing, never forbidden), version, workflow state, input.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import writer as audit
from core.events import enqueue_record_event, enqueue_record_events
from core.gql.errors import ConflictError, InputError, NotFoundError
from core.links.service import remove_links_of
from core.records import bulk
from core.records.changes import changed_fields, filled_fields, snapshot
from core.records.declaration import RecordType, WriteContext, given
from core.search.events import enqueue_delete, enqueue_index, enqueue_index_many
from core.workflow import check_version, require, user_id

# Audit action -> record event action.
_EVENT_OF_STATUS = {"submitted": "submitted", "validated": "validated", "returned": "returned"}


async def load(
    session: AsyncSession, rt: RecordType[Any, Any], record_id: int, *, lock: bool = True
) -> Any:
    """The full record (children loaded), locked for the write on PostgreSQL."""
    query = rt.load(select(rt.model).where(rt.model.id == record_id))  # type: ignore[attr-defined]  # record models have an integer `id` by convention
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=rt.model)
    record = await session.scalar(query)
    if record is None:
        raise NotFoundError(f"no such {rt.noun}", field="id")
    return record


async def _load_visible(
    ctx: WriteContext, rt: RecordType[Any, Any], record_id: int, entity_type: str | None
) -> Any:
    record = await load(ctx.session, rt, record_id)
    if entity_type is not None and rt.entity_type_of(record) != entity_type:
        raise NotFoundError(f"no such {entity_type.lower()}", field="id")
    if not rt.can_see(ctx.principal, record):
        raise NotFoundError(f"no such {rt.noun}", field="id")
    return record


async def _extra(ctx: WriteContext, rt: RecordType[Any, Any], record: Any, data: Any) -> None:
    """Extension fields (country plugins), checked against their declarations."""
    from core.forms import validate_extra

    value = getattr(data, "extra", None)
    if not rt.has_extra or not given(value):
        return
    if value is not None and not isinstance(value, dict):
        raise InputError("extension fields are an object of name: value", field="extra")
    record.extra = await validate_extra(
        ctx.instance, ctx.session, rt.entity_type_of(record), value or {}, previous=record.extra
    )


async def _photos(ctx: WriteContext, rt: RecordType[Any, Any], record: Any, data: Any) -> bool:
    wanted = rt.photos_of(data)
    if wanted is None or rt.photos_field is None:
        return False
    return await ctx.instance.attachments.replace(
        ctx.session,
        rt.entity_type_of(record),
        record.id,
        wanted,
        ctx.principal,
        field=rt.photos_field,
    )


async def _clear_replaced(
    session: AsyncSession, rt: RecordType[Any, Any], record: Any, data: Any
) -> None:
    """Delete the child rows a list input replaces before the new ones are inserted: positions
    are unique per record, and the ORM would insert new rows before deleting orphans."""
    replaced = [
        name
        for name, field in rt.collections.items()
        if field is None or given(getattr(data, field, None))
    ]
    if not replaced:
        return
    for name in replaced:
        getattr(record, name).clear()
    await session.flush()


async def changed(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    record: Any,
    action: str,
    fields: list[str],
    detail: dict[str, Any] | None = None,
    *,
    event: str,
    unlinked: Sequence[tuple[str, str, str]] = (),
) -> None:
    """The audit event, search outbox row and record event of one step, in its transaction;
    `unlinked`: the other ends of the links a deleted or erased record took with it."""
    await changed_many(ctx, rt, action, [(record, fields, detail)], event=event, unlinked=unlinked)


async def changed_many(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    action: str,
    steps: Sequence[tuple[Any, list[str], dict[str, Any] | None]],
    *,
    event: str,
    unlinked: Sequence[tuple[str, str, str]] = (),
) -> None:
    """`changed` for many records of one step (record, changed fields, audit detail): one
    audit append for all of them."""
    await audit.record_many(
        ctx.session,
        actor=ctx.principal,
        action=action,
        events=[
            (rt.entity_type_of(record), record.id, sorted(fields), detail)
            for record, fields, detail in steps
        ],
    )
    if event not in ("deleted", "erased") and not unlinked:
        # A batch (imports, bulk upserts): the same rows, built together.
        by_type: dict[str, list[tuple[Any, list[str]]]] = {}
        for record, fields, _ in steps:
            by_type.setdefault(rt.entity_type_of(record), []).append((record, fields))
        for entity_type, changes in by_type.items():
            enqueue_index_many(ctx.session, entity_type, [record.id for record, _ in changes])
            enqueue_record_events(
                ctx.session,
                module=rt.module,
                entity_type=entity_type,
                action=event,
                actor=ctx.principal,
                changes=[
                    (record.id, getattr(record, "version", None), sorted(fields))
                    for record, fields in changes
                ],
            )
        return
    for record, fields, _ in steps:
        entity_type = rt.entity_type_of(record)
        if event in ("deleted", "erased"):
            purge = event == "erased" or rt.personal
            enqueue_delete(ctx.session, entity_type, record.id, erase=purge)
        else:
            enqueue_index(ctx.session, entity_type, record.id)
        enqueue_record_event(
            ctx.session,
            module=rt.module,
            entity_type=entity_type,
            entity_id=record.id,
            action=event,
            version=getattr(record, "version", None),
            actor=ctx.principal,
            fields=sorted(fields),
            unlinked=unlinked,
        )


# --- create and update ------------------------------------------------------------------------


async def create(ctx: WriteContext, rt: RecordType[Any, Any], data: Any) -> Any:
    record = await check_create(ctx, rt, data)
    [record] = await create_many(ctx, rt, [(record, data)])
    return record


async def check_create(
    ctx: WriteContext, rt: RecordType[Any, Any], data: Any, *, plain: bool = False
) -> Any:
    """Every check of a create, without writing: the new row, not yet in the session. A batch
    (imports, bulk upserts) checks each input on its own, so one bad input is reported alone,
    then writes the good ones together with `create_many`; with `plain` (models that
    `bulk.insertable` accepts) the row is a `bulk.PlainRow` rather than an ORM object."""
    require(ctx.principal, rt.edit_permission, f"create{rt.name}")
    await rt.validate(ctx, data, None)
    record = rt.new(ctx, data)
    if plain:
        record = bulk.plain_row(record)
    record.version = 1
    if rt.workflow is not None:
        record.status = "draft"
    for name in rt.collections:
        setattr(record, name, [])
    if rt.has_extra:
        record.extra = {}
    with bulk.plain_children() if plain else contextlib.nullcontext():
        rt.apply(record, data)
    await _extra(ctx, rt, record, data)
    rt.require_on_save(record)
    record.created_by = user_id(ctx.principal)
    if rt.workflow is not None:
        record.last_changed_by = record.created_by
    await _before_save(ctx, rt, record)
    return record


async def create_many(
    ctx: WriteContext, rt: RecordType[Any, Any], checked: Sequence[tuple[Any, Any]]
) -> list[Any]:
    """Write rows made by `check_create` (with their inputs) in the caller's transaction: one
    flush, one audit append and the search and record events of each, as `create` does. The
    rows may be `bulk.RowImage`s of checked rows (imports spool them between passes)."""
    records = [record for record, _ in checked]
    if not records:
        return records
    await rt.prepare_many(ctx, records)
    images = any(isinstance(record, bulk.RowImage) for record in records)
    if images or (len(records) > 1 and bulk.insertable(rt.model, tuple(rt.collections))):
        await bulk.insert_rows(ctx.session, rt.model, records)
    else:
        ctx.session.add_all(records)
        await _flush(ctx, rt, records[0] if len(records) == 1 else None)
    steps = []
    for record, data in checked:
        fields = filled_fields(snapshot(record, rt.collections))
        if await _photos(ctx, rt, record, data):
            fields.append(_photos_name(rt))
        steps.append((record, fields, rt.audit_detail(record)))
    await changed_many(ctx, rt, "record.create", steps, event="created")
    return records


async def update(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    record_id: int,
    version: int,
    data: Any,
    reason: str | None = None,
    *,
    entity_type: str | None = None,
) -> Any:
    """Change a record. A validated record needs a reason and goes back to submitted."""
    record, before = await check_update(
        ctx, rt, record_id, version, data, reason, entity_type=entity_type
    )
    await finish_update(ctx, rt, record, before, data, reason)
    return record


async def finish_update(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    record: Any,
    before: dict[str, Any],
    data: Any,
    reason: str | None = None,
) -> list[str]:
    """Write an update checked by `check_update`: the changed fields (none: nothing written,
    the version kept)."""
    fields = changed_fields(before, snapshot(record, rt.collections))
    if await _photos(ctx, rt, record, data):
        fields.append(_photos_name(rt))
    if not fields:
        await _flush(ctx, rt, record)
        return fields
    if rt.workflow is not None:
        detail = rt.workflow.edited(ctx.principal, record, reason)
    else:
        record.version += 1
        detail = {"version": record.version}
    await _flush(ctx, rt, record)
    await changed(ctx, rt, record, "record.update", fields, detail, event="updated")
    return fields


async def check_update(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    record_id: int,
    version: int | None,
    data: Any,
    reason: str | None = None,
    *,
    entity_type: str | None = None,
    dry: bool = False,
) -> tuple[Any, dict[str, Any]]:
    """Every check of an update, with the input applied to the loaded record: the record and
    its content before. `dry` (a check without a write to follow: imports' first pass) leaves
    replaced child rows in place in the database; the caller must roll back. A None `version`
    takes the stored one: imports and bulk upserts keyed by an external id (last write wins)."""
    require(ctx.principal, rt.edit_permission, f"update{rt.name}")
    record = await _load_visible(ctx, rt, record_id, entity_type)
    check_version(record, record.version if version is None else version, rt.noun)
    if rt.workflow is not None:
        rt.workflow.check_editable(ctx.principal, record, reason)
    await rt.validate(ctx, data, record)
    before = snapshot(record, rt.collections)
    if not dry:
        await _clear_replaced(ctx.session, rt, record, data)
    with ctx.session.no_autoflush if dry else contextlib.nullcontext():
        rt.apply(record, data)
        await _extra(ctx, rt, record, data)
        rt.require_on_save(record)
        await _before_save(ctx, rt, record)
    return record, before


def changed_by_update(rt: RecordType[Any, Any], record: Any, before: dict[str, Any]) -> list[str]:
    """The fields an update checked by `check_update` changes (none: nothing to write)."""
    return changed_fields(before, snapshot(record, rt.collections))


async def _before_save(ctx: WriteContext, rt: RecordType[Any, Any], record: Any) -> None:
    with ctx.session.no_autoflush:
        await rt.before_save(ctx, record)


async def _flush(ctx: WriteContext, rt: RecordType[Any, Any], record: Any | None) -> None:
    """Flush; a unique index refusing the write becomes the module's client error (for a
    batch, `record` is None: the error names no single record)."""
    try:
        await ctx.session.flush()
    except IntegrityError:
        error = rt.integrity_error(record) if record is not None else None
        if error is None:
            raise
        raise error from None


def _photos_name(rt: RecordType[Any, Any]) -> str:
    """How a photo change is named among changed fields: `photos`, `concealment_photos`."""
    return (rt.photos_field or "photos").replace(".", "_")


# --- workflow ---------------------------------------------------------------------------------


async def _transition(
    ctx: WriteContext, rt: RecordType[Any, Any], record: Any, to: str, comment: str | None = None
) -> Any:
    assert rt.workflow is not None
    detail = rt.workflow.transition(ctx.principal, record, to, comment)
    await ctx.session.flush()
    await changed(ctx, rt, record, "record.status", ["status"], detail, event=_EVENT_OF_STATUS[to])
    return record


def _workflow(rt: RecordType[Any, Any]) -> Any:
    if rt.workflow is None:
        raise ConflictError(f"a {rt.noun} has no validation workflow", field="id")
    return rt.workflow


async def submit(ctx: WriteContext, rt: RecordType[Any, Any], record_id: int, version: int) -> Any:
    workflow = _workflow(rt)
    require(ctx.principal, workflow.edit, f"submit{rt.name}")
    record = await _load_visible(ctx, rt, record_id, None)
    check_version(record, version, rt.noun)
    workflow.check_submittable(ctx.principal, record)
    missing = rt.missing_for_submission(record)
    if missing:
        raise InputError(
            rt.incomplete_message(record, missing),
            field=missing[0],
            code="INCOMPLETE",
            missing=missing,
        )
    return await _transition(ctx, rt, record, "submitted")


async def validate(
    ctx: WriteContext, rt: RecordType[Any, Any], record_id: int, version: int
) -> Any:
    workflow = _workflow(rt)
    require(ctx.principal, workflow.validate, f"validate{rt.name}")
    record = await _load_visible(ctx, rt, record_id, None)
    check_version(record, version, rt.noun)
    workflow.check_validatable(ctx.principal, record)
    return await _transition(ctx, rt, record, "validated")


async def return_(
    ctx: WriteContext, rt: RecordType[Any, Any], record_id: int, version: int, comment: str
) -> Any:
    workflow = _workflow(rt)
    require(ctx.principal, workflow.validate, f"return{rt.name}")
    record = await _load_visible(ctx, rt, record_id, None)
    check_version(record, version, rt.noun)
    comment = workflow.check_returnable(record, comment)
    return await _transition(ctx, rt, record, "returned", comment)


# --- records that go away ---------------------------------------------------------------------


async def _remove(
    ctx: WriteContext, rt: RecordType[Any, Any], record: Any
) -> tuple[dict[str, int], list[tuple[str, str, str]]]:
    """Photos, links (audited one by one) and the record itself: what was removed, counted, and
    the other ends of the links that went (for the record event's subscribers)."""
    entity_type = rt.entity_type_of(record)
    photos = await ctx.instance.attachments.erase(ctx.session, entity_type, record.id)
    ends = await remove_links_of(ctx.session, entity_type, record.id, principal=ctx.principal)
    await ctx.session.delete(record)
    await ctx.session.flush()
    return {"links": len(ends), "photos": photos}, ends


async def delete(
    ctx: WriteContext,
    rt: RecordType[Any, Any],
    record_id: int,
    version: int,
    *,
    entity_type: str | None = None,
) -> Any:
    """Delete a draft entered by mistake (any record, for types without a workflow): the record,
    its photos and its links go; the audit log keeps that it existed."""
    require(ctx.principal, rt.edit_permission, f"delete{rt.name}")
    record = await _load_visible(ctx, rt, record_id, entity_type)
    check_version(record, version, rt.noun)
    if rt.workflow is not None:
        rt.workflow.check_deletable(ctx.principal, record)
    detail = {**(rt.audit_detail(record) or {})}
    removed, ends = await _remove(ctx, rt, record)
    detail.update(removed)
    await changed(ctx, rt, record, "record.delete", [], detail, event="deleted", unlinked=ends)
    return record


async def erase(
    ctx: WriteContext, rt: RecordType[Any, Any], record_id: int, ground: enum.Enum
) -> Any:
    """Erase for good: record, children, links, photos and search document (purged from disk).
    What remains is one `record.erase` event naming the record id and the ground."""
    if rt.erasure is None:
        raise ConflictError(f"a {rt.noun} cannot be erased", field="id")
    require(ctx.principal, rt.erasure.permission, f"erase{rt.name}")
    record = await load(ctx.session, rt, record_id)
    rt.check_erasable(record, ground)
    detail: dict[str, Any] = {"ground": ground.value}
    removed, ends = await _remove(ctx, rt, record)
    detail.update(removed)
    await changed(ctx, rt, record, "record.erase", [], detail, event="erased", unlinked=ends)
    return record


# --- reading, for subscribers of record events ------------------------------------------------


async def read(
    session: AsyncSession, rt: RecordType[Any, Any], record_id: int, principal: Any
) -> Any:
    """The record as `principal` may see it, or None: subscribers of record events read through
    this, so visibility rules apply to them as to any request."""
    return (await read_many(session, rt, [record_id], principal))[0]


async def read_many(
    session: AsyncSession, rt: RecordType[Any, Any], record_ids: list[int], principal: Any
) -> list[Any]:
    """Records in the order of `record_ids`, None where missing or not visible (one query)."""
    if not principal.can(rt.view_permission) or not record_ids:
        return [None] * len(record_ids)
    model: Any = rt.model
    rows = await session.scalars(rt.load(select(model).where(model.id.in_(set(record_ids)))))
    found = {row.id: row for row in rows if rt.can_see(principal, row)}
    return [found.get(i) for i in record_ids]
