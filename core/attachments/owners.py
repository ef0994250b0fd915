"""Which records may own attachments, and who may see them: declared by modules.

A module declares one `AttachmentOwner` per entity type through `register_attachment_owners`.
Downloads are authorised by the owner's declaration, so a user who may not see a record may not
fetch its photos; an entity type of a disabled module has no owner, and its photos are not served
(they stay on disk, like the rest of the module's data).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pluggy
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ModuleLoadError
from core.plugins import collect

# (session, principal, entity ids) -> the subset of those ids the principal may see.
CanReadFn = Callable[[AsyncSession, Any, Sequence[str]], Awaitable[set[str]]]


@dataclass(frozen=True)
class AttachmentOwner:
    """An entity type whose records can have attachments.

    - `permission`: what a caller needs (`principal.can`) to fetch any attachment of this type;
      empty when `can_read` alone decides (received shares: the view permission of the shared
      record's type).
    - `can_read`: optional object-level check, for types where the permission alone is not
      enough (e.g. records restricted to a unit); returns the ids the principal may see.
    - `audit_reads`: every download of an image or thumbnail of this type writes a
      `record.view` event (field `photo`) before the file is served, as reads of the record
      itself are audited; for types whose photos are personal data (faces, documents).
    """

    entity_type: str
    module: str
    permission: str
    can_read: CanReadFn | None = None
    audit_reads: bool = False


def collect_owners(pm: pluggy.PluginManager, modules: Sequence[str]) -> dict[str, AttachmentOwner]:
    """Every declared owner by entity type; a module declares only its own, each type once."""
    owners: dict[str, AttachmentOwner] = {}
    for plugin, answer in collect(pm, "register_attachment_owners"):
        for owner in answer:
            if not isinstance(owner, AttachmentOwner):
                raise ModuleLoadError(
                    f"module {plugin!r}: register_attachment_owners must return "
                    "AttachmentOwner objects"
                )
            if plugin in modules and owner.module != plugin:
                raise ModuleLoadError(
                    f"module {plugin!r} declares attachment owner {owner.entity_type!r} "
                    f"for module {owner.module!r}"
                )
            if owner.entity_type in owners:
                raise ModuleLoadError(
                    f"attachment owner {owner.entity_type!r} is declared twice "
                    f"(by {owners[owner.entity_type].module!r} and {owner.module!r})"
                )
            owners[owner.entity_type] = owner
    return owners
