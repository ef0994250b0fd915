"""Search documents of companies: names as text (so fuzzy terms such as `globl~` find them),
registration identifiers as exact keywords, classifications as codes.

Drafts are indexed with their author as audience: only the author and validators find them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.forms import extension_search_parts
from core.instance import instance_of
from core.record_ids import record_ids
from core.search import SearchDocument, SearchType
from plugins.companies import access
from plugins.companies.loaders import ENTITY, with_children
from plugins.companies.models import Company


def document(
    company: Company, extension_text: str = "", extension_codes: Sequence[str] = ()
) -> SearchDocument:
    names = [company.legal_name, *(t.name for t in company.trade_names)]
    keys = {company.name_key, *(t.name_key for t in company.trade_names)}
    content = "\n".join(
        filter(
            None,
            [
                *names[1:],
                *sorted(keys),  # names without legal-form words or accents
                *(
                    " ".join(filter(None, (a.street, a.postcode, a.city, a.region)))
                    for a in company.addresses
                ),
                *(c.value for c in company.contacts if c.kind in {"website", "email"}),
                *(r.code.replace("_", " ") for r in company.roles),
                extension_text,
            ],
        )
    )
    countries = {company.country, *(a.country for a in company.addresses)}
    codes = {
        f"status:{company.status}",
        *(r.code for r in company.roles),
        *(f"hs:{h.chapter}" for h in company.hs_chapters),
        *(
            c
            for c in (company.legal_form, company.legal_status, company.aeo_status)
            if c and c != "none"
        ),
        *extension_codes,
    }
    identifiers = {
        *(i.value for i in company.identifiers),
        *(f"{i.scheme}:{i.value}" for i in company.identifiers),
        *((company.aeo_certificate,) if company.aeo_certificate else ()),
    }
    return SearchDocument(
        entity_type=ENTITY,
        id=str(company.id),
        module="companies",
        title=" / ".join(names),
        content=content,
        date=company.incorporated_on,
        keywords={
            "countries": sorted(c for c in countries if c),
            "codes": sorted(c for c in codes if c),
            "identifiers": sorted(identifiers),
        },
        audience=[f"user:{company.created_by}"] if company.status == "draft" else None,
    )


async def fetch(session: AsyncSession, ids: Sequence[str]) -> list[SearchDocument]:
    wanted = record_ids(ids)
    rows = (
        await session.scalars(with_children(select(Company).where(Company.id.in_(wanted))))
    ).all()
    instance = instance_of(session)
    documents = []
    for company in rows:
        text, keywords = extension_search_parts(instance, ENTITY, company.extra)
        documents.append(document(company, text, keywords.get("codes", ())))
    return documents


async def all_ids(session: AsyncSession, batch_size: int) -> AsyncIterator[Sequence[str]]:
    last = 0
    while True:
        batch = (
            await session.scalars(
                select(Company.id).where(Company.id > last).order_by(Company.id).limit(batch_size)
            )
        ).all()
        if not batch:
            return
        yield [str(i) for i in batch]
        last = batch[-1]


async def count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Company)) or 0


SEARCH_TYPE = SearchType(
    entity_type=ENTITY,
    module="companies",
    permission=access.VIEW,
    fetch=fetch,
    ids=all_ids,
    count=count,
    audience=access.search_audience,
)
