"""Every GraphQL error carries `extensions.code`, so that a client can branch on it.

Errors raised on purpose carry their own code (`ApiError`, the security rules). graphql-core's
own errors carry none; they get one here, by the phase that produced them (the names are the
ones Apollo Server and most GraphQL clients know):

- `GRAPHQL_PARSE_FAILED`: the document is not GraphQL (a syntax error, with its location);
- `GRAPHQL_VALIDATION_FAILED`: the document does not fit the schema (an unknown field, a
  missing argument, a literal of the wrong type);
- `BAD_USER_INPUT`: the variables do not fit the operation (missing, of the wrong type) or a
  value the client sent could not be read (a malformed global id, even inside a field);
- `INTERNAL_SERVER_ERROR`: anything else that went wrong while executing, e.g. a resolver that
  returned null for a non-null field (masked errors already have this code).

A code already present is never replaced.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from graphql.error import GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


def with_code(error: GraphQLError) -> GraphQLError:
    """`error` with a code if it had none (set in place: strawberry's caches keep parse and
    validation errors, and their code is the same every time). Validation errors have theirs
    already, from `ValidationErrorCodes`: past that phase, an error without a path is about the
    request (a syntax error, variables, the operation), one with a path happened in a field."""
    if not (error.extensions or {}).get("code"):
        if isinstance(error, GraphQLSyntaxError):
            code = PARSE_FAILED
        elif error.path is None or isinstance(error.original_error, GraphQLError):
            # About the request, or a value the client sent that a field could not read (a
            # malformed global id): graphql-core and strawberry raise GraphQLError for those.
            code = BAD_USER_INPUT
        else:
            code = INTERNAL_SERVER_ERROR
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


def code_validation_errors(errors: list[GraphQLError] | None) -> None:
    """Give validation errors without a code `GRAPHQL_VALIDATION_FAILED` (in place)."""
    for error in errors or ():
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": VALIDATION_FAILED}


class ValidationErrorCodes(SchemaExtension):
    """Codes validation errors as validation ends: afterwards they look like variable errors
    (no path, no cause), so only the phase tells them apart."""

    def on_validate(self) -> Iterator[None]:
        yield
        code_validation_errors(self.execution_context.pre_execution_errors)
