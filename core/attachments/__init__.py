"""The core attachment store: content-addressed photo files under the data dir, metadata in
the database, an authenticated upload/download endpoint, and the API modules use to attach
uploads to their records and to erase them. See docs/attachments.md."""

from core.attachments.owners import AttachmentOwner
from core.attachments.service import AttachmentInfo, AttachmentService

__all__ = ["AttachmentInfo", "AttachmentOwner", "AttachmentService"]
