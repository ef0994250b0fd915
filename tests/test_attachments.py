"""The attachment store end to end, on both engines and both stores (files under the data dir,
chunks in the database): upload, dedup, refusals that write nothing, authorised downloads,
attaching to records and erasure."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.attachments.models import Attachment, AttachmentChunk
from core.config import AttachmentSettings
from core.gql.errors import InputError
from core.testing import login_as
from tests.attachment_helpers import (
    GPS_IFD,
    PRINCIPALS,
    SECRET_ID,
    GalleryModule,
    bearer,
    endpoint_client,
    image_bytes,
    jpeg_with_gps,
    png_bomb,
)


@pytest.fixture(params=["files", "database"])
async def gallery(make_app, request):
    """An app with the `gallery` test module and a client of the attachment routes."""
    app = await make_app(
        modules=["gallery"],
        extra_modules=[GalleryModule()],
        attachments=AttachmentSettings(
            max_upload_bytes=64 * 1024, max_pixels=1_000_000, storage=request.param
        ),
    )
    async with endpoint_client(app.instance) as client:
        yield app, client


async def upload(client, data: bytes, name: str = "photo.jpg", who: str = "uploader", **kw):
    files = {"file": (name, data, kw.pop("content_type", "image/jpeg"))}
    return await client.post("/attachments", files=files, headers=bearer(who), **kw)


async def rows(app) -> int:
    async with app.instance.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Attachment)) or 0)


def stored_files(app) -> list[Path]:
    root = app.instance.config.attachments_dir
    return sorted(p for p in root.rglob("*") if p.is_file() and p.parent.name != "tmp")


async def stored(app) -> list[str]:
    """What the store holds, as `<sha256>` and `<sha256>.thumb.jpg` names, whichever it is."""
    if app.instance.attachments.content.name == "files":
        return [path.name for path in stored_files(app)]
    assert stored_files(app) == []  # nothing on the app server's disk
    async with app.instance.db.session() as session:
        found = await session.execute(
            select(AttachmentChunk.sha256, AttachmentChunk.kind).distinct()
        )
        return sorted(sha if kind == "file" else f"{sha}.thumb.jpg" for sha, kind in found)


async def read_stored(app, sha256: str, *, thumbnail: bool = False) -> bytes:
    content = await app.instance.attachments.content.open(sha256, thumbnail=thumbnail)
    assert content is not None
    if content.path is not None:
        return content.path.read_bytes()
    assert content.chunks is not None
    return b"".join([chunk async for chunk in content.chunks()])


async def assert_nothing_written(app, before: list[str], before_rows: int, after_rows: int):
    assert after_rows == before_rows
    assert await stored(app) == before
    assert not any((app.instance.config.attachments_dir / "tmp").iterdir())


async def attach(app, attachment_id: str, entity_id: str, who: str = "uploader"):
    async with app.instance.db.transaction() as session:
        return await app.instance.attachments.attach(
            session, attachment_id, "GalleryItem", entity_id, PRINCIPALS[who]
        )


async def gone(app, sha256: str) -> bool:
    return not any(name.startswith(sha256) for name in await stored(app))


async def wait_until(condition) -> None:
    """The outbox relay removes files after commit; wait for it (polls every 50 ms in tests)."""
    for _ in range(500):  # 10 s at most, for a loaded machine
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the files were not removed in time")


async def test_jpeg_upload_is_stored_once_without_exif_with_thumbnail(gallery):
    app, client = gallery
    response = await upload(client, jpeg_with_gps((64, 48)))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["mediaType"] == "image/jpeg" and (body["width"], body["height"]) == (64, 48)
    assert body["url"] == f"/attachments/{body['id']}"
    assert body["thumbnailUrl"] == f"/attachments/{body['id']}/thumbnail"

    sha256 = body["sha256"]
    if app.instance.attachments.content.name == "files":
        files = app.instance.attachments.files
        path = files.path(sha256)
        assert path.relative_to(app.instance.config.attachments_dir).parts[0] == sha256[:2]
    names = [sha256, f"{sha256}.thumb.jpg"]
    assert await stored(app) == names
    data = await read_stored(app, sha256)
    assert body["size"] == len(data)
    image = Image.open(io.BytesIO(data))
    assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
    assert Image.open(io.BytesIO(await read_stored(app, sha256, thumbnail=True))).format == "JPEG"

    async with app.instance.db.session() as session:
        row = await session.get(Attachment, body["id"])
    assert row.filename == "photo.jpg" and row.uploaded_by == 1 and row.entity_type is None

    again = await upload(client, jpeg_with_gps((64, 48)), name="copy.jpg")
    assert again.status_code == 201
    assert again.json()["sha256"] == body["sha256"] and again.json()["id"] != body["id"]
    assert await rows(app) == 2 and await stored(app) == names


@pytest.mark.parametrize(("fmt", "media_type"), [("PNG", "image/png"), ("WEBP", "image/webp")])
async def test_png_and_webp_uploads(gallery, fmt, media_type):
    _, client = gallery
    response = await upload(client, image_bytes(fmt), name="x.bin", content_type="text/plain")
    assert response.status_code == 201, response.text
    assert response.json()["mediaType"] == media_type
    download = await client.get(response.json()["url"], headers=bearer("uploader"))
    assert download.status_code == 200
    assert download.headers["content-type"] == media_type
    assert Image.open(io.BytesIO(download.content)).format == fmt


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"%PDF-1.4 not a photo at all\n" * 10, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b"\xff" * (64 * 1024 + 1), 413, "FILE_TOO_LARGE"),
        (png_bomb(20_000, 20_000), 413, "IMAGE_TOO_LARGE"),
        (jpeg_with_gps((200, 200))[:300], 400, "INVALID_IMAGE"),
        (b"", 400, "REQUIRED"),
    ],
    ids=["text-named-jpg", "oversized", "decompression-bomb", "truncated", "empty"],
)
async def test_bad_uploads_get_a_field_error_and_write_nothing(gallery, data, status, code):
    app, client = gallery
    assert (await upload(client, image_bytes("PNG"))).status_code == 201
    before, count = await stored(app), await rows(app)
    response = await upload(client, data, name="holiday.jpg")
    assert response.status_code == status, response.text
    assert response.json() == {
        "errors": [
            {
                "message": response.json()["errors"][0]["message"],
                "extensions": {"code": code, "field": "file"},
            }
        ]
    }
    assert response.json()["errors"][0]["message"]
    await assert_nothing_written(app, before, count, await rows(app))


async def test_oversized_body_refused_from_its_content_length(gallery):
    app, client = gallery
    body = b"x" * (200 * 1024)
    response = await client.post(
        "/attachments",
        content=body,
        headers={**bearer("uploader"), "content-type": "multipart/form-data; boundary=abc"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {"code": "FILE_TOO_LARGE", "field": "file"}
    assert await rows(app) == 0 and await stored(app) == []


async def test_request_that_is_not_multipart(gallery):
    _, client = gallery
    response = await client.post("/attachments", content=b"{}", headers=bearer("uploader"))
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_anonymous_and_unpermitted_callers(gallery):
    app, client = gallery
    anonymous = await client.post("/attachments", files={"file": ("a.png", image_bytes("PNG"))})
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert anonymous.headers["www-authenticate"] == "Bearer"
    forbidden = await upload(client, image_bytes("PNG"), who="viewer")
    assert forbidden.status_code == 403
    assert await rows(app) == 0

    photo = (await upload(client, image_bytes("PNG"))).json()
    for url in (photo["url"], photo["thumbnailUrl"]):
        assert (await client.get(url)).status_code == 401


async def test_downloads_follow_the_owning_record(gallery):
    app, client = gallery
    photo = (await upload(client, jpeg_with_gps())).json()
    hidden = (await upload(client, image_bytes("PNG"))).json()

    # Unattached: only the uploader sees it.
    assert (await client.get(photo["url"], headers=bearer("uploader"))).status_code == 200
    assert (await client.get(photo["url"], headers=bearer("viewer"))).status_code == 404

    await attach(app, photo["id"], "7")
    await attach(app, hidden["id"], SECRET_ID)

    response = await client.get(photo["url"], headers=bearer("viewer"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not Image.open(io.BytesIO(response.content)).getexif()
    thumb = await client.get(photo["thumbnailUrl"], headers=bearer("viewer"))
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"

    # No permission on the record type, or not allowed to see that record: not there at all.
    assert (await client.get(photo["url"], headers=bearer("outsider"))).status_code == 404
    assert (await client.get(hidden["url"], headers=bearer("viewer"))).status_code == 404
    assert (await client.get(hidden["thumbnailUrl"], headers=bearer("uploader"))).status_code == 404
    assert (
        await client.get("/attachments/" + "0" * 32, headers=bearer("viewer"))
    ).status_code == 404
    assert (await client.get("/attachments/../etc", headers=bearer("viewer"))).status_code == 404


async def test_attach_rules(gallery):
    app, client = gallery
    mine = (await upload(client, image_bytes("PNG"))).json()
    theirs = (await upload(client, image_bytes("WEBP"), who="outsider")).json()
    with pytest.raises(InputError):
        await attach(app, theirs["id"], "1")  # someone else's upload
    info = await attach(app, mine["id"], "1")
    assert (info.entity_type, info.entity_id) == ("GalleryItem", "1")
    with pytest.raises(InputError):
        await attach(app, mine["id"], "2")  # already attached
    with pytest.raises(ValueError):
        async with app.instance.db.transaction() as session:
            await app.instance.attachments.attach(
                session, mine["id"], "Unknown", "1", PRINCIPALS["uploader"]
            )

    async with app.instance.db.session() as session:
        listed = await app.instance.attachments.list_for(session, "GalleryItem", [2, 1, "3"])
    assert [[item.id for item in items] for items in listed] == [[], [mine["id"]], []]


PHOTOS = """query($ids: [ID!]!) { galleryItems(ids: $ids) { id photos {
    id mediaType width height size url thumbnailUrl thumbnailWidth thumbnailHeight createdAt } } }"""


async def test_graphql_photo_type_batches_per_request(gallery):
    app, client = gallery
    first = (await upload(client, jpeg_with_gps((64, 48)))).json()
    second = (await upload(client, image_bytes("PNG"))).json()
    await attach(app, first["id"], "1")
    await attach(app, second["id"], "1")
    calls = []
    service = app.instance.attachments
    original = service.list_for

    async def counting(session, entity_type, ids):
        calls.append(list(ids))
        return await original(session, entity_type, ids)

    service.list_for = counting
    items = (await app.gql(PHOTOS, {"ids": ["1", "2", "3"]}))["data"]["galleryItems"]
    assert calls == [["1", "2", "3"]]  # one batch for all records
    assert [len(item["photos"]) for item in items] == [2, 0, 0]
    photo = items[0]["photos"][0]
    assert photo["id"] == first["id"] and photo["mediaType"] == "image/jpeg"
    assert (photo["width"], photo["height"], photo["size"]) == (64, 48, first["size"])
    assert photo["url"] == first["url"] and photo["thumbnailUrl"] == first["thumbnailUrl"]
    assert photo["createdAt"] and max(photo["thumbnailWidth"], photo["thumbnailHeight"]) == 64


async def test_erase_removes_rows_and_files_but_keeps_a_file_still_used(gallery):
    app, client = gallery
    shared = jpeg_with_gps(color="green")
    first = (await upload(client, shared)).json()
    second = (await upload(client, shared)).json()
    own = (await upload(client, image_bytes("PNG"))).json()
    await attach(app, first["id"], "1")
    await attach(app, own["id"], "1")
    await attach(app, second["id"], "2")
    content = app.instance.attachments.content

    async with app.instance.db.transaction() as session:
        assert await app.instance.attachments.erase(session, "GalleryItem", 1) == 2

    await wait_until(lambda: gone(app, own["sha256"]))
    assert await content.has(first["sha256"])  # item 2 still uses the same file
    assert await rows(app) == 1
    assert (await client.get(second["url"], headers=bearer("viewer"))).status_code == 200
    assert (await client.get(first["url"], headers=bearer("uploader"))).status_code == 404

    async with app.instance.db.transaction() as session:
        await app.instance.attachments.erase(session, "GalleryItem", "2")
    await wait_until(lambda: gone(app, ""))
    assert await rows(app) == 0


async def test_stale_unattached_uploads_are_collected(gallery):
    app, client = gallery
    stale = (await upload(client, image_bytes("PNG"))).json()
    kept = (await upload(client, jpeg_with_gps())).json()
    await attach(app, kept["id"], "5")
    async with app.instance.db.transaction() as session:
        row = await session.get(Attachment, stale["id"])
        row.created_at = row.created_at.replace(year=row.created_at.year - 1)
        kept_row = await session.get(Attachment, kept["id"])
        kept_row.created_at = row.created_at
    assert await app.instance.attachments.collect_garbage() == 1
    await wait_until(lambda: gone(app, stale["sha256"]))
    assert await app.instance.attachments.content.has(kept["sha256"]) and await rows(app) == 1


async def test_too_many_unattached_uploads(make_app):
    app = await make_app(
        modules=["gallery"],
        extra_modules=[GalleryModule()],
        attachments=AttachmentSettings(max_unattached_per_user=2),
    )
    async with endpoint_client(app.instance) as client:
        for _ in range(2):
            assert (await upload(client, image_bytes("PNG"))).status_code == 201
        refused = await upload(client, image_bytes("PNG"))
        assert refused.status_code == 429
        assert refused.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_UPLOADS"


async def test_mounted_on_the_app_with_core_authentication(make_app):
    """The real app authenticates like GraphQL: session tokens, the upload permission
    (officers and validators by default), and the owning record's permission to download."""
    app = await make_app(modules=["gallery"], extra_modules=[GalleryModule()])
    client = app.client
    anonymous = await client.post("/attachments", files={"file": ("a.png", image_bytes("PNG"))})
    assert anonymous.status_code == 401
    forged = await client.get("/attachments/" + "0" * 32, headers=bearer("ncs_forged"))
    assert forged.status_code == 401

    officer = await login_as(app, "olga", "officer")
    analyst = await login_as(app, "ana", "analyst")
    refused = await client.post(
        "/attachments", files={"file": ("a.png", image_bytes("PNG"))}, headers=bearer(analyst)
    )
    assert refused.status_code == 403
    response = await client.post(
        "/attachments", files={"file": ("a.jpg", jpeg_with_gps())}, headers=bearer(officer)
    )
    assert response.status_code == 201, response.text
    photo = response.json()
    assert (await client.get(photo["url"], headers=bearer(officer))).status_code == 200
    assert (await client.get(photo["url"], headers=bearer(analyst))).status_code == 404


async def test_photos_stored_as_files_move_to_the_database(make_app):
    """An instance switching to the database store still serves the photos it kept as files,
    and `ncen attachments to-database` moves them in (idempotent)."""
    from click.testing import CliRunner

    from core.cli import cli

    def settings(storage: str) -> AttachmentSettings:
        return AttachmentSettings(storage=storage)

    before = await make_app(
        modules=["gallery"], extra_modules=[GalleryModule()], attachments=settings("files")
    )
    async with endpoint_client(before.instance) as client:
        photo = (await upload(client, jpeg_with_gps())).json()
        original = (await client.get(photo["url"], headers=bearer("uploader"))).content
    await before.close()

    after = await make_app(
        modules=["gallery"], extra_modules=[GalleryModule()], attachments=settings("database")
    )
    assert after.instance.attachments.content.name == "database"
    async with endpoint_client(after.instance) as client:
        served = await client.get(photo["url"], headers=bearer("uploader"))
        assert served.status_code == 200 and served.content == original

        obj = {"config": after.instance.config, "extra_modules": [GalleryModule()]}
        invoke = lambda: CliRunner().invoke(  # noqa: E731
            cli, ["attachments", "to-database"], obj=dict(obj), catch_exceptions=False
        )
        result = await asyncio.to_thread(invoke)
        assert result.exit_code == 0, result.output
        assert "copied 1 photo(s)" in result.output
        assert await after.instance.attachments.copy_files_to_database() == (0, 0)

        for path in stored_files(after):
            path.unlink()
        served = await client.get(photo["url"], headers=bearer("uploader"))
        assert served.status_code == 200 and served.content == original
        thumb = await client.get(photo["thumbnailUrl"], headers=bearer("uploader"))
        assert thumb.status_code == 200 and int(thumb.headers["content-length"]) == len(
            thumb.content
        )
