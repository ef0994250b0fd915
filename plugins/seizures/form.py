"""The seizure form for frontends (`formSchema(entityType: "Seizure")`): fields, lists, labels.

Names follow the GraphQL input (`place.country` is `placeCountry`; goods and route fields
describe one line of their list). Whether a field is personal data and its length come from its
column; `required` (the statistical header) and `requiredToSubmit` (the simplified form) from the
seizure's rules (`plugins.seizures.forms`).
"""

from __future__ import annotations

from typing import Any

from core.forms import EntityForm, column_field
from core.forms.fields import FROM_COLUMN
from plugins.seizures.models import (
    Case,
    Container,
    GoodsLine,
    OffenderSummary,
    RiskIndicator,
    RouteLeg,
)
from plugins.seizures.validation import MAX_TEXT

# name, type, column, code list, (en, fr, es)
FIELDS: list[tuple[str, str, Any, str | None, tuple[str, str, str]]] = [
    (
        "nationalCaseNumber",
        "string",
        Case.national_case_number,
        None,
        ("National case number", "Numéro national du dossier", "Número nacional del caso"),
    ),
    (
        "seizureDate",
        "date",
        Case.seizure_date,
        None,
        ("Seizure date", "Date de la saisie", "Fecha de la incautación"),
    ),
    (
        "seizureTime",
        "string",
        Case.seizure_time,
        None,
        ("Seizure time", "Heure de la saisie", "Hora de la incautación"),
    ),
    (
        "reportingOffice",
        "string",
        Case.reporting_office,
        None,
        ("Reporting office", "Bureau déclarant", "Oficina declarante"),
    ),
    (
        "placeCountry",
        "code",
        Case.place_country,
        "countries",
        ("Country of seizure", "Pays de la saisie", "País de la incautación"),
    ),
    (
        "placeCode",
        "string",
        Case.place_code,
        None,
        (
            "UN/LOCODE or office code",
            "UN/LOCODE ou code du bureau",
            "UN/LOCODE o código de oficina",
        ),
    ),
    ("placeName", "string", Case.place_name, None, ("Place", "Lieu", "Lugar")),
    (
        "placeLocationType",
        "code",
        Case.location_type,
        "seizures_location_types",
        ("Type of location", "Type de lieu", "Tipo de lugar"),
    ),
    ("direction", "code", Case.direction, "seizures_directions", ("Direction", "Sens", "Sentido")),
    (
        "area",
        "code",
        Case.area,
        "seizures_areas",
        ("Enforcement area", "Domaine de contrôle", "Ámbito de control"),
    ),
    (
        "offenceType",
        "code",
        Case.offence_type,
        "seizures_offence_types",
        ("Offence type", "Type d'infraction", "Tipo de infracción"),
    ),
    (
        "detectionMethod",
        "code",
        Case.detection_method,
        "seizures_detection_methods",
        ("Detection method", "Méthode de détection", "Método de detección"),
    ),
    (
        "riskIndicators",
        "code",
        RiskIndicator.code,
        "seizures_risk_indicators",
        ("Risk indicators", "Indicateurs de risque", "Indicadores de riesgo"),
    ),
    (
        "concealmentMethod",
        "code",
        Case.concealment_method,
        "seizures_concealment_methods",
        ("Concealment method", "Méthode de dissimulation", "Método de ocultación"),
    ),
    (
        "concealmentDescription",
        "text",
        Case.concealment_description,
        None,
        (
            "Concealment description",
            "Description de la dissimulation",
            "Descripción de la ocultación",
        ),
    ),
    (
        "transportMode",
        "code",
        Case.transport_mode,
        "transport_modes",
        ("Mode of transport", "Mode de transport", "Modo de transporte"),
    ),
    (
        "conveyanceType",
        "code",
        Case.conveyance_type,
        "seizures_conveyance_types",
        ("Means of transport", "Moyen de transport", "Medio de transporte"),
    ),
    (
        "conveyanceIdentifier",
        "string",
        Case.conveyance_identifier,
        None,
        ("Flight, vessel or plate", "Vol, navire ou immatriculation", "Vuelo, buque o matrícula"),
    ),
    ("vesselImo", "string", Case.vessel_imo, None, ("IMO number", "Numéro OMI", "Número OMI")),
    (
        "conveyanceCountry",
        "code",
        Case.conveyance_country,
        "countries",
        (
            "Flag or registration country",
            "Pavillon ou pays d'immatriculation",
            "Pabellón o país de matrícula",
        ),
    ),
    (
        "containers",
        "string",
        Container.number,
        None,
        (
            "Container numbers (ISO 6346)",
            "Numéros de conteneur (ISO 6346)",
            "Números de contenedor (ISO 6346)",
        ),
    ),
    (
        "goodsCommodity",
        "code",
        GoodsLine.commodity,
        "seizures_commodities",
        ("Commodity", "Marchandise", "Mercancía"),
    ),
    ("goodsHsCode", "string", GoodsLine.hs_code, None, ("HS code", "Code SH", "Código SA")),
    (
        "goodsDescription",
        "text",
        GoodsLine.description,
        None,
        ("Description of goods", "Description des marchandises", "Descripción de las mercancías"),
    ),
    ("goodsBrand", "string", GoodsLine.brand, None, ("Brand", "Marque", "Marca")),
    ("goodsQuantity", "decimal", GoodsLine.quantity, None, ("Quantity", "Quantité", "Cantidad")),
    ("goodsUnit", "code", GoodsLine.unit, "units", ("Unit", "Unité", "Unidad")),
    ("goodsPieces", "integer", GoodsLine.pieces, None, ("Pieces", "Pièces", "Piezas")),
    (
        "goodsValue",
        "decimal",
        GoodsLine.value,
        None,
        ("Estimated value", "Valeur estimée", "Valor estimado"),
    ),
    ("goodsCurrency", "code", GoodsLine.currency, "currencies", ("Currency", "Monnaie", "Moneda")),
    ("routeRole", "code", RouteLeg.role, "seizures_route_roles", ("Route leg", "Étape", "Tramo")),
    (
        "routeCountry",
        "code",
        RouteLeg.country,
        "countries",
        ("Country of the leg", "Pays de l'étape", "País del tramo"),
    ),
    (
        "routePlace",
        "string",
        RouteLeg.place,
        None,
        ("Place of the leg", "Lieu de l'étape", "Lugar del tramo"),
    ),
    (
        "routeDate",
        "date",
        RouteLeg.date,
        None,
        ("Date of the leg", "Date de l'étape", "Fecha del tramo"),
    ),
    (
        "offenderNationality",
        "code",
        OffenderSummary.nationality,
        "countries",
        (
            "Offenders' nationality",
            "Nationalité des contrevenants",
            "Nacionalidad de los infractores",
        ),
    ),
    (
        "offenderGender",
        "code",
        OffenderSummary.gender,
        "seizures_genders",
        ("Offenders' gender", "Sexe des contrevenants", "Sexo de los infractores"),
    ),
    (
        "offenderAgeBand",
        "code",
        OffenderSummary.age_band,
        "seizures_age_bands",
        (
            "Offenders' age band",
            "Tranche d'âge des contrevenants",
            "Franja de edad de los infractores",
        ),
    ),
    (
        "offenderRole",
        "code",
        OffenderSummary.role,
        "seizures_offender_roles",
        ("Offenders' role", "Rôle des contrevenants", "Función de los infractores"),
    ),
    ("narrative", "text", Case.narrative, None, ("Narrative", "Récit", "Relato")),
    (
        "internalNotes",
        "text",
        Case.internal_notes,
        None,
        ("Internal notes", "Notes internes", "Notas internas"),
    ),
]


# Identifiers normalised before they are stored (typed with spaces and separators): their format
# check is their limit, not the length of the stored form.
NORMALISED = frozenset({"vesselImo", "containers", "goodsHsCode"})


def _max_length(name: str, kind: str) -> int | object | None:
    if kind == "text":
        return MAX_TEXT
    return None if name in NORMALISED else FROM_COLUMN


def seizure_form() -> EntityForm:
    return EntityForm(
        "Seizure",
        table="seizures_case",
        fields=[
            column_field(
                name,
                kind,
                column,
                dict(zip(("en", "fr", "es"), labels, strict=True)),
                code_list=code_list,
                max_length=_max_length(name, kind),
            )
            for name, kind, column, code_list, labels in FIELDS
        ],
    )
