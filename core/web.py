"""The ASGI application: GraphQL at /graphql, liveness at /healthz, readiness at /readyz."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET

from core.attachments.http import attachment_routes
from core.audit.monitor import STATE_KEY as AUDIT_STATE
from core.audit.monitor import UNCHECKED
from core.auth.sessions import authenticate
from core.body_limit import BodyLimit
from core.config import Config, load_config
from core.gql.context import Context
from core.instance import Instance
from core.module import Module
from core.request_body import BadRequestBody, decode

log = logging.getLogger("ncen.web")


class NcenGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with ncen's context, no operations over GET, and bodies decoded
    strictly (core/request_body.py)."""

    def __init__(self, instance: Instance) -> None:
        settings = instance.config.graphql
        super().__init__(
            instance.schema,
            graphql_ide="graphiql" if settings.ide else None,
            allow_queries_via_get=False,
        )
        self.instance = instance

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        instance = self.instance
        principal = await authenticate(
            instance.db, instance.config.auth, request.headers.get("authorization")
        )
        return Context(request=request, instance=instance, principal=principal)

    def decode_json(self, data: str | bytes) -> object:
        return decode(data)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        except BadRequestBody as exc:
            return exc.response()


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    instance: Instance = request.app.state.instance
    checks: dict[str, str] = {}
    try:
        async with instance.db.session() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        pending = await instance.migrator.pending()
        checks["migrations"] = "ok" if not pending else f"behind: {', '.join(pending)}"
    except Exception as exc:
        log.warning("readiness check failed: %r", exc)
        checks["database"] = "unavailable"
    checks["started"] = "ok" if instance.started else "starting"
    # The audit chain's last check (core/audit/monitor.py): broken means tampered with.
    checks["audit"] = str(instance.state.get(AUDIT_STATE, UNCHECKED))
    ready = all(value in ("ok", UNCHECKED) for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


def create_app(instance: Instance) -> Starlette:
    """Wrap an instance in an ASGI app whose lifespan starts and stops it."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await instance.start()
        try:
            yield
        finally:
            await instance.stop()

    async def authenticate_request(request: Request) -> Any:
        """The same credential check as GraphQL's, for the attachment endpoints."""
        return await authenticate(
            instance.db, instance.config.auth, request.headers.get("authorization")
        )

    graphql = NcenGraphQL(instance)
    app = Starlette(
        routes=[
            Route(
                "/graphql",
                BodyLimit(graphql, instance.config.graphql.max_body_bytes),
                methods=["GET", "POST"],
            ),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *attachment_routes(instance, authenticate_request),
        ],
        lifespan=lifespan,
    )
    app.state.instance = instance
    return app


def app_from_environment(
    config: Config | None = None, extra_modules: Sequence[Module] = ()
) -> Starlette:
    """Factory used by `ncen serve` (uvicorn workers import it by name)."""
    return create_app(Instance(config or load_config(), extra_modules=extra_modules))
