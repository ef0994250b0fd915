"""The update_manager module's plugin object: its identity and the hooks it implements."""

from __future__ import annotations

from core.module import ModuleInfo


class UpdateManagerModule:
    info = ModuleInfo(
        name="update_manager",
        version="0.1.0",
        label="Update manager",
        description="Signed, versioned updates with backup and rollback.",
    )


module = UpdateManagerModule()
