"""Exports of a module's records: any list filter, read in chunks by id, written as a stream.

Nominal columns (tagged on the model) go only to holders of the module's export permission;
anyone who may see the records gets the others. Every export is audited once it ends: who,
the filter, the format, how many rows, and whether nominal columns were included; records
about persons exported with their nominal columns are also noted one by one as consultations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from core.audit import writer as audit
from core.exchange.declaration import Column, ExchangeType
from core.exchange.inputs import InputBuilder, RowInvalid
from core.exchange.reading import read_chunk
from core.exchange.writers import PLAIN, cell
from core.gql.errors import InputError, PermissionDeniedError
from core.records.registry import record_registry

if TYPE_CHECKING:
    from core.gql.context import Principal
    from core.instance import Instance

CHUNK = 1000


class Exporter:
    def __init__(
        self,
        instance: Instance,
        principal: Principal,
        xt: ExchangeType,
        filter: dict[str, Any] | None = None,
        *,
        chunk: int = CHUNK,
    ) -> None:
        rt = record_registry(instance).by_name[xt.record_type]
        if not principal.can(rt.view_permission):
            raise PermissionDeniedError(f"{rt.view_permission} is required", field="module")
        self.rt = rt
        self.instance = instance
        self.principal = principal
        self.xt = xt
        self.nominal = principal.can(xt.export_permission)
        self.columns: list[Column] = xt.export_columns(self.nominal)
        self.filter_given = filter or {}
        self.filter = self.parse_filter(instance, xt, filter)
        self.chunk = chunk
        self.count = 0
        # Records about persons: each one exported with its nominal columns is a consultation.
        self.consulted: list[int] | None = [] if rt.personal and self.nominal else None

    @staticmethod
    def parse_filter(instance: Instance, xt: ExchangeType, given: Any) -> Any:
        """The module's list filter input from its JSON form (`{"area": ["drugs"]}`)."""
        if not given:
            return None
        if xt.filter_input is None:
            raise InputError("this module's export takes no filter", field="filter")
        if not isinstance(given, dict):
            raise InputError("the filter is an object of the list's filter fields", field="filter")
        try:
            return InputBuilder(instance.schema, xt.filter_input).from_tree(given)
        except RowInvalid as exc:
            first = exc.errors[0]
            raise InputError(first.message, field=f"filter.{first.field}") from None

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    async def rows(self) -> AsyncIterator[list[Any]]:
        """The export's rows, as cell values; one read session, one query per chunk."""
        separator = self.xt.list_separator
        values_of = row_reader(self.columns)
        after = 0
        async with self.instance.db.session() as session:
            while True:
                records = await read_chunk(
                    self.rt, self.xt, session, self.principal, self.filter, after, self.chunk
                )
                if self.consulted is not None:
                    self.consulted.extend(record.id for record in records)
                for record in records:
                    values = values_of(record)
                    yield [v if type(v) in PLAIN else cell(v, separator) for v in values]
                self.count += len(records)
                if len(records) < self.chunk:
                    return
                after = records[-1].id

    async def audit(self, file_format: str) -> None:
        async with self.instance.db.transaction() as session:
            await audit.record(
                session,
                actor=self.principal,
                action="exchange.export",
                entity_type=self.xt.record_type,
                detail={
                    "module": self.xt.module,
                    "format": file_format,
                    "filter": self.filter_given,
                    "rows": self.count,
                    "nominal": self.nominal,
                },
            )
            if self.consulted:
                await audit.record_consultation(
                    session,
                    actor=self.principal,
                    entity_type=self.xt.record_type,
                    entity_ids=self.consulted,
                    purpose=f"export ({file_format})",
                )


def row_reader(columns: Sequence[Column]) -> Callable[[Any], list[Any]]:
    """A function giving a record's cell values for `columns`: runs of columns reading the
    same object (the record, or the n-th row of one child list) are read with one
    `attrgetter` each, instead of one call per column (an export reads ~90 columns a row)."""
    runs: list[tuple[str | None, int, Callable[[Any], Any], int]] = []
    start = 0
    while start < len(columns):
        first = columns[start]
        if first.attribute is None:
            runs.append((None, 0, first.get, 0))
            start += 1
            continue
        end = start + 1
        while (
            end < len(columns)
            and columns[end].attribute is not None
            and (columns[end].collection, columns[end].index) == (first.collection, first.index)
        ):
            end += 1
        names = [c.attribute or "" for c in columns[start:end]]
        runs.append((first.collection, first.index, attrgetter(*names), end - start))
        start = end

    def values(record: Any) -> list[Any]:
        out: list[Any] = []
        for collection, index, read, width in runs:
            if collection is None:
                if width == 0 or width == 1:
                    out.append(read(record))
                else:
                    out.extend(read(record))
                continue
            children = getattr(record, collection)
            if len(children) <= index:
                out.extend([None] * width)
            elif width == 1:
                out.append(read(children[index]))
            else:
                out.extend(read(children[index]))
        return out

    return values
