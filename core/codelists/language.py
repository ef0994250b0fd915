"""Which language a request is answered in, and picking a label in it.

Order: the explicit `language` argument, else the signed-in user's preferred language, else the
best `Accept-Language` match among the instance's languages, else the instance default. A
missing translation falls back to English, then to the code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import sqlalchemy as sa

from core.auth.models import User
from core.gql.errors import InputError

if TYPE_CHECKING:
    from core.gql.context import Context

FALLBACK = "en"
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_USER_LANGUAGE_KEY = "codelists.user_language"


def _accept_language(header: str, available: tuple[str, ...]) -> str | None:
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in available and quality > 0:
            choices.append((-quality, position, primary))
    return min(choices)[2] if choices else None


async def _user_language(context: Context) -> str | None:
    """The account's preference, read once per request."""
    user_id = getattr(context.principal, "user_id", None)
    if user_id is None:
        return None
    if _USER_LANGUAGE_KEY not in context.loaders:
        async with context.instance.db.session() as session:
            query = sa.select(User.language).where(User.id == user_id)
            context.loaders[_USER_LANGUAGE_KEY] = await session.scalar(query)
    return context.loaders[_USER_LANGUAGE_KEY]


async def request_language(context: Context, explicit: str | None = None) -> str:
    if explicit is not None:
        language = explicit.strip().lower()
        if not _LANGUAGE.match(language):
            raise InputError(f"{explicit!r} is not an ISO 639 language code", field="language")
        return language
    preferred = await _user_language(context)
    if preferred:
        return preferred
    config = context.instance.config
    header = context.request.headers.get("accept-language")
    if header:
        match = _accept_language(header, config.languages)
        if match:
            return match
    return config.default_language


def label_language(labels: Mapping[str, str], language: str) -> str | None:
    """The language `pick_label` answers in: `language` if there is a label in it, else the
    fallback (English) if there is one in it, else None (the default is shown)."""
    if labels.get(language):
        return language
    if labels.get(FALLBACK):
        return FALLBACK
    return None


def pick_label(labels: Mapping[str, str], language: str, default: str = "") -> str:
    chosen = label_language(labels, language)
    return labels[chosen] if chosen else default
