"""The receiving side's check (global mode): refuse any payload that carries a nominal field.

The sender builds payloads from the projection and so never puts a nominal field in; the
receiver does not rely on that (defence in depth). `check_incoming` first looks for any path
the receiver's own tags call nominal (`withheld`), then validates the whole payload against the
JSON schema of the format (unknown fields are refused too). icomm's transport calls it on every
payload that arrives from a national instance before anything is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator

from core.sharing.payload import SCHEMA_VERSION, payload_schema
from core.sharing.projection import projections

if TYPE_CHECKING:
    from core.instance import Instance


class PayloadRefused(Exception):
    """A payload the receiver will not store: `code` NOMINAL_FIELD or INVALID_PAYLOAD, and the
    payload paths at fault."""

    def __init__(self, code: str, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.code = code
        self.fields = fields


def _paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every key path of `value`, list indices left out (`goods.description`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from _paths(item, path)
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, prefix)


def _validator(instance: Instance) -> Draft202012Validator:
    key = "sharing.validator"
    if key not in instance.state:
        schema = payload_schema(instance)
        Draft202012Validator.check_schema(schema)
        instance.state[key] = Draft202012Validator(schema)
    return instance.state[key]


def check_incoming(instance: Instance, payload: Any) -> None:
    """Return if `payload` may be stored as non-nominal data; raise `PayloadRefused` if not."""
    if not isinstance(payload, dict):
        raise PayloadRefused("INVALID_PAYLOAD", "a payload is a JSON object", [])
    record = payload.get("record")
    entity_type = record.get("type") if isinstance(record, dict) else None
    projection = next(
        (p for p in projections(instance).values() if entity_type in p.entity_types), None
    )
    if projection is not None and isinstance(payload.get("data"), dict):
        nominal = sorted({p for p in _paths(payload["data"]) if p in projection.withheld})
        if nominal:
            raise PayloadRefused(
                "NOMINAL_FIELD",
                f"the payload carries nominal data: {', '.join(nominal)}",
                [f"data.{p}" for p in nominal],
            )
    errors = sorted(_validator(instance).iter_errors(payload), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path)
        raise PayloadRefused(
            "INVALID_PAYLOAD",
            f"the payload does not follow sharing schema {SCHEMA_VERSION}: "
            f"{where or '(top)'}: {first.message}",
            [where] if where else [],
        )
