"""Search documents of seizures: goods, places, route countries, conveyance and concealment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.forms import extension_search_parts
from core.instance import instance_of
from core.search import SearchDocument, SearchType
from plugins.seizures import access
from plugins.seizures.models import Case, Container, GoodsLine, RiskIndicator, RouteLeg

ENTITY = "Seizure"

# What a document reads of a case, as plain rows: a rebuild of 100k cases spends most of its
# database time building ORM objects otherwise.
_CASE_COLUMNS = (
    Case.id,
    Case.status,
    Case.reference,
    Case.national_case_number,
    Case.seizure_date,
    Case.reporting_office,
    Case.place_country,
    Case.place_code,
    Case.place_name,
    Case.area,
    Case.detection_method,
    Case.concealment_method,
    Case.concealment_description,
    Case.transport_mode,
    Case.conveyance_identifier,
    Case.vessel_imo,
    Case.conveyance_country,
    Case.narrative,
    Case.extra,
)
# Each child collection in the order of its relationship on `Case`.
_CHILDREN = {
    "goods": (
        select(
            GoodsLine.case_id,
            GoodsLine.commodity,
            GoodsLine.hs_code,
            GoodsLine.description,
            GoodsLine.brand,
        ).order_by(GoodsLine.case_id, GoodsLine.position),
        GoodsLine.case_id,
    ),
    "route": (
        select(RouteLeg.case_id, RouteLeg.country, RouteLeg.place).order_by(
            RouteLeg.case_id, RouteLeg.position
        ),
        RouteLeg.case_id,
    ),
    "containers": (
        select(Container.case_id, Container.number).order_by(Container.case_id, Container.number),
        Container.case_id,
    ),
    "risk_indicators": (
        select(RiskIndicator.case_id, RiskIndicator.code).order_by(
            RiskIndicator.case_id, RiskIndicator.code
        ),
        RiskIndicator.case_id,
    ),
}


def document(
    case: Case | SimpleNamespace, extension_text: str = "", extension_codes: Sequence[str] = ()
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

    Five statements whatever the number of ids: the cases, then each child collection."""
    wanted = [int(i) for i in ids if i.isdigit()]
    rows = (
        await session.execute(
            select(*_CASE_COLUMNS)
            .where(Case.id.in_(wanted), Case.status != "draft")
            .order_by(Case.id)
        )
    ).all()
    cases = {
        row.id: SimpleNamespace(
            **row._asdict(), goods=[], route=[], containers=[], risk_indicators=[]
        )
        for row in rows
    }
    if cases:
        for name, (statement, case_id) in _CHILDREN.items():
            children: dict[int, list[Any]] = defaultdict(list)
            for child in await session.execute(statement.where(case_id.in_(list(cases)))):
                children[child.case_id].append(child)
            for key, items in children.items():
                setattr(cases[key], name, items)
    instance = instance_of(session)
    documents = []
    for case in cases.values():
        text, keywords = extension_search_parts(instance, ENTITY, case.extra)
        documents.append(document(case, text, keywords.get("codes", ())))
    return documents


async def all_ids(session: AsyncSession, batch_size: int) -> AsyncIterator[Sequence[str]]:
    last = 0
    while True:
        batch = (
            await session.scalars(
                select(Case.id)
                .where(Case.id > last, Case.status != "draft")
                .order_by(Case.id)
                .limit(batch_size)
            )
        ).all()
        if not batch:
            return
        yield [str(i) for i in batch]
        last = batch[-1]


async def count(session: AsyncSession) -> int:
    return (
        await session.scalar(select(func.count()).select_from(Case).where(Case.status != "draft"))
        or 0
    )


SEARCH_TYPE = SearchType(
    entity_type=ENTITY,
    module="seizures",
    permission=access.VIEW,
    fetch=fetch,
    ids=all_ids,
    count=count,
)
