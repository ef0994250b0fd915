"""The HTTP anchor: a bare starlette endpoint answering what the small GraphQL query answers."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def graphql(request: Request) -> Response:
    await request.json()
    return JSONResponse({"data": {"me": {"via": "session", "user": {"username": "analyst"}}}})


async def ready(_request: Request) -> Response:
    return JSONResponse({"ready": True})


app = Starlette(
    routes=[
        Route("/graphql", graphql, methods=["POST"]),
        Route("/readyz", ready, methods=["GET"]),
    ]
)
