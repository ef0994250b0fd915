"""Errors of the update manager, shown to operators and admins as one plain line."""

from __future__ import annotations

from core.errors import NcenError


class UpdateError(NcenError):
    """An update cannot be checked, downloaded or applied; nothing was changed."""

    code = "UPDATE_REFUSED"


class VerificationError(UpdateError):
    """Signed metadata or a bundle failed The Update Framework's checks: refused."""

    code = "VERIFICATION_FAILED"


class ApplyFailed(UpdateError):
    """An apply failed after it began changing things, and was rolled back."""

    code = "ROLLED_BACK"
