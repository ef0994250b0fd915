"""The company form for frontends (`formSchema(entityType: "Company")`): fields, lists, labels.

Names follow the GraphQL input; list fields (identifiers, addresses, contacts) describe one line
of their list (`identifierScheme` is `identifiers[].scheme`). Whether a field is personal data and
its length come from its column; `required` and `requiredToSubmit` from the company's rules
(`plugins.companies.record`).
"""

from __future__ import annotations

from typing import Any

from core.forms import EntityForm, column_field
from plugins.companies.models import (
    BusinessAddress,
    BusinessContact,
    Company,
    CompanyTradeName,
    RegistrationId,
    TradedChapter,
    TradeRole,
)
from plugins.companies.validation import MAX_TEXT

# name, type, column, code list, (en, fr, es)
FIELDS: list[tuple[str, str, Any, str | None, tuple[str, str, str]]] = [
    (
        "legalName",
        "string",
        Company.legal_name,
        None,
        ("Legal name", "Raison sociale", "Razón social"),
    ),
    (
        "tradeNames",
        "string",
        CompanyTradeName.name,
        None,
        ("Trade names", "Noms commerciaux", "Nombres comerciales"),
    ),
    (
        "country",
        "code",
        Company.country,
        "countries",
        ("Country of registration", "Pays d'immatriculation", "País de registro"),
    ),
    (
        "legalForm",
        "code",
        Company.legal_form,
        "companies_legal_forms",
        ("Legal form", "Forme juridique", "Forma jurídica"),
    ),
    (
        "legalStatus",
        "code",
        Company.legal_status,
        "companies_legal_statuses",
        ("Legal status", "Situation juridique", "Situación jurídica"),
    ),
    (
        "incorporatedOn",
        "date",
        Company.incorporated_on,
        None,
        ("Date of incorporation", "Date de constitution", "Fecha de constitución"),
    ),
    (
        "dissolvedOn",
        "date",
        Company.dissolved_on,
        None,
        ("Date of dissolution", "Date de dissolution", "Fecha de disolución"),
    ),
    (
        "identifierScheme",
        "code",
        RegistrationId.scheme,
        "companies_identifier_schemes",
        ("Identifier type", "Type d'identifiant", "Tipo de identificador"),
    ),
    (
        "identifierValue",
        "string",
        RegistrationId.value,
        None,
        ("Identifier", "Identifiant", "Identificador"),
    ),
    (
        "identifierCountry",
        "code",
        RegistrationId.country,
        "countries",
        ("Issuing country", "Pays émetteur", "País emisor"),
    ),
    (
        "addressKind",
        "code",
        BusinessAddress.kind,
        "companies_address_types",
        ("Address type", "Type d'adresse", "Tipo de dirección"),
    ),
    ("addressStreet", "string", BusinessAddress.street, None, ("Street", "Rue", "Calle")),
    (
        "addressPostcode",
        "string",
        BusinessAddress.postcode,
        None,
        ("Postcode", "Code postal", "Código postal"),
    ),
    ("addressCity", "string", BusinessAddress.city, None, ("City", "Ville", "Ciudad")),
    ("addressRegion", "string", BusinessAddress.region, None, ("Region", "Région", "Región")),
    ("addressCountry", "code", BusinessAddress.country, "countries", ("Country", "Pays", "País")),
    (
        "contactKind",
        "code",
        BusinessContact.kind,
        "companies_contact_types",
        ("Contact type", "Type de contact", "Tipo de contacto"),
    ),
    ("contactValue", "string", BusinessContact.value, None, ("Contact", "Contact", "Contacto")),
    (
        "roles",
        "code",
        TradeRole.code,
        "companies_trade_roles",
        ("Roles in trade", "Rôles dans le commerce", "Funciones en el comercio"),
    ),
    (
        "aeoStatus",
        "code",
        Company.aeo_status,
        "companies_aeo_statuses",
        ("AEO status", "Statut OEA", "Condición OEA"),
    ),
    (
        "aeoCertificate",
        "string",
        Company.aeo_certificate,
        None,
        ("AEO certificate number", "Numéro de certificat OEA", "Número de certificado OEA"),
    ),
    (
        "hsChapters",
        "string",
        TradedChapter.chapter,
        None,
        ("HS chapters traded", "Chapitres SH négociés", "Capítulos SA comerciados"),
    ),
    (
        "assessmentNotes",
        "text",
        Company.assessment_notes,
        None,
        (
            "Assessment (opinion, not fact)",
            "Évaluation (avis, non des faits)",
            "Evaluación (opinión, no hechos)",
        ),
    ),
]


def company_form() -> EntityForm:
    return EntityForm(
        "Company",
        table="companies_company",
        fields=[
            column_field(
                name,
                kind,
                column,
                dict(zip(("en", "fr", "es"), labels, strict=True)),
                code_list=code_list,
                max_length=MAX_TEXT if kind == "text" else None,
            )
            for name, kind, column, code_list, labels in FIELDS
        ],
    )
