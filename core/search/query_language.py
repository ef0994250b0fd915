"""The query language of `search`, shared by every backend: whoosh's query parser, set up once.

Words, "phrases", AND/OR/NOT/ANDNOT/ANDMAYBE, ( ), field:value, wildcards, prefix*, fuzzy~N and
[a TO b] ranges are parsed here into a query tree; the whoosh backend runs the tree, the
PostgreSQL backend compiles it to SQL. One parser and one analyzer (how text is cut into
words, lowercased and accent-folded) for both, so both backends read a query the same way and
index a document into the same words.
"""

from __future__ import annotations

import logging
from typing import Any

from whoosh import fields, qparser, query
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer
from whoosh.support.charset import accent_map

from core.search.backend import QuerySyntaxError
from core.search.dates import day_key, month_key, year_key
from core.search.documents import (
    KEYWORD_FIELDS,
    PUBLIC_AUDIENCE,
    QUERY_FIELDS,
    TEXT_FIELDS,
    SearchDocument,
)

log = logging.getLogger("ncen.search")

MAX_FUZZY_DISTANCE = 2

# No stop words and no stemming: records are in many languages; accents are folded.
ANALYZER = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def schema() -> fields.Schema:
    """The generic document schema (see core/search/documents.py) as whoosh fields."""
    result = fields.Schema(
        doc_id=fields.ID(unique=True, stored=True),
        record_id=fields.ID(stored=True),
        entity_type=fields.ID(stored=True),
        module=fields.ID(stored=True),
        title=fields.TEXT(analyzer=ANALYZER, stored=True, field_boost=2.0),
        content=fields.TEXT(analyzer=ANALYZER, stored=True),
        date=fields.ID(stored=True),
        month=fields.ID(),
        year=fields.ID(),
        audience=fields.KEYWORD(commas=True),
    )
    for name in KEYWORD_FIELDS:
        result.add(name, fields.KEYWORD(lowercase=True, commas=True, scorable=True))
    return result


def fields_of(doc: SearchDocument) -> dict[str, Any]:
    """The document as values of the schema's fields (before analysis)."""
    values: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "record_id": doc.id,
        "entity_type": doc.entity_type,
        "module": doc.module,
        "title": doc.title,
        "content": doc.content,
        "audience": PUBLIC_AUDIENCE
        if doc.audience is None
        else ",".join(token.replace(",", " ") for token in doc.audience),
    }
    if doc.date is not None:
        values.update(date=day_key(doc.date), month=month_key(doc.date), year=year_key(doc.date))
    for name, items in doc.keywords.items():
        cleaned = [str(item).replace(",", " ").strip() for item in items]
        values[name] = ",".join(item for item in cleaned if item)
    return values


def make_parser(field_schema: fields.Schema) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), field_schema)
    # Keep unknown `field:` prefixes as fields so that they can be refused, not searched as text.
    parser.remove_plugin_class(qparser.FieldsPlugin)
    parser.add_plugin(qparser.FieldsPlugin(remove_unknown=False))
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser


def parse(parser: qparser.QueryParser, text: str) -> query.Query:
    """The query tree of `text`; unknown fields and too fuzzy terms are refused."""
    if not text.strip():
        return query.Every()
    try:
        parsed = parser.parse(text)
    except Exception:  # whoosh is lenient; anything it still refuses is a syntax error
        # whoosh's own message speaks of its internals (e.g. "list index out of range").
        log.debug("cannot parse %r", text, exc_info=True)
        raise QuerySyntaxError(
            "cannot parse the query: check its brackets, quotes and operators"
        ) from None
    for leaf in parsed.leaves():
        name = getattr(leaf, "fieldname", None)
        start = getattr(leaf, "startchar", None)
        if name is not None and name not in QUERY_FIELDS:
            # The parser marks the value; the field's name is written just before it.
            prefix = text.rfind(f"{name}:", 0, start) if start is not None else -1
            raise QuerySyntaxError(
                f"unknown field {name!r}; fields: {', '.join(sorted(QUERY_FIELDS))}",
                code="UNKNOWN_FIELD",
                position=prefix if prefix >= 0 else start,
            )
        if isinstance(leaf, query.FuzzyTerm) and leaf.maxdist > MAX_FUZZY_DISTANCE:
            raise QuerySyntaxError(
                f"fuzzy distance {leaf.maxdist} is above {MAX_FUZZY_DISTANCE}",
                code="FUZZY",
                position=start,
            )
    return parsed


def shown(q: query.Query) -> str:
    """A pattern as the client wrote it (roughly), for an error message."""
    text = getattr(q, "text", None)
    if isinstance(q, query.FuzzyTerm):
        return f"the fuzzy term {q.text}~{q.maxdist:g}"
    if isinstance(text, str):
        return f"the pattern {text!r}"
    return "a range"
