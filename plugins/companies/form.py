"""The company form for frontends (`formSchema(entityType: "Company")`): fields, lists, labels.

Names follow the GraphQL input; list fields (identifiers, addresses, contacts) describe one line
of their list (`identifierScheme` is `identifiers[].scheme`). `required` is what a draft needs.
"""

from __future__ import annotations

from core.forms import EntityForm, FormField

# name, type, code list, required, nominal, max length, (en, fr, es)
FIELDS: list[tuple[str, str, str | None, bool, bool, int | None, tuple[str, str, str]]] = [
    (
        "legalName",
        "string",
        None,
        True,
        True,
        300,
        ("Legal name", "Raison sociale", "Razón social"),
    ),
    (
        "tradeNames",
        "string",
        None,
        False,
        True,
        300,
        ("Trade names", "Noms commerciaux", "Nombres comerciales"),
    ),
    (
        "country",
        "code",
        "countries",
        True,
        False,
        None,
        ("Country of registration", "Pays d'immatriculation", "País de registro"),
    ),
    (
        "legalForm",
        "code",
        "companies_legal_forms",
        False,
        False,
        None,
        ("Legal form", "Forme juridique", "Forma jurídica"),
    ),
    (
        "legalStatus",
        "code",
        "companies_legal_statuses",
        False,
        False,
        None,
        ("Legal status", "Situation juridique", "Situación jurídica"),
    ),
    (
        "incorporatedOn",
        "date",
        None,
        False,
        False,
        None,
        ("Date of incorporation", "Date de constitution", "Fecha de constitución"),
    ),
    (
        "dissolvedOn",
        "date",
        None,
        False,
        False,
        None,
        ("Date of dissolution", "Date de dissolution", "Fecha de disolución"),
    ),
    (
        "identifierScheme",
        "code",
        "companies_identifier_schemes",
        False,
        False,
        None,
        ("Identifier type", "Type d'identifiant", "Tipo de identificador"),
    ),
    (
        "identifierValue",
        "string",
        None,
        False,
        True,
        40,
        ("Identifier", "Identifiant", "Identificador"),
    ),
    (
        "identifierCountry",
        "code",
        "countries",
        False,
        False,
        None,
        ("Issuing country", "Pays émetteur", "País emisor"),
    ),
    (
        "addressKind",
        "code",
        "companies_address_types",
        False,
        False,
        None,
        ("Address type", "Type d'adresse", "Tipo de dirección"),
    ),
    ("addressStreet", "string", None, False, True, 300, ("Street", "Rue", "Calle")),
    (
        "addressPostcode",
        "string",
        None,
        False,
        True,
        20,
        ("Postcode", "Code postal", "Código postal"),
    ),
    ("addressCity", "string", None, False, False, 120, ("City", "Ville", "Ciudad")),
    ("addressRegion", "string", None, False, False, 120, ("Region", "Région", "Región")),
    ("addressCountry", "code", "countries", False, False, None, ("Country", "Pays", "País")),
    (
        "contactKind",
        "code",
        "companies_contact_types",
        False,
        False,
        None,
        ("Contact type", "Type de contact", "Tipo de contacto"),
    ),
    ("contactValue", "string", None, False, True, 300, ("Contact", "Contact", "Contacto")),
    (
        "roles",
        "code",
        "companies_trade_roles",
        False,
        False,
        None,
        ("Roles in trade", "Rôles dans le commerce", "Funciones en el comercio"),
    ),
    (
        "aeoStatus",
        "code",
        "companies_aeo_statuses",
        False,
        False,
        None,
        ("AEO status", "Statut OEA", "Condición OEA"),
    ),
    (
        "aeoCertificate",
        "string",
        None,
        False,
        False,
        40,
        ("AEO certificate number", "Numéro de certificat OEA", "Número de certificado OEA"),
    ),
    (
        "hsChapters",
        "string",
        None,
        False,
        False,
        2,
        ("HS chapters traded", "Chapitres SH négociés", "Capítulos SA comerciados"),
    ),
    (
        "assessmentNotes",
        "text",
        None,
        False,
        True,
        20_000,
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
            FormField(
                name,
                kind,
                required=required,
                code_list=code_list,
                nominal=nominal,
                max_length=max_length,
                label=dict(zip(("en", "fr", "es"), labels, strict=True)),
            )
            for name, kind, code_list, required, nominal, max_length, labels in FIELDS
        ],
    )
