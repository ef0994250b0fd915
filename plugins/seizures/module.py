"""The seizures module's plugin object: its identity and the hooks it implements."""

from __future__ import annotations

from core.module import ModuleInfo


class SeizuresModule:
    info = ModuleInfo(
        name="seizures",
        version="0.1.0",
        label="Seizures and offences",
        description="The principal database of seizures and offences.",
    )


module = SeizuresModule()
