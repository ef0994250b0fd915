"""GraphQL of data exchange: `statistics` for charts and `bulkUpsert` for national systems."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from core.auth.guard import signed_in
from core.exchange import bulk
from core.exchange.exporter import Exporter
from core.exchange.models import ImportJob
from core.exchange.registry import UnknownModule, exchange_type
from core.exchange.statistics import statistics
from core.gql.context import Context
from core.gql.errors import InputError, UnauthenticatedError
from core.gql.inputs import max_items


@strawberry.enum(description="What statistics add up.")
class StatisticsMeasure(Enum):
    RECORDS = "records"
    MASS_KG = "mass_kg"
    VOLUME_L = "volume_l"
    PIECES = "pieces"


@strawberry.type(description="One group: its keys in the order of groupBy, and its value.")
class StatisticsBucket:
    keys: list[str | None]
    value: float


@strawberry.type(description="Counts or sums grouped for a chart.")
class StatisticsResult:
    module: str
    measure: StatisticsMeasure
    group_by: list[str]
    buckets: list[StatisticsBucket]
    total: float


@strawberry.enum(description="What a bulk upsert did with one record.")
class BulkRecordStatus(Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    INVALID = "invalid"


@strawberry.type(description="Why a record of a bulk call was refused.")
class BulkFieldError:
    field: str
    code: str
    message: str


@strawberry.type(description="The result of one record of a bulk call.")
class BulkRecordResult:
    key: str
    status: BulkRecordStatus
    id: relay.GlobalID | None
    errors: list[BulkFieldError]


@strawberry.type
class BulkUpsertResult:
    replayed: bool = strawberry.field(
        description="True when this is the stored answer of an earlier call with the same "
        "idempotency key: nothing was written this time."
    )
    results: list[BulkRecordResult]


@strawberry.input(description="A record of a bulk call: the caller's key and the input.")
class BulkRecordInput:
    key: str = strawberry.field(description="The record's id in the calling system.")
    input: JSON = strawberry.field(
        description="The record's input, as for createX/updateX (e.g. a SeizureInput)."
    )


def _module(info: Info[Context, None], module: str) -> Any:
    if not info.context.principal.is_authenticated:
        raise UnauthenticatedError("sign in first", field="module")
    try:
        return exchange_type(info.context.instance, module)
    except UnknownModule as exc:
        raise InputError(str(exc), field="module") from None


@strawberry.type(name="ImportJob", description="An import of an uploaded file (POST /imports).")
class ImportJobType:
    id: int
    module: str
    status: str = strawberry.field(
        description="queued, running, checked (dry run without bad rows), refused (bad rows, "
        "nothing written), done, failed."
    )
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: int
    message: str | None
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    attempts: int = strawberry.field(
        description="How many times a server began the job: more than 1 when it was taken "
        "over after the server running it stopped (it goes on after the rows written)."
    )
    report_url: str = strawberry.field(description="The per-row report (CSV), once finished.")


@strawberry.type
class ExchangeQuery:
    @strawberry.field(
        description="One of your import jobs, by the id `POST /imports/{module}` answered.",
        extensions=[signed_in()],
    )
    async def import_job(self, info: Info[Context, None], id: int) -> ImportJobType | None:
        principal = info.context.principal
        async with info.context.instance.db.session() as session:
            job = await session.get(ImportJob, id)
        if job is None or job.created_by != getattr(principal, "user_id", None):
            return None
        return ImportJobType(
            id=job.id,
            module=job.module,
            status=job.status,
            dry_run=job.dry_run,
            rows=job.rows,
            created=job.created,
            updated=job.updated,
            unchanged=job.unchanged,
            errors=job.errors,
            message=job.message,
            created_at=job.created_at,
            finished_at=job.finished_at,
            attempts=job.attempts,
            report_url=f"/imports/{job.id}/report",
        )

    @strawberry.field(
        description="Counts of records or sums of normalised quantities (kg, l, pieces) "
        "grouped by up to three dimensions (year, quarter, month, and the module's own, e.g. "
        "area, commodity, originCountry). Validated records only unless includeUnvalidated; "
        "only records the caller may see; `filter` is the module's list filter.",
        extensions=[signed_in()],
    )
    async def statistics(
        self,
        info: Info[Context, None],
        module: str,
        group_by: list[str] | None = None,
        measure: StatisticsMeasure | None = None,
        filter: JSON | None = None,
        include_unvalidated: bool = False,
    ) -> StatisticsResult:
        xt = _module(info, module)
        measure = measure or StatisticsMeasure.RECORDS
        principal = info.context.principal
        given = Exporter.parse_filter(info.context.instance, xt, filter)
        buckets = await statistics(
            info.context.instance,
            principal,
            xt,
            measure=measure.value,
            group_by=group_by or [],
            filter=given,
            include_unvalidated=include_unvalidated,
        )
        return StatisticsResult(
            module=module,
            measure=measure,
            group_by=group_by or [],
            buckets=[StatisticsBucket(keys=list(b.keys), value=b.value) for b in buckets],
            total=sum(b.value for b in buckets),
        )


@strawberry.type
class ExchangeMutation:
    @strawberry.mutation(
        description=f"Create or update up to {bulk.MAX_RECORDS} records of a module keyed by "
        "the calling system's ids (`system` names that system): one result per record, with "
        "its id or its field errors; valid records are written even when others are refused. "
        "With an idempotency key (argument or `Idempotency-Key` header), a retried call "
        "returns the first call's results and writes nothing again.",
        extensions=[signed_in()],
    )
    async def bulk_upsert(
        self,
        info: Info[Context, None],
        module: str,
        system: str,
        records: Annotated[
            list[BulkRecordInput], strawberry.argument(metadata=max_items(bulk.MAX_RECORDS))
        ],
        idempotency_key: str | None = None,
    ) -> BulkUpsertResult:
        xt = _module(info, module)
        key = idempotency_key or info.context.request.headers.get("idempotency-key")
        given = [{"key": r.key, "input": r.input} for r in records]
        results, replayed = await bulk.bulk_upsert(
            info.context.instance, info.context.principal, xt, system, given, key
        )
        return BulkUpsertResult(
            replayed=replayed,
            results=[
                BulkRecordResult(
                    key=r["key"],
                    status=BulkRecordStatus(r["status"]),
                    id=relay.GlobalID(r["entity_type"], str(r["id"])) if r["id"] else None,
                    errors=[BulkFieldError(**e) for e in r["errors"]],
                )
                for r in results
            ],
        )
