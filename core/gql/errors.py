"""Errors a resolver raises on purpose: shown to the client with a code and the field at fault.

Anything else raised inside a resolver is an internal error and reaches the client masked.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A client-facing error; `extensions` ends up in the GraphQL error as-is."""

    code = "BAD_REQUEST"

    def __init__(
        self, message: str, *, code: str | None = None, field: str | None = None, **details: Any
    ) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": code or self.code}
        if field is not None:
            self.extensions["field"] = field
        self.extensions.update(details)


class InputError(ApiError):
    code = "INVALID_INPUT"


class NotFoundError(ApiError):
    code = "NOT_FOUND"


class PermissionDeniedError(ApiError):
    code = "FORBIDDEN"


class UnauthenticatedError(ApiError):
    code = "UNAUTHENTICATED"


class ConflictError(ApiError):
    code = "CONFLICT"
