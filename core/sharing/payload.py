"""The payload that leaves for a peer: a versioned envelope around a record's projection.

    {"schemaVersion": 1, "kind": "submission", "sender": {"country": "NL"},
     "record": {"type": "Seizure", "id": "12", "version": 3}, "data": {...}}

`data` is `core.sharing.projection.project` of the record; a withdrawal has none. The format is
described by a JSON schema generated from the same projections (`payload_schema`), committed as
docs/sharing-payload.schema.json for the built-in modules; a test keeps the two equal, so any
change to what travels shows up as a diff of the schema (and needs a new `schemaVersion` when it
is not backwards compatible). Nothing here reads a clock: a preview is byte for byte the payload
that would be queued.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.sharing.projection import (
    EXTENSIONS,
    PHOTOS,
    CheckedText,
    Field,
    Photo,
    Projection,
    project,
    projections,
)

if TYPE_CHECKING:
    from core.instance import Instance
    from core.records import RecordType

SCHEMA_VERSION = 1
SCHEMA_ID = "https://ncen.dev/schemas/sharing-payload/1.json"
KINDS = ("submission", "correction", "withdrawal")


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed, signed and sent: sorted keys, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def payload_sha256(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def envelope(
    instance: Instance,
    entity_type: str,
    record_id: object,
    version: int | None,
    kind: str,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(f"payload kind {kind!r} is not one of {KINDS}")
    payload: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "kind": kind,
        "sender": {"country": instance.config.country},
        "record": {"type": entity_type, "id": str(record_id), "version": version},
    }
    if kind != "withdrawal":
        payload["data"] = data or {}
    return payload


# --- what was checked, read for a record ------------------------------------------------------


async def checked_texts(
    session: AsyncSession, entity_type: str, record_ids: Sequence[object]
) -> dict[str, dict[str, CheckedText]]:
    """Record id -> path -> the checked version of that free text (one query)."""
    from core.sharing.models import CheckedText as CheckedTextRow

    found: dict[str, dict[str, CheckedText]] = {str(i): {} for i in record_ids}
    rows = await session.scalars(
        select(CheckedTextRow).where(
            CheckedTextRow.entity_type == entity_type,
            CheckedTextRow.entity_id.in_(list(found)),
        )
    )
    for row in rows:
        found[row.entity_id][row.path] = CheckedText(row.text, row.source_sha256)
    return found


async def record_photos(
    instance: Instance, session: AsyncSession, entity_type: str, record_ids: Sequence[object]
) -> dict[str, list[Photo]]:
    """Record id -> its photos, each with the validator's verdict (two queries)."""
    from core.sharing.models import PhotoCheck

    keys = [str(i) for i in record_ids]
    lists = await instance.attachments.list_for(session, entity_type, keys)
    ids = [info.id for infos in lists for info in infos]
    checks = {}
    if ids:
        rows = await session.scalars(select(PhotoCheck).where(PhotoCheck.attachment_id.in_(ids)))
        checks = {row.attachment_id: row for row in rows}
    found: dict[str, list[Photo]] = {}
    for key, infos in zip(keys, lists, strict=True):
        photos = []
        for info in infos:
            check = checks.get(info.id)
            cleared = check.sha256 if check is not None and check.shows_no_person else None
            photos.append(
                Photo(
                    info.id,
                    info.sha256,
                    info.size,
                    info.media_type,
                    info.width,
                    info.height,
                    cleared,
                )
            )
        found[key] = photos
    return found


async def record_payloads(
    instance: Instance,
    session: AsyncSession,
    rt: RecordType[Any, Any],
    records: Sequence[Any],
    kinds: Sequence[str],
) -> list[dict[str, Any]]:
    """The payloads of `records` (loaded with their children) as they would leave now, with a
    constant number of queries per entity type whatever the number of records."""
    projection = projections(instance)[rt.name]
    by_type: dict[str, list[str]] = {}
    for record in records:
        by_type.setdefault(rt.entity_type_of(record), []).append(str(record.id))
    checks: dict[tuple[str, str], dict[str, CheckedText]] = {}
    photos: dict[tuple[str, str], list[Photo]] = {}
    for entity_type, ids in by_type.items():
        for key, value in (await checked_texts(session, entity_type, ids)).items():
            checks[(entity_type, key)] = value
        if projection.photos:
            found = await record_photos(instance, session, entity_type, ids)
            for photo_key, listed in found.items():
                photos[(entity_type, photo_key)] = listed
    payloads = []
    for record, kind in zip(records, kinds, strict=True):
        entity_type = rt.entity_type_of(record)
        version = getattr(record, "version", None)
        if kind == "withdrawal":
            payloads.append(envelope(instance, entity_type, record.id, version, kind, None))
            continue
        record_key = (entity_type, str(record.id))
        data = project(
            projection,
            record,
            checks=checks.get(record_key, {}),
            photos=photos.get(record_key, []),
        )
        payloads.append(envelope(instance, entity_type, record.id, version, kind, data))
    return payloads


async def record_payload(
    instance: Instance,
    session: AsyncSession,
    rt: RecordType[Any, Any],
    record: Any,
    kind: str,
) -> dict[str, Any]:
    """The payload of `record` (loaded with its children) as it would leave now."""
    [payload] = await record_payloads(instance, session, rt, [record], [kind])
    return payload


# --- the JSON schema ----------------------------------------------------------------------------

_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
_KINDS: dict[str, dict[str, Any]] = {
    "string": {"type": ["string", "null"]},
    "integer": {"type": ["integer", "null"]},
    "decimal": {"type": ["string", "null"], "pattern": _DECIMAL},
    "boolean": {"type": ["boolean", "null"]},
    "date": {"type": ["string", "null"], "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    "time": {"type": ["string", "null"], "format": "time", "pattern": r"^\d{2}:\d{2}(:\d{2})?"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
}
_FORM_KINDS = {"string": "string", "code": "string", "integer": "integer", "decimal": "decimal"}
_FORM_KINDS |= {"boolean": "boolean", "date": "date"}


def _field_schema(field: Field) -> dict[str, Any]:
    schema = dict(_KINDS[field.kind])
    if field.max_length:
        schema["maxLength"] = field.max_length
    return schema


def _free_text_schema() -> dict[str, Any]:
    return {"type": "string", "description": "A validator's checked non-nominal version."}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def data_schema(projection: Projection) -> dict[str, Any]:
    """The JSON schema of `data` for one record type."""
    properties = {f.name: _field_schema(f) for f in projection.fields}
    required = [f.name for f in projection.fields]
    for f in projection.free_texts:
        properties[f.name] = _free_text_schema()
    for collection in projection.collections:
        item = {f.name: _field_schema(f) for f in collection.fields}
        item |= {f.name: _free_text_schema() for f in collection.free_texts}
        properties[collection.name] = {
            "type": "array",
            "items": _object(item, [f.name for f in collection.fields]),
        }
        required.append(collection.name)
    if projection.extensible:
        known = {f.name: dict(_KINDS[_FORM_KINDS[f.type]]) for f in projection.extensions}
        known |= {f.name: _free_text_schema() for f in projection.extension_texts}
        required.append(EXTENSIONS)
        properties[EXTENSIONS] = {
            "type": "object",
            "description": "Non-nominal extension fields (country plugins).",
            "properties": known,
            # The sender may run plugins the receiver does not: their non-nominal scalars.
            "additionalProperties": {"type": ["string", "integer", "boolean", "null"]},
        }
    if projection.photos:
        photo = {
            "id": {"type": "string"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "size": {"type": "integer"},
            "mediaType": {"type": "string"},
            "width": {"type": "integer"},
            "height": {"type": "integer"},
        }
        properties[PHOTOS] = {
            "type": "array",
            "description": "Photos a validator marked as showing no person.",
            "items": _object(photo, list(photo)),
        }
    schema = _object(properties, required)
    notes = []
    if projection.withheld:
        notes.append("Nominal, never sent: " + ", ".join(sorted(projection.withheld)) + ".")
    if projection.free_text_paths:
        paths = ", ".join(projection.free_text_paths)
        notes.append(f"Free text, sent only as a validator's checked version: {paths}.")
    schema["description"] = " ".join(notes) or "Nothing withheld."
    return schema


def payload_schema(instance: Instance) -> dict[str, Any]:
    """The JSON schema (draft 2020-12) of every payload this instance sends or accepts."""
    found = projections(instance)
    defs = {name: data_schema(p) for name, p in sorted(found.items())}
    entity_types = sorted({t for p in found.values() for t in p.entity_types})
    conditions = [
        {
            "if": {
                "properties": {"record": {"properties": {"type": {"enum": list(p.entity_types)}}}}
            },
            "then": {"properties": {"data": {"$ref": f"#/$defs/{name}"}}},
        }
        for name, p in sorted(found.items())
    ]
    conditions.append(
        {
            "if": {"properties": {"kind": {"const": "withdrawal"}}},
            "then": {"not": {"required": ["data"]}},
            "else": {"required": ["data"]},
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ncen sharing payload",
        "description": "The non-nominal part of one record, as it leaves an ncen instance "
        "(docs/sharing.md).",
        "type": "object",
        "properties": {
            "schemaVersion": {"const": SCHEMA_VERSION},
            "kind": {"enum": list(KINDS)},
            "sender": _object(
                {"country": {"type": "string", "pattern": "^[A-Z]{2}$"}}, ["country"]
            ),
            "record": _object(
                {
                    "type": {"enum": entity_types},
                    "id": {"type": "string", "minLength": 1, "maxLength": 64},
                    "version": {"type": ["integer", "null"]},
                },
                ["type", "id", "version"],
            ),
            "data": {"type": "object"},
        },
        "required": ["schemaVersion", "kind", "sender", "record"],
        "additionalProperties": False,
        "allOf": conditions,
        "$defs": defs,
    }
