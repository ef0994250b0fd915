"""Bulk upserts for national systems: records keyed by the caller's ids, one result each, and
an `Idempotency-Key` that makes a retried call answer as the first did without writing again.

The key is kept per caller with a hash of the request and the first answer, in the same
transaction as the writes: a retry gets the stored answer; the same key with another request
is refused (`IDEMPOTENCY_MISMATCH`); a concurrent duplicate loses on the key's unique index and
is refused (`IDEMPOTENCY_IN_PROGRESS`) rather than writing twice. A record refused by another
unique index (two twins in one call) is a per-record error, not a refusal of the call.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.exchange.declaration import ExchangeType
from core.exchange.importer import record_type
from core.exchange.inputs import InputBuilder, RowInvalid
from core.exchange.models import IdempotencyKey
from core.exchange.upsert import BatchRefused, Item, upsert
from core.gql.errors import ConflictError, InputError
from core.records.declaration import RecordType, WriteContext

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.gql.context import Principal
    from core.instance import Instance

MAX_RECORDS = 500  # per call; the GraphQL list limit (`graphql.max_list_items`) applies too
MAX_KEY = 200


def request_hash(module: str, source: str, records: list[dict[str, Any]]) -> str:
    body = json.dumps([module, source, records], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


async def bulk_upsert(
    instance: Instance,
    principal: Principal,
    xt: ExchangeType,
    source: str,
    records: list[dict[str, Any]],
    idempotency_key: str | None,
) -> tuple[list[dict[str, Any]], bool]:
    """The results (one per record: key, status, id, errors) and whether they were replayed."""
    if len(records) > MAX_RECORDS:
        raise InputError(f"at most {MAX_RECORDS} records per call", field="records")
    if not 0 < len(source) <= 64:
        raise InputError("a system name is 1 to 64 characters", field="system")
    keys = [r["key"] for r in records]
    if any(not k or len(k) > MAX_KEY for k in keys):
        raise InputError(f"every record needs a key of 1 to {MAX_KEY} characters", field="key")
    if len(set(keys)) != len(keys):
        raise InputError("a key appears twice in the call", field="records")
    user_id = getattr(principal, "user_id", None)
    digest = request_hash(xt.module, source, records)
    if idempotency_key is not None:
        if not 0 < len(idempotency_key) <= MAX_KEY or user_id is None:
            raise InputError("an idempotency key is 1 to 200 characters", field="idempotencyKey")
        stored = await _stored(instance, user_id, idempotency_key)
        if stored is not None:
            return _replay(stored, digest), True
    rt = record_type(instance, xt)
    builder = InputBuilder(instance.schema, rt.input)
    items = []
    for index, record in enumerate(records):
        try:
            items.append(Item(index, record["key"], builder.from_tree(record["input"])))
        except RowInvalid as exc:
            items.append(Item(index, record["key"], None, exc.errors))
    keep: tuple[int, str, str, str] | None = None
    if idempotency_key is not None and user_id is not None:
        keep = (user_id, idempotency_key, xt.module, digest)
    try:
        results = await _write(instance, principal, rt, source, items, keep, one_by_one=False)
    except BatchRefused:
        results = await _write(instance, principal, rt, source, items, keep, one_by_one=True)
    return results, False


async def _write(
    instance: Instance,
    principal: Principal,
    rt: RecordType[Any, Any],
    source: str,
    items: list[Item],
    keep: tuple[int, str, str, str] | None,
    *,
    one_by_one: bool,
) -> list[dict[str, Any]]:
    """One transaction: the writes, and the answer kept under the idempotency key."""
    async with instance.db.transaction() as session:
        ctx = WriteContext(session, principal, instance)
        outcomes = await upsert(
            ctx, rt, source, items, dry=False, reason=f"bulk from {source}", one_by_one=one_by_one
        )
        results = [
            {
                "key": o.key,
                "status": o.status,
                "id": o.record_id,
                "entity_type": rt.name,
                "errors": [e.__dict__ for e in o.errors],
            }
            for o in outcomes
        ]
        if keep is not None:
            await _keep(session, *keep, results)
    return results


async def _keep(
    session: AsyncSession,
    user_id: int,
    key: str,
    module: str,
    digest: str,
    results: list[dict[str, Any]],
) -> None:
    """Keep the answer under its key, in the writes' transaction. Only a refusal of this row
    (another call with the key committed meanwhile) means a concurrent duplicate: the whole
    call is rolled back and refused. Other unique indexes are per-record errors (`upsert`)."""
    try:
        async with session.begin_nested():
            session.add(
                IdempotencyKey(
                    user_id=user_id,
                    key=key,
                    operation=f"bulkUpsert:{module}",
                    request_hash=digest,
                    response=results,
                )
            )
    except IntegrityError:
        raise ConflictError(
            "a call with this idempotency key is in progress or just ended: retry it",
            code="IDEMPOTENCY_IN_PROGRESS",
            field="idempotencyKey",
        ) from None


async def _stored(instance: Instance, user_id: int, key: str) -> IdempotencyKey | None:
    async with instance.db.session() as session:
        return await session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        )


def _replay(stored: IdempotencyKey, digest: str) -> list[dict[str, Any]]:
    if stored.request_hash != digest:
        raise ConflictError(
            "this idempotency key was used for another request",
            code="IDEMPOTENCY_MISMATCH",
            field="idempotencyKey",
        )
    return list(stored.response)
