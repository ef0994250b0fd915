"""HTTP endpoints of data exchange, outside GraphQL like photo uploads: files in and out.

- `GET /exports/{module}?format=csv|jsonl|xlsx&filter={json}`: a streamed download of the
  records the caller may see (nominal columns with the module's export permission), audited.
- `POST /imports/{module}?dryRun=true&format=csv|xlsx&mapping={json}`: a multipart upload
  (`file` part) that becomes an import job; answers `202 {"id": ...}`. Follow it with the
  `importJob(id)` query; `GET /imports/{id}/report` downloads its per-row report (CSV).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from core.attachments.http import DOWNLOAD_HEADERS, error_response
from core.attachments.upload import (
    UploadError,
    receive_upload,
)
from core.exchange import jobs
from core.exchange.exporter import Exporter
from core.exchange.mapping import MappingError, parse_mapping
from core.exchange.models import ImportJob
from core.exchange.registry import UnknownModule, exchange_type
from core.exchange.writers import FORMATS, MEDIA_TYPES, XlsxWriter, text_writer
from core.gql.errors import ApiError

if TYPE_CHECKING:
    from core.instance import Instance

Authenticate = Callable[[Request], Awaitable[Any]]
MAX_IMPORT_BYTES = 200 * 1024 * 1024
FLUSH_BYTES = 64 * 1024


def _api_error(exc: ApiError, status: int = 400) -> JSONResponse:
    extensions = exc.extensions
    return error_response(status, extensions["code"], str(exc), extensions.get("field"))


def _unauthenticated() -> JSONResponse:
    response = error_response(401, "UNAUTHENTICATED", "authentication is required", None)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


class ExchangeEndpoints:
    def __init__(self, instance: Instance, authenticate: Authenticate) -> None:
        self.instance = instance
        self.authenticate = authenticate

    async def export(self, request: Request) -> Response:
        principal = await self.authenticate(request)
        if not getattr(principal, "is_authenticated", False):
            return _unauthenticated()
        module = request.path_params["module"]
        kind = request.query_params.get("format", "csv")
        if kind not in FORMATS:
            return error_response(400, "INVALID_INPUT", f"format is one of {FORMATS}", "format")
        try:
            given = json.loads(request.query_params.get("filter") or "null")
            exporter = Exporter(
                self.instance, principal, exchange_type(self.instance, module), given
            )
        except ValueError:
            return error_response(400, "INVALID_JSON", "the filter is not JSON", "filter")
        except UnknownModule as exc:
            return error_response(404, "NOT_FOUND", str(exc), "module")
        except ApiError as exc:
            return _api_error(exc, 403 if exc.extensions["code"] == "FORBIDDEN" else 400)
        headers = {
            **DOWNLOAD_HEADERS,
            "Content-Disposition": f'attachment; filename="{module}.{kind}"',
        }
        if kind == "xlsx":
            return await self._xlsx(exporter, headers)
        return StreamingResponse(
            self._stream(exporter, kind), media_type=MEDIA_TYPES[kind], headers=headers
        )

    async def _stream(self, exporter: Exporter, kind: str) -> AsyncIterator[bytes]:
        writer, buffer = text_writer(kind, exporter.header)
        try:
            async for row in exporter.rows():
                writer.write(row)
                if buffer.tell() >= FLUSH_BYTES:
                    yield buffer.getvalue().encode("utf-8")
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue().encode("utf-8")
        finally:  # a download cut short is audited too, with the rows read until then
            await exporter.audit(kind)

    async def _xlsx(self, exporter: Exporter, headers: dict[str, str]) -> Response:
        """openpyxl zips the sheet when it saves: written to a private temporary file first,
        streamed from disk, removed after."""
        folder = jobs.jobs_dir(self.instance)
        fd, name = _temp(folder)
        os.close(fd)
        path = Path(name)
        writer = XlsxWriter(path, exporter.header)
        async for row in exporter.rows():
            writer.write(row)
        writer.close()
        await exporter.audit("xlsx")
        return FileResponse(
            path,
            media_type=MEDIA_TYPES["xlsx"],
            headers=headers,
            background=BackgroundTask(path.unlink, missing_ok=True),
        )

    async def upload(self, request: Request) -> Response:
        principal = await self.authenticate(request)
        if not getattr(principal, "is_authenticated", False):
            return _unauthenticated()
        module = request.path_params["module"]
        query = request.query_params
        kind = query.get("format", "csv")
        if kind not in ("csv", "xlsx"):
            return error_response(400, "INVALID_INPUT", "format is csv or xlsx", "format")
        try:
            xt = exchange_type(self.instance, module)
            mapping = parse_mapping(json.loads(query["mapping"])) if "mapping" in query else None
        except UnknownModule as exc:
            return error_response(404, "NOT_FOUND", str(exc), "module")
        except (ValueError, MappingError) as exc:
            return error_response(400, "INVALID_INPUT", f"mapping: {exc}", "mapping")
        from core.records.registry import record_registry

        rt = record_registry(self.instance).by_name[xt.record_type]
        if not principal.can(rt.edit_permission):
            return error_response(403, "FORBIDDEN", f"{rt.edit_permission} is required", None)
        folder = jobs.jobs_dir(self.instance)
        fd, name = _temp(folder)
        try:
            with os.fdopen(fd, "wb") as out:
                await receive_upload(request, out, MAX_IMPORT_BYTES)
        except UploadError as exc:
            _remove(name)
            return error_response(exc.status, exc.code, str(exc))
        except ClientDisconnect:
            _remove(name)
            return Response(status_code=400)
        dry_run = query.get("dryRun", "false").lower() in ("1", "true", "yes")
        job_id = await jobs.create_job(
            self.instance, principal, module, Path(name), kind, mapping, dry_run
        )
        return JSONResponse({"id": job_id, "status": "queued"}, status_code=202)

    async def report(self, request: Request) -> Response:
        principal = await self.authenticate(request)
        if not getattr(principal, "is_authenticated", False):
            return _unauthenticated()
        try:
            job_id = int(request.path_params["id"])
        except ValueError:
            return error_response(404, "NOT_FOUND", "no such import", None)
        async with self.instance.db.session() as session:
            job = await session.get(ImportJob, job_id)
        path = jobs.report_path(self.instance, job_id)
        if (
            job is None
            or job.created_by != getattr(principal, "user_id", None)
            or not path.exists()
        ):
            return error_response(404, "NOT_FOUND", "no such import report", None)
        return FileResponse(
            path,
            media_type=MEDIA_TYPES["csv"],
            headers={
                **DOWNLOAD_HEADERS,
                "Content-Disposition": f'attachment; filename="import-{job_id}-report.csv"',
            },
        )


def _remove(name: str | Path) -> None:
    Path(name).unlink(missing_ok=True)


def _temp(folder: Path) -> tuple[int, str]:
    import tempfile

    return tempfile.mkstemp(dir=folder, prefix="tmp-")


def exchange_routes(instance: Instance, authenticate: Authenticate) -> list[Route]:
    endpoints = ExchangeEndpoints(instance, authenticate)
    return [
        Route("/exports/{module}", endpoints.export, methods=["GET"]),
        Route("/imports/{module}", endpoints.upload, methods=["POST"]),
        Route("/imports/{id}/report", endpoints.report, methods=["GET"]),
    ]
