"""The seizures module's plugin object: its identity and the hooks it implements.

Imports of the module's own code happen inside the hooks, so that installing ncen with seizures
disabled never imports (and never registers types or tables of) this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.attachments.owners import AttachmentOwner
from core.auth.permissions import Permission
from core.codelists.sources import CodeListSource, CodeListUsage
from core.forms import EntityForm
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo

if TYPE_CHECKING:
    from core.exchange.declaration import ExchangeType
    from core.instance import Instance
    from core.records import RecordType
    from core.search import SearchType

CODELISTS = Path(__file__).parent / "codelists"

# Which column holds codes of which list: code-list sync end-dates a used code instead of
# deleting it.
CODE_COLUMNS = [
    ("seizures_areas", "seizures_case", "area"),
    ("seizures_directions", "seizures_case", "direction"),
    ("seizures_offence_types", "seizures_case", "offence_type"),
    ("seizures_detection_methods", "seizures_case", "detection_method"),
    ("seizures_concealment_methods", "seizures_case", "concealment_method"),
    ("seizures_location_types", "seizures_case", "location_type"),
    ("seizures_conveyance_types", "seizures_case", "conveyance_type"),
    ("transport_modes", "seizures_case", "transport_mode"),
    ("countries", "seizures_case", "place_country"),
    ("countries", "seizures_case", "conveyance_country"),
    ("seizures_commodities", "seizures_goods_line", "commodity"),
    ("units", "seizures_goods_line", "unit"),
    ("currencies", "seizures_goods_line", "currency"),
    ("seizures_route_roles", "seizures_route_leg", "role"),
    ("countries", "seizures_route_leg", "country"),
    ("seizures_risk_indicators", "seizures_risk_indicator", "code"),
    ("countries", "seizures_offender_summary", "nationality"),
    ("seizures_genders", "seizures_offender_summary", "gender"),
    ("seizures_age_bands", "seizures_offender_summary", "age_band"),
    ("seizures_offender_roles", "seizures_offender_summary", "role"),
]


class SeizuresModule:
    info = ModuleInfo(
        name="seizures",
        version="0.1.0",
        label="Seizures and offences",
        description="The principal database of seizures and offences.",
    )

    @hookimpl
    def register_models(self) -> list[type]:
        from plugins.seizures.models import MODELS

        return MODELS

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        return [
            Permission("seizures.view", "See seizures", ("officer", "validator", "analyst")),
            Permission("seizures.edit", "Enter and edit seizures", ("officer", "validator")),
            Permission(
                "seizures.validate", "Validate or return submitted seizures", ("validator",)
            ),
            Permission("seizures.export", "Export seizures", ("analyst",)),
        ]

    @hookimpl
    def register_code_lists(self) -> list[CodeListSource]:
        return [
            CodeListSource(name=f"seizures_{path.stem}", file=path)
            for path in sorted(CODELISTS.glob("*.json"))
        ]

    @hookimpl
    def register_code_list_usage(self) -> list[CodeListUsage]:
        return [
            CodeListUsage(list=lst, table=table, column=column)
            for lst, table, column in CODE_COLUMNS
        ]

    @hookimpl
    def register_entity_forms(self) -> list[EntityForm]:
        from plugins.seizures.form import seizure_form

        return [seizure_form()]

    @hookimpl
    def register_record_types(self) -> list[RecordType]:
        from plugins.seizures.record import RECORD

        return [RECORD]

    @hookimpl
    def register_exchange_types(self) -> list[ExchangeType]:
        from plugins.seizures.exchange import EXCHANGE

        return [EXCHANGE]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        from plugins.seizures.gallery import GalleryQuery
        from plugins.seizures.queries import SeizureQuery

        return GraphQLContribution(queries=[SeizureQuery, GalleryQuery])

    @hookimpl
    def register_attachment_owners(self) -> list[AttachmentOwner]:
        from plugins.seizures.access import VIEW
        from plugins.seizures.record import RECORD

        return [AttachmentOwner("Seizure", "seizures", VIEW, can_read=RECORD.visible_ids)]

    @hookimpl
    def register_search_types(self) -> list[SearchType]:
        from plugins.seizures.search import SEARCH_TYPE

        return [SEARCH_TYPE]

    @hookimpl
    async def load_demo_data(self, instance: Instance, size: int) -> None:
        from plugins.seizures import demo

        async with instance.db.transaction() as session:
            await demo.load(session, instance.config.country, size)


module = SeizuresModule()
