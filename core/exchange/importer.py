"""File imports: a CSV or XLSX file, a mapping, and the module's record type.

Two passes over the file, both streamed (memory stays flat whatever its length):

1. *check*: every row is built into the module's input and checked by the lifecycle as a
   write would (codes, required fields, the module's rules, the key's record editable), in a
   read session that is rolled back; each bad row is reported (row, column, field, code,
   message). A dry run stops here.
2. *write*, only when no row is bad: chunks of rows, one transaction each, through
   `lifecycle.create_many` / `update` with the importer as actor. Rows whose key (the mapping's
   `key` column) was imported before update their record instead of creating a twin, so a
   re-import of the same file creates nothing new.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from core import long_lived
from core.exchange.declaration import ExchangeType
from core.exchange.inputs import FieldError, InputBuilder, RowInvalid
from core.exchange.mapping import Mapping, default_mapping
from core.exchange.readers import Row, open_table
from core.exchange.upsert import (
    CREATED,
    INVALID,
    UNCHANGED,
    UPDATED,
    BatchRefused,
    Item,
    Outcome,
    create_each,
    upsert,
)
from core.records import bulk
from core.records.bulk import RowImage, flat, image_of, unflat
from core.records.declaration import RecordType, WriteContext
from core.records.registry import record_registry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.gql.context import Principal
    from core.instance import Instance

CHUNK = 500
MAX_REPORTED = 100_000  # errors kept for the report; the count goes on


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    field: str
    code: str
    message: str


@dataclass
class ImportResult:
    dry_run: bool
    status: str = "running"  # checked, refused, done, failed
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    message: str | None = None

    def add_errors(self, errors: list[RowError]) -> None:
        self.error_count += len(errors)
        room = MAX_REPORTED - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])


# Called in each write chunk's transaction with the counts once the chunk is written (import
# jobs keep their progress with it; raising rolls the chunk back and stops the import).
Checkpoint = Callable[["AsyncSession", "ImportResult"], Awaitable[None]]


class ImportAborted(Exception):
    """A row refused while writing although it passed the check (a concurrent change)."""


def record_type(instance: Instance, xt: ExchangeType) -> RecordType[Any, Any]:
    return record_registry(instance).by_name[xt.record_type]


class Importer:
    def __init__(
        self,
        instance: Instance,
        principal: Principal,
        xt: ExchangeType,
        mapping: Mapping | None = None,
        *,
        chunk: int = CHUNK,
        progress: Callable[[int], None] | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.instance = instance
        self.principal = principal
        self.xt = xt
        self.rt = record_type(instance, xt)
        self.mapping = mapping
        self.chunk = chunk
        self.progress = progress or (lambda _rows: None)
        self.checkpoint = checkpoint
        self.written = ImportResult(dry_run=False)  # counts of rows written before this run

    async def run(
        self, path: Path, kind: str, *, dry_run: bool, written: ImportResult | None = None
    ) -> ImportResult:
        """Import the file. `written`: the counts of a run of this import that stopped
        (`written.rows` rows of the file were written and committed): this run checks and
        writes the rows after them only."""
        result = ImportResult(dry_run=dry_run)
        if written is not None and not dry_run:
            self.written = written
        mapping = self._mapping(path, kind)
        self.builder = InputBuilder(
            self.instance.schema, self.rt.input, date_format=mapping.date_format
        )
        self.columns_of = {p: c for c, p in mapping.columns.items()}
        self.plan = _plan(mapping)
        with (
            long_lived.Batches() as self.batches,
            tempfile.TemporaryFile(dir=exchange_dir(self.instance)) as spool,
        ):
            await self._check(path, kind, mapping, result, None if dry_run else spool)
            if result.error_count:
                result.status = "refused"
                return result
            if dry_run:
                result.status = "checked"
                return result
            spool.seek(0)
            try:
                await self._write(spool, mapping, result)
            except ImportAborted as exc:
                result.status, result.message = "failed", str(exc)
                return result
        result.status = "done"
        return result

    def _mapping(self, path: Path, kind: str) -> Mapping:
        with open_table(path, kind) as (header, _rows):
            fields = list(self.xt.importable)
            mapping = self.mapping or default_mapping(fields, header)
            mapping.check(fields, header)
        return mapping

    def _items(self, rows: list[Row], mapping: Mapping, seen: dict[str, int]) -> list[Item]:
        items = []
        for row in rows:
            key = _key(row.values.get(mapping.key)) if mapping.key else None
            errors: list[FieldError] = []
            data = None
            if key is not None and seen.setdefault(key, row.number) != row.number:
                errors.append(
                    FieldError("key", "DUPLICATE_KEY", f"the key is also on row {seen[key]}")
                )
            else:
                try:
                    values = _values(row, self.plan, mapping.defaults)
                    data = self.builder.build(values, self.xt.list_separator)
                except RowInvalid as exc:
                    errors = exc.errors
            items.append(Item(row.number, key, data, errors))
        return items

    def _row_errors(self, index: int, errors: list[FieldError], mapping: Mapping) -> list[RowError]:
        return [
            RowError(
                index,
                mapping.key if e.field == "key" else self.columns_of.get(e.field),
                e.field,
                e.code,
                e.message,
            )
            for e in errors
        ]

    async def _check(
        self,
        path: Path,
        kind: str,
        mapping: Mapping,
        result: ImportResult,
        spool: IO[bytes] | None,
    ) -> None:
        """Check every row; spool what the write pass needs (the checked new rows as images,
        the inputs of updates), chunk by chunk, so that it neither reads the file nor checks
        new rows again."""
        seen: dict[str, int] = {}
        images = bulk.insertable(self.rt.model, tuple(self.rt.collections))
        async with self.instance.db.session() as session:
            ctx = WriteContext(session, self.principal, self.instance)
            with open_table(path, kind) as (_header, rows):
                rows = islice(rows, self.written.rows, None)
                for chunk in _chunks(rows, self.chunk):
                    await self._check_chunk(ctx, chunk, mapping, result, spool, seen, images)
                    del chunk  # freed before the collection
                    self.batches.chunk_done()

    async def _check_chunk(
        self,
        ctx: WriteContext,
        chunk: list[Row],
        mapping: Mapping,
        result: ImportResult,
        spool: IO[bytes] | None,
        seen: dict[str, int],
        images: bool,
    ) -> None:
        items = self._items(chunk, mapping, seen)
        outcomes = await upsert(
            ctx, self.rt, mapping.source, items, dry=True, reason=self._reason(mapping)
        )
        for outcome in outcomes:
            if outcome.status == INVALID:
                result.add_errors(self._row_errors(outcome.index, outcome.errors, mapping))
        if spool is not None and not result.error_count:
            pickle.dump(_spooled(self.rt, items, outcomes, images), spool, protocol=5)
        await ctx.session.rollback()
        ctx.session.expunge_all()
        self._count(result, outcomes)
        self.progress(len(chunk))

    async def _write(self, spool: IO[bytes], mapping: Mapping, result: ImportResult) -> None:
        _copy_counts(self.written, result)
        while await self._write_next(spool, mapping, result):
            self.batches.chunk_done()  # the chunk's objects freed

    async def _write_next(self, spool: IO[bytes], mapping: Mapping, result: ImportResult) -> bool:
        """Write the next spooled chunk; False at the end of the spool."""
        try:
            entries = _unspooled(pickle.load(spool))
        except EOFError:
            return False
        try:
            after = await self._write_chunk(entries, mapping, result, one_by_one=False)
        except BatchRefused:
            after = await self._write_chunk(entries, mapping, result, one_by_one=True)
        _copy_counts(after, result)
        self.progress(len(entries))
        return True

    async def _write_chunk(
        self, entries: list[Spooled], mapping: Mapping, result: ImportResult, *, one_by_one: bool
    ) -> ImportResult:
        """One transaction: the chunk's new rows together (or `one_by_one`, to tell which one
        a unique index refuses), then its updates, and the checkpoint; the counts after it. A
        row refused stops the import with this chunk rolled back."""
        async with self.instance.db.transaction() as session:
            ctx = WriteContext(session, self.principal, self.instance)
            created = [(e.item, e.image) for e in entries if e.image is not None]
            refused = await create_each(
                ctx, self.rt, mapping.source, created, one_by_one=one_by_one
            )
            items = [e.item for e in entries if e.image is None and e.status != UNCHANGED]
            outcomes = await upsert(
                ctx,
                self.rt,
                mapping.source,
                items,
                dry=False,
                reason=self._reason(mapping),
                one_by_one=one_by_one,
            )
            bad = list(refused.items())
            bad += [(o.index, o.errors) for o in outcomes if o.status == INVALID]
            if bad:
                index, errors = min(bad, key=lambda b: b[0])
                result.add_errors(self._row_errors(index, errors, mapping))
                raise ImportAborted(
                    f"row {index} was refused while writing ({errors[0].message}); the "
                    "chunks before its own are written, run the import again to finish"
                )
            done = {o.index: o.status for o in outcomes}
            after = ImportResult(dry_run=False)
            _copy_counts(result, after)
            self._count(
                after,
                [Outcome(e.item.index, None, done.get(e.item.index, e.status)) for e in entries],
            )
            if self.checkpoint is not None:
                # In the chunk's transaction: the rows and the job's progress commit together,
                # so that a run after a crash knows exactly where to go on.
                await self.checkpoint(session, after)
        return after

    def _count(self, result: ImportResult, outcomes: list[Any]) -> None:
        """Counts of the pass: what a dry run would do, then what the write did."""
        result.rows += len(outcomes)
        for outcome in outcomes:
            if outcome.status == CREATED:
                result.created += 1
            elif outcome.status == UPDATED:
                result.updated += 1
            elif outcome.status == UNCHANGED:
                result.unchanged += 1

    def _reason(self, mapping: Mapping) -> str:
        return f"import from {mapping.source}"


@dataclass
class Spooled:
    """What the write pass needs of a checked row."""

    item: Item  # key and input
    status: str  # what the check found: created, updated, unchanged
    image: RowImage | None = None  # the checked new row, when it can be inserted as is


def _spooled(
    rt: RecordType[Any, Any], items: list[Item], outcomes: list[Outcome], images: bool
) -> list[tuple[Any, ...]]:
    """The chunk as tuples (index, key, input or None, status, image or None): pickled and
    read back at a fraction of the cost of dataclasses."""
    spooled = []
    for item, outcome in zip(items, outcomes, strict=True):
        image = None
        data = item.data
        if images and outcome.status == CREATED and outcome.record is not None:
            image = image_of(outcome.record)
            if rt.photos_of(item.data) is None:  # the input is needed for its photos only
                data = None
        spooled.append(
            (item.index, item.key, data, outcome.status, None if image is None else flat(image))
        )
    return spooled


def _unspooled(chunk: list[tuple[Any, ...]]) -> list[Spooled]:
    return [
        Spooled(Item(index, key, data), status, None if image is None else unflat(image))
        for index, key, data, status, image in chunk
    ]


def _copy_counts(source: ImportResult, target: ImportResult) -> None:
    for name in ("rows", "created", "updated", "unchanged"):
        setattr(target, name, getattr(source, name))


def exchange_dir(instance: Instance) -> Path:
    """`<data_dir>/exchange`: uploads, reports and spools, private to the instance's user."""
    folder = instance.config.data_dir / "exchange"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _key(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[:200] or None


Plan = list[tuple[str, str, dict[str, str] | None]]


def _plan(mapping: Mapping) -> Plan:
    """(column, input path, translation table or None) of each mapped column: made once, so
    that a row does not look each table up."""
    return [(c, p, mapping.translate.get(p)) for c, p in mapping.columns.items()]


def _values(row: Row, plan: Plan, defaults: dict[str, Any]) -> dict[str, Any]:
    """Input path -> value of a row: its mapped cells, translated, then the defaults."""
    cells = row.values
    values: dict[str, Any] = {}
    for column, path, table in plan:
        value = cells.get(column)
        if value is None:
            continue
        if table is not None:
            value = table.get(str(value), value)
        values[path] = value
    for path, value in defaults.items():
        values.setdefault(path, value)
    return values
