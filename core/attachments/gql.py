"""The `Photo` GraphQL type modules put on their record types, and its per-request loader.

Example, in a module's schema:

    @strawberry.field
    async def photos(self, info: Info[Context, None]) -> list[Photo]:
        return await load_photos(info, "Suspect", self.id)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.attachments.service import AttachmentInfo
from core.gql.context import Context


@strawberry.type(description="A photo attached to a record; the file is served over HTTP.")
class Photo:
    id: strawberry.ID
    media_type: str = strawberry.field(description="image/jpeg, image/png or image/webp.")
    width: int
    height: int
    size: int = strawberry.field(description="Bytes of the stored file.")
    url: str = strawberry.field(
        description="Path of the file (GET with the same bearer credential as for GraphQL)."
    )
    thumbnail_url: str = strawberry.field(description="Path of a JPEG thumbnail.")
    thumbnail_width: int
    thumbnail_height: int
    created_at: dt.datetime

    @classmethod
    def of(cls, info: AttachmentInfo) -> Photo:
        return cls(
            id=strawberry.ID(info.id),
            media_type=info.media_type,
            width=info.width,
            height=info.height,
            size=info.size,
            url=info.url,
            thumbnail_url=info.thumbnail_url,
            thumbnail_width=info.thumb_width,
            thumbnail_height=info.thumb_height,
            created_at=info.created_at,
        )


def photo_loader(context: Context, entity_type: str) -> DataLoader[str, list[Photo]]:
    """One loader per request and entity type: N records cost one query."""

    def factory(ctx: Context) -> DataLoader[str, list[Photo]]:
        async def load(keys: Sequence[str]) -> list[list[Photo]]:
            service = ctx.instance.attachments
            async with ctx.instance.db.session() as session:
                found = await service.list_for(session, entity_type, keys)
            return [[Photo.of(item) for item in items] for items in found]

        return DataLoader(load_fn=load)

    return context.loader(f"core.attachments:{entity_type}", factory)


async def load_photos(
    info: Info[Context, None], entity_type: str, entity_id: str | int
) -> list[Photo]:
    """The photos of one record; the caller has already decided the record is visible."""
    return await photo_loader(info.context, entity_type).load(str(entity_id))
