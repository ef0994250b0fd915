"""The plugin object: identity, then one hook per thing the plugin adds."""

from __future__ import annotations

from pathlib import Path

import strawberry
from sqlalchemy import func, select
from strawberry.types import Info

from core.auth.guard import requires
from core.codelists import CodeListSource
from core.forms import ExtensionField, FormField
from core.gql.context import Context
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo
from plugins.seizures.models import Case  # allowed: this plugin `requires` seizures

LISTS = Path(__file__).parent / "codelists"


@strawberry.type
class RegionTotal:
    region: str | None = strawberry.field(description="Code of `country_example_regions`.")
    seizures: int


@strawberry.type
class CountryExampleQuery:
    @strawberry.field(
        description="Validated seizures per national region (null: region not given).",
        extensions=[requires("seizures.view")],
    )
    async def seizures_by_national_region(self, info: Info[Context, None]) -> list[RegionTotal]:
        region = Case.extra["nationalRegion"].as_string()
        query = (
            select(region, func.count())
            .where(Case.status == "validated")
            .group_by(region)
            .order_by(region)
        )
        async with info.context.instance.db.session() as session:
            rows = (await session.execute(query)).all()
        return [RegionTotal(region=r, seizures=n) for r, n in rows]


class CountryExampleModule:
    info = ModuleInfo(
        name="country_example",
        version="0.1.0",
        label="Country example",
        requires=("seizures",),
        core=">=0.1,<1",
        description="National fields, code-list entries and a query for one administration.",
    )

    @hookimpl
    def register_code_lists(self) -> list[CodeListSource]:
        return [
            CodeListSource("country_example_regions", file=LISTS / "regions.json"),
            CodeListSource(
                "seizures_detection_methods", file=LISTS / "detection_methods.json", extends=True
            ),
        ]

    @hookimpl
    def register_extension_fields(self) -> list[ExtensionField]:
        return [
            ExtensionField(
                "Seizure",
                FormField(
                    "permitNumber",
                    "string",
                    max_length=20,
                    label={"en": "National permit number", "fr": "Numéro de permis national"},
                    help={"en": "As printed on the permit"},
                    searchable=True,
                ),
            ),
            ExtensionField(
                "Seizure",
                FormField(
                    "nationalRegion",
                    "code",
                    code_list="country_example_regions",
                    label={"en": "National region", "fr": "Région nationale"},
                    searchable=True,
                ),
            ),
        ]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[CountryExampleQuery])


module = CountryExampleModule()
