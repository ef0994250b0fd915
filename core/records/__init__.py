"""Record types: a module declares them, core supplies their whole life. See docs/records.md."""

from core.records.bulk import new_child
from core.records.changes import child_rows, copy_given
from core.records.declaration import (
    DuplicateHint,
    Erasure,
    RecordType,
    Requirement,
    WriteContext,
    given,
)
from core.records.gql import Record
from core.records.mutations import DeletedRecord

__all__ = [
    "DeletedRecord",
    "DuplicateHint",
    "Erasure",
    "Record",
    "RecordType",
    "Requirement",
    "WriteContext",
    "child_rows",
    "copy_given",
    "given",
    "new_child",
]
