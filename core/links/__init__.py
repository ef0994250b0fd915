"""Links between records of any modules (`core_link`), declared by modules, checked by core."""

from core.links.declarations import LinkType

__all__ = ["LinkType"]
