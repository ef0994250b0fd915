"""The non-nominal projection of a record: what may leave the instance, derived from the tags.

One projection per record type, read from its model and its extension fields, never written by
hand: a column travels unless it is tagged `NOMINAL`; bookkeeping (who entered or validated a
record, when, its status) and keys stay home; child lists declared in `RecordType.collections`
travel with their own non-nominal columns. Free text (`FREE_TEXT` columns, `text` extension
fields) is nominal as stored: only the version a validator checked travels, and only while the
text it was checked against is unchanged. Nominal extension fields never travel. A photo travels
(as its description: id, hash, size; the bytes go with the transport) only when a validator
marked it as showing no person, for the very bytes they saw.

Everything here is pure: `project` takes the row and what was checked, so the canary test can
run it over generated records without a database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, Text, Time
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.types import TypeDecorator

from core.db import is_free_text, is_nominal
from core.forms.fields import FormField

if TYPE_CHECKING:
    from core.instance import Instance
    from core.records import RecordType

# Bookkeeping of the workflow and of child rows: who entered or validated a record and when,
# its state, its row order. Never content; the record's version travels in the envelope.
BOOKKEEPING = frozenset(
    {
        "version",
        "status",
        "created_by",
        "created_at",
        "updated_at",
        "submitted_at",
        "validated_by",
        "validated_at",
        "last_changed_by",
        "position",
    }
)
EXTENSIONS = "extensions"  # payload key of extension field values
PHOTOS = "photos"


def camel(name: str) -> str:
    """`concealment_description` -> `concealmentDescription` (payload keys are camelCase)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def digest(text: str) -> str:
    """What a checked version is bound to: the SHA-256 of the text the validator read."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Field:
    """A column that travels: its payload name, the model attribute, and its JSON kind."""

    name: str
    attribute: str
    kind: str  # string, integer, decimal, boolean, date, time, datetime
    max_length: int | None = None


@dataclass(frozen=True)
class Collection:
    """A child list that travels, with its own fields and free texts."""

    name: str
    attribute: str
    fields: tuple[Field, ...]
    free_texts: tuple[Field, ...]


@dataclass(frozen=True)
class Projection:
    """What of one record type may leave, and what never does: `withheld` are the payload
    paths of nominal columns and extension fields (`documents.number`, `extensions.permitNumber`),
    which a receiver refuses outright; free texts travel only as checked versions."""

    entity_type: str
    entity_types: tuple[str, ...]  # the entity types its ids name (conveyances: Vehicle...)
    fields: tuple[Field, ...]
    free_texts: tuple[Field, ...]
    collections: tuple[Collection, ...]
    extensions: tuple[FormField, ...]
    extension_texts: tuple[FormField, ...]
    extensible: bool  # the record type takes extension fields (payload key `extensions`)
    photos: bool
    withheld: frozenset[str]

    @property
    def free_text_paths(self) -> tuple[str, ...]:
        """The free texts a validator may give a checked version of, as path patterns
        (`narrative`, `goods.*.description`, `extensions.remarks`)."""
        return (
            *(f.name for f in self.free_texts),
            *(f"{c.name}.*.{f.name}" for c in self.collections for f in c.free_texts),
            *(f"{EXTENSIONS}.{f.name}" for f in self.extension_texts),
        )

    def accepts_free_text_path(self, path: str) -> bool:
        """Whether `path` (`goods.0.description`) names one of this type's free texts."""
        return any(_matches(pattern, path) for pattern in self.free_text_paths)


def _matches(pattern: str, path: str) -> bool:
    regex = re.escape(pattern).replace(r"\*", r"(0|[1-9][0-9]{0,5})")
    return re.fullmatch(regex, path) is not None


def _kind(column: Any) -> tuple[str, int | None] | None:
    """The JSON kind of a column (None: a type that never travels, such as JSON)."""
    sql_type = column.type
    if isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl if not isinstance(sql_type.impl, type) else sql_type.impl()
    if isinstance(sql_type, JSON):
        return None
    if isinstance(sql_type, Boolean):
        return "boolean", None
    if isinstance(sql_type, Integer):
        return "integer", None
    if isinstance(sql_type, Numeric):
        return "decimal", None
    if isinstance(sql_type, DateTime):
        return "datetime", None
    if isinstance(sql_type, Date):
        return "date", None
    if isinstance(sql_type, Time):
        return "time", None
    if isinstance(sql_type, Text):
        return "string", None
    if isinstance(sql_type, String):
        return "string", sql_type.length
    return None


def _columns(model: type) -> tuple[tuple[Field, ...], tuple[Field, ...], set[str]]:
    """(fields that travel, free texts, names withheld) of one model's own columns."""
    fields: list[Field] = []
    free: list[Field] = []
    withheld: set[str] = set()
    mapper: Any = sa_inspect(model)
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        name = attr.key
        if column.primary_key or column.foreign_keys or name in BOOKKEEPING:
            continue
        kind = _kind(column)
        if kind is None:
            continue
        field = Field(camel(name), name, kind[0], kind[1])
        if is_free_text(column):
            free.append(field)
        elif is_nominal(column):
            withheld.add(field.name)
        else:
            fields.append(field)
    return tuple(fields), tuple(free), withheld


def build_projection(
    rt: RecordType[Any, Any], extension_fields: Mapping[str, FormField] | None = None
) -> Projection:
    """The projection of a record type, from its model's tags and its extension fields."""
    fields, free, withheld = _columns(rt.model)
    collections = []
    mapper: Any = sa_inspect(rt.model)
    for attribute in rt.collections:
        child = mapper.relationships[attribute].mapper.class_
        child_fields, child_free, child_withheld = _columns(child)
        name = camel(attribute)
        withheld |= {f"{name}.{n}" for n in child_withheld}
        if child_fields or child_free:
            collections.append(Collection(name, attribute, child_fields, child_free))
    extensions, texts = [], []
    for spec in (extension_fields or {}).values():
        if spec.nominal:
            withheld.add(f"{EXTENSIONS}.{spec.name}")
        elif spec.type == "text":
            texts.append(spec)
        else:
            extensions.append(spec)
    return Projection(
        entity_type=rt.name,
        entity_types=rt.accepted_id_types,
        fields=fields,
        free_texts=free,
        collections=tuple(collections),
        extensions=tuple(extensions),
        extension_texts=tuple(texts),
        extensible=rt.has_extra,
        photos=rt.photos_field is not None,
        withheld=frozenset(withheld),
    )


def projections(instance: Instance) -> dict[str, Projection]:
    """The projection of every record type of the instance, by record type name (cached)."""
    key = "sharing.projections"
    if key not in instance.state:
        from core.forms.registry import form_registry
        from core.records.registry import record_registry

        forms = form_registry(instance)
        found = {}
        for rt in record_registry(instance):
            extension_fields: dict[str, FormField] = {}
            for entity_type in rt.accepted_id_types:
                extension_fields.update(forms.extension_fields(entity_type))
            found[rt.name] = build_projection(rt, extension_fields if rt.has_extra else {})
        instance.state[key] = found
    return instance.state[key]


# --- projecting one record ------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedText:
    """A validator's non-nominal version of a free text, bound to the text they read."""

    text: str
    source_sha256: str


@dataclass(frozen=True)
class Photo:
    """What the projection needs of a photo of the record, and whether a validator cleared it
    (`cleared_sha256`: the bytes they saw showed no person)."""

    id: str
    sha256: str
    size: int
    media_type: str
    width: int
    height: int
    cleared_sha256: str | None = None


def json_value(value: Any, kind: str) -> Any:
    """A column value as JSON: decimals as exact strings, dates and times in ISO 8601."""
    if value is None:
        return None
    if kind == "decimal":
        return str(value if isinstance(value, Decimal) else Decimal(str(value)))
    if kind in ("date", "time") and isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if kind == "datetime" and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return bool(value)
    return str(value)


def _checked(checks: Mapping[str, CheckedText], path: str, source: Any) -> str | None:
    """The checked version of a free text, if one was recorded for the text as it is now."""
    check = checks.get(path)
    if check is None or source in (None, ""):
        return None
    return check.text if check.source_sha256 == digest(str(source)) else None


def project(
    projection: Projection,
    record: Any,
    *,
    checks: Mapping[str, CheckedText] | None = None,
    photos: Sequence[Photo] = (),
) -> dict[str, Any]:
    """The non-nominal payload data of `record`: only what `projection` lets travel."""
    checks = checks or {}
    data: dict[str, Any] = {
        f.name: json_value(getattr(record, f.attribute), f.kind) for f in projection.fields
    }
    for f in projection.free_texts:
        text = _checked(checks, f.name, getattr(record, f.attribute))
        if text is not None:
            data[f.name] = text
    for collection in projection.collections:
        items = []
        for index, child in enumerate(getattr(record, collection.attribute) or []):
            item = {
                f.name: json_value(getattr(child, f.attribute), f.kind) for f in collection.fields
            }
            for f in collection.free_texts:
                path = f"{collection.name}.{index}.{f.name}"
                text = _checked(checks, path, getattr(child, f.attribute))
                if text is not None:
                    item[f.name] = text
            items.append(item)
        data[collection.name] = items
    if projection.extensible:
        extra = getattr(record, "extra", None) or {}
        values: dict[str, Any] = {}
        for spec in projection.extensions:
            if extra.get(spec.name) is not None:
                values[spec.name] = extra[spec.name]
        for spec in projection.extension_texts:
            text = _checked(checks, f"{EXTENSIONS}.{spec.name}", extra.get(spec.name))
            if text is not None:
                values[spec.name] = text
        data[EXTENSIONS] = values
    if projection.photos:
        data[PHOTOS] = [
            {
                "id": p.id,
                "sha256": p.sha256,
                "size": p.size,
                "mediaType": p.media_type,
                "width": p.width,
                "height": p.height,
            }
            for p in photos
            if p.cleared_sha256 is not None and p.cleared_sha256 == p.sha256
        ]
    return data
