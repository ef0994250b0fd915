"""Test country plugin `ruritania`: extends the `wares_kinds` list of another module, ships a
list of its own, and adds extension fields to the `Consignment` entity type."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.codelists import CodeListSource, EntryData, ListData
from core.forms import ExtensionField, FormField
from core.hookspecs import hookimpl
from core.module import ModuleInfo


def regions(languages: Sequence[str]) -> ListData:
    return ListData(
        "ruritania_regions",
        {"en": "Regions of Ruritania"},
        [
            EntryData("N", {"en": "North", "fr": "Nord"}, sort=1),
            EntryData("S", {"en": "South", "fr": "Sud"}, sort=2),
        ],
    )


class RuritaniaModule:
    info = ModuleInfo(name="ruritania", version="0.1.0", label="Ruritania (test)")

    @hookimpl
    def register_code_lists(self) -> list[CodeListSource]:
        return [
            CodeListSource(
                "wares_kinds", file=Path(__file__).parent / "codelists" / "kinds.json", extends=True
            ),
            CodeListSource("ruritania_regions", entries=regions),
        ]

    @hookimpl
    def register_extension_fields(self) -> list[ExtensionField]:
        return [
            ExtensionField(
                "Consignment",
                FormField(
                    "permitRegion",
                    "code",
                    code_list="ruritania_regions",
                    label={"en": "Permit region", "fr": "Région du permis"},
                    searchable=True,
                ),
            ),
            ExtensionField(
                "Consignment",
                FormField(
                    "permitNumber",
                    "string",
                    max_length=12,
                    label={"en": "Permit number"},
                    help={"en": "As printed on the permit", "fr": "Tel qu'imprimé"},
                    nominal=True,
                    searchable=True,
                ),
            ),
        ]
