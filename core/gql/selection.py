"""What the client selected under a field, so that a read loads only what will be served.

`selection(info)` is the tree of field names (GraphQL names) selected under the current
field, fragments and inline fragments merged in whatever their type condition, and `@skip` /
`@include` ignored: a selection may ask for more than is served, never less, so a loader that
follows it reads at worst a collection that nobody looks at.

    tree = selection(info)
    if tree.has("totalCount"): ...
    node = tree.at("edges", "node")
    if node.has("goods"): ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import raiseload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import LoaderOption
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

_EMPTY: dict[str, Tree] = {}


@dataclass(frozen=True)
class Tree:
    """Field names selected at one level, each with the tree selected under it."""

    children: dict[str, Tree] = field(default_factory=dict)

    def has(self, *names: str) -> bool:
        """Whether any of `names` is selected at this level."""
        return any(name in self.children for name in names)

    def at(self, *path: str) -> Tree:
        """The tree under `path` (empty when the path is not selected)."""
        tree = self
        for name in path:
            tree = tree.children.get(name, EMPTY)
        return tree

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.children)


EMPTY = Tree(_EMPTY)


def _merge(selections: Iterable[Selection], into: dict[str, dict[str, Any]]) -> None:
    for item in selections:
        if isinstance(item, SelectedField):
            _merge(item.selections, into.setdefault(item.name, {}))
        elif isinstance(item, (FragmentSpread, InlineFragment)):
            _merge(item.selections, into)


def _freeze(raw: dict[str, dict[str, Any]]) -> Tree:
    return Tree({name: _freeze(sub) for name, sub in raw.items()})


def selection(info: Any) -> Tree:
    """The tree selected under the field being resolved (all its occurrences merged)."""
    raw: dict[str, dict[str, Any]] = {}
    for selected in info.selected_fields:
        _merge(selected.selections, raw)
    return _freeze(raw)


def needed(node: Tree, fields: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """The collections to read to serve `node`: `fields` maps a GraphQL field name to the
    collections (relationship names) it is served from."""
    return frozenset(item for name in node.names for item in fields.get(name, ()))


def relation_options(
    model: Any, relations: Sequence[str], wanted: frozenset[str] | None
) -> list[LoaderOption]:
    """ORM loader options: `selectinload` for the `wanted` relationships of `model` (all of
    `relations` when None), `raiseload` for the others, which `leave_empty` then fills with an
    empty list (no statement). Records read with some left out must not be primed into a
    request loader that other fields use."""
    return [
        selectinload(getattr(model, name))
        if wanted is None or name in wanted
        else raiseload(getattr(model, name))
        for name in relations
    ]


def leave_empty(
    rows: Iterable[Any], relations: Sequence[str], wanted: frozenset[str] | None
) -> None:
    """Give the relationships not `wanted` an empty list, as if loaded (see `relation_options`)."""
    if wanted is None:
        return
    skipped = [name for name in relations if name not in wanted]
    for row in rows:
        for name in skipped:
            set_committed_value(row, name, [])
