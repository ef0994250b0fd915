"""Image checks and re-encoding with Pillow (synchronous: run it off the event loop).

The type is decided by Pillow's decoders, restricted to JPEG, PNG and WebP, never by the file
name or the client's content type. The image is decoded and encoded again, which drops every
piece of metadata (EXIF with GPS, XMP, IPTC, comments, text chunks) instead of trying to find
and remove each kind; the EXIF orientation is applied to the pixels first so the photo still
stands the right way up.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# Pillow format name -> (stored media type, save options).
FORMATS: dict[str, tuple[str, dict[str, object]]] = {
    "JPEG": ("image/jpeg", {"quality": 90, "optimize": True}),
    "PNG": ("image/png", {"optimize": False}),
    "WEBP": ("image/webp", {"quality": 90, "method": 4}),
}
THUMBNAIL_MEDIA_TYPE = "image/jpeg"
_SRGB = ImageCms.createProfile("sRGB")

log = logging.getLogger("ncen.attachments")


class ImageRejected(Exception):
    """The upload is not an acceptable image; `status` and `code` go to the client."""

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    sha256: str
    media_type: str
    width: int
    height: int
    thumbnail: bytes
    thumb_width: int
    thumb_height: int


def process_image(path: Path, *, max_pixels: int, thumbnail_size: int) -> ProcessedImage:
    """Check the file at `path` and return its cleaned re-encoding and a JPEG thumbnail."""
    # No warnings.catch_warnings() here: it changes process-wide state and this runs in worker
    # threads. The explicit pixel check below comes before Pillow's own (larger) bomb limits;
    # Pillow refuses what is beyond twice its limit by itself, which is caught too.
    try:
        with Image.open(path, formats=list(FORMATS)) as image:
            fmt = image.format or ""
            # Only the header is read so far: check the declared size before decoding pixels.
            if image.width * image.height > max_pixels:
                raise _too_many_pixels(image.width, image.height, max_pixels)
            image.load()
            cleaned = _clean(image)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(
            f"the image has more than {max_pixels} pixels", code="IMAGE_TOO_LARGE", status=413
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected(
            "the file is not a JPEG, PNG or WebP image",
            code="UNSUPPORTED_MEDIA_TYPE",
            status=415,
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # The decoder's own words (an exception class, a file offset) are no help to the
        # client and tell about the server's libraries: logged, not sent.
        log.info("image refused as damaged", exc_info=True)
        raise ImageRejected(
            "the image is damaged and cannot be read", code="INVALID_IMAGE", status=400
        ) from None
    media_type, options = FORMATS[fmt]
    data = _encode(cleaned, fmt, options)
    thumbnail, thumb_size = _thumbnail(cleaned, thumbnail_size)
    return ProcessedImage(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=media_type,
        width=cleaned.width,
        height=cleaned.height,
        thumbnail=thumbnail,
        thumb_width=thumb_size[0],
        thumb_height=thumb_size[1],
    )


def _too_many_pixels(width: int, height: int, max_pixels: int) -> ImageRejected:
    return ImageRejected(
        f"the image is {width}x{height} pixels; at most {max_pixels} pixels are accepted",
        code="IMAGE_TOO_LARGE",
        status=413,
    )


def _clean(image: Image.Image) -> Image.Image:
    """Pixels only: orientation applied, colours in sRGB, in a mode every target format takes.
    The result is a new image with empty `info`, so nothing of the original's metadata remains."""
    oriented = ImageOps.exif_transpose(image) or image
    icc = image.info.get("icc_profile")
    if icc:
        oriented = _to_srgb(oriented, icc)
    if oriented.mode == "P" or oriented.mode == "PA":
        oriented = oriented.convert("RGBA" if "transparency" in image.info else "RGB")
    elif oriented.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        oriented = oriented.convert("RGB")
    elif oriented.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        oriented = ImageOps.autocontrast(oriented.convert("L"))
    elif oriented.mode == "1":
        oriented = oriented.convert("L")
    pixels = Image.new(oriented.mode, oriented.size)
    pixels.paste(oriented)
    return pixels


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Convert from an embedded colour profile, which is dropped with the rest of the metadata."""
    if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile: keep the pixels as they are
    return converted or image


def _encode(image: Image.Image, fmt: str, options: dict[str, object]) -> bytes:
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = _flatten(image)
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white, for JPEG, which has no alpha channel."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _thumbnail(image: Image.Image, size: int) -> tuple[bytes, tuple[int, int]]:
    thumb = image.copy()
    thumb.thumbnail((size, size), Image.Resampling.LANCZOS)
    if thumb.mode not in ("RGB", "L"):
        thumb = _flatten(thumb)
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), thumb.size
