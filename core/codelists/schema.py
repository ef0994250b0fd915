"""GraphQL: `codeList(name, language)`, `codeLists(language)` and `upsertCodeListEntry`."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from typing import Annotated

import sqlalchemy as sa
import strawberry
from graphql import GraphQLObjectType
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.auth.guard import public, requires
from core.codelists.cache import code_list_cache
from core.codelists.edit import get_list, upsert_entry
from core.codelists.language import FALLBACK, label_language, pick_label, request_language
from core.codelists.models import CodeList, CodeListEntry
from core.codelists.registry import is_served
from core.codelists.sources import EntryData
from core.gql.context import Context
from core.gql.errors import InputError, NotFoundError
from core.gql.precompleted import complete_items, plain_selection
from core.internals import graphql_core_schema

MANAGE = "core.codelists.manage"


@strawberry.type(description="A label of a code in one language.")
class CodeListLabel:
    language: str
    label: str


@strawberry.type(name="CodeListEntry", description="One code of a code list.")
class CodeListEntryType:
    code: str
    label: str = strawberry.field(
        description="In the requested language, else English, else the code itself."
    )
    label_language: str | None = strawberry.field(
        description="The language `label` is in; null when it is the code itself."
    )
    parent: str | None
    sort_order: int
    valid_from: dt.date | None
    valid_to: dt.date | None
    source: str = strawberry.field(
        description="The plugin that ships the entry (`core.codelists`, a module) or `national`."
    )
    labels: strawberry.Private[dict[str, str]]

    @strawberry.field
    def translations(self) -> list[CodeListLabel]:
        # Built when asked for only: most pickers want one label per code.
        return [CodeListLabel(language=k, label=v) for k, v in sorted(self.labels.items())]

    @classmethod
    def build(cls, row: CodeListEntry, language: str) -> CodeListEntryType:
        return cls(
            code=row.code,
            label=pick_label(row.labels, language, row.code),
            label_language=label_language(row.labels, language),
            parent=row.parent_code,
            sort_order=row.sort_order,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            source=row.source,
            labels=row.labels,
        )


def _entry_type(info: Info[Context, None]) -> GraphQLObjectType:
    found = graphql_core_schema(info.schema).get_type("CodeListEntry")
    assert isinstance(found, GraphQLObjectType)
    return found


def _entries_loader(context: Context) -> DataLoader[int, list[CodeListEntry]]:
    async def load(list_ids: Sequence[int]) -> list[list[CodeListEntry]]:
        db = context.instance.db
        return await code_list_cache(db).entries(db, list_ids)

    return DataLoader(load_fn=load)


async def _entries(info: Info[Context, None], list_id: int) -> list[CodeListEntry]:
    """The entries of a list: from the cache when it holds them, else through the request's
    loader (one statement for the lists of the request). Going through the loader for a cached
    list would still cost three turns of the event loop (its batch is dispatched in a task of
    its own), each behind every other request in flight."""
    found = code_list_cache(info.context.instance.db).cached_entries(list_id)
    if found is not None:
        return found
    return await info.context.loader("codelists.entries", _entries_loader).load(list_id)


@strawberry.type(name="CodeList", description="A list of codes, labelled in one language.")
class CodeListType:
    id: strawberry.Private[int]
    name: str
    label: str
    requested_language: str = strawberry.field(
        description=(
            "The language asked for: the `language` argument, else the account's language, "
            "else the best Accept-Language match, else the instance default."
        )
    )
    title_labels: strawberry.Private[dict[str, str]]
    source: str

    @strawberry.field(
        description=(
            "The language labels are given in: `requestedLanguage` when the list is translated "
            "into it, else the fallback, English. Each entry's `labelLanguage` tells entry by "
            "entry (a national entry may lack a translation the shipped ones have)."
        )
    )
    async def language(self, info: Info[Context, None]) -> str:
        if self.requested_language in self.title_labels:
            return self.requested_language
        rows = await _entries(info, self.id)
        translated = any(row.labels.get(self.requested_language) for row in rows)
        return self.requested_language if translated else FALLBACK

    @strawberry.field(description="Ordered by sort order, then label.")
    async def entries(
        self,
        info: Info[Context, None],
        include_expired: Annotated[
            bool, strawberry.argument(description="Also entries not valid today.")
        ] = False,
    ) -> list[CodeListEntryType]:
        rows = await _entries(info, self.id)
        instance = info.context.instance

        def build() -> list[CodeListEntryType]:
            today = dt.date.today()
            entries = [
                CodeListEntryType.build(row, self.requested_language)
                for row in rows
                if (include_expired or row.valid_on(today)) and is_served(instance, row.source)
            ]
            return sorted(entries, key=lambda e: (e.sort_order, e.label.casefold(), e.code))

        # Built once per list and language, then shared by the requests until a list changes;
        # for a flat selection of plain fields (`{ code label }`), in their response shape too.
        cache = code_list_cache(instance.db)
        key = ("entries", self.id, self.requested_language, include_expired)
        entries: list[CodeListEntryType] = cache.built(key, build)
        plain = plain_selection(info, _entry_type(info))
        if plain is None:
            return entries
        completed = cache.built((*key, plain), lambda: complete_items(entries, plain))
        return entries if completed is None else completed

    @classmethod
    def build(cls, row: CodeList, language: str) -> CodeListType:
        return cls(
            id=row.id,
            name=row.name,
            label=pick_label(row.labels, language, row.name),
            requested_language=language,
            title_labels=dict(row.labels),
            source=row.source,
        )


@strawberry.type
class CodeListQuery:
    # Reference data, needed before sign-in (language and country pickers): public.
    @strawberry.field(
        description="One code list by name; null if there is none.", extensions=[public()]
    )
    async def code_list(
        self, info: Info[Context, None], name: str, language: str | None = None
    ) -> CodeListType | None:
        language = await request_language(info.context, language)
        instance = info.context.instance
        row = await code_list_cache(instance.db).code_list(instance.db, name)
        if row is None or not is_served(instance, row.source):
            return None
        return CodeListType.build(row, language)

    @strawberry.field(
        description="Every code list of core, of the enabled modules, and national ones, by name.",
        extensions=[public()],
    )
    async def code_lists(
        self, info: Info[Context, None], language: str | None = None
    ) -> list[CodeListType]:
        language = await request_language(info.context, language)
        instance = info.context.instance
        async with instance.db.session() as session:
            rows = await session.scalars(sa.select(CodeList).order_by(CodeList.name))
            return [
                CodeListType.build(row, language) for row in rows if is_served(instance, row.source)
            ]


@strawberry.input(description="A label in one language.")
class CodeListLabelInput:
    language: str
    label: str


@strawberry.input(description="Only what is given changes; labels are merged per language.")
class CodeListEntryInput:
    list: str
    code: str
    # `builtins.list`: the field `list` above shadows the name in the class body.
    labels: builtins.list[CodeListLabelInput] = strawberry.field(default_factory=builtins.list)
    parent: str | None = strawberry.UNSET
    sort_order: int | None = strawberry.UNSET
    valid_from: dt.date | None = strawberry.UNSET
    valid_to: dt.date | None = strawberry.UNSET


def _entry_data(data: CodeListEntryInput) -> EntryData:
    code = data.code.strip()
    if not code or len(code) > 64:
        raise InputError("a code has 1 to 64 characters", field="code")
    labels: dict[str, str] = {}
    for item in data.labels:
        language = item.language.strip().lower()
        if not 2 <= len(language) <= 3 or not language.isalpha():
            raise InputError(f"{item.language!r} is not a language code", field="labels")
        if not item.label.strip():
            raise InputError("a label cannot be empty", field="labels")
        labels[language] = item.label.strip()
    given = {
        key
        for key, value in {
            "parent": data.parent,
            "sort": data.sort_order,
            "validFrom": data.valid_from,
            "validTo": data.valid_to,
        }.items()
        if value is not strawberry.UNSET
    }
    sort = data.sort_order if isinstance(data.sort_order, int) else 0
    return EntryData(
        code=code,
        labels=labels,
        parent=data.parent or None,
        sort=sort,
        valid_from=data.valid_from or None,
        valid_to=data.valid_to or None,
        given=frozenset(given | {"labels"}),
    )


@strawberry.type
class CodeListMutation:
    @strawberry.mutation(
        description="Add a national entry or translations to a list (core.codelists.manage).",
        extensions=[requires(MANAGE)],
    )
    async def upsert_code_list_entry(
        self, info: Info[Context, None], input: CodeListEntryInput
    ) -> CodeListEntryType:
        entry = _entry_data(input)
        instance = info.context.instance
        async with instance.db.transaction() as session:
            code_list = await get_list(session, input.list)
            if not is_served(instance, code_list.source):  # a disabled module's list
                raise NotFoundError(f"there is no code list {input.list!r}", field="list")
            row, _created = await upsert_entry(session, code_list, entry)
        return CodeListEntryType.build(row, await request_language(info.context))
