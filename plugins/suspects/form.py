"""The suspects forms for frontends: `formSchema(entityType: "Person")` and one form per kind of
means of conveyance (`Vehicle`, `Vessel`, `Aircraft`, `Container`).

Names follow the GraphQL inputs; list fields describe one line of their list (`documentNumber` is
`documents[].number`, `addressCity` is `addresses[].city`). `required` is what creating the record
needs (a person's from `PersonRecord.requirements`). `nominal` is read from the model column the field is stored in (its `NOMINAL` tag), so the
form cannot disagree with what core filters out of exports. `maxLength` is what validation and
the column accept for text kept as typed; identifiers that are normalised (document numbers,
phones, plates, VINs, IMO, MMSI, registrations, container numbers) have none: they may be typed
with spaces and separators, and their format check is the limit.

Left out: `PersonInput.photos` (ids of uploads made through `POST /attachments`; core's form
field types have no file type) and `MeansOfConveyanceInput.kind` (the form's entity type is the
kind). Persons and conveyances take no extension fields: their tables have no `extra` column.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import QueryableAttribute

from core.forms import EntityForm, FormField, column_field
from plugins.suspects.models import (
    CONVEYANCE_KINDS,
    Conveyance,
    Person,
    PersonAddressRow,
    PersonAlias,
    PersonDocument,
    PersonNationality,
    PersonPhone,
)
from plugins.suspects.validation import (
    FIELDS_OF_KIND,
    MAX_ADDRESS_LINE,
    MAX_ALIAS,
    MAX_CITY,
    MAX_EMAIL,
    MAX_MAKE_MODEL,
    MAX_NAME,
    MAX_POSTAL_CODE,
    MAX_TEXT,
)

Labels = tuple[str, str, str]  # en, fr, es

# Input fields that no form describes, and why (the tests compare the forms with the inputs).
LEFT_OUT = {
    "Person": {"photos": "uploads (POST /attachments): core's form field types have no file"},
    "MeansOfConveyance": {"kind": "the form's entity type is the kind"},
}


def _field(
    name: str,
    kind: str,
    column: QueryableAttribute[Any],
    labels: Labels,
    *,
    code_list: str | None = None,
    required: bool = False,
    max_length: int | None = None,
    help: Labels | None = None,
) -> FormField:
    """A form field whose `nominal` flag is its column's `NOMINAL` tag. `required` is for the
    conveyance forms, whose rules depend on the kind; a person's come from its record type."""
    spec = column_field(
        name,
        kind,
        column,
        dict(zip(("en", "fr", "es"), labels, strict=True)),
        code_list=code_list,
        help=dict(zip(("en", "fr", "es"), help, strict=True)) if help else None,
        max_length=max_length,
    )
    return dataclasses.replace(spec, required=required)


def person_form() -> EntityForm:
    return EntityForm(
        "Person",
        fields=[
            _field(
                "category",
                "string",  # the GraphQL enum PersonCategory: core has no enum field type
                Person.category,
                ("Category", "Catégorie", "Categoría"),
                help=(
                    "SUSPECT, OFFENDER, CONVICTED, WITNESS or VICTIM",
                    "SUSPECT (suspect), OFFENDER (auteur), CONVICTED (condamné), WITNESS "
                    "(témoin) ou VICTIM (victime)",
                    "SUSPECT (sospechoso), OFFENDER (infractor), CONVICTED (condenado), "
                    "WITNESS (testigo) o VICTIM (víctima)",
                ),
            ),
            _field(
                "familyName",
                "string",
                Person.family_name,
                ("Family name", "Nom de famille", "Apellidos"),
                max_length=MAX_NAME,
            ),
            _field(
                "givenNames",
                "string",
                Person.given_names,
                ("Given names", "Prénoms", "Nombres"),
                max_length=MAX_NAME,
            ),
            _field(
                "originalScriptName",
                "string",
                Person.original_script_name,
                (
                    "Name in its original script",
                    "Nom dans son écriture d'origine",
                    "Nombre en su escritura original",
                ),
                max_length=MAX_NAME,
            ),
            _field(
                "transliteration",
                "string",
                Person.transliteration,
                ("Transliteration", "Translittération", "Transliteración"),
                max_length=MAX_NAME,
            ),
            _field(
                "aliases",
                "string",
                PersonAlias.name,
                ("Aliases", "Alias", "Alias"),
                max_length=MAX_ALIAS,
            ),
            _field(
                "dateOfBirth",
                "string",  # partial dates are allowed: not a `date` field
                Person.birth_year,
                ("Date of birth", "Date de naissance", "Fecha de nacimiento"),
                max_length=10,
                help=(
                    "YYYY, YYYY-MM or YYYY-MM-DD",
                    "AAAA, AAAA-MM ou AAAA-MM-JJ",
                    "AAAA, AAAA-MM o AAAA-MM-DD",
                ),
            ),
            _field(
                "birthPlace",
                "string",
                Person.birth_place,
                ("Place of birth", "Lieu de naissance", "Lugar de nacimiento"),
                max_length=MAX_NAME,
            ),
            _field(
                "birthCountry",
                "code",
                Person.birth_country,
                ("Country of birth", "Pays de naissance", "País de nacimiento"),
                code_list="countries",
            ),
            _field(
                "gender",
                "code",
                Person.gender,
                ("Gender", "Sexe", "Sexo"),
                code_list="suspects_genders",
            ),
            _field(
                "nationalities",
                "code",
                PersonNationality.country,
                ("Nationalities", "Nationalités", "Nacionalidades"),
                code_list="countries",
            ),
            _field(
                "documentType",
                "code",
                PersonDocument.type,
                ("Document type", "Type de pièce", "Tipo de documento"),
                code_list="suspects_document_types",
            ),
            _field(
                "documentNumber",
                "string",
                PersonDocument.number,
                ("Document number", "Numéro de la pièce", "Número del documento"),
            ),
            _field(
                "documentIssuingCountry",
                "code",
                PersonDocument.issuing_country,
                ("Issuing country", "Pays de délivrance", "País de expedición"),
                code_list="countries",
            ),
            _field(
                "documentIssueDate",
                "date",
                PersonDocument.issue_date,
                ("Date of issue", "Date de délivrance", "Fecha de expedición"),
            ),
            _field(
                "documentExpiryDate",
                "date",
                PersonDocument.expiry_date,
                ("Expiry date", "Date d'expiration", "Fecha de caducidad"),
            ),
            _field(
                "addressLine",
                "string",
                PersonAddressRow.line,
                ("Address", "Adresse", "Dirección"),
                max_length=MAX_ADDRESS_LINE,
            ),
            _field(
                "addressCity",
                "string",
                PersonAddressRow.city,
                ("City", "Ville", "Ciudad"),
                max_length=MAX_CITY,
            ),
            _field(
                "addressPostalCode",
                "string",
                PersonAddressRow.postal_code,
                ("Postcode", "Code postal", "Código postal"),
                max_length=MAX_POSTAL_CODE,
            ),
            _field(
                "addressCountry",
                "code",
                PersonAddressRow.country,
                ("Country", "Pays", "País"),
                code_list="countries",
            ),
            _field(
                "phones",
                "string",
                PersonPhone.number,
                ("Phone numbers", "Numéros de téléphone", "Números de teléfono"),
            ),
            _field(
                "email",
                "string",
                Person.email,
                ("E-mail", "Courriel", "Correo electrónico"),
                max_length=MAX_EMAIL,
            ),
            _field(
                "occupation",
                "string",
                Person.occupation,
                ("Occupation", "Profession", "Profesión"),
                max_length=MAX_NAME,
            ),
            _field(
                "assessment",
                "text",
                Person.assessment,
                (
                    "Assessment (opinion, not fact)",
                    "Évaluation (avis, non des faits)",
                    "Evaluación (opinión, no hechos)",
                ),
                max_length=MAX_TEXT,
            ),
            _field(
                "reviewDate",
                "date",
                Person.review_date,
                ("Review date", "Date de réexamen", "Fecha de revisión"),
                help=(
                    "When the record must be reviewed or erased; if empty, the `review_years` setting ahead (3 by default)",
                    "Date à laquelle réexaminer ou effacer la fiche ; dans trois ans si vide",
                    "Cuándo revisar o suprimir el registro; dentro de tres años si está vacío",
                ),
            ),
        ],
    )


# Conveyance fields in the input's order: attribute, form field. A kind's form has those of
# FIELDS_OF_KIND (the fields validation accepts for it) and `notes`.
_CONVEYANCE_FIELDS: list[tuple[str, FormField]] = [
    (
        "plate",
        _field(
            "plate",
            "string",
            Conveyance.plate,
            ("Registration plate", "Plaque d'immatriculation", "Matrícula"),
            help=(
                "With its country; or give the VIN",
                "Avec son pays ; ou indiquer le VIN",
                "Con su país; o indicar el VIN",
            ),
        ),
    ),
    (
        "make",
        _field(
            "make",
            "string",
            Conveyance.make,
            ("Make", "Marque", "Marca"),
            max_length=MAX_MAKE_MODEL,
        ),
    ),
    (
        "model",
        _field(
            "model",
            "string",
            Conveyance.model,
            ("Model", "Modèle", "Modelo"),
            max_length=MAX_MAKE_MODEL,
        ),
    ),
    (
        "vin",
        _field(
            "vin",
            "string",
            Conveyance.vin,
            (
                "Vehicle identification number (VIN)",
                "Numéro d'identification du véhicule (VIN)",
                "Número de bastidor (VIN)",
            ),
        ),
    ),
    (
        "name",
        _field(
            "name",
            "string",
            Conveyance.name,
            ("Vessel name", "Nom du navire", "Nombre del buque"),
            max_length=MAX_NAME,
            help=(
                "Or give the IMO number",
                "Ou indiquer le numéro OMI",
                "O indicar el número OMI",
            ),
        ),
    ),
    ("imo", _field("imo", "string", Conveyance.imo, ("IMO number", "Numéro OMI", "Número OMI"))),
    ("mmsi", _field("mmsi", "string", Conveyance.mmsi, ("MMSI", "MMSI", "MMSI"))),
    (
        "registration",
        _field(
            "registration",
            "string",
            Conveyance.registration,
            ("Registration", "Immatriculation", "Matrícula"),
            required=True,  # the only field an aircraft has to identify it
        ),
    ),
    (
        "container_number",
        _field(
            "containerNumber",
            "string",
            Conveyance.container_number,
            ("Container number", "Numéro du conteneur", "Número del contenedor"),
            required=True,  # the only field a container has
        ),
    ),
    (
        "country",
        _field(
            "country",
            "code",
            Conveyance.country,
            ("Country of registration", "Pays d'immatriculation", "País de matrícula"),
            code_list="countries",
        ),
    ),
]
_VESSEL_FLAG = _field(
    "country", "code", Conveyance.country, ("Flag", "Pavillon", "Pabellón"), code_list="countries"
)
_NOTES = _field("notes", "text", Conveyance.notes, ("Notes", "Remarques", "Notas"))


def conveyance_forms() -> list[EntityForm]:
    """One form per kind, named like its GraphQL type (`Vehicle`, ...)."""
    forms = []
    for kind in CONVEYANCE_KINDS:
        fields = [
            _VESSEL_FLAG if (kind, attribute) == ("vessel", "country") else spec
            for attribute, spec in _CONVEYANCE_FIELDS
            if attribute in FIELDS_OF_KIND[kind]
        ]
        forms.append(EntityForm(kind.title(), fields=[*fields, _NOTES]))
    return forms
