"""Uploading a file of watch-list entries: `POST /modules/intelligence/watch-lists/{id}/entries`.

Outside GraphQL like every upload (photos, data-exchange imports): a streamed multipart body
(`file` part) with its own size cap, read by core's upload helper, parsed by core's exchange
readers. `{id}` is the list's GraphQL id (or its number); `?format=csv|xlsx` (else the file
name's extension) and `?dryRun=true` (check only). The caller needs `intelligence.manage` and
must be allowed to add entries to the list.

Answers, in the GraphQL error shape for errors so clients handle them alike:

- `200 {"watchList", "rows", "added", "dryRun"}`: every row added (or, on a dry run, valid);
- `400 {"errors": [{"message", "extensions": {"code", "field", "row", "column"}}], "rows",
  "errorCount", "added": 0}`: the bad rows (up to 1,000), and nothing was added;
- 400 for a file that is not such a table, 401, 403, 404 (the list), 413 (over the cap).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from strawberry import relay

from core.attachments.http import error_response
from core.attachments.upload import (
    UploadError,
    receive_upload,
)
from core.exchange.importer import exchange_dir
from core.exchange.readers import FORMATS, FileFormatError
from core.gql.errors import ApiError
from core.web import request_instance, request_principal
from plugins.intelligence import access, importer, service

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # 100,000 rows of entries fit with room to spare
_STATUS = {"NOT_FOUND": 404, "FORBIDDEN": 403}


def _list_number(given: str) -> int | None:
    if given.isdigit():
        return int(given)
    try:
        kind, number = relay.from_base64(given)
    except Exception:  # not base64, or not `Type:id`
        return None
    return int(number) if kind == "WatchList" and number.isdigit() else None


def _api_error(exc: ApiError) -> JSONResponse:
    code = str(exc.extensions["code"])
    return error_response(_STATUS.get(code, 400), code, str(exc), exc.extensions.get("field"))


def _refused(report: importer.ImportReport) -> JSONResponse:
    errors = [
        {
            "message": e.message,
            "extensions": {"code": e.code, "field": e.field, "row": e.row, "column": e.column},
        }
        for e in report.errors
    ]
    body: dict[str, Any] = {
        "errors": errors,
        "rows": report.rows,
        "errorCount": report.error_count,
        "added": 0,
    }
    return JSONResponse(body, status_code=400, headers={"Cache-Control": "no-store"})


async def upload_entries(request: Request) -> Response:
    instance = request_instance(request)
    principal = await request_principal(request)
    if not getattr(principal, "is_authenticated", False):
        response = error_response(401, "UNAUTHENTICATED", "authentication is required", None)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if not principal.can(access.MANAGE):
        return error_response(403, "FORBIDDEN", f"{access.MANAGE} is required", None)
    number = _list_number(request.path_params["id"])
    given_format = request.query_params.get("format")
    if given_format is not None and given_format not in FORMATS:
        return error_response(400, "INVALID_INPUT", "format is csv or xlsx", "format")
    try:  # the list first: nobody uploads a file to a list they may not change
        async with instance.db.session() as session:
            await service.editable_list(session, principal, number, "id")
    except ApiError as exc:
        return _api_error(exc)
    fd, name = tempfile.mkstemp(dir=exchange_dir(instance), prefix="tmp-watch-")
    path = Path(name)
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                received = await receive_upload(request, out, MAX_UPLOAD_BYTES)
        except UploadError as exc:
            return error_response(exc.status, exc.code, str(exc), exc.field)
        except ClientDisconnect:
            return Response(status_code=400)
        kind = given_format or Path(received.filename or "").suffix.lstrip(".").lower()
        if kind not in FORMATS:
            return error_response(
                400, "INVALID_INPUT", "say ?format=csv or xlsx (or name the file so)", "format"
            )
        named = path.with_suffix(f".{kind}")  # openpyxl reads a workbook by its extension
        os.replace(path, named)
        path = named
        dry_run = request.query_params.get("dryRun", "false").lower() in ("1", "true", "yes")
        try:
            report = await importer.import_file(
                instance, principal, number, path, kind, dry_run=dry_run, field="id"
            )
        except FileFormatError as exc:
            return error_response(400, "INVALID_FILE", str(exc))
        except ApiError as exc:
            return _api_error(exc)
    finally:
        _remove(path)
    if report.error_count:
        return _refused(report)
    return JSONResponse(
        {
            "watchList": relay.to_base64("WatchList", number),
            "rows": report.rows,
            "added": report.added,
            "dryRun": dry_run,
        }
    )


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def routes() -> list[BaseRoute]:
    return [Route("/watch-lists/{id}/entries", upload_entries, methods=["POST"])]
