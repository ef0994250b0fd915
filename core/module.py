"""What a module is: a plugin object carrying `info` and implementing hooks from core.hookspecs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ModuleInfo:
    """Identity and compatibility of a module, read before any of its hooks run."""

    name: str
    version: str
    label: str
    requires: tuple[str, ...] = ()
    core: str = ">=0.1,<1"
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"module name {self.name!r} must match {_NAME.pattern}")

    @property
    def table_prefix(self) -> str:
        return f"{self.name}_"


@runtime_checkable
class Module(Protocol):
    info: ModuleInfo
