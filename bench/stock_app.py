"""The second HTTP anchor: a stock strawberry app (no auth, no database, no ncen extensions)
answering the `me` query of the HTTP benchmark with the same JSON, served by uvicorn alike."""

from __future__ import annotations

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL


@strawberry.type
class User:
    username: str


@strawberry.type
class Me:
    via: str
    user: User


@strawberry.type
class Query:
    @strawberry.field
    def me(self) -> Me:
        return Me(via="session", user=User(username="analyst"))


async def ready(_request: Request) -> Response:
    return JSONResponse({"ready": True})


app = Starlette(
    routes=[
        Route("/graphql", GraphQL(strawberry.Schema(query=Query)), methods=["POST"]),
        Route("/readyz", ready, methods=["GET"]),
    ]
)
