"""What modules declare for frontends: the editable fields of their entity types, and the
extension fields a country plugin adds to another module's entity type."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FIELD_TYPES = ("string", "text", "integer", "decimal", "boolean", "date", "code")
_NAME = re.compile(r"^[a-z][A-Za-z0-9]{0,63}$")


@dataclass(frozen=True)
class FormField:
    """One editable field. `label` and `help` map language codes to text (the module's message
    catalog); a `code` field names its `code_list`. `nominal` marks personal data."""

    name: str
    type: str
    required: bool = False
    code_list: str | None = None
    label: Mapping[str, str] = field(default_factory=dict)
    help: Mapping[str, str] = field(default_factory=dict)
    nominal: bool = False
    max_length: int | None = None
    # Extension fields only: whether the value goes into the record's search document.
    searchable: bool = False
    # Needed before the record can be submitted to validators (own fields of a record type:
    # read from its submission rules, like `required` from its rules on every save).
    required_to_submit: bool = False

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"form field name {self.name!r} must be camelCase")
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: type {self.type!r} is not one of {FIELD_TYPES}")
        if (self.type == "code") != (self.code_list is not None):
            raise ValueError(f"field {self.name!r}: a `code` field, and only it, names a code list")


FROM_COLUMN = object()  # column_field: read the maximum length from the column


def column_field(
    name: str,
    type: str,
    column: Any,
    label: Mapping[str, str],
    *,
    code_list: str | None = None,
    help: Mapping[str, str] | None = None,
    max_length: int | object | None = FROM_COLUMN,
) -> FormField:
    """A form field stored in `column` (a model attribute): whether it is personal data (the
    column's `NOMINAL` tag) and its maximum length (`String(n)`) come from the column, so the
    form and the database can never disagree. Pass `max_length` for an unbounded text column,
    or None for a value normalised before it is stored (typed with separators, no limit)."""
    from sqlalchemy import String

    from core.db import is_nominal

    columns = column.property.columns if hasattr(column, "property") else [column]
    sql_type = columns[0].type
    if max_length is not FROM_COLUMN:
        length = max_length
    else:
        length = sql_type.length if isinstance(sql_type, String) and sql_type.length else None
    if type in ("code", "date", "integer", "decimal", "boolean"):
        length = None  # bounded by the list or the type, not by a number of characters
    return FormField(
        name,
        type,
        code_list=code_list,
        label=dict(label),
        help=dict(help or {}),
        nominal=any(is_nominal(c) for c in columns),
        max_length=length,  # type: ignore[arg-type]  # String columns carry an int length or None
    )


@dataclass(frozen=True)
class EntityForm:
    """The fields of an entity type, declared by the module that owns it.

    `table` and `extra_column` say where extension values live (a JSON column of the record),
    so that code-list sync can tell which codes extension fields use.
    """

    entity_type: str
    fields: Sequence[FormField]
    table: str | None = None
    extra_column: str = "extra"


@dataclass(frozen=True)
class ExtensionField:
    """A field added to `entity_type` by another plugin, stored in the record's `extra` JSON."""

    entity_type: str
    field: FormField
