"""Search documents of companies: names as text (so fuzzy terms such as `globl~` find them),
registration identifiers as exact keywords, classifications as codes.

Drafts are indexed with their author as audience: only the author and validators find them.
Fetching, rebuilding and extension fields are core's (`core.records.search`).
"""

from __future__ import annotations

from core.search import SearchDocument
from plugins.companies.loaders import ENTITY
from plugins.companies.models import Company


def document(company: Company) -> SearchDocument:
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
