"""GraphQL `search`: ranked hits as `Entity` nodes, with snippets, totals and facet counts."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import inspect
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.auth import signed_in
from core.gql.context import Context
from core.gql.cost import cost
from core.gql.entity import Entity
from core.gql.errors import InputError
from core.gql.pagination import clamp_first
from core.gql.selection import selection
from core.search.backend import QuerySyntaxError, SearchHit
from core.search.documents import KEYWORD_FIELDS

MAX_QUERY_LENGTH = 1000
# What one search counts in a request's cost estimate (core/gql/cost.py), on top of its hits.
# A search may use up to `[ncen.search] timeout_seconds` of CPU: at this weight the default
# `max_cost` admits at most nine searches in one request (aliases each count).
SEARCH_COST = 5_000
# Ranking needs every hit up to the page: deep pages cost more, so the window is bounded.
MAX_WINDOW = 10_000
_CURSOR_PREFIX = "search:"


@strawberry.type(description="How many visible hits share one facet value.")
class SearchFacetCount:
    value: str
    count: int


@strawberry.type(description="Counts over all visible hits (not only the current page).")
class SearchFacets:
    modules: list[SearchFacetCount]
    entity_types: list[SearchFacetCount]


@strawberry.type(description="One hit: the record, its relevance and highlighted fragments.")
class SearchEdge:
    cursor: str
    node: Entity
    score: float
    snippets: list[str] = strawberry.field(
        description="Fragments with matches wrapped in <mark>; the rest is HTML-escaped."
    )


@strawberry.type(description="A page of search hits.")
class SearchConnection:
    edges: list[SearchEdge]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(
        description="Visible hits: exact when `totalCountExact`, PostgreSQL's estimate otherwise."
    )
    total_count_exact: bool = strawberry.field(
        description=(
            "False when the query matches more documents than the server counts exactly "
            "(`[ncen.search] exact_total_limit`, 10,000 by default; PostgreSQL backend): "
            "`totalCount` is then an estimate and the hits are ranked among the first matches "
            "found, not among all. Narrow the query (words, fields, dates) for exact counts "
            "and a complete ranking. Facet counts are always exact."
        )
    )
    facets: SearchFacets


@strawberry.input(description="Keep hits whose keyword field holds any of `values`.")
class SearchFilter:
    field: str
    values: list[str]


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        offset = int(text.removeprefix(_CURSOR_PREFIX))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InputError("not a search cursor", field="after") from None
    if offset < 0:
        raise InputError("not a search cursor", field="after")
    return offset


def _facets(counts: dict[str, int]) -> list[SearchFacetCount]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [SearchFacetCount(value=value, count=count) for value, count in ordered]


def _filters(filters: list[SearchFilter] | None) -> dict[str, list[str]]:
    result: dict[str, list[str]] = defaultdict(list)
    for item in filters or []:
        if item.field not in KEYWORD_FIELDS:
            raise InputError(
                f"cannot filter on {item.field!r}; keyword fields: {', '.join(KEYWORD_FIELDS)}",
                code="UNKNOWN_FILTER",
                field="filters",
            )
        result[item.field].extend(item.values)
    return dict(result)


async def _collect(value: Any) -> list[Any]:
    while inspect.isawaitable(value):
        value = await value
    if hasattr(value, "__aiter__"):
        return [item async for item in value]
    return list(value)


async def resolve_hits(info: Info[Context, None], hits: Sequence[SearchHit]) -> list[Any]:
    """The records of the hits, one batched call per entity type; unresolvable hits are None."""
    service = info.context.instance.search
    by_type: dict[str, list[str]] = defaultdict(list)
    for hit in hits:
        by_type[hit.entity_type].append(hit.id)
    found: dict[tuple[str, str], Any] = {}
    for entity_type, ids in by_type.items():
        search_type = service.types.get(entity_type)
        if search_type is None:
            continue
        if search_type.resolve is not None:
            nodes = await _collect(search_type.resolve(info, ids))
        else:
            definition = info.schema.get_type_by_name(entity_type)
            origin = getattr(definition, "origin", None)
            if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
                continue
            nodes = await _collect(origin.resolve_nodes(info=info, node_ids=ids, required=False))
        for record_id, node in zip(ids, nodes, strict=False):
            found[(entity_type, record_id)] = node
    return [found.get((hit.entity_type, hit.id)) for hit in hits]


@strawberry.type
class SearchQuery:
    # Visibility is decided per entity type and record inside the index query, so a caller
    # without any view permission gets an empty result; one without a credential is told to
    # sign in (an empty answer would look like "nothing matches").
    @strawberry.field(
        extensions=[signed_in()],
        metadata=cost(SEARCH_COST),
        description=(
            'Full-text search over the records the caller may see. Syntax: words, "phrases", '
            "AND/OR/NOT, field:value (title, content, countries, codes, identifiers, tags, date, "
            "month, year, module, entity_type), wildcards (seiz*), fuzzy terms (cocain~). "
            "Malformed text is a QUERY_SYNTAX error whose `position` is the 0-based offset of "
            "the character at fault."
        ),
    )
    async def search(
        self,
        info: Info[Context, None],
        query: str = "",
        modules: list[str] | None = None,
        entity_types: list[str] | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        filters: list[SearchFilter] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> SearchConnection:
        context = info.context
        first = clamp_first(first, context.instance.config.graphql)
        if len(query) > MAX_QUERY_LENGTH:
            raise InputError(
                f"the query is longer than {MAX_QUERY_LENGTH} characters", field="query"
            )
        if date_from and date_to and date_from > date_to:
            raise InputError("dateFrom is after dateTo", field="dateFrom")
        offset = decode_cursor(after) + 1 if after else 0
        tree = selection(info)  # snippets and facets are computed only when selected
        if offset + first > MAX_WINDOW:
            raise InputError(
                f"search pages end at hit {MAX_WINDOW}; narrow the query", field="after"
            )
        try:
            result = await context.instance.search.search(
                context.principal,
                query,
                modules=modules,
                entity_types=entity_types,
                date_from=date_from,
                date_to=date_to,
                filters=_filters(filters),
                offset=offset,
                limit=first,
                snippets=tree.at("edges").has("snippets"),
                facets=tree.has("facets"),
            )
        except QuerySyntaxError as exc:
            details = {} if exc.position is None else {"position": exc.position}
            raise InputError(str(exc), code=exc.code, field="query", **details) from None
        nodes = await resolve_hits(info, result.hits)
        # Cursors only when selected (an edge's is never served otherwise).
        cursors = tree.at("edges").has("cursor")
        edges = [
            SearchEdge(
                cursor=encode_cursor(offset + index) if cursors else "",
                node=node,
                score=hit.score,
                snippets=hit.snippets,
            )
            for index, (hit, node) in enumerate(zip(result.hits, nodes, strict=True))
            if node is not None
        ]
        end = offset + len(result.hits)
        # Pages of a broad query come from the matches that were ranked.
        reachable = result.total if result.ranked is None else result.ranked
        return SearchConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=end < min(reachable, MAX_WINDOW),
                has_previous_page=offset > 0,
                start_cursor=encode_cursor(offset) if result.hits else None,
                end_cursor=encode_cursor(end - 1) if result.hits else None,
            ),
            total_count=result.total,
            total_count_exact=result.total_exact,
            facets=SearchFacets(
                modules=_facets(result.modules), entity_types=_facets(result.entity_types)
            ),
        )
