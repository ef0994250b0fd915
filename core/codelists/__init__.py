"""Code lists: shipped by plugins as data files, synced idempotently, extended nationally, and
used by services to validate every code a record stores. See docs/codelists.md."""

from core.codelists.sources import CodeListSource, CodeListUsage, EntryData, ListData
from core.codelists.validation import CodeCheck, validate, validate_many

__all__ = [
    "CodeCheck",
    "CodeListSource",
    "CodeListUsage",
    "EntryData",
    "ListData",
    "validate",
    "validate_many",
]
