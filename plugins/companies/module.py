"""The companies module's plugin object: its identity and the hooks it implements.

Imports of the module's own code happen inside the hooks, so that installing ncen with companies
disabled never imports (and never registers types or tables of) this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.auth.permissions import Permission
from core.codelists.sources import CodeListSource, CodeListUsage
from core.forms import EntityForm
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.links.declarations import LinkType
from core.module import ModuleInfo

if TYPE_CHECKING:
    from core.exchange.declaration import ExchangeType
    from core.instance import Instance
    from core.records import RecordType

CODELISTS = Path(__file__).parent / "codelists"

# Which column holds codes of which list: code-list sync end-dates a used code instead of
# deleting it.
CODE_COLUMNS = [
    ("countries", "companies_company", "country"),
    ("companies_legal_forms", "companies_company", "legal_form"),
    ("companies_legal_statuses", "companies_company", "legal_status"),
    ("companies_aeo_statuses", "companies_company", "aeo_status"),
    ("companies_identifier_schemes", "companies_identifier", "scheme"),
    ("countries", "companies_identifier", "country"),
    ("companies_address_types", "companies_address", "kind"),
    ("countries", "companies_address", "country"),
    ("companies_contact_types", "companies_contact", "kind"),
    ("companies_trade_roles", "companies_role", "code"),
]


class CompaniesModule:
    info = ModuleInfo(
        name="companies",
        version="0.1.0",
        label="Companies",
        description="Business entities of interest to customs.",
    )

    @hookimpl
    def register_models(self) -> list[type]:
        from plugins.companies.models import MODELS

        return MODELS

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return [
            Permission("companies.view", "See companies", ("officer", "validator", "analyst")),
            Permission("companies.edit", "Enter and edit companies", ("officer", "validator")),
            Permission(
                "companies.validate", "Validate or return submitted companies", ("validator",)
            ),
            Permission(
                "companies.export",
                "Export companies with their nominal fields (names, identifiers, addresses)",
                ("analyst",),
            ),
        ]

    @hookimpl
    def register_code_lists(self) -> list[CodeListSource]:
        return [
            CodeListSource(name=f"companies_{path.stem}", file=path)
            for path in sorted(CODELISTS.glob("*.json"))
        ]

    @hookimpl
    def register_code_list_usage(self) -> list[CodeListUsage]:
        return [
            CodeListUsage(list=lst, table=table, column=column)
            for lst, table, column in CODE_COLUMNS
        ]

    @hookimpl
    def register_link_types(self) -> list[LinkType]:
        from plugins.companies.links import link_types

        return link_types()

    @hookimpl
    def register_entity_forms(self) -> list[EntityForm]:
        from plugins.companies.form import company_form

        return [company_form()]

    @hookimpl
    def register_record_types(self) -> list[RecordType]:
        from plugins.companies.record import RECORD

        return [RECORD]

    @hookimpl
    def register_exchange_types(self) -> list[ExchangeType]:
        from plugins.companies.exchange import EXCHANGE

        return [EXCHANGE]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        from plugins.companies.queries import CompanyQuery

        return GraphQLContribution(queries=[CompanyQuery])

    @hookimpl
    async def load_demo_data(self, instance: Instance, size: int) -> None:
        from plugins.companies import demo

        async with instance.db.transaction() as session:
            await demo.load(session, size)


module = CompaniesModule()
