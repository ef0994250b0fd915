"""What a module declares: the link types (relations) allowed between entity types."""

from __future__ import annotations

import re
from dataclasses import dataclass

_RELATION = re.compile(r"^[a-z][A-Za-z0-9]{0,63}$")


@dataclass(frozen=True)
class LinkType:
    """`source` --relation--> `target`, read back as `target` --inverse--> `source`.

    Entity types are GraphQL type names (`Seizure`); either may belong to a module that is not
    enabled, in which case the link type is inert until it is.
    """

    source: str
    relation: str
    target: str
    inverse: str
    description: str = ""

    def __post_init__(self) -> None:
        for name in (self.relation, self.inverse):
            if not _RELATION.match(name):
                raise ValueError(f"relation name {name!r} must be camelCase ({_RELATION.pattern})")
