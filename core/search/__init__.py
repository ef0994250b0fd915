"""Full-text search over the records of every enabled module (see docs/search.md).

Modules declare `SearchType`s through the `register_search_types` hook and call
`enqueue_index` / `enqueue_delete` in their write transactions; core does the rest.
"""

from core.search.documents import KEYWORD_FIELDS, SearchDocument, SearchType, doc_id
from core.search.events import enqueue_delete, enqueue_index

__all__ = [
    "KEYWORD_FIELDS",
    "SearchDocument",
    "SearchType",
    "doc_id",
    "enqueue_delete",
    "enqueue_index",
]
