"""Image checks and cleaning, without a database: what is accepted, what is stripped, what not."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.attachments.images import ImageRejected, process_image
from tests.attachment_helpers import GPS_IFD, image_bytes, jpeg_with_gps, png_bomb


def run(tmp_path, data: bytes, **limits: int):
    path = tmp_path / "upload"
    path.write_bytes(data)
    return process_image(
        path,
        max_pixels=limits.get("max_pixels", 10_000_000),
        thumbnail_size=limits.get("thumbnail_size", 32),
    )


def test_jpeg_metadata_is_gone_and_orientation_applied(tmp_path):
    original = jpeg_with_gps((64, 48), orientation=6)  # 6: rotate 90° to display
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    result = run(tmp_path, original)
    stored = Image.open(io.BytesIO(result.data))
    assert stored.format == "JPEG" and result.media_type == "image/jpeg"
    assert not stored.getexif() and not stored.getexif().get_ifd(GPS_IFD)
    assert "exif" not in stored.info and "comment" not in stored.info
    assert b"border post" not in result.data and b"PhoneMaker" not in result.data
    assert (result.width, result.height) == stored.size == (48, 64)  # turned upright
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) == 32 and not thumb.getexif()
    assert (result.thumb_width, result.thumb_height) == thumb.size


@pytest.mark.parametrize(("fmt", "media_type"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_keep_their_format_and_alpha(tmp_path, fmt, media_type):
    result = run(tmp_path, image_bytes(fmt))
    stored = Image.open(io.BytesIO(result.data))
    assert stored.format == fmt and result.media_type == media_type
    assert stored.mode == "RGBA" and stored.size == (40, 30)


def test_png_text_chunks_are_dropped(tmp_path):
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Jane Smith")
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG", pnginfo=text)
    result = run(tmp_path, out.getvalue())
    assert b"Jane Smith" not in result.data


def test_same_input_gives_same_hash(tmp_path):
    data = jpeg_with_gps()
    assert run(tmp_path, data).sha256 == run(tmp_path, data).sha256


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        (b"just some text, named photo.jpg by its sender\n" * 20, "UNSUPPORTED_MEDIA_TYPE", 415),
        (image_bytes("GIF", mode="RGB"), "UNSUPPORTED_MEDIA_TYPE", 415),
        (image_bytes("BMP", mode="RGB"), "UNSUPPORTED_MEDIA_TYPE", 415),
        (jpeg_with_gps((300, 300))[:400], "INVALID_IMAGE", 400),
    ],
    ids=["text", "gif", "bmp", "truncated-jpeg"],
)
def test_refused(tmp_path, data, code, status):
    with pytest.raises(ImageRejected) as refused:
        run(tmp_path, data)
    assert (refused.value.code, refused.value.status) == (code, status)


@pytest.mark.parametrize(
    "size", [(5_000, 5_000), (100_000, 100_000)], ids=["over-our-cap", "over-pillow-limit"]
)
def test_decompression_bomb_refused_before_decoding(tmp_path, size):
    bomb = png_bomb(*size)
    assert len(bomb) < 10_000
    with pytest.raises(ImageRejected) as refused:
        run(tmp_path, bomb, max_pixels=1_000_000)
    assert refused.value.code == "IMAGE_TOO_LARGE" and refused.value.status == 413
