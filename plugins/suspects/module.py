"""The suspects module's plugin object: its identity and the hooks it implements."""

from __future__ import annotations

from core.module import ModuleInfo


class SuspectsModule:
    info = ModuleInfo(
        name="suspects",
        version="0.1.0",
        label="Suspects",
        description="Suspect persons, their identity documents and means of conveyance.",
    )


module = SuspectsModule()
