"""Search documents of seizures: goods, places, route countries, conveyance and concealment."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from core.forms import extension_search_parts
from core.instance import instance_of
from core.record_ids import record_ids
from core.search import SearchDocument, SearchType
from core.search.documents import table_rows
from plugins.seizures import access, loaders
from plugins.seizures.models import Case

ENTITY = "Seizure"


def document(
    case: Case | loaders.CaseRecord, extension_text: str = "", extension_codes: Sequence[str] = ()
) -> SearchDocument:
    goods = [
        " ".join(filter(None, (g.commodity.replace("_", " "), g.description, g.brand)))
        for g in case.goods
    ]
    title = f"{case.reference} {case.area} {', '.join(g.commodity for g in case.goods)}".strip()
    content = "\n".join(
        filter(
            None,
            [
                *goods,
                case.place_name,
                case.reporting_office,
                case.conveyance_identifier,
                case.concealment_method and case.concealment_method.replace("_", " "),
                case.concealment_description,
                case.narrative,
                *(leg.place for leg in case.route),
                # Identifiers in the text too, so a bare container number or IMO finds the case.
                " ".join(c.number for c in case.containers),
                case.vessel_imo,
                extension_text,
            ],
        )
    )
    countries = {case.place_country, *(leg.country for leg in case.route)}
    if case.conveyance_country:
        countries.add(case.conveyance_country)
    codes = {
        case.area,
        f"status:{case.status}",
        *(g.commodity for g in case.goods),
        *(g.hs_code for g in case.goods if g.hs_code),
        *(c for c in (case.detection_method, case.concealment_method, case.transport_mode) if c),
        *(r.code for r in case.risk_indicators),
        *extension_codes,
    }
    identifiers = {
        case.reference,
        *(c.number for c in case.containers),
        *(
            i
            for i in (
                case.conveyance_identifier,
                case.vessel_imo,
                case.national_case_number,
                case.place_code,
            )
            if i
        ),
    }
    return SearchDocument(
        entity_type=ENTITY,
        id=str(case.id),
        module="seizures",
        title=title,
        content=content,
        date=case.seizure_date,
        keywords={
            "countries": sorted(c for c in countries if c),
            "codes": sorted(c for c in codes if c),
            "identifiers": sorted(identifiers),
        },
    )


async def fetch(session: AsyncSession, ids: Sequence[str]) -> list[SearchDocument]:
    """Current documents; drafts are left out of the shared index (they are private to their
    author until submitted), so a case enters search when it is submitted.

    Six statements whatever the number of ids: the cases, then each child collection."""
    wanted = record_ids(ids)
    table = loaders.CASE_TABLE
    cases = await loaders.read_cases(
        session,
        loaders.page_query()
        .where(table.c.id.in_(wanted), table.c.status != "draft")
        .order_by(table.c.id),
    )
    instance = instance_of(session)
    documents = []
    for case in cases:
        text, keywords = extension_search_parts(instance, ENTITY, case.extra)
        documents.append(document(case, text, keywords.get("codes", ())))
    return documents


all_ids, count = table_rows(Case.id, Case.status != "draft")

SEARCH_TYPE = SearchType(
    entity_type=ENTITY,
    module="seizures",
    permission=access.VIEW,
    fetch=fetch,
    ids=all_ids,
    count=count,
)
