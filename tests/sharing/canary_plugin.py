"""A test country plugin that extends every record type with extension fields: a nominal one,
a free text one, and a non-nominal code (the canary test fills the first two with canaries)."""

from __future__ import annotations

from core.forms import ExtensionField, FormField
from core.hookspecs import hookimpl
from core.module import ModuleInfo

EXTENDED = ("Seizure", "Company")


class CanaryCountryModule:
    info = ModuleInfo(name="canaryland", version="0.1.0", label="Canaryland (test)")

    @hookimpl
    def register_extension_fields(self) -> list[ExtensionField]:
        fields = []
        for entity_type in EXTENDED:
            fields += [
                ExtensionField(
                    entity_type,
                    FormField("informantCode", "string", label={"en": "Informant"}, nominal=True),
                ),
                ExtensionField(entity_type, FormField("remarks", "text", label={"en": "Remarks"})),
                ExtensionField(
                    entity_type, FormField("customsRegion", "string", label={"en": "Region"})
                ),
            ]
        return fields
