"""A JSON request body, read strictly: what cannot be decoded is a 400 with a code, never a 500.

Without this, an invalid UTF-8 body or variables nested 5,000 deep reached the client as a
plain-text 500 (a decode error, Python's recursion limit), and a lone surrogate (`"\\ud800"`,
valid JSON) or a NUL character in any string variable went on to fail the database driver or
be stored. Checked once here for every string of the body, so no resolver has to:

- the body is UTF-8 (`INVALID_ENCODING`) and JSON (`INVALID_JSON`; `NaN` and `Infinity`, which
  Python's decoder accepts but JSON does not, are refused too);
- arrays and objects nest at most `MAX_DEPTH` deep (`JSON_TOO_DEEP`);
- every string, key or value, holds only Unicode scalar values other than NUL
  (`INVALID_TEXT`, with the JSON path of the first one at fault).
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import JSONResponse

MAX_DEPTH = 64
# NUL, and UTF-16 surrogates, which are not characters on their own.
_INVALID_TEXT = re.compile("[\x00\ud800-\udfff]")


class BadRequestBody(ValueError):
    """A body refused before parsing GraphQL; answered as HTTP 400 in the GraphQL error shape."""

    def __init__(self, message: str, code: str, path: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.path = path

    def response(self) -> JSONResponse:
        extensions: dict[str, Any] = {"code": self.code}
        if self.path:
            extensions["path"] = self.path
        return error_response(400, str(self), extensions)


def error_response(
    status: int, message: str, extensions: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    """An HTTP error in the GraphQL error shape, so clients handle it like any other error."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]},
        status_code=status,
        headers=headers,
    )


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored as text, or None when it can."""
    found = _INVALID_TEXT.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "holds a NUL character"
    return f"holds U+{ord(found.group()):04X}, a lone UTF-16 surrogate, not a character"


def _refuse_constant(name: str) -> Any:
    raise BadRequestBody(f"{name} is not a JSON value", "INVALID_JSON")


def decode(data: str | bytes) -> Any:
    """The body's JSON value, checked as the module docstring says."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise BadRequestBody(
            f"the request body is not valid UTF-8 (byte {exc.start})", "INVALID_ENCODING"
        ) from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadRequestBody(
            f"the request body nests more than {MAX_DEPTH} levels", "JSON_TOO_DEEP"
        ) from None
    except json.JSONDecodeError as exc:
        raise BadRequestBody(f"the request body is not JSON: {exc.msg}", "INVALID_JSON") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        if isinstance(exc, BadRequestBody):
            raise
        raise BadRequestBody(
            "the request body holds a number out of range", "INVALID_JSON"
        ) from None
    check(value)
    return value


def check(value: Any) -> None:
    """Depth and strings of a decoded JSON value (iterative: any depth costs no stack)."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        current, path, depth = stack.pop()
        if isinstance(current, str):
            problem = text_problem(current)
            if problem:
                raise BadRequestBody(
                    f"the text at {path or 'the top'} {problem}", "INVALID_TEXT", path
                )
        elif isinstance(current, (dict, list)):
            if depth >= MAX_DEPTH:
                raise BadRequestBody(
                    f"the request body nests more than {MAX_DEPTH} levels", "JSON_TOO_DEEP", path
                )
            if isinstance(current, dict):
                for key, item in current.items():
                    inner = f"{path}.{key}" if path else str(key)
                    problem = text_problem(key)
                    if problem:
                        shown = path or "the top"
                        raise BadRequestBody(f"a key at {shown} {problem}", "INVALID_TEXT", path)
                    if isinstance(item, (str, dict, list)):
                        stack.append((item, inner, depth + 1))
            else:
                stack.extend(
                    (item, f"{path}[{index}]", depth + 1)
                    for index, item in enumerate(current)
                    if isinstance(item, (str, dict, list))
                )
