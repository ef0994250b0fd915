"""Fields a module adds to other modules' record types (`register_record_fields`): present in
the schema of an instance that enables the module, absent from another built in the same
process, resolved with the request's context."""

from __future__ import annotations

import strawberry

from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo
from core.records.fields import RecordField
from core.testing import login_as
from tests.seizures.helpers import CREATE, seizures_app, simplified_input


@strawberry.type
class Stamp:
    text: str


async def stamps(record, context) -> list[Stamp]:
    return [Stamp(text=f"{type(record).__name__}:{record.id} for {context.principal.username}")]


class Stamper:
    info = ModuleInfo(name="stamper", version="1.0.0", label="Stamper (test)")

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(types=[Stamp])

    @hookimpl
    def register_record_fields(self) -> list[RecordField]:
        return [RecordField("stamps", Stamp, stamps, "Test stamps.", record_types=("Seizure",))]


async def test_a_module_adds_a_field_to_another_modules_record_type(make_app):
    plain = await seizures_app(make_app, ["seizures"])
    with_field = await make_app(modules=["seizures", "stamper"], extra_modules=[Stamper()])
    assert "stamps" not in plain.instance.schema.as_str()
    assert "stamps: [Stamp!]!" in with_field.instance.schema.as_str()
    token = await login_as(with_field, "officer1", "officer")
    created = await with_field.gql(CREATE, {"input": simplified_input()}, token=token)
    seizure_id = created["data"]["createSeizure"]["id"]
    body = await with_field.gql(
        "query($id: ID!) { seizure(id: $id) { stamps { text } } }", {"id": seizure_id}, token=token
    )
    [stamp] = body["data"]["seizure"]["stamps"]
    assert stamp["text"].endswith(" for officer1")
