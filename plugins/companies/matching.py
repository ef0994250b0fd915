"""A company as matching sees it (`core.matching`): its legal and trade names, registration
identifiers of every scheme, contacts (phones, e-mail), and its country of registration."""

from __future__ import annotations

from core.matching.profile import Profile, identifiers, names, text_of
from plugins.companies.models import Company

_CONTACT_FAMILY = {"phone": "phone", "fax": "phone", "mobile": "phone", "email": "email"}


def profile_of(company: Company) -> Profile:
    return Profile(
        entity_type="Company",
        id=str(company.id),
        schema="company",
        names=names(
            (company.legal_name, "legalName"),
            *((t.name, f"tradeNames[{n}]") for n, t in enumerate(company.trade_names)),
        ),
        countries=frozenset([company.country]) if company.country else frozenset(),
        identifiers=identifiers(
            *(
                ("company", i.value, f"identifiers[{n}].value")
                for n, i in enumerate(company.identifiers)
            ),
            *(
                (_CONTACT_FAMILY[c.kind], c.value, f"contacts[{n}].value")
                for n, c in enumerate(company.contacts)
                if c.kind in _CONTACT_FAMILY
            ),
        ),
        text=text_of(company.legal_form, [a.city or "" for a in company.addresses]),
    )
