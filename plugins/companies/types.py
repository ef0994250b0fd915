"""GraphQL types of the companies module, built from the ORM rows.

Type names are prefixed with `Company` (`CompanyAddress`, not `Address`) so that they never clash
with another module's types in the combined schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import ClassVar

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.forms import extension_values_field
from core.gql.batch_load import load_now
from core.gql.context import Context, Principal
from core.gql.selection import operation_fields
from core.record_ids import record_id
from core.records import Record
from plugins.companies import access, loaders
from plugins.companies.duplicates import DuplicateMatch, find_duplicates
from plugins.companies.loaders import ENTITY
from plugins.companies.models import Company as CompanyRow


@strawberry.enum(description="Where a company record is in the validation workflow.")
class CompanyStatus(Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VALIDATED = "validated"


@strawberry.type(description="A registration identifier in canonical form.")
class CompanyIdentifier:
    scheme: str = strawberry.field(description="List `companies_identifier_schemes`.")
    country: str | None = strawberry.field(description="Issuing country (ISO 3166 alpha-2).")
    value: str = strawberry.field(description="Upper case, without spaces or punctuation.")


@strawberry.type
class CompanyAddress:
    kind: str = strawberry.field(description="List `companies_address_types`.")
    street: str | None
    postcode: str | None
    city: str | None
    region: str | None
    country: str


@strawberry.type
class CompanyContact:
    kind: str = strawberry.field(description="List `companies_contact_types`.")
    value: str
    note: str | None


@strawberry.type(description="Authorised economic operator status.")
class CompanyAeo:
    status: str | None = strawberry.field(description="List `companies_aeo_statuses`.")
    certificate: str | None


@strawberry.type(description="An existing company that may be the same as this one.")
class PossibleDuplicate:
    company: Company
    same_identifiers: list[str] = strawberry.field(
        description="Identifiers both share, as `scheme:value`."
    )
    name_similarity: float | None = strawberry.field(
        description="0 to 1: how alike the names are once legal-form words are ignored; null "
        "when only an identifier matched."
    )
    matched_name: str | None = strawberry.field(description="The other company's name matched.")


@strawberry.type(description="A business entity of interest to customs.")
class Company(Record):
    owner_module: ClassVar[str] = "companies"

    id: relay.NodeID[int]
    status: CompanyStatus
    version: int = strawberry.field(description="Send it back with an update; stale ones fail.")
    legal_name: str
    trade_names: list[str]
    country: str = strawberry.field(description="Country of registration.")
    legal_form: str | None = strawberry.field(description="List `companies_legal_forms`.")
    legal_status: str | None = strawberry.field(
        description="Active, dissolved... (list `companies_legal_statuses`)."
    )
    incorporated_on: dt.date | None
    dissolved_on: dt.date | None
    identifiers: list[CompanyIdentifier]
    addresses: list[CompanyAddress]
    contacts: list[CompanyContact]
    roles: list[str] = strawberry.field(description="Roles in trade (`companies_trade_roles`).")
    aeo: CompanyAeo
    hs_chapters: list[str] = strawberry.field(description="HS chapters traded (2 digits).")
    assessment_notes: str | None = strawberry.field(
        description="Assessments and opinions of officers, kept apart from the facts above."
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    validated_at: dt.datetime | None
    extra: strawberry.scalars.JSON = extension_values_field(ENTITY)

    @strawberry.field(
        description="Companies the caller may see with the same registration identifier or a "
        "similar name in the same country, most likely first."
    )
    async def possible_duplicates(self, info: Info[Context, None]) -> list[PossibleDuplicate]:
        matches = await duplicates(info.context).load(self.id)
        if not matches:
            return []
        others = await loaders.companies(info.context).load_many([m.company_id for m in matches])
        principal = info.context.principal
        return [
            PossibleDuplicate(
                company=node,
                same_identifiers=match.same_identifiers,
                name_similarity=match.name_similarity,
                matched_name=match.matched_name,
            )
            for match, row in zip(matches, others, strict=True)
            if (node := visible_company(row, principal)) is not None
        ]

    @classmethod
    def from_row(cls, row: CompanyRow) -> Company:
        return cls(
            id=row.id,
            # None when a page did not read the column (its selection does not serve it).
            status=CompanyStatus(row.status) if row.status else None,  # type: ignore[arg-type]
            version=row.version,
            legal_name=row.legal_name,
            trade_names=[t.name for t in row.trade_names],
            country=row.country,
            legal_form=row.legal_form,
            legal_status=row.legal_status,
            incorporated_on=row.incorporated_on,
            dissolved_on=row.dissolved_on,
            identifiers=[
                CompanyIdentifier(scheme=i.scheme, country=i.country, value=i.value)
                for i in row.identifiers
            ],
            addresses=[
                CompanyAddress(
                    kind=a.kind,
                    street=a.street,
                    postcode=a.postcode,
                    city=a.city,
                    region=a.region,
                    country=a.country,
                )
                for a in row.addresses
            ],
            contacts=[
                CompanyContact(kind=c.kind, value=c.value, note=c.note) for c in row.contacts
            ],
            roles=[r.code for r in row.roles],
            aeo=CompanyAeo(status=row.aeo_status, certificate=row.aeo_certificate),
            hs_chapters=[h.chapter for h in row.hs_chapters],
            assessment_notes=row.assessment_notes,
            created_at=row.created_at,
            updated_at=row.updated_at,
            submitted_at=row.submitted_at,
            validated_at=row.validated_at,
            extra=row.extra or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Company | None]:
        """Batched through the request's loader; invisible companies come back as null."""
        principal = info.context.principal
        ids = [record_id(i) or 0 for i in node_ids]
        operation_fields(info)  # the loader reads what the operation can serve
        found = await load_now(loaders.companies(info.context), ids)
        return [visible_company(row, principal) for row in found]


def visible_company(row: CompanyRow | None, principal: Principal) -> Company | None:
    """The GraphQL object, or None when there is no such company or the caller may not see it."""
    return Company.from_row(row) if row is not None and access.can_see(principal, row) else None


def _duplicates_loader(context: Context) -> DataLoader[int, list[DuplicateMatch]]:
    async def load(ids: Sequence[int]) -> list[list[DuplicateMatch]]:
        rows = await loaders.companies(context).load_many(list(ids))
        present = [row for row in rows if row is not None]
        async with context.instance.db.session() as session:
            found = await find_duplicates(session, present, context.principal)
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def duplicates(context: Context) -> DataLoader[int, list[DuplicateMatch]]:
    return context.loader("companies.duplicates", _duplicates_loader)
