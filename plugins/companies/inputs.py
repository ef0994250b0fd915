"""GraphQL inputs of the companies API. On update, a field left out keeps its value; null clears
it and a list given replaces the whole list."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import UNSET


@strawberry.input
class CompanyIdentifierInput:
    scheme: str = strawberry.field(
        description="List `companies_identifier_schemes`: company_number, vat, tax_number, "
        "eori, lei, other."
    )
    value: str = strawberry.field(description="As typed; stored upper case without separators.")
    country: str | None = strawberry.field(
        default=None,
        description="Issuing country; read from the number for VAT and EORI, else defaults to "
        "the country of registration.",
    )


@strawberry.input
class CompanyAddressInput:
    kind: str = strawberry.field(
        default="registered", description="List `companies_address_types`."
    )
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    region: str | None = None
    country: str = strawberry.field(description="ISO 3166 alpha-2 (list `countries`).")


@strawberry.input
class CompanyContactInput:
    kind: str = strawberry.field(description="List `companies_contact_types`.")
    value: str
    note: str | None = None


@strawberry.input
class CompanyAeoInput:
    status: str | None = strawberry.field(
        default=None, description="List `companies_aeo_statuses`."
    )
    certificate: str | None = strawberry.field(
        default=None, description="AEO certificate number, e.g. NLAEOF00001234."
    )


@strawberry.input(description="A company's content; on create, legalName and country are required.")
class CompanyInput:
    legal_name: str | None = UNSET
    trade_names: list[str] | None = UNSET
    country: str | None = strawberry.field(
        default=UNSET, description="Country of registration (list `countries`)."
    )
    legal_form: str | None = UNSET
    legal_status: str | None = UNSET
    incorporated_on: dt.date | None = UNSET
    dissolved_on: dt.date | None = UNSET
    identifiers: list[CompanyIdentifierInput] | None = UNSET
    addresses: list[CompanyAddressInput] | None = UNSET
    contacts: list[CompanyContactInput] | None = UNSET
    roles: list[str] | None = UNSET
    aeo: CompanyAeoInput | None = UNSET
    hs_chapters: list[str] | None = UNSET
    assessment_notes: str | None = UNSET
    extra: strawberry.scalars.JSON | None = UNSET
