"""The companies module's plugin object: its identity and the hooks it implements."""

from __future__ import annotations

from core.module import ModuleInfo


class CompaniesModule:
    info = ModuleInfo(
        name="companies",
        version="0.1.0",
        label="Companies",
        description="Business entities of interest to customs.",
    )


module = CompaniesModule()
