"""Schema extensions that protect the server from hostile documents and hide internals."""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from core.config import GraphQLSettings
from core.gql.errors import ApiError

MASKED_MESSAGE = "Internal server error"


def should_mask(error: GraphQLError) -> bool:
    """Mask every error raised by code, except the ones raised on purpose for the client."""
    original = error.original_error
    return original is not None and not isinstance(original, ApiError)


def security_extensions(settings: GraphQLSettings) -> list[Callable[[], SchemaExtension]]:
    """Factories, so that each request gets fresh extension objects."""
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        lambda: QueryDepthLimiter(max_depth=settings.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: MaskErrors(should_mask_error=should_mask, error_message=MASKED_MESSAGE),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return extensions
