"""The route peers deliver to: `POST /modules/icomm/envelopes` with `{"envelopes": [...]}`.

No user credential: each envelope is authenticated by its signature (plugins/icomm/receive.py).
The answer is signed by this instance's key, naming each envelope's outcome.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from core.web import request_instance
from plugins.icomm.envelopes import sign_document
from plugins.icomm.keys import own_key_id, signing_key
from plugins.icomm.receive import receive
from plugins.icomm.transfer import incoming


def _error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"error": code, "message": message}, status_code=status)


async def envelopes(request: Request) -> Response:
    instance = request_instance(request)
    settings = instance.settings("icomm")
    limit = settings.max_request_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return _error(413, "too_large", f"a request carries at most {limit} bytes")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            return _error(413, "too_large", f"a request carries at most {limit} bytes")
    try:
        wires = json.loads(data)["envelopes"]
        if not isinstance(wires, list) or len(wires) > settings.batch_envelopes:
            raise ValueError(f"a list of at most {settings.batch_envelopes} envelopes")
    except (ValueError, KeyError, TypeError) as exc:
        return _error(400, "malformed", f"expected {{'envelopes': [...]}}: {exc}")
    photos = await incoming(instance, wires)  # before the batch's transaction: see transfer.py
    results = await receive(instance, wires, photos)
    document = {"receiver": own_key_id(instance), "results": results}
    return JSONResponse(sign_document(document, signing_key(instance)))


def routes() -> list[BaseRoute]:
    return [Route("/envelopes", envelopes, methods=["POST"])]
