"""What persons declare for data exchange: flat columns (two documents, one address), and
`suspects.export`, without which an export holds only the non-nominal columns (category,
status, review date). Core does the work; exports of persons with nominal columns note a
consultation per person in the audit log, as reads do."""

from __future__ import annotations

from core.exchange.declaration import (
    Column,
    ExchangeType,
    Statistics,
    child_column,
    child_dimension,
    column_dimension,
    field_column,
    list_column,
)
from plugins.suspects.models import (
    Person,
    PersonAddressRow,
    PersonAlias,
    PersonDocument,
    PersonNationality,
    PersonPhone,
)
from plugins.suspects.queries import PersonFilter, apply_filter
from plugins.suspects.types import format_birth

EXPORT = "suspects.export"


def _columns() -> list[Column]:
    names = ("family_name", "given_names", "original_script_name", "transliteration")
    columns = [field_column(Person, "status", importable=False), field_column(Person, "category")]
    columns += [field_column(Person, name) for name in names]
    columns += [
        list_column("aliases", PersonAlias, "name"),
        Column(
            "dateOfBirth",
            lambda p: format_birth(p.birth_year, p.birth_month, p.birth_day),
            [Person.birth_year, Person.birth_month, Person.birth_day],
        ),
        field_column(Person, "birth_place"),
        field_column(Person, "birth_country"),
        field_column(Person, "gender"),
        list_column("nationalities", PersonNationality, "country"),
    ]
    document = ("type", "number", "issuing_country", "issue_date", "expiry_date")
    for i in range(2):
        columns += [child_column("documents", i, PersonDocument, n) for n in document]
    address = ("line", "city", "postal_code", "country")
    columns += [child_column("addresses", 0, PersonAddressRow, n) for n in address]
    columns += [
        list_column("phones", PersonPhone, "number"),
        field_column(Person, "email"),
        field_column(Person, "occupation"),
        field_column(Person, "assessment"),
        field_column(Person, "review_date"),
    ]
    return columns


# Grouping by a nominal column (gender, nationality, country of birth) needs suspects.export,
# as exporting it does (core reads the columns' tags).
STATISTICS = Statistics(
    date=Person.created_at,  # when the person was recorded
    dimensions=(
        column_dimension("category", Person.category),
        column_dimension("gender", Person.gender),
        column_dimension("birthCountry", Person.birth_country),
        child_dimension("nationality", PersonNationality.country, PersonNationality.person_id),
    ),
)

EXCHANGE = ExchangeType(
    record_type="Person",
    module="suspects",
    columns=_columns(),
    export_permission=EXPORT,
    filter_input=PersonFilter,
    apply_filter=apply_filter,
    statistics=STATISTICS,
)
