"""Record types: a module declares them, core supplies their whole life. See docs/records.md."""

from core.records.changes import child_rows, copy_given
from core.records.declaration import Erasure, RecordType, Requirement, WriteContext, given
from core.records.gql import EXTRA_DESCRIPTION, Record, serve_extra
from core.records.mutations import DeletedRecord

__all__ = [
    "EXTRA_DESCRIPTION",
    "DeletedRecord",
    "Erasure",
    "Record",
    "RecordType",
    "Requirement",
    "WriteContext",
    "child_rows",
    "copy_given",
    "given",
    "serve_extra",
]
