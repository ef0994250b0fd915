"""Images made on the fly with Pillow, a test module that owns photos, and a stand-in principal."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
import strawberry
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request

from core.attachments import AttachmentOwner
from core.attachments.gql import Photo, load_photos
from core.attachments.http import attachment_routes
from core.attachments.service import UPLOAD_PERMISSION
from core.gql.context import Context
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
SECRET_ID = "13"  # a gallery item nobody may see, whatever their permissions


def jpeg_with_gps(
    size: tuple[int, int] = (64, 48), color: str = "red", orientation: int = 1
) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation
    exif[0x0131] = "Camera firmware 1.0"  # Software
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    exif.get_ifd(EXIF_IFD).update({0x9003: "2026:01:02 03:04:05"})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"taken at the border post")
    return out.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (40, 30), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (0, 128, 255, 200) if mode == "RGBA" else "blue").save(out, format=fmt)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes declaring `width` x `height` pixels (greyscale)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    # Highly compressible rows: a real bomb would inflate to width*height bytes.
    body = zlib.compress(b"\x00" * (width + 1) * 64, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class FakePrincipal:
    """Stands in for core.auth's UserPrincipal: what the attachment endpoints rely on."""

    user_id: int
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return True

    def can(self, permission: str) -> bool:
        return permission in self.permissions


# Tokens of the stand-in authentication used by `endpoint_client`.
PRINCIPALS = {
    "uploader": FakePrincipal(1, frozenset({UPLOAD_PERMISSION, "gallery.view"})),
    "viewer": FakePrincipal(2, frozenset({"gallery.view"})),
    "outsider": FakePrincipal(3, frozenset({UPLOAD_PERMISSION})),
}


class _Anonymous:
    is_authenticated = False

    def can(self, permission: str) -> bool:
        return False


async def fake_authenticate(request: Request) -> object:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return PRINCIPALS.get(token, _Anonymous()) if scheme == "Bearer" else _Anonymous()


def endpoint_client(instance: object) -> httpx.AsyncClient:
    """The attachment routes alone, with stand-in authentication (tokens: PRINCIPALS keys)."""
    app = Starlette(routes=attachment_routes(instance, fake_authenticate))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ncen.test")


def bearer(name: str) -> dict[str, str]:
    return {"authorization": f"Bearer {name}"}


@strawberry.type
class GalleryItem:
    id: strawberry.ID

    @strawberry.field
    async def photos(self, info: strawberry.Info[Context, None]) -> list[Photo]:
        return await load_photos(info, "GalleryItem", self.id)


@strawberry.type
class GalleryQuery:
    @strawberry.field
    def gallery_items(self, ids: list[strawberry.ID]) -> list[GalleryItem]:
        return [GalleryItem(id=i) for i in ids]


class GalleryModule:
    """A module whose `GalleryItem` records own photos; item 13 is hidden from everyone."""

    info = ModuleInfo(name="gallery", version="0.0.1", label="Gallery (test)")

    @hookimpl
    def register_graphql(self) -> GraphQLContribution:
        return GraphQLContribution(queries=[GalleryQuery])

    @hookimpl
    def register_attachment_owners(self) -> list[AttachmentOwner]:
        async def can_read(session: object, principal: object, ids: Sequence[str]) -> set[str]:
            return {i for i in ids if i != SECRET_ID}

        return [
            AttachmentOwner(
                entity_type="GalleryItem",
                module="gallery",
                permission="gallery.view",
                can_read=can_read,
            )
        ]
