"""`ncen sharing ...`: the payload schema, previews, batch files for hand uploads, dispatch."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from core.errors import NcenError


@click.group("sharing")
def sharing_group() -> None:
    """What leaves the instance: the non-nominal projection and the global-database export."""


@sharing_group.command("schema")
@click.pass_context
def sharing_schema(ctx: click.Context) -> None:
    """Print the JSON schema of the payloads this instance sends and accepts."""
    from core.cli import with_instance
    from core.sharing.payload import payload_schema

    async def action(instance):
        return payload_schema(instance)

    click.echo(json.dumps(with_instance(ctx, action), indent=2, sort_keys=True))


@sharing_group.command("preview")
@click.argument("entity_type")
@click.argument("record_id", type=int)
@click.pass_context
def sharing_preview(ctx: click.Context, entity_type: str, record_id: int) -> None:
    """Print the payload a record (e.g. `Seizure 12`) would be sent with now."""
    from core.cli import with_instance
    from core.records import lifecycle
    from core.records.registry import record_registry
    from core.sharing import exports
    from core.sharing.payload import record_payload

    async def action(instance):
        rt = record_registry(instance).get(entity_type)
        if rt is None:
            raise NcenError(f"{entity_type!r} is not a record type of this instance")
        async with instance.db.session() as session:
            record = await lifecycle.read(session, rt, record_id, exports.reader_for(rt))
            if record is None or rt.entity_type_of(record) != entity_type:
                raise NcenError(f"there is no {entity_type} {record_id} (or it is a draft)")
            last = await exports.last_entry(session, entity_type, str(record_id))
            return await record_payload(instance, session, rt, record, exports.next_kind(last))

    click.echo(json.dumps(with_instance(ctx, action), indent=2, sort_keys=True, ensure_ascii=False))


@sharing_group.command("batch-file")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv"]),
    default=None,
    help="xlsx (one sheet per table) or csv (a ZIP of one CSV per table); "
    "by default from OUT's extension.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only records validated on or after this day (UTC).",
)
@click.pass_context
def sharing_batch_file(
    ctx: click.Context, out: Path, fmt: str | None, since: dt.datetime | None
) -> None:
    """Write the payloads of validated records of the global types to a batch file, for
    administrations that upload to the CEN web application by hand. Audited."""
    from core.audit import writer as audit
    from core.cli import with_instance
    from core.sharing.batch import write_batch
    from core.sharing.exports import batch_payloads
    from core.sharing.payload import canonical_json

    fmt = fmt or ("csv" if out.suffix.lower() in (".csv", ".zip") else "xlsx")
    since_utc = since.replace(tzinfo=dt.UTC) if since is not None else None

    async def action(instance):
        import hashlib

        payloads = await batch_payloads(instance, since_utc)
        with out.open("wb") as handle:
            write_batch(payloads, handle, fmt)
        digest = hashlib.sha256(b"".join(canonical_json(p) for p in payloads)).hexdigest()
        async with instance.db.transaction() as session:
            await audit.record(
                session,
                actor="cli",
                action="sharing.batch_file",
                detail={"records": len(payloads), "format": fmt, "payloadsSha256": digest},
            )
        return len(payloads)

    count = with_instance(ctx, action)
    click.echo(f"wrote {count} record(s) to {out} ({fmt})")


@sharing_group.command("dispatch")
@click.pass_context
def sharing_dispatch(ctx: click.Context) -> None:
    """Queue pending and failed exports for the global peer's sender again."""
    from core.cli import with_instance
    from core.sharing.exports import dispatch_pending

    async def action(instance):
        return await dispatch_pending(instance)

    click.echo(f"{with_instance(ctx, action)} export(s) queued for sending")
