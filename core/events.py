"""Record events: what happened to a record, delivered after commit to every plugin that
implements `on_record_changed`, each subscriber on its own.

The record's service calls `enqueue_record_event` in the write transaction of the change; the
event becomes one outbox row per subscriber (topic `core.record_changed`, handler
`<plugin>.on_record_changed`), so one subscriber that fails is retried alone and never holds
back or repeats another. Delivery is at least once: a subscriber de-duplicates on
`event.event_id`, for instance with `core.outbox.first_delivery` in its own transaction.

An event carries names, never values: the subscriber reads the record through the owning
module's service with a principal, so visibility rules apply to what it sees.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.writer import Actor, actor_of
from core.db import utcnow
from core.hookspecs import hookimpl
from core.outbox import (
    OutboxEvent,
    OutboxHandler,
    PartialFailure,
    enqueue,
    enqueue_many,
    has_rows_for,
)
from core.plugins import resolve

if TYPE_CHECKING:
    from pluggy import HookImpl

    from core.instance import Instance

RECORD_TOPIC = "core.record_changed"
ACTIONS = ("created", "updated", "submitted", "validated", "returned", "deleted", "erased")
PLUGIN_NAME = "core.events"
HOOK = "on_record_changed"
BATCH_HOOK = "on_records_changed"


@dataclass(frozen=True)
class RecordEvent:
    """One change of one record, as its subscribers receive it."""

    event_id: str  # uuid4 hex, for de-duplication by subscribers
    module: str
    entity_type: str
    entity_id: str
    action: str  # created, updated, submitted, validated, returned, deleted, erased
    version: int | None
    actor_type: str  # as core.audit.writer.Actor: user, token, cli, system, anonymous
    actor_id: str | None
    actor_name: str | None
    fields: tuple[str, ...]  # changed field names, never values
    occurred_at: dt.datetime
    # A deleted or erased record: the other ends of the links it took with it, as (relation,
    # entity type, id), so that subscribers can follow them (received shares erased with it).
    unlinked: tuple[tuple[str, str, str], ...] = ()

    def to_payload(self) -> dict[str, Any]:
        """The outbox payload (JSON)."""
        return {
            "event_id": self.event_id,
            "module": self.module,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "action": self.action,
            "version": self.version,
            "actor_type": self.actor_type,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "fields": list(self.fields),
            "occurred_at": self.occurred_at.isoformat(),
            "unlinked": [list(end) for end in self.unlinked],
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> RecordEvent:
        return cls(
            event_id=payload["event_id"],
            module=payload["module"],
            entity_type=payload["entity_type"],
            entity_id=payload["entity_id"],
            action=payload["action"],
            version=payload["version"],
            actor_type=payload["actor_type"],
            actor_id=payload["actor_id"],
            actor_name=payload["actor_name"],
            fields=tuple(payload["fields"]),
            occurred_at=dt.datetime.fromisoformat(payload["occurred_at"]),
            unlinked=tuple(
                (str(relation), str(kind), str(number))
                for relation, kind, number in payload.get("unlinked", ())  # older rows: none
            ),
        )


def _event(
    who: Actor,
    occurred_at: dt.datetime,
    *,
    module: str,
    entity_type: str,
    entity_id: object,
    action: str,
    version: int | None,
    fields: Sequence[str],
    unlinked: Sequence[tuple[str, str, str]] = (),
) -> RecordEvent:
    """One checked event: the single place where an event is built from a write's facts."""
    if action not in ACTIONS:
        raise ValueError(f"record event action {action!r} is not one of {ACTIONS}")
    if isinstance(fields, str) or not all(isinstance(name, str) for name in fields):
        raise TypeError("fields must be a sequence of field names")
    return RecordEvent(
        event_id=uuid.uuid4().hex,
        module=module,
        entity_type=entity_type,
        entity_id=str(entity_id),
        action=action,
        version=version,
        actor_type=who.type,
        actor_id=who.id,
        actor_name=who.name,
        fields=tuple(dict.fromkeys(fields)),
        occurred_at=occurred_at,
        unlinked=tuple(unlinked),
    )


def enqueue_record_event(
    session: AsyncSession,
    *,
    module: str,
    entity_type: str,
    entity_id: object,
    action: str,
    version: int | None,
    actor: object,
    fields: Sequence[str] = (),
    unlinked: Sequence[tuple[str, str, str]] = (),
) -> RecordEvent:
    """Write the event in the caller's transaction: it reaches the subscribers only if that
    transaction commits. With no subscriber enabled, nothing is written.

    `actor` is what `core.audit.writer.actor_of` accepts (a principal, an Actor, a string naming
    a system actor); `fields` are the names of the changed fields."""
    event = _event(
        actor_of(actor),
        utcnow(),
        module=module,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        version=version,
        fields=fields,
        unlinked=unlinked,
    )
    enqueue(session, RECORD_TOPIC, event.to_payload(), if_unhandled="drop")
    return event


def enqueue_record_events(
    session: AsyncSession,
    *,
    module: str,
    entity_type: str,
    action: str,
    actor: object,
    changes: Sequence[tuple[object, int | None, Sequence[str]]],
) -> None:
    """`enqueue_record_event` for several records of one action (entity id, version, changed
    fields): the same events and rows, and nothing built when nobody subscribes."""
    if not changes or not has_rows_for(session, RECORD_TOPIC, if_unhandled="drop"):
        return
    who = actor_of(actor)
    now = utcnow()
    payloads = [
        _event(
            who,
            now,
            module=module,
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            version=version,
            fields=fields,
        ).to_payload()
        for entity_id, version, fields in changes
    ]
    enqueue_many(session, RECORD_TOPIC, payloads, if_unhandled="drop")


def subscriber_name(plugin_name: str, hook: str = HOOK) -> str:
    """The outbox handler key of a plugin's subscription (`ncen outbox status` shows it)."""
    return f"{plugin_name}.{hook}"


class CoreEventsPlugin:
    """Turns each implementation of `on_record_changed` (one event at a time) and of
    `on_records_changed` (a batch at a time) into an outbox handler of its own."""

    def __init__(self) -> None:
        self.instance: Instance | None = None

    @hookimpl
    def register_outbox_handlers(self) -> list[OutboxHandler]:
        if self.instance is None:
            raise RuntimeError("the events plugin is not bound to an instance")
        hooks = self.instance.pm.hook
        return [
            OutboxHandler(
                topics=(RECORD_TOPIC,),
                handle=self._deliverer(impl),
                name=subscriber_name(impl.plugin_name),
            )
            for impl in getattr(hooks, HOOK).get_hookimpls()
        ] + [
            OutboxHandler(
                topics=(RECORD_TOPIC,),
                handle=self._batch_deliverer(impl),
                name=subscriber_name(impl.plugin_name, BATCH_HOOK),
            )
            for impl in getattr(hooks, BATCH_HOOK).get_hookimpls()
        ]

    def _batch_deliverer(self, impl: HookImpl) -> Any:
        instance = self.instance

        async def deliver(rows: Sequence[OutboxEvent]) -> None:
            """The whole batch in one call; an exception retries all of it."""
            events = [RecordEvent.from_payload(row.payload) for row in rows]
            arguments = {"instance": instance, "events": events}
            await resolve(impl.function(**{k: arguments[k] for k in impl.argnames}))

        return deliver

    def _deliverer(self, impl: HookImpl) -> Any:
        instance = self.instance

        async def deliver(rows: Sequence[OutboxEvent]) -> None:
            """Each event on its own: one that fails is retried without the others."""
            failed: dict[int, str] = {}
            for row in rows:
                event = RecordEvent.from_payload(row.payload)
                arguments = {"instance": instance, "event": event}
                try:
                    await resolve(impl.function(**{k: arguments[k] for k in impl.argnames}))
                except Exception as exc:
                    failed[row.id] = f"{type(exc).__name__}: {exc}"
            if failed:
                raise PartialFailure(failed)

        return deliver


def attach_events(instance: Instance) -> None:
    """Bind the events plugin to its instance, before the outbox handlers are collected."""
    plugin = instance.pm.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, CoreEventsPlugin):
        plugin.instance = instance
