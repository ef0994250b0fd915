"""The lists core ships: ISO 3166 countries and ISO 4217 currencies (from pycountry, with its
translations), UN/ECE Recommendation 19 transport modes and Recommendation 20 units."""

from __future__ import annotations

import gettext
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pycountry

from core.codelists.sources import CodeListSource, EntryData, ListData

DATA = Path(__file__).parent / "data"


def _translators(domain: str, languages: Sequence[str]) -> dict[str, Callable[[str], str]]:
    """pycountry's gettext catalog per language; English is the msgid itself."""
    found: dict[str, Callable[[str], str]] = {"en": lambda text: text}
    for language in languages:
        if language == "en":
            continue
        try:
            catalog = gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language])
        except OSError:  # pycountry has no catalog for this language: English fallback applies
            continue
        found[language] = catalog.gettext
    return found


def _labels(msgid: str, translators: dict[str, Callable[[str], str]]) -> dict[str, str]:
    labels = {lang: translate(msgid) for lang, translate in translators.items()}
    # An untranslated msgid comes back unchanged: store it only for English.
    return {lang: text for lang, text in labels.items() if lang == "en" or text != msgid}


def countries(languages: Sequence[str]) -> ListData:
    translators = _translators("iso3166-1", languages)
    entries = []
    for country in pycountry.countries:
        attributes: dict[str, Any] = {"alpha3": country.alpha_3, "numeric": country.numeric}
        entries.append(
            EntryData(
                code=country.alpha_2,
                labels=_labels(country.name, translators),
                attributes=attributes,
            )
        )
    labels = {"en": "Countries (ISO 3166-1)", "fr": "Pays (ISO 3166-1)"}
    return ListData("countries", labels, entries)


def currencies(languages: Sequence[str]) -> ListData:
    translators = _translators("iso4217", languages)
    entries = [
        EntryData(
            code=currency.alpha_3,
            labels=_labels(currency.name, translators),
            attributes={"numeric": currency.numeric},
        )
        for currency in pycountry.currencies
    ]
    labels = {"en": "Currencies (ISO 4217)", "fr": "Monnaies (ISO 4217)"}
    return ListData("currencies", labels, entries)


def core_sources() -> list[CodeListSource]:
    return [
        CodeListSource("countries", entries=countries),
        CodeListSource("currencies", entries=currencies),
        CodeListSource("transport_modes", file=DATA / "transport_modes.json"),
        CodeListSource("units", file=DATA / "units.json"),
    ]
