"""The shape of a `search` query, checked before any backend parses it.

Full-text parsers are lenient: whoosh reads `(cocaine` as `cocaine`, `cocaine AND` as a search
for the word "and", and `"heroin` as `heroin`, so a typo silently changes what is searched.
This check refuses what the query language (words, "phrases", ( ), [a TO b] ranges,
AND/OR/ANDNOT/ANDMAYBE/NOT, field:value, wildcards, ~fuzzy, ^boost) cannot mean, with the
position of the character at fault so that a search box can point at it.

Positions are 0-based offsets in the query, counted in Unicode code points.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.search.backend import QuerySyntaxError

BINARY_OPERATORS = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE"})
UNARY_OPERATORS = frozenset({"NOT"})
_CLOSING = {"[": "]", "{": "}"}
_SEPARATORS = frozenset('()"[]{}')


class _Kind(enum.Enum):
    TERM = "term"  # a word, phrase or range: something that matches documents
    FIELD = "field"  # `name:` directly followed by a group, phrase or range
    OPEN = "("
    CLOSE = ")"
    BINARY = "binary operator"
    UNARY = "NOT"


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str
    position: int


def _error(message: str, position: int) -> QuerySyntaxError:
    return QuerySyntaxError(f"{message} (at position {position})", position=position)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, length = 0, len(text)
    while i < length:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(_Kind.OPEN if char == "(" else _Kind.CLOSE, char, i))
            i += 1
        elif char == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise _error("the quote that opens this phrase is never closed", i)
            tokens.append(_Token(_Kind.TERM, text[i : end + 1], i))
            i = end + 1
            i = _suffix(text, i)
        elif char in _CLOSING:
            end = text.find(_CLOSING[char], i + 1)
            if end < 0:
                raise _error(f"the range opened by {char!r} is never closed", i)
            tokens.append(_Token(_Kind.TERM, text[i : end + 1], i))
            i = _suffix(text, end + 1)
        elif char in "]}":
            raise _error(f"{char!r} closes a range that was never opened", i)
        else:
            start = i
            while i < length and not text[i].isspace() and text[i] not in _SEPARATORS:
                i += 1
            tokens.append(_word(text, text[start:i], start, i))
    return tokens


def _suffix(text: str, i: int) -> int:
    """Skip a `~slop` or `^boost` written right after a phrase or range."""
    while i < len(text) and not text[i].isspace() and text[i] not in _SEPARATORS:
        i += 1
    return i


def _word(text: str, word: str, start: int, end: int) -> _Token:
    if word in BINARY_OPERATORS:
        return _Token(_Kind.BINARY, word, start)
    if word in UNARY_OPERATORS:
        return _Token(_Kind.UNARY, word, start)
    caret = word.find("^")
    if caret >= 0 and not _is_number(word[caret + 1 :]):
        raise _error("a boost (^) needs a number after it, e.g. cocaine^2", start + caret)
    if word.endswith(":"):
        if end < len(text) and text[end] in '(["{':
            return _Token(_Kind.FIELD, word, start)
        raise _error(f"the field {word!r} has no value after it", start)
    return _Token(_Kind.TERM, word, start)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_STARTS_OPERAND = frozenset({_Kind.TERM, _Kind.FIELD, _Kind.OPEN, _Kind.UNARY})
_ENDS_OPERAND = frozenset({_Kind.TERM, _Kind.CLOSE})


def check_syntax(text: str) -> None:
    """Raise `QuerySyntaxError` (code QUERY_SYNTAX, with `position`) if `text` is malformed."""
    tokens = _tokens(text)
    open_groups: list[_Token] = []
    for index, token in enumerate(tokens):
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind is _Kind.OPEN:
            open_groups.append(token)
            if after is not None and after.kind is _Kind.CLOSE:
                raise _error("empty parentheses", token.position)
        elif token.kind is _Kind.CLOSE:
            if not open_groups:
                raise _error("')' closes a parenthesis that was never opened", token.position)
            open_groups.pop()
        elif token.kind is _Kind.BINARY:
            if before is None or before.kind not in _ENDS_OPERAND:
                raise _error(f"{token.text} needs a term before it", token.position)
            if after is None or after.kind not in _STARTS_OPERAND:
                raise _error(f"{token.text} needs a term after it", token.position)
        elif token.kind is _Kind.UNARY and (after is None or after.kind not in _STARTS_OPERAND):
            raise _error("NOT needs a term after it", token.position)
    if open_groups:
        raise _error("'(' is never closed", open_groups[-1].position)
