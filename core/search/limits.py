"""What one search may cost, checked on the query text before any backend runs.

A full-text query costs roughly its terms times what each matches, and a fuzzy, wildcard,
prefix or range term must first be expanded against the index's whole vocabulary: thirty
aliased searches of a thousand characters of fuzzy terms once cost ninety seconds of CPU in one
request (issue 13). These caps hold for every backend; a backend adds its own net
for what only it can see (how many index words one pattern expands to), and the search service
bounds the time of each search and how many run at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.config import SearchSettings
from core.search.backend import SearchLimitError

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"

# A term: a run of characters that are not spaces, brackets or quotes (a leading + or - is
# the operator, not part of it).
_TERM = re.compile(r'[^\s()"\[\]{}]+')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
# Ranges expand like patterns: `[a TO b]`, `{2019 TO 2021]`, `year:[2019 TO]`.
_RANGE = re.compile(r"[\[{][^\]}]*\bTO\b[^\]}]*[\]}]")


@dataclass(frozen=True)
class QueryShape:
    """What a query text asks for, counted the same way for every backend."""

    terms: int
    expanding: int  # fuzzy (~), wildcard (* ?) terms and ranges


def shape_of(text: str) -> QueryShape:
    ranges = len(_RANGE.findall(text))
    found = (w.lstrip("+-") for w in _TERM.findall(_RANGE.sub(" ", text)))
    words = [w for w in found if w and w not in _OPERATORS]
    expanding = sum(1 for w in words if any(c in w for c in "~*?")) + ranges
    return QueryShape(terms=len(words) + ranges, expanding=expanding)


def check_query(text: str, limits: SearchSettings) -> QueryShape:
    """Refuse a query with too many terms, or too many terms that expand against the index."""
    shape = shape_of(text)
    if shape.terms > limits.max_terms:
        raise SearchLimitError(
            f"the query has {shape.terms} terms; at most {limits.max_terms} are searched at once",
            QUERY_TOO_COMPLEX,
        )
    if shape.expanding > limits.max_expanding_terms:
        raise SearchLimitError(
            f"the query has {shape.expanding} fuzzy, wildcard or range terms; at most "
            f"{limits.max_expanding_terms} are allowed in one query",
            QUERY_TOO_COMPLEX,
        )
    return shape
