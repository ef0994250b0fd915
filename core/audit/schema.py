"""GraphQL access to the audit log for auditors; every read is itself audited."""

from __future__ import annotations

import base64
import datetime as dt

import strawberry
from sqlalchemy import ColumnElement, or_, select
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from core.audit.models import AuditConsultation, AuditEvent
from core.audit.writer import record, request_purpose
from core.auth.guard import requires
from core.gql.context import Context
from core.gql.errors import InputError

DEFAULT_PAGE = 50
CURSOR_PREFIX = "audit:"


@strawberry.type(name="AuditEvent")
class AuditEventType:
    seq: int
    occurred_at: dt.datetime
    actor_type: str
    actor_id: str | None
    actor_name: str | None
    action: str
    entity_type: str | None
    entity_id: str | None
    fields: list[str] | None
    purpose: str | None
    detail: JSON | None
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, row: AuditEvent) -> AuditEventType:
        return cls(**{f: getattr(row, f) for f in cls.__annotations__})


@strawberry.type
class AuditEventEdge:
    cursor: str
    node: AuditEventType


@strawberry.type
class AuditEventConnection:
    edges: list[AuditEventEdge]
    page_info: relay.PageInfo


@strawberry.input
class AuditEventFilter:
    action: str | None = strawberry.field(
        default=None, description="Exact action, or a prefix ending in `.` (e.g. `user.`)."
    )
    actor_name: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{seq}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if raw.startswith(CURSOR_PREFIX):
            return int(raw.removeprefix(CURSOR_PREFIX))
    except (ValueError, UnicodeDecodeError):
        pass
    raise InputError("invalid cursor", field="after")


def _filtered(query, flt: AuditEventFilter | None):
    if flt is None:
        return query
    if flt.action:
        if flt.action.endswith("."):
            query = query.where(AuditEvent.action.startswith(flt.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == flt.action)
    for column, value in (
        (AuditEvent.actor_name, flt.actor_name),
        (AuditEvent.entity_type, flt.entity_type),
    ):
        if value is not None:
            query = query.where(column == value)
    if flt.entity_id is not None:
        query = query.where(naming(flt.entity_id, flt.entity_type))
    if flt.since is not None:
        query = query.where(AuditEvent.occurred_at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEvent.occurred_at < flt.until)
    return query


def naming(entity_id: str, entity_type: str | None = None) -> ColumnElement[bool]:
    """Events about the record `entity_id`: those with it as `entity_id`, and the consultation
    events that name it among others (found through the consultation index)."""
    consulted = select(AuditConsultation.seq).where(AuditConsultation.entity_id == entity_id)
    if entity_type is not None:
        consulted = consulted.where(AuditConsultation.entity_type == entity_type)
    return or_(AuditEvent.entity_id == entity_id, AuditEvent.seq.in_(consulted))


def _filter_detail(flt: AuditEventFilter | None) -> dict[str, str]:
    if flt is None:
        return {}
    return {
        k: v.isoformat() if isinstance(v, dt.datetime) else v
        for k, v in vars(flt).items()
        if v is not None
    }


@strawberry.type
class AuditQuery:
    @strawberry.field(
        extensions=[requires("core.audit.read")],
        description="Audit events, newest first. Reading the log is itself recorded.",
    )
    async def audit_events(
        self,
        info: Info[Context, None],
        filter: AuditEventFilter | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> AuditEventConnection:
        instance = info.context.instance
        limit = instance.config.graphql.max_page_size
        if not 1 <= first <= limit:
            raise InputError(f"first must be between 1 and {limit}", field="first")
        query = _filtered(select(AuditEvent), filter)
        if after is not None:
            query = query.where(AuditEvent.seq < _decode_cursor(after))
        query = query.order_by(AuditEvent.seq.desc()).limit(first + 1)
        async with instance.db.transaction() as session:
            rows = list((await session.scalars(query)).all())
            await record(
                session,
                actor=info.context.principal,
                action="audit.read",
                entity_type="AuditEvent",
                purpose=request_purpose(info.context.request.headers),
                detail={"filter": _filter_detail(filter), "first": first, "after": after},
            )
        more, rows = len(rows) > first, rows[:first]
        edges = [AuditEventEdge(cursor=_cursor(r.seq), node=AuditEventType.of(r)) for r in rows]
        return AuditEventConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=more,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
