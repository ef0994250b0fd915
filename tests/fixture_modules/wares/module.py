"""Test module `wares`: a `Consignment` entity that stores codes (country, kind, extension
fields in `extra`), ships a code list, declares its usage, a link type and a form."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import strawberry
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from core.codelists import CodeCheck, CodeListSource, CodeListUsage, validate_many
from core.db import Base, JSONType
from core.forms import EntityForm, FormField, validate_extra
from core.gql.context import Context
from core.gql.contribution import GraphQLContribution
from core.gql.entity import Entity
from core.hookspecs import hookimpl
from core.links import LinkType
from core.module import ModuleInfo


class Consignment(Base):
    __tablename__ = "wares_consignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


# How many times resolve_nodes ran: a test checks that links are resolved in batches.
RESOLVE_CALLS: list[int] = []


@strawberry.type(name="Consignment")
class ConsignmentType(Entity):
    owner_module = "wares"
    id: relay.NodeID[int]
    ref: str
    country: str | None
    extra: JSON

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[ConsignmentType | None]:
        ids = [int(i) for i in node_ids]
        RESOLVE_CALLS.append(len(ids))
        async with info.context.instance.db.session() as session:
            rows = {
                r.id: r
                for r in await session.scalars(select(Consignment).where(Consignment.id.in_(ids)))
            }
        return [cls.build(rows[i]) if i in rows else None for i in ids]

    @classmethod
    def build(cls, row: Consignment) -> ConsignmentType:
        return cls(id=row.id, ref=row.ref, country=row.country, extra=row.extra or {})


@strawberry.type
class WaresQuery:
    @strawberry.field
    async def consignments(self, info: Info[Context, None]) -> list[ConsignmentType]:
        async with info.context.instance.db.session() as session:
            rows = await session.scalars(select(Consignment).order_by(Consignment.id))
            return [ConsignmentType.build(r) for r in rows]


@strawberry.type
class WaresMutation:
    @strawberry.mutation
    async def add_consignment(
        self,
        info: Info[Context, None],
        ref: str,
        country: str | None = None,
        kind: str | None = None,
        extra: JSON | None = None,
    ) -> ConsignmentType:
        instance = info.context.instance
        async with instance.db.transaction() as session:
            await validate_many(
                session,
                [
                    CodeCheck("countries", country, "country"),
                    CodeCheck("wares_kinds", kind, "kind"),
                ],
            )
            stored = await validate_extra(instance, session, "Consignment", extra)
            row = Consignment(ref=ref, country=country, kind=kind, extra=stored)
            session.add(row)
            await session.flush()
        return ConsignmentType.build(row)


LABELS = {
    "ref": {"en": "Reference", "fr": "Référence"},
    "country": {"en": "Country of origin", "fr": "Pays d'origine"},
    "kind": {"en": "Kind of goods", "fr": "Nature des marchandises"},
}


class WaresModule:
    info = ModuleInfo(name="wares", version="0.1.0", label="Wares (test)")

    @hookimpl
    def register_models(self) -> list[type]:
        return [Consignment]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(
            queries=[WaresQuery], mutations=[WaresMutation], types=[ConsignmentType]
        )

    @hookimpl
    def register_code_lists(self) -> list[CodeListSource]:
        return [
            CodeListSource("wares_kinds", file=Path(__file__).parent / "codelists" / "kinds.json")
        ]

    @hookimpl
    def register_code_list_usage(self) -> list[CodeListUsage]:
        return [
            CodeListUsage("countries", "wares_consignment", "country"),
            CodeListUsage("wares_kinds", "wares_consignment", "kind"),
        ]

    @hookimpl
    def register_link_types(self) -> list[LinkType]:
        return [
            LinkType(
                source="Consignment", relation="importer", target="Trader", inverse="importerOf"
            )
        ]

    @hookimpl
    def register_entity_forms(self) -> list[EntityForm]:
        return [
            EntityForm(
                "Consignment",
                fields=[
                    FormField("ref", "string", required=True, label=LABELS["ref"], max_length=50),
                    FormField(
                        "country",
                        "code",
                        code_list="countries",
                        label=LABELS["country"],
                        help={"en": "Where the goods come from"},
                    ),
                    FormField("kind", "code", code_list="wares_kinds", label=LABELS["kind"]),
                ],
                table="wares_consignment",
            )
        ]
