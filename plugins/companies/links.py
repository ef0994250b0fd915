"""Link types between companies and records of other modules (see docs/links.md).

Each is declared here whatever modules are enabled: core serves a link type only while both
entity types are served (a link naming a disabled module's type is refused with
UNKNOWN_ENTITY_TYPE, and existing links to it are hidden, never deleted).

Direction convention: `A --relation--> B` reads "A's <relation> is B" (the seizure's importer is
the company; the company's director is the person), except `owns`/`operates`, verbs read from
the company as suspects declares them for persons.
"""

from __future__ import annotations

from core.links.declarations import LinkType

COMPANY = "Company"

# Seizure (seizures) --relation--> Company
SEIZURE_ROLES = (
    ("importer", "importerOf", "Declared or actual importer of the goods."),
    ("exporter", "exporterOf", "Declared or actual exporter of the goods."),
    ("consignor", "consignorOf", "Consignor (shipper) of the goods."),
    ("consignee", "consigneeOf", "Consignee of the goods."),
    ("carrier", "carrierOf", "Carrier that transported the goods."),
    ("customsBroker", "customsBrokerOf", "Customs broker that lodged the declaration."),
    ("freightForwarder", "freightForwarderOf", "Freight forwarder of the consignment."),
    ("manufacturer", "manufacturerOf", "Manufacturer of the goods."),
    ("declarant", "declarantOf", "Declarant of the customs declaration."),
)

# Company --relation--> Person (suspects declares the same; identical declarations are merged)
PERSON_ROLES = (
    ("director", "directorOf", "Director or manager of the company."),
    ("employee", "employeeOf", "Employed by the company."),
    ("shareholder", "shareholderOf", "Holds shares of the company."),
    ("beneficialOwner", "beneficialOwnerOf", "Ultimate beneficial owner."),
    ("representative", "representativeOf", "Customs representative or agent."),
    ("legalRepresentative", "legalRepresentativeOf", "Legal representative of the company."),
    ("contactPerson", "contactPersonOf", "Contact person at the company."),
)

# Company --relation--> conveyance (suspects); `operates` is declared identically by suspects
# (core keeps one copy), `owns` mirrors suspects' Person --owns--> conveyance.
CONVEYANCE_TYPES = ("Vehicle", "Vessel", "Aircraft", "Container")
CONVEYANCE_ROLES = (
    ("owns", "ownedBy", "The company is the registered owner."),
    ("operates", "operatedBy", "The company owns or operates it."),
)


def link_types() -> list[LinkType]:
    declared = [
        LinkType("Seizure", relation, COMPANY, inverse, description)
        for relation, inverse, description in SEIZURE_ROLES
    ]
    declared += [
        LinkType(COMPANY, relation, "Person", inverse, description)
        for relation, inverse, description in PERSON_ROLES
    ]
    declared += [
        LinkType(COMPANY, relation, conveyance, inverse, description)
        for conveyance in CONVEYANCE_TYPES
        for relation, inverse, description in CONVEYANCE_ROLES
    ]
    declared.append(LinkType(COMPANY, "parentCompany", COMPANY, "subsidiary", "Group structure."))
    return declared
