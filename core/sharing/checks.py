"""Validators' checks that let free text and photos travel: the store, with its audit events.

A checked text is a validator's non-nominal version of one free text of a record (the
narrative with names taken out); it is bound to the SHA-256 of the text as they read it, so an
edit of the original voids the check until a validator looks again. A photo check says whether
the bytes a validator saw show a person; only photos checked as showing none travel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import writer as audit
from core.db import utcnow
from core.gql.errors import InputError, NotFoundError
from core.records import lifecycle
from core.sharing.models import CheckedText, PhotoCheck
from core.sharing.projection import EXTENSIONS, Projection, digest, projections
from core.workflow import user_id

if TYPE_CHECKING:
    from core.instance import Instance
    from core.records import RecordType

MAX_CHECKED_TEXT = 20_000


def free_text_at(projection: Projection, record: Any, path: str) -> str | None:
    """The current value of the free text `path` names (`goods.0.description`), or None."""
    head, _, rest = path.partition(".")
    if head == EXTENSIONS:
        value = (getattr(record, "extra", None) or {}).get(rest)
        return value if isinstance(value, str) else None
    for field in projection.free_texts:
        if field.name == path:
            return getattr(record, field.attribute)
    for collection in projection.collections:
        if collection.name != head:
            continue
        index, _, name = rest.partition(".")
        items = getattr(record, collection.attribute) or []
        if not index.isdigit() or int(index) >= len(items):
            return None
        for field in collection.free_texts:
            if field.name == name:
                return getattr(items[int(index)], field.attribute)
    return None


def free_texts_of(projection: Projection, record: Any) -> list[tuple[str, str]]:
    """Every free text the record holds now, as (path, text), in payload order."""
    found = []
    for field in projection.free_texts:
        value = getattr(record, field.attribute)
        if value:
            found.append((field.name, value))
    for collection in projection.collections:
        for index, child in enumerate(getattr(record, collection.attribute) or []):
            for field in collection.free_texts:
                value = getattr(child, field.attribute)
                if value:
                    found.append((f"{collection.name}.{index}.{field.name}", value))
    extra = getattr(record, "extra", None) or {}
    for spec in projection.extension_texts:
        value = extra.get(spec.name)
        if isinstance(value, str) and value:
            found.append((f"{EXTENSIONS}.{spec.name}", value))
    return found


async def set_checked_text(
    instance: Instance,
    session: AsyncSession,
    principal: Any,
    rt: RecordType[Any, Any],
    record_id: int,
    path: str,
    text: str | None,
) -> CheckedText | None:
    """Record (or, with no text, remove) the checked version of one free text of a record."""
    record = await lifecycle.read(session, rt, record_id, principal)
    if record is None:
        raise NotFoundError(f"no such {rt.noun}", field="id")
    projection = projections(instance)[rt.name]
    if not projection.accepts_free_text_path(path):
        allowed = ", ".join(projection.free_text_paths) or "none"
        raise InputError(
            f"{path!r} is not a free text of a {rt.noun} (free texts: {allowed})",
            code="NOT_FREE_TEXT",
            field="path",
        )
    source = free_text_at(projection, record, path)
    entity_type = rt.entity_type_of(record)
    where = (
        CheckedText.entity_type == entity_type,
        CheckedText.entity_id == str(record.id),
        CheckedText.path == path,
    )
    row = await session.scalar(select(CheckedText).where(*where))
    cleaned = (text or "").strip()
    if not cleaned:
        if row is not None:
            await session.delete(row)
        action, detail = "sharing.text_cleared", None
        row = None
    else:
        if not source:
            raise InputError(f"the {rt.noun} has no text at {path!r}", field="path")
        if len(cleaned) > MAX_CHECKED_TEXT:
            raise InputError(f"text is longer than {MAX_CHECKED_TEXT}", field="text")
        if row is None:
            row = CheckedText(entity_type=entity_type, entity_id=str(record.id), path=path)
            session.add(row)
        row.text, row.source_sha256 = cleaned, digest(source)
        row.checked_by, row.checked_at = user_id(principal), utcnow()
        action, detail = "sharing.text_checked", {"sourceSha256": row.source_sha256}
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action=action,
        entity_type=entity_type,
        entity_id=record.id,
        fields=[path],
        detail=detail,
    )
    return row


async def check_photo(
    instance: Instance, session: AsyncSession, principal: Any, photo_id: str, shows_no_person: bool
) -> PhotoCheck:
    """Record a validator's verdict on a photo of a record, for the bytes stored now."""
    row = await instance.attachments.get(session, photo_id)
    if row is None or not await instance.attachments.may_read(session, principal, row):
        raise NotFoundError("no such photo", field="photoId")
    if row.entity_type is None:
        raise InputError("the photo is not attached to a record yet", field="photoId")
    check = await session.get(PhotoCheck, row.id)
    if check is None:
        check = PhotoCheck(attachment_id=row.id)
        session.add(check)
    check.sha256, check.shows_no_person = row.sha256, shows_no_person
    check.checked_by, check.checked_at = user_id(principal), utcnow()
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="sharing.photo_checked",
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        detail={"photo": row.id, "showsNoPerson": shows_no_person},
    )
    return check


async def forget_record(session: AsyncSession, entity_type: str, entity_id: str) -> None:
    """A record that went away takes its checked texts along (photo checks go with photos)."""
    await session.execute(
        delete(CheckedText).where(
            CheckedText.entity_type == entity_type, CheckedText.entity_id == entity_id
        )
    )
