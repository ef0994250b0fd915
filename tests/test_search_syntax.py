"""The query language's shape is checked before a lenient parser can reinterpret a typo."""

from __future__ import annotations

import pytest

from core.search.backend import QuerySyntaxError
from core.search.syntax import check_syntax

VALID = [
    "",
    "cocaine",
    "cocaine heroin",
    '"white powder"',
    '"white powder"~2',
    "cocaine AND heroin",
    "cocaine OR (heroin AND NOT cannabis)",
    "NOT ivory",
    "cocaine ANDNOT heroin",
    "cocaine ANDMAYBE brazil",
    "title:cocaine",
    'title:"white powder"',
    "title:(cocaine OR heroin)",
    "date:[2024-01-01 TO 2024-12-31]",
    "year:[2020 TO]",
    "{a TO b}",
    "seiz*",
    "cocain~",
    "cocain~2",
    "cocaine^2",
    "cocaine^0.5 heroin",
    "*:*",
    "O'Brien",
    "and or not",  # lower case: words, not operators
]


@pytest.mark.parametrize("text", VALID)
def test_valid_queries_pass(text: str) -> None:
    check_syntax(text)


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("(cocaine", 0, "never closed"),
        ("cocaine OR (heroin AND (khat)", 11, "never closed"),
        ("cocaine)", 7, "never opened"),
        ("()", 0, "empty"),
        ('heroin "white powder', 7, "never closed"),
        ("date:[2024 TO", 5, "never closed"),
        ("date:2024]", 9, "never opened"),
        ("AND cocaine", 0, "before"),
        ("cocaine AND", 8, "after"),
        ("cocaine OR OR heroin", 8, "after"),
        ("(OR cocaine)", 1, "before"),
        ("cocaine NOT", 8, "after"),
        ("NOT", 0, "after"),
        ("title:", 0, "no value"),
        ("cocaine title: heroin", 8, "no value"),
        ("cocaine^", 7, "boost"),
        ("cocaine^high", 7, "boost"),
    ],
)
def test_malformed_queries_name_the_position(text: str, position: int, words: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        check_syntax(text)
    assert raised.value.code == "QUERY_SYNTAX"
    assert raised.value.position == position
    assert words in str(raised.value) and f"position {position}" in str(raised.value)


def test_positions_count_code_points() -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        check_syntax("café (tabac")
    assert raised.value.position == 5
