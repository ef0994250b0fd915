"""The GraphQL mutations of a record type, generated from its declaration.

For a record type named `Company`: `createCompany(input)`, `updateCompany(id, version, input,
reason)`, and with a workflow `submitCompany`, `validateCompany`, `returnCompany(comment)`; then
`deleteCompany(id, version)` and, when the type declares erasure, `eraseCompany(id, ground)`.
Each is one transaction through `core.records.lifecycle`, guarded by one permission rule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.auth.guard import requires
from core.gql.context import Context
from core.gql.errors import InputError
from core.record_ids import record_id
from core.records import lifecycle
from core.records.declaration import RecordType, WriteContext


@strawberry.type(description="A record that no longer exists: deleted or erased.")
class DeletedRecord:
    id: relay.GlobalID
    entity_type: str = strawberry.field(description="The entity type it had, e.g. `Seizure`.")


def decode_id(rt: RecordType[Any, Any], id: relay.GlobalID) -> int:
    """The row id behind a global id of this record type; a field error otherwise."""
    number = record_id(id.node_id) if id.type_name in rt.accepted_id_types else None
    if number is None:
        names = " or ".join(t.lower() for t in rt.accepted_id_types)
        raise InputError(f"not the id of a {names}", field="id")
    return number


def _specific_type(rt: RecordType[Any, Any], id: relay.GlobalID) -> str | None:
    """When a record type spans several entity types (conveyances), the one the id names."""
    return id.type_name if rt.id_types else None


def serve(info: Info[Context, None], rt: RecordType[Any, Any], record: Any) -> Any:
    """The GraphQL object of a written record. Not a consultation: the answer to a write echoes
    the record its writer holds (records it reaches, such as possible duplicates, are audited
    as they are served)."""
    return rt.to_graphql(record)


Step = Callable[[WriteContext], Awaitable[Any]]


async def _write(info: Info[Context, None], rt: RecordType[Any, Any], step: Step) -> Any:
    context = info.context
    async with context.instance.db.transaction() as session:
        record = await step(WriteContext(session, context.principal, context.instance))
        await session.flush()
        return serve(info, rt, record)


async def _gone(info: Info[Context, None], rt: RecordType[Any, Any], step: Step) -> DeletedRecord:
    context = info.context
    async with context.instance.db.transaction() as session:
        record = await step(WriteContext(session, context.principal, context.instance))
        entity_type = rt.entity_type_of(record)
        return DeletedRecord(
            id=relay.GlobalID(entity_type, str(record.id)), entity_type=entity_type
        )


def _field(
    rt: RecordType[Any, Any],
    verb: str,
    permission: str,
    resolver: Callable[..., Awaitable[Any]],
    annotations: dict[str, Any],
    description: str,
) -> tuple[str, Any]:
    name = f"{verb}_{_snake(rt.name)}"
    resolver.__name__ = name
    resolver.__annotations__ = {"info": Info[Context, None], **annotations}
    field = strawberry.mutation(
        resolver=resolver,
        description=rt.descriptions.get(verb, description),
        extensions=[requires(permission)],
    )
    return name, field


def record_mutations(rt: RecordType[Any, Any]) -> type:
    """A strawberry type whose fields are the record type's mutations (merged into Mutation)."""
    output = rt.output_type
    noun = rt.noun
    fields: dict[str, Any] = {}

    async def create(self: Any, info: Info[Context, None], input: Any) -> Any:
        return await _write(info, rt, lambda ctx: lifecycle.create(ctx, rt, input))

    async def update(
        self: Any,
        info: Info[Context, None],
        id: relay.GlobalID,
        version: int,
        input: Any,
        reason: str | None = None,
    ) -> Any:
        record_id, entity_type = decode_id(rt, id), _specific_type(rt, id)
        return await _write(
            info,
            rt,
            lambda ctx: lifecycle.update(
                ctx, rt, record_id, version, input, reason, entity_type=entity_type
            ),
        )

    async def delete(
        self: Any, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> DeletedRecord:
        record_id, entity_type = decode_id(rt, id), _specific_type(rt, id)
        return await _gone(
            info,
            rt,
            lambda ctx: lifecycle.delete(ctx, rt, record_id, version, entity_type=entity_type),
        )

    edit = rt.edit_permission
    workflow = rt.workflow
    drafts = "a draft" if workflow else "the"
    fields.update(
        [
            _field(
                rt,
                "create",
                edit,
                create,
                {"input": rt.input, "return": output},
                f"Create {drafts} {noun}." if workflow else f"Record a {noun}.",
            ),
            _field(
                rt,
                "update",
                edit,
                update,
                {
                    "id": relay.GlobalID,
                    "version": int,
                    "input": rt.input,
                    "reason": str | None,
                    "return": output,
                },
                f"Change a {noun}; `version` is the one read."
                + (
                    f" A validated {noun} needs a `reason` and goes back to submitted."
                    if workflow
                    else ""
                ),
            ),
        ]
    )
    if workflow is not None:
        fields.update(_workflow_fields(rt, output))
    fields.update(
        [
            _field(
                rt,
                "delete",
                edit,
                delete,
                {"id": relay.GlobalID, "version": int, "return": DeletedRecord},
                f"Delete a draft {noun} entered by mistake, with its photos and links."
                if workflow
                else f"Delete a {noun}, with its links.",
            )
        ]
    )
    if rt.erasure is not None:
        fields.update([_erase_field(rt)])
    return strawberry.type(type(f"{rt.name}RecordMutation", (), fields))


def _workflow_fields(rt: RecordType[Any, Any], output: type) -> list[tuple[str, Any]]:
    assert rt.workflow is not None
    workflow, noun = rt.workflow, rt.noun
    id_version = {"id": relay.GlobalID, "version": int, "return": output}

    async def submit(self: Any, info: Info[Context, None], id: relay.GlobalID, version: int) -> Any:
        record_id = decode_id(rt, id)
        return await _write(info, rt, lambda ctx: lifecycle.submit(ctx, rt, record_id, version))

    async def validate(
        self: Any, info: Info[Context, None], id: relay.GlobalID, version: int
    ) -> Any:
        record_id = decode_id(rt, id)
        return await _write(info, rt, lambda ctx: lifecycle.validate(ctx, rt, record_id, version))

    async def return_(
        self: Any, info: Info[Context, None], id: relay.GlobalID, version: int, comment: str
    ) -> Any:
        record_id = decode_id(rt, id)
        return await _write(
            info, rt, lambda ctx: lifecycle.return_(ctx, rt, record_id, version, comment)
        )

    return [
        _field(
            rt,
            "submit",
            workflow.edit,
            submit,
            id_version,
            f"Send a draft or returned {noun} to the validators.",
        ),
        _field(
            rt,
            "validate",
            workflow.validate,
            validate,
            id_version,
            f"Validate a submitted {noun} that someone else entered and last changed.",
        ),
        _field(
            rt,
            "return",
            workflow.validate,
            return_,
            {**id_version, "comment": str},
            f"Return a submitted {noun} to its author with a comment.",
        ),
    ]


def _erase_field(rt: RecordType[Any, Any]) -> tuple[str, Any]:
    assert rt.erasure is not None
    erasure = rt.erasure

    async def erase(
        self: Any, info: Info[Context, None], id: relay.GlobalID, ground: Any
    ) -> DeletedRecord:
        record_id = decode_id(rt, id)
        return await _gone(info, rt, lambda ctx: lifecycle.erase(ctx, rt, record_id, ground))

    return _field(
        rt,
        "erase",
        erasure.permission,
        erase,
        {"id": relay.GlobalID, "ground": erasure.grounds, "return": DeletedRecord},
        erasure.description
        or f"Erase a {rt.noun} for good: record, photos, links and search document.",
    )


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
