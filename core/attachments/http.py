"""HTTP endpoints: `POST /attachments`, `GET /attachments/{id}` and `.../thumbnail`.

Kept out of GraphQL on purpose: a streamed multipart body with its own size cap and content
checks, and plain file responses. Callers authenticate with the same bearer credential as for
GraphQL; `authenticate(request)` is the one function core uses for that.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from core.attachments.images import THUMBNAIL_MEDIA_TYPE, ImageRejected
from core.attachments.models import Attachment
from core.attachments.service import (
    UPLOAD_PERMISSION,
    AttachmentInfo,
    AttachmentService,
    principal_user_id,
)
from core.attachments.upload import (
    FILE_FIELD,
    UploadError,
    receive_upload,
)
from core.audit import writer as audit

if TYPE_CHECKING:
    from core.instance import Instance

log = logging.getLogger("ncen.attachments")

Authenticate = Callable[[Request], Awaitable[Any]]
_ID = re.compile(r"^[0-9a-f]{32}$")
# Served files must never be cached by shared caches, sniffed into HTML, or run as documents.
DOWNLOAD_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def error_response(
    status: int, code: str, message: str, field: str | None = FILE_FIELD
) -> JSONResponse:
    """The GraphQL error shape, so clients handle upload errors like any other."""
    extensions: dict[str, Any] = {"code": code}
    if field is not None:
        extensions["field"] = field
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _unauthenticated() -> JSONResponse:
    response = error_response(401, "UNAUTHENTICATED", "authentication is required", None)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _not_found() -> JSONResponse:
    return error_response(404, "NOT_FOUND", "no such attachment", None)


def upload_response(info: AttachmentInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "sha256": info.sha256,
        "mediaType": info.media_type,
        "width": info.width,
        "height": info.height,
        "size": info.size,
        "url": info.url,
        "thumbnailUrl": info.thumbnail_url,
    }


class AttachmentEndpoints:
    def __init__(self, service: AttachmentService, authenticate: Authenticate) -> None:
        self.service = service
        self.authenticate = authenticate

    async def upload(self, request: Request) -> Response:
        principal = await self.authenticate(request)
        if not getattr(principal, "is_authenticated", False):
            return _unauthenticated()
        if not principal.can(UPLOAD_PERMISSION):
            return error_response(403, "FORBIDDEN", "you may not upload files", None)
        user_id = principal_user_id(principal)
        settings = self.service.settings
        if user_id is not None:
            pending = await self.service.unattached_count(user_id)
            if pending >= settings.max_unattached_per_user:
                return error_response(
                    429,
                    "TOO_MANY_UPLOADS",
                    f"you have {pending} uploads not yet attached to a record; save or wait "
                    f"{settings.unattached_hours} h for them to expire",
                )
        limit = settings.max_upload_bytes
        try:
            with self.service.files.temp_file() as (path, fd):
                with os.fdopen(fd, "wb", closefd=False) as out:
                    received = await receive_upload(request, out, limit)
                image = await self.service.process(path)
            info = await self.service.store(image, filename=received.filename, uploaded_by=user_id)
        except UploadError as exc:
            return error_response(exc.status, exc.code, str(exc), exc.field)
        except ImageRejected as exc:
            return error_response(exc.status, exc.code, str(exc))
        except ClientDisconnect:
            return Response(status_code=400)
        return JSONResponse(upload_response(info), status_code=201)

    async def download(self, request: Request) -> Response:
        return await self._serve(request, thumbnail=False)

    async def thumbnail(self, request: Request) -> Response:
        return await self._serve(request, thumbnail=True)

    async def _serve(self, request: Request, *, thumbnail: bool) -> Response:
        principal = await self.authenticate(request)
        if not getattr(principal, "is_authenticated", False):
            return _unauthenticated()
        attachment_id = request.path_params["attachment_id"]
        if not _ID.match(attachment_id):
            return _not_found()
        async with self.service.db.session() as session:
            row = await self.service.get(session, attachment_id)
            # Not allowed looks like not there: ids of other people's records reveal nothing.
            if row is None or not await self.service.may_read(session, principal, row):
                return _not_found()
        content = await self.service.content.open(row.sha256, thumbnail=thumbnail)
        if content is None:
            log.error(
                "attachment %s: %s of %s is missing from the %s store",
                row.id,
                "thumbnail" if thumbnail else "file",
                row.sha256,
                self.service.content.name,
            )
            return _not_found()
        await self._audit_read(request, principal, row, thumbnail=thumbnail)
        media_type = THUMBNAIL_MEDIA_TYPE if thumbnail else row.media_type
        suffix = "thumb.jpg" if thumbnail else _EXTENSIONS.get(row.media_type, "bin")
        filename = f"{row.id}.{suffix}"
        if content.path is not None:
            return FileResponse(
                content.path,
                media_type=media_type,
                headers=DOWNLOAD_HEADERS,
                filename=filename,
                content_disposition_type="inline",
            )
        assert content.chunks is not None
        headers = {
            **DOWNLOAD_HEADERS,
            "Content-Length": str(content.size),
            "Content-Disposition": f'inline; filename="{filename}"',
        }
        return StreamingResponse(content.chunks(), media_type=media_type, headers=headers)

    async def _audit_read(
        self, request: Request, principal: Any, row: Attachment, *, thumbnail: bool
    ) -> None:
        """Committed before a byte is served: if the audit write fails, nothing is served."""
        owner = self.service.owners.get(row.entity_type or "")
        if owner is None or not owner.audit_reads:
            return
        async with self.service.db.transaction() as session:
            await audit.record(
                session,
                actor=principal,
                action="record.view",
                entity_type=row.entity_type,
                entity_id=row.entity_id,
                fields=["photo"],
                purpose=audit.request_purpose(request.headers),
                detail={"attachment": row.id, "thumbnail": thumbnail},
            )


def attachment_routes(instance: Instance, authenticate: Authenticate) -> list[Route]:
    endpoints = AttachmentEndpoints(instance.attachments, authenticate)
    return [
        Route("/attachments", endpoints.upload, methods=["POST"]),
        Route("/attachments/{attachment_id}", endpoints.download, methods=["GET"]),
        Route("/attachments/{attachment_id}/thumbnail", endpoints.thumbnail, methods=["GET"]),
    ]
