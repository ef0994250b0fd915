"""`concealmentGallery`: photos of validated seizures, for analysts and trainers.

Only validated seizures contribute, so every picture in the gallery has been checked and is
visible to anyone with `seizures.view`.
"""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import String, cast, func, select
from strawberry.types import Info

from core.attachments.gql import Photo
from core.attachments.models import Attachment
from core.attachments.service import AttachmentInfo
from core.auth.guard import requires
from core.gql.connection import Connection, build_connection, cursor_key, page_after
from core.gql.context import Context
from core.gql.pagination import clamp_first
from plugins.seizures import access, loaders
from plugins.seizures.models import Case
from plugins.seizures.types import Seizure


@strawberry.type(
    name="ConcealmentGalleryItem",
    description="One concealment photo and the seizure it belongs to.",
)
class GalleryItem:
    photo: Photo
    seizure: Seizure


@strawberry.type
class GalleryQuery:
    @strawberry.field(
        description="Concealment photos of validated seizures, newest first.",
        extensions=[requires(access.VIEW)],
    )
    async def concealment_gallery(
        self,
        info: Info[Context, None],
        method: list[str] | None = None,
        area: list[str] | None = None,
        first: int | None = 24,
        after: str | None = None,
    ) -> Connection[GalleryItem]:
        context = info.context
        size = clamp_first(first, context.instance.config.graphql)
        base = (
            select(Attachment, Case.id)
            .join(Case, cast(Case.id, String) == Attachment.entity_id)
            .where(Attachment.entity_type == "Seizure", Case.status == "validated")
        )
        if method:
            base = base.where(Case.concealment_method.in_(method))
        if area:
            base = base.where(Case.area.in_(area))
        key = cursor_key(after, dt.datetime.fromisoformat, str)
        page = page_after(base, (Attachment.created_at, Attachment.id), key, size)
        async with context.instance.db.session() as session:
            rows = (await session.execute(page)).all()
            total = await session.scalar(select(func.count()).select_from(base.subquery()))
        cases = await loaders.cases_for(info).load_many([case_id for _, case_id in rows])
        items = [
            GalleryItem(photo=Photo.of(AttachmentInfo.of(row)), seizure=Seizure.from_row(case))
            for (row, _), case in zip(rows, cases, strict=True)
            if case is not None
        ]
        keys = [(row.created_at.isoformat(), row.id) for row, _ in rows]
        return build_connection(items, keys, size, total or 0)
