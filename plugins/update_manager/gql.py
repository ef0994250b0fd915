"""GraphQL for administrators: `updateStatus`, `availableUpdates`, `applyUpdate`."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core.audit.writer import actor_of, record
from core.auth.guard import requires
from core.gql.context import Context
from core.gql.errors import ApiError
from plugins.update_manager import service
from plugins.update_manager.errors import UpdateError
from plugins.update_manager.status import status

VIEW = "update_manager.view"
APPLY = "update_manager.apply"


@strawberry.type(description="A release offered by the update repository, verified with TUF.")
class UpdateRelease:
    name: str
    kind: str = strawberry.field(description="application, module or data")
    version: str
    upgrades_from: str | None
    modules: list[str]
    migrations: list[str]
    notes: str
    released: str | None
    installed_version: str | None
    applicable: bool
    reason: str = strawberry.field(description="Why it is not applicable, or `applicable`.")

    @classmethod
    def build(cls, candidate: service.Candidate) -> UpdateRelease:
        m = candidate.manifest
        return cls(
            name=m.name,
            kind=m.kind,
            version=m.version,
            upgrades_from=m.upgrades_from,
            modules=list(m.modules),
            migrations=list(m.migrations),
            notes=m.notes,
            released=m.released,
            installed_version=candidate.installed,
            applicable=candidate.applicable,
            reason=candidate.reason,
        )


@strawberry.type(description="One applied or rolled-back update.")
class UpdateHistoryEntry:
    name: str
    version: str
    kind: str
    state: str
    previous_version: str | None
    finished_at: dt.datetime
    actor_name: str | None
    message: str


@strawberry.type(description="The instance's versions and updates.")
class UpdateStatus:
    active_environment: str
    running_environment: str
    ncen_version: str
    installed: list[str]
    in_progress: str | None
    in_progress_state: str | None
    served_by_launcher: bool
    last_check: str | None
    last_error: str | None
    policy: str
    available: list[str]

    @strawberry.field(description="Newest first.")
    async def history(self, info: Info[Context, None], first: int = 20) -> list[UpdateHistoryEntry]:
        rows = await service.history(info.context.instance, max(1, min(first, 200)))
        return [
            UpdateHistoryEntry(
                name=r.release_name,
                version=r.version,
                kind=r.kind,
                state=r.state,
                previous_version=r.previous_version,
                finished_at=r.finished_at,
                actor_name=r.actor_name,
                message=r.message,
            )
            for r in rows
        ]


@strawberry.type(description="What applyUpdate did.")
class ApplyUpdateResult:
    accepted: bool
    applied: bool = strawberry.field(
        description="True when done already (data-only); False when the launcher applies it "
        "now, between two runs of the server (follow it in updateStatus)."
    )
    message: str


def _api_error(exc: UpdateError) -> ApiError:
    return ApiError(str(exc), code=getattr(exc, "code", "UPDATE_REFUSED"))


@strawberry.type
class UpdateQuery:
    @strawberry.field(
        description="Installed versions, an update in progress, the last check (update_manager.view).",
        extensions=[requires(VIEW)],
    )
    async def update_status(self, info: Info[Context, None]) -> UpdateStatus:
        found = await status(info.context.instance)
        return UpdateStatus(
            active_environment=found.active_environment,
            running_environment=found.running_environment,
            ncen_version=found.ncen_version,
            installed=found.installed,
            in_progress=found.in_progress,
            in_progress_state=found.in_progress_state,
            served_by_launcher=service.launcher_pid(service.paths_of(info.context.instance))
            is not None,
            last_check=found.last_check,
            last_error=found.last_error,
            policy=found.policy,
            available=found.available,
        )

    @strawberry.field(
        description="Releases of the repository and whether each applies here; `refresh` "
        "verifies the repository again now (update_manager.view).",
        extensions=[requires(VIEW)],
    )
    async def available_updates(
        self, info: Info[Context, None], refresh: bool = False
    ) -> list[UpdateRelease]:
        instance = info.context.instance
        try:
            if refresh:
                found = await service.check(instance)
            else:
                found = await service.candidates(instance, service.known_releases(instance))
        except UpdateError as exc:
            raise _api_error(exc) from None
        return [UpdateRelease.build(c) for c in found]


@strawberry.type
class UpdateMutation:
    @strawberry.mutation(
        description="Apply a verified release (update_manager.apply, audited): data-only at "
        "once, in one transaction; application and module releases through ncen-launcher.",
        extensions=[requires(APPLY)],
    )
    async def apply_update(
        self, info: Info[Context, None], name: str, version: str
    ) -> ApplyUpdateResult:
        instance = info.context.instance
        actor = actor_of(info.context.principal)
        try:
            found = await service.candidates(instance, service.known_releases(instance))
            if not any(c.manifest.name == name for c in found):
                raise UpdateError(
                    f"no release named {name!r} was found by the last check: query "
                    "availableUpdates(refresh: true) first"
                )
            manifest = service.find_release(found, name, version)
            source = service.source_for(instance)
            if manifest.kind == "data":
                outcome = await service.apply(instance, manifest, actor, source=source)
                return ApplyUpdateResult(accepted=True, applied=True, message=outcome.message)
            await service.request(instance, manifest, actor, source)
        except UpdateError as exc:
            async with instance.db.transaction() as session:
                await record(
                    session,
                    actor=actor,
                    action="update.refused",
                    entity_type=service.ENTITY,
                    entity_id=f"{name} {version}",
                    detail={"reason": str(exc)[:500]},
                )
            raise _api_error(exc) from None
        return ApplyUpdateResult(
            accepted=True,
            applied=False,
            message=f"{manifest.key}: the server restarts now to apply it",
        )
