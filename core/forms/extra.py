"""Extension field values (the record's `extra` JSON): validation for services, the searchable
parts for the module's search documents, and what the API serves of them.

    extra = await validate_extra(instance, session, "Seizure", data.extra)
    record.extra = extra

A record keeps the values of every plugin that ever extended it, but serves only those of the
plugins enabled now (`enabled_extra`, and the GraphQL field `extension_values_field`): a
disabled plugin leaves no trace in the API, and its values come back when it is enabled again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from core.codelists.validation import CodeCheck, validate_many
from core.forms.fields import FormField
from core.forms.registry import form_registry
from core.gql.errors import InputError

if TYPE_CHECKING:
    from core.instance import Instance


def _coerce(spec: FormField, value: Any, where: str) -> Any:
    """The JSON value to store for `value`, or InputError naming `extra.<field>`."""
    kind = spec.type
    if kind in ("string", "text", "code"):
        if not isinstance(value, str):
            raise InputError(f"{where} must be text", field=where)
        value = value.strip()
        if spec.max_length is not None and len(value) > spec.max_length:
            raise InputError(f"{where} is longer than {spec.max_length}", field=where)
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{where} must be an integer", field=where)
        return value
    if kind == "decimal":
        try:
            number = Decimal(str(value)) if not isinstance(value, bool) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise InputError(f"{where} must be a decimal number", field=where)
        return str(number)  # exact, unlike a JSON float
    if kind == "boolean":
        if not isinstance(value, bool):
            raise InputError(f"{where} must be true or false", field=where)
        return value
    if kind == "date":
        try:
            return dt.date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise InputError(f"{where} must be a date (YYYY-MM-DD)", field=where) from None
    raise AssertionError(kind)


async def validate_extra(
    instance: Instance,
    session: AsyncSession,
    entity_type: str,
    extra: Mapping[str, Any] | None,
    *,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Check `extra` against the enabled extension fields of `entity_type`; return what to store.

    Keys of `previous` (the stored value) that belong to plugins not enabled now are kept, so
    disabling a country plugin never loses its data. `None` removes a value.
    """
    fields = form_registry(instance).extension_fields(entity_type)
    stored = {k: v for k, v in (previous or {}).items() if k not in fields}
    given = dict(extra or {})
    unknown = sorted(set(given) - set(fields))
    if unknown:
        raise InputError(
            f"{entity_type} has no extension field {unknown[0]!r}", field=f"extra.{unknown[0]}"
        )
    checks = []
    for name, spec in fields.items():
        where = f"extra.{name}"
        value = given.get(name, (previous or {}).get(name))
        if value is None or value == "":
            if spec.required:
                raise InputError(f"{where} is required", code="REQUIRED", field=where)
            continue
        stored[name] = _coerce(spec, value, where)
        if spec.code_list:
            checks.append(CodeCheck(spec.code_list, stored[name], where))
    await validate_many(session, checks)
    return stored


def extension_search_parts(
    instance: Instance, entity_type: str, extra: Mapping[str, Any] | None
) -> tuple[str, dict[str, list[str]]]:
    """Text and keywords (`codes`) of the searchable extension fields, for a SearchDocument."""
    words: list[str] = []
    codes: list[str] = []
    for name, spec in form_registry(instance).extension_fields(entity_type).items():
        value = (extra or {}).get(name)
        if not spec.searchable or value is None:
            continue
        if spec.type == "code":
            codes.append(str(value))
        else:
            words.append(str(value))
    return " ".join(words), ({"codes": codes} if codes else {})


def enabled_extra(
    instance: Instance, entity_type: str, extra: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The stored `extra` of a record, reduced to the extension fields of enabled plugins."""
    if not extra:
        return {}
    fields = form_registry(instance).extension_fields(entity_type)
    return {name: value for name, value in extra.items() if name in fields}


def served_extra(
    info: Info, entity_type: str, record_id: object, extra: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What the API serves of a record's `extra`: the values of enabled plugins. Serving a value
    of a *nominal* extension field is a consultation of personal data, audited like any other
    (core's consultation audit)."""
    from core.audit.consultation import note_consultation

    instance = info.context.instance
    served = enabled_extra(instance, entity_type, extra)
    fields = form_registry(instance).extension_fields(entity_type)
    if any(fields[name].nominal and value not in (None, "") for name, value in served.items()):
        note_consultation(info, entity_type, record_id)
    return served


class _EnabledExtensionValues(FieldExtension):
    """Serves what the field resolves to (the stored `extra`) through `served_extra`."""

    def __init__(self, entity_type: str) -> None:
        super().__init__()
        self.entity_type = entity_type

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> dict[str, Any]:
        value = next_(source, info, **kwargs)
        return served_extra(info, self.entity_type, source.id, value)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> dict[str, Any]:
        value = await next_(source, info, **kwargs)
        return served_extra(info, self.entity_type, source.id, value)


def extension_values_field(entity_type: str) -> Any:
    """The `extra` field of a record type: `extra: JSON = extension_values_field("Seizure")`.

    The object is still built with the stored value (`extra=row.extra`); the API serves only
    the values of enabled plugins."""
    return strawberry.field(
        description="Values of the extension fields of enabled plugins (see formSchema); values "
        "of plugins not enabled stay stored and come back when they are. Reading a nominal one "
        "is audited.",
        extensions=[_EnabledExtensionValues(entity_type)],
    )
