"""The suspects module's plugin object: its identity and the hooks it implements.

Imports of the module's own code happen inside the hooks, so that installing ncen with suspects
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
from core.links import LinkType
from core.module import ModuleInfo
from core.settings import Setting

if TYPE_CHECKING:
    from core.exchange.declaration import ExchangeType
    from core.instance import Instance
    from core.records import RecordType

CODELISTS = Path(__file__).parent / "codelists"

CODE_COLUMNS = [
    ("suspects_genders", "suspects_person", "gender"),
    ("countries", "suspects_person", "birth_country"),
    ("countries", "suspects_nationality", "country"),
    ("suspects_document_types", "suspects_identity_document", "type"),
    ("countries", "suspects_identity_document", "issuing_country"),
    ("countries", "suspects_address", "country"),
    ("countries", "suspects_conveyance", "country"),
]

CONVEYANCE_TYPES = ("Vehicle", "Vessel", "Aircraft", "Container")

# Read forward from the source, backward (inverse) from the target. Types of modules that are
# not enabled (Seizure, Company) make their link types inert, never an error.
LINK_TYPES = [
    *(
        LinkType("Person", relation, target, inverse, description)
        for target in CONVEYANCE_TYPES
        for relation, inverse, description in (
            ("owns", "ownedBy", "The person owns the conveyance."),
            ("uses", "usedBy", "The person drives, crews, rents or otherwise uses it."),
        )
    ),
    *(
        LinkType("Seizure", relation, "Person", inverse, description)
        for relation, inverse, description in (
            ("offender", "offenderIn", "An offender in the seizure."),
            ("courier", "courierIn", "Carried the goods."),
            ("owner", "ownerOfGoodsIn", "Owner of the seized goods."),
            ("organiser", "organiserIn", "Organised the smuggling."),
            ("consignee", "consigneeIn", "Consignee of the goods."),
            ("witness", "witnessIn", "A witness of the seizure."),
        )
    ),
    *(
        LinkType("Seizure", "conveyance", target, "conveyanceIn", "Conveyance in the seizure.")
        for target in CONVEYANCE_TYPES
    ),
    *(
        LinkType("Company", relation, "Person", inverse, description)
        for relation, inverse, description in (
            ("director", "directorOf", "Director or manager of the company."),
            ("employee", "employeeOf", "Employed by the company."),
            ("shareholder", "shareholderOf", "Holds shares of the company."),
            ("beneficialOwner", "beneficialOwnerOf", "Ultimate beneficial owner."),
            ("representative", "representativeOf", "Customs representative or agent."),
        )
    ),
    *(
        LinkType("Company", "operates", target, "operatedBy", "The company owns or operates it.")
        for target in CONVEYANCE_TYPES
    ),
    LinkType(
        "Person",
        "possibleDuplicateOf",
        "Person",
        "possibleDuplicate",
        "An officer's note that two records may be the same person.",
    ),
    LinkType("Person", "associateOf", "Person", "associate", "Known associate or relative."),
]


class SuspectsModule:
    info = ModuleInfo(
        name="suspects",
        version="0.1.0",
        label="Suspects",
        description="Suspect persons, their identity documents and means of conveyance.",
    )

    @hookimpl
    def register_settings(self) -> list[Setting]:
        return [
            Setting(
                "review_years",
                int,
                3,
                minimum=1,
                maximum=30,
                description="Years after creation when a person's record is due for review or "
                "erasure, when no review date is given.",
            )
        ]

    @hookimpl
    def register_models(self) -> list[type]:
        from plugins.suspects.models import MODELS

        return MODELS

    @hookimpl
    def register_permissions(self) -> list[Permission]:
        # A permission of its own: holding seizures.view gives nothing here.
        return [
            Permission("suspects.view", "See persons and conveyances", ("officer", "validator")),
            Permission(
                "suspects.edit", "Enter and edit persons and conveyances", ("officer", "validator")
            ),
            Permission("suspects.validate", "Validate or return submitted persons", ("validator",)),
            Permission("suspects.erase", "Erase persons at the end of retention", ("validator",)),
            Permission(
                "suspects.export",
                "Export persons with their nominal fields (granted to no role by default)",
                (),
            ),
        ]

    @hookimpl
    def register_code_lists(self) -> list[CodeListSource]:
        return [
            CodeListSource(name=f"suspects_{path.stem}", file=path)
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
        return list(LINK_TYPES)

    @hookimpl
    def register_entity_forms(self) -> list[EntityForm]:
        from plugins.suspects.form import conveyance_forms, person_form

        return [person_form(), *conveyance_forms()]

    @hookimpl
    def register_record_types(self) -> list[RecordType]:
        from plugins.suspects.record import CONVEYANCE, PERSON

        return [PERSON, CONVEYANCE]

    @hookimpl
    def register_exchange_types(self) -> list[ExchangeType]:
        from plugins.suspects.exchange import EXCHANGE

        return [EXCHANGE]

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        from plugins.suspects.queries import SuspectsQuery
        from plugins.suspects.types import Aircraft, Container, Vehicle, Vessel

        return GraphQLContribution(
            queries=[SuspectsQuery], types=[Vehicle, Vessel, Aircraft, Container]
        )

    @hookimpl
    def register_attachment_owners(self) -> list[AttachmentOwner]:
        from plugins.suspects.access import VIEW
        from plugins.suspects.record import PERSON

        return [
            AttachmentOwner(
                "Person", "suspects", VIEW, can_read=PERSON.visible_ids, audit_reads=True
            )
        ]

    @hookimpl
    async def load_demo_data(self, instance: Instance, size: int) -> None:
        from plugins.suspects import demo

        async with instance.db.transaction() as session:
            await demo.load(session, size)


module = SuspectsModule()
