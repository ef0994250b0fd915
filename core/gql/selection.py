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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import raiseload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import LoaderOption
from strawberry.dataloader import DataLoader
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from core.internals import fragments_of, raw_info

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


# Trees by the field nodes they were built from (documents are parsed once and cached, so a
# request for the same text hands the same nodes; the nodes are kept, so their ids stay theirs).
_TREES: dict[tuple[int, ...], tuple[tuple[Any, ...], Tree]] = {}
MAX_TREES = 4096


def selection(info: Any) -> Tree:
    """The tree selected under the field being resolved (all its occurrences merged): built
    once per field of a document (it depends on the document only, not on variables)."""
    nodes = tuple(raw_info(info).field_nodes)
    key = tuple(map(id, nodes))
    found = _TREES.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], nodes, strict=True)):
        return found[1]
    raw: dict[str, dict[str, Any]] = {}
    for selected in info.selected_fields:
        _merge(selected.selections, raw)
    tree = _freeze(raw)
    if len(_TREES) >= MAX_TREES:
        _TREES.clear()
    _TREES[key] = (nodes, tree)
    return tree


_OPERATION_KEY = "core.gql.operation_fields"


def operation_fields(info: Any) -> frozenset[str]:
    """Every field name selected anywhere in the request's operation (fragments included),
    computed once per request. For loaders shared by every path that reaches a record type
    (`node`, links, search hits, lists): a child collection whose field is named nowhere in the
    operation cannot be served by it, so it need not be read."""
    loaders = info.context.loaders
    found: frozenset[str] | None = loaders.get(_OPERATION_KEY)
    if found is None:
        names: set[str] = set()
        fragments = fragments_of(info)
        seen: set[str] = set()

        def walk(selection_set: Any) -> None:
            if selection_set is None:
                return
            for node in selection_set.selections:
                kind = node.kind
                if kind == "field":
                    names.add(node.name.value)
                    walk(node.selection_set)
                elif kind == "inline_fragment":
                    walk(node.selection_set)
                elif kind == "fragment_spread" and node.name.value not in seen:
                    seen.add(node.name.value)
                    fragment = fragments.get(node.name.value)
                    walk(fragment.selection_set if fragment is not None else None)

        walk(info.operation.selection_set)
        found = loaders[_OPERATION_KEY] = frozenset(names)
    return found


def operation_names(context: Any) -> frozenset[str] | None:
    """Every field name of the request's operation once `operation_fields` has seen it; None
    before (read everything)."""
    names: frozenset[str] | None = context.loaders.get(_OPERATION_KEY)
    return names


def operation_needs(context: Any, fields: Mapping[str, Iterable[str]]) -> frozenset[str] | None:
    """The collections (per `fields`, as in `needed`) that the request's operation can serve,
    once `operation_fields` has seen it; None (all of them) before."""
    names: frozenset[str] | None = context.loaders.get(_OPERATION_KEY)
    if names is None:
        return None
    return frozenset(item for name in names for item in fields.get(name, ()))


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


def rows_loader(
    model: Any, relations: Sequence[str], fields: Mapping[str, Iterable[str]]
) -> Callable[[Any], DataLoader[int, Any]]:
    """A factory of request loaders of `model` rows by id, reading only the child collections
    (`relations`, per `fields` as in `needed`) that some field of the operation can serve."""

    def factory(context: Any) -> DataLoader[int, Any]:
        async def load(ids: Sequence[int]) -> list[Any]:
            wanted = operation_needs(context, fields)
            query = select(model).where(model.id.in_(ids))
            async with context.instance.db.session() as session:
                rows = (
                    await session.scalars(
                        query.options(*relation_options(model, relations, wanted))
                    )
                ).all()
                leave_empty(rows, relations, wanted)
            by_id = {row.id: row for row in rows}
            return [by_id.get(i) for i in ids]

        return DataLoader(load_fn=load)

    return factory
