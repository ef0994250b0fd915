"""The icomm module's plugin object: its identity and the hooks it implements."""

from __future__ import annotations

from core.module import ModuleInfo


class IcommModule:
    info = ModuleInfo(
        name="icomm",
        version="0.1.0",
        label="Messaging",
        description="Messages between users and with connected instances and the global database.",
    )


module = IcommModule()
