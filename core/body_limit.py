"""A cap on the bytes of a request body, for endpoints that read the whole body into memory.

Strawberry reads the body of `/graphql` in full before parsing it; without a cap, one request
could make the server hold gigabytes. A declared `Content-Length` over the cap is refused before
a byte is read; a chunked body is counted as it arrives and refused as soon as it passes the cap.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.request_body import error_response


def too_large_response(max_bytes: int) -> JSONResponse:
    return error_response(
        413,
        f"the request body is larger than {max_bytes} bytes",
        {"code": "PAYLOAD_TOO_LARGE"},
        headers={"Connection": "close"},
    )


class BodyLimit:
    """ASGI wrapper: the wrapped app sees the body only if it is within `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await too_large_response(self.max_bytes)(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await too_large_response(self.max_bytes)(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return whole
            return await receive()

        await self.app(scope, replay, send)
