"""Read one multipart upload into a file without holding the body in memory.

The body is streamed through python-multipart's push parser; bytes are counted as they arrive,
so an over-size upload is refused as soon as it crosses the cap, whatever Content-Length said.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

FILE_FIELD = "file"
# Room for the multipart framing and a few small fields around the file itself.
ENVELOPE_BYTES = 64 * 1024


class UploadError(Exception):
    """A malformed or refused request body; `status` and `code` go to the client."""

    def __init__(self, message: str, *, code: str, status: int, field: str | None = FILE_FIELD):
        super().__init__(message)
        self.code = code
        self.status = status
        self.field = field


def too_large(limit: int) -> UploadError:
    return UploadError(
        f"the file is larger than the limit of {limit} bytes", code="FILE_TOO_LARGE", status=413
    )


def multipart_boundary(content_type: str | None) -> bytes:
    """The boundary of a multipart/form-data body, or an error for any other body."""
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadError(
            "send the file as multipart/form-data in a field named `file`",
            code="UNSUPPORTED_MEDIA_TYPE",
            status=415,
            field=None,
        )
    return boundary


@dataclass
class ReceivedFile:
    size: int = 0
    filename: str | None = None


@dataclass
class _PartState:
    header_field: bytes = b""
    header_value: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    writing: bool = False


class _FileCollector:
    """python-multipart callbacks that copy the `file` part to `out` and ignore other parts."""

    def __init__(self, out: BinaryIO, limit: int) -> None:
        self.out = out
        self.limit = limit
        self.received: ReceivedFile | None = None
        self.part = _PartState()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
        }

    def on_part_begin(self) -> None:
        self.part = _PartState()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers[self.part.header_field.lower()] = self.part.header_value
        self.part.header_field = self.part.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition"))
        if options.get(b"name", b"").decode("latin-1") != FILE_FIELD:
            return
        if self.received is not None:
            raise UploadError("send exactly one file", code="INVALID_INPUT", status=400)
        raw_name = options.get(b"filename")
        self.received = ReceivedFile(filename=_decode_filename(raw_name) if raw_name else None)
        self.part.writing = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.part.writing or self.received is None:
            return
        self.received.size += end - start
        if self.received.size > self.limit:
            raise too_large(self.limit)
        self.out.write(data[start:end])


def _malformed() -> UploadError:
    return UploadError("the multipart body is malformed", code="INVALID_INPUT", status=400)


def _decode_filename(raw: bytes) -> str:
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        name = raw.decode("latin-1")
    # Keep the last path component only, printable, bounded.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:255]


async def receive_file(
    chunks: AsyncIterable[bytes], boundary: bytes, out: BinaryIO, limit: int
) -> ReceivedFile:
    """Copy the `file` part of a multipart body to `out`; at most `limit` bytes of file."""
    collector = _FileCollector(out, limit)
    parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]  # python-multipart types its callbacks narrower than it calls them
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > limit + ENVELOPE_BYTES:
            raise too_large(limit)
        try:
            parser.write(chunk)
        except MultipartParseError:
            raise _malformed() from None
    try:
        parser.finalize()
    except MultipartParseError:
        raise _malformed() from None
    if collector.received is None or collector.received.size == 0:
        raise UploadError("a file is required", code="REQUIRED", status=400)
    return collector.received


async def receive_upload(request: Request, out: BinaryIO, limit: int) -> ReceivedFile:
    """The `file` part of a request's multipart body, copied to `out`: refused before a byte is
    read when the declared length is over the limit, and as soon as the bytes cross it."""
    boundary = multipart_boundary(request.headers.get("content-type"))
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + ENVELOPE_BYTES:
        raise too_large(limit)
    return await receive_file(request.stream(), boundary, out, limit)
