"""The ASGI application: GraphQL at /graphql, liveness at /healthz, readiness at /readyz,
photos at /attachments, each enabled module's own routes under /modules/<module name>/, GraphiQL's
files at /graphiql/ and a landing page at /."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from cross_web import HTTPException
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from core.attachments.http import attachment_routes
from core.audit.monitor import STATE_KEY as AUDIT_STATE
from core.audit.monitor import UNCHECKED
from core.auth.sessions import authenticate
from core.body_limit import BodyLimit
from core.config import Config, load_config
from core.cors import cors_middleware
from core.errors import ModuleLoadError
from core.exchange.http import exchange_routes
from core.gql.context import Context, Principal
from core.ide import graphiql_page, ide_routes
from core.instance import Instance
from core.landing import landing
from core.module import Module
from core.plugins import collect
from core.request_body import BadRequestBody, decode, error_response

log = logging.getLogger("ncen.web")
MODULE_ROUTES = "/modules"


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

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL from files this instance serves, not strawberry's page that loads a CDN."""
        return graphiql_page()

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]  # strawberry types the context it passes as its base type
        instance = self.instance
        principal = await authenticate(
            instance.db, instance.config.auth, request.headers.get("authorization")
        )
        return Context(request=request, instance=instance, principal=principal)

    def decode_json(self, data: str | bytes) -> object:
        return decode(data)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            if context is UNSET and root_value is UNSET:
                answered = await self._json_post(request)
                if answered is not None:
                    return answered
            return await super().run(request, context, root_value)
        except BadRequestBody as exc:
            return exc.response()
        except HTTPException as exc:
            # Strawberry answers these in plain text; clients get the GraphQL error shape.
            return error_response(exc.status_code, exc.reason, {"code": http_error_code(exc)})

    async def _json_post(self, request: Request) -> Response | None:
        """The everyday request, a POST of one JSON operation, answered as strawberry's view
        answers it (the same context, execution, result shape and HTTP refusals) without its
        generic steps (content negotiation through `email.message`, stream transports, batches,
        multipart uploads, the IDE, a sub-response no resolver of ncen uses): about a fifth of
        a small request's CPU. None: anything else, for strawberry's view (the body stays
        cached on the request, so it reads it again)."""
        if request.method != "POST":
            return None
        for _ in range(FAIR_TURNS):
            await asyncio.sleep(0)
        headers = request.headers
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json" or _STREAMING.search(headers.get("accept", "")):
            return None
        data = self.decode_json(await request.body())
        if not isinstance(data, dict):
            return None
        query, variables, extensions = (
            data.get("query"),
            data.get("variables"),
            data.get("extensions"),
        )
        if not (
            isinstance(query, (str, type(None)))
            and isinstance(variables, (dict, type(None)))
            and isinstance(extensions, (dict, type(None)))
        ):
            return None
        context = await self.get_context(request, None)
        try:
            result = await self.schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                root_value=None,
                operation_name=data.get("operationName"),
                allowed_operation_types=_POST_OPERATIONS,
                operation_extensions=extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason("POST")) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc
        return Response(self.encode_json(process_result(result)), media_type="application/json")


_POST_OPERATIONS = OperationType.from_http("POST")
# Turns of the event loop a GraphQL POST gives before its work. Most requests then run to
# their end without waiting (reads on SQLite never do), and with tens of connections on one
# worker, requests read in the same turn ran in one long stretch while some connections
# waited for seconds: measured on the everyday mix at 50 connections (issue 14,
# docs/performance.md), p99 1.1-2.3 s without these turns, 330-500 ms with one, 190-330 ms
# with two, for a few microseconds a request.
FAIR_TURNS = 2
# Accept headers asking for a streamed answer (multipart subscriptions, server-sent events).
_STREAMING = re.compile(r"multipart/|text/event-stream", re.IGNORECASE)

# Strawberry's own refusals before execution, by the start of their reason.
_HTTP_ERROR_CODES = {
    "No GraphQL query found": "NO_QUERY",
    "Unknown operation named": "UNKNOWN_OPERATION",
}


def http_error_code(exc: HTTPException) -> str:
    """The code of a refusal strawberry raises as an HTTP error."""
    for start, code in _HTTP_ERROR_CODES.items():
        if exc.reason.startswith(start):
            return code
    if exc.status_code == 405:
        return "METHOD_NOT_ALLOWED"
    if exc.status_code == 404:
        return "NOT_FOUND"
    return "BAD_REQUEST"


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


def request_instance(request: Request) -> Instance:
    """The instance serving a request: for module routes (`register_routes`)."""
    return request.app.state.instance


async def request_principal(request: Request) -> Principal:
    """Who sent the request, from its `Authorization: Bearer` header, exactly as for GraphQL
    (anonymous without one; `RejectedCredentials` for a bad one)."""
    instance = request_instance(request)
    return await authenticate(
        instance.db, instance.config.auth, request.headers.get("authorization")
    )


def module_prefix(module: str) -> str:
    """Where a module's routes are mounted: no clash with core's paths or another module's."""
    return f"{MODULE_ROUTES}/{module}"


def module_routes(instance: Instance) -> list[BaseRoute]:
    """The routes of the enabled modules (`register_routes`), each under its module's prefix."""
    mounts: list[BaseRoute] = []
    for plugin, routes in collect(instance.pm, "register_routes"):
        if not all(isinstance(route, BaseRoute) for route in routes):
            raise ModuleLoadError(
                f"module {plugin!r}: register_routes must return starlette routes"
            )
        mounts.append(Mount(module_prefix(plugin), routes=list(routes)))
    return mounts


def create_app(instance: Instance, *, on_started: Callable[[], None] | None = None) -> Starlette:
    """Wrap an instance in an ASGI app whose lifespan starts and stops it (`on_started` is
    called once it has started: `ncen serve` settles the garbage collector there)."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await instance.start()
        if on_started is not None:
            on_started()
        try:
            yield
        finally:
            await instance.stop()

    graphql = NcenGraphQL(instance)
    app = Starlette(
        routes=[
            Route(
                "/graphql",
                BodyLimit(graphql, instance.config.graphql.max_body_bytes),
                methods=["GET", "POST"],
            ),
            Route("/", landing, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *attachment_routes(instance, request_principal),
            *exchange_routes(instance, request_principal),
            *ide_routes(instance.config.graphql.ide),
            *module_routes(instance),
        ],
        middleware=cors_middleware(instance.config.server.cors_origins),
        lifespan=lifespan,
    )
    app.state.instance = instance
    return app


def app_from_environment(
    config: Config | None = None, extra_modules: Sequence[Module] = ()
) -> Starlette:
    """Factory used by `ncen serve` (uvicorn workers import it by name)."""
    from core.long_lived import serving

    instance = Instance(config or load_config(), extra_modules=extra_modules)
    return create_app(instance, on_started=serving)
