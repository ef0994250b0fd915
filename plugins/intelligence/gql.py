"""GraphQL of the intelligence module: watch lists and their entries, alerts with their
explanations, and judgements.

Queries: `watchLists`, `watchList(id)`, `alerts(filter, first, after)`.
Mutations: `createWatchList`, `updateWatchList`, `deleteWatchList`, `addWatchListEntry`,
`importWatchListEntries`, `removeWatchListEntry`, `judgeAlert`.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import func, select
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.audit.consultation import note_consultation
from core.auth.guard import requires, signed_in
from core.auth.models import User
from core.gql.connection import Connection, build_connection, cursor_key, page_after
from core.gql.context import Context
from core.gql.errors import InputError, NotFoundError
from core.gql.pagination import clamp_first
from core.matching import Feature
from core.record_ids import record_id
from core.records.registry import record_registry
from core.workflow import user_id
from plugins.intelligence import access, alerts, matches, searches, service
from plugins.intelligence.entries import EntryData
from plugins.intelligence.models import Alert as AlertRow
from plugins.intelligence.models import Match as MatchRow
from plugins.intelligence.models import SavedSearch as SavedSearchRow
from plugins.intelligence.models import SearchHit as SearchHitRow
from plugins.intelligence.models import WatchList as WatchListRow
from plugins.intelligence.models import WatchListEntry as EntryRow

if TYPE_CHECKING:
    from core.gql.entity import Entity


@strawberry.enum(description="Who sees a watch list besides its owner.")
class WatchListSharing(enum.Enum):
    PRIVATE = "private"
    ROLE = "role"
    INSTANCE = "instance"


@strawberry.enum(description="What a watch-list entry watches for.")
class WatchEntryKind(enum.Enum):
    PERSON = "person"
    COMPANY = "company"
    CONVEYANCE = "conveyance"
    TERM = "term"


@strawberry.enum(
    description="Families of identifiers; values of one family are compared normalised "
    "(case, spaces and punctuation ignored; container and IMO check digits verified)."
)
class IdentifierFamily(enum.Enum):
    PLATE = "plate"
    VIN = "vin"
    IMO = "imo"
    MMSI = "mmsi"
    CONTAINER = "container"
    DOCUMENT = "document"
    COMPANY = "company"
    PHONE = "phone"
    EMAIL = "email"


@strawberry.enum(description="Where an alert stands: open until judged.")
class AlertStatus(enum.Enum):
    OPEN = "open"
    MATCH = "match"
    NO_MATCH = "no_match"
    UNSURE = "unsure"


@strawberry.enum(description="An analyst's verdict on an alert; NO_MATCH silences the pair.")
class Verdict(enum.Enum):
    MATCH = "match"
    NO_MATCH = "no_match"
    UNSURE = "unsure"


@strawberry.enum(description="The format of a file of watch-list entries.")
class EntryFileFormat(enum.Enum):
    CSV = "csv"
    XLSX = "xlsx"


@strawberry.type(description="A bad row of a file of entries: nothing of the file was added.")
class EntryRowError:
    row: int = strawberry.field(description="As a spreadsheet shows it: the header is row 1.")
    column: str | None = strawberry.field(description="The column, as the file spells it.")
    field: str = strawberry.field(description="The entry's field, e.g. `identifiers[0].value`.")
    code: str
    message: str


@strawberry.type(description="What an import of a file of entries did.")
class WatchListImport:
    watch_list: strawberry.ID
    rows: int = strawberry.field(description="Filled rows read.")
    added: int = strawberry.field(description="Entries added: 0 on a dry run or a bad row.")
    dry_run: bool
    error_count: int
    errors: list[EntryRowError] = strawberry.field(description="The bad rows (up to 1,000).")


def _gid(type_name: str, number: int) -> strawberry.ID:
    return strawberry.ID(relay.to_base64(type_name, number))


def _number(gid: relay.GlobalID, type_name: str) -> int | None:
    return record_id(gid.node_id) if gid.type_name == type_name else None


@strawberry.type(description="A watched identifier.")
class WatchIdentifier:
    family: IdentifierFamily
    value: str


@strawberry.type(description="A watched person, company, conveyance or term.")
class WatchListEntry:
    id: strawberry.ID
    kind: WatchEntryKind
    label: str
    names: list[str]
    birth_date: str | None
    nationalities: list[str]
    identifiers: list[WatchIdentifier]
    terms: list[str]
    note: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    created_at: dt.datetime
    removed_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: EntryRow) -> WatchListEntry:
        data = row.data or {}
        return cls(
            id=_gid("WatchListEntry", row.id),
            kind=WatchEntryKind(row.kind),
            label=row.label,
            names=list(data.get("names", [])),
            birth_date=data.get("birthDate"),
            nationalities=list(data.get("nationalities", [])),
            identifiers=[
                WatchIdentifier(family=IdentifierFamily(i["family"]), value=i["value"])
                for i in data.get("identifiers", [])
            ],
            terms=list(data.get("terms", [])),
            note=row.note,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            created_at=row.created_at,
            removed_at=row.removed_at,
        )


@strawberry.type(description="A watch list: entries screened against every new or changed record.")
class WatchList:
    id: strawberry.ID
    name: str
    description: str
    sharing: WatchListSharing
    shared_role: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    owner_id: strawberry.Private[int]
    number: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: WatchListRow) -> WatchList:
        return cls(
            id=_gid("WatchList", row.id),
            name=row.name,
            description=row.description,
            sharing=WatchListSharing(row.sharing),
            shared_role=row.shared_role,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            created_at=row.created_at,
            updated_at=row.updated_at,
            owner_id=row.owner_id,
            number=row.id,
        )

    @strawberry.field(description="The owner's username.")
    async def owner(self, info: Info[Context, None]) -> str | None:
        async with info.context.instance.db.session() as session:
            return await session.scalar(select(User.username).where(User.id == self.owner_id))

    @strawberry.field(description="Whether the caller may add and remove entries.")
    def can_edit(self, info: Info[Context, None]) -> bool:
        principal = info.context.principal
        if not principal.can(access.MANAGE):
            return False
        return self.owner_id == user_id(principal) or self.sharing != WatchListSharing.PRIVATE

    @strawberry.field(description="Number of entries (not removed).")
    async def entry_count(self, info: Info[Context, None]) -> int:
        async with info.context.instance.db.session() as session:
            return int(
                await session.scalar(
                    select(func.count(EntryRow.id)).where(
                        EntryRow.list_id == self.number, EntryRow.removed_at.is_(None)
                    )
                )
                or 0
            )

    @strawberry.field(description="Entries, oldest first; removed ones only when asked.")
    async def entries(
        self,
        info: Info[Context, None],
        first: int | None = 100,
        include_removed: bool = False,
    ) -> list[WatchListEntry]:
        size = clamp_first(first, info.context.instance.config.graphql)
        query = select(EntryRow).where(EntryRow.list_id == self.number)
        if not include_removed:
            query = query.where(EntryRow.removed_at.is_(None))
        async with info.context.instance.db.session() as session:
            rows = await session.scalars(query.order_by(EntryRow.id).limit(size))
            return [WatchListEntry.from_row(r) for r in rows]


@strawberry.type(
    description="One reason in an explanation: a feature, the values compared, the score."
)
class MatchFeature:
    feature: str = strawberry.field(
        description="`identifier:<family>`, `name`, `birth_date`, `nationality`, `country`, "
        "`term`, `route`, `concealment`, `hs_code`, `time_window`."
    )
    query_value: str = strawberry.field(description="The value of the watch entry (or record).")
    candidate_value: str = strawberry.field(description="The value found in the record.")
    query_field: str
    candidate_field: str = strawberry.field(description="The record's field that matched.")
    score: float = strawberry.field(description="How well the values agree, 0-1.")
    weight: float = strawberry.field(description="The feature's weight (negative: against).")
    contribution: float = strawberry.field(description="score x weight, added to the total.")

    @classmethod
    def of(cls, feature: Feature) -> MatchFeature:
        return cls(
            feature=feature.feature,
            query_value=feature.query_value,
            candidate_value=feature.candidate_value,
            query_field=feature.query_field,
            candidate_field=feature.candidate_field,
            score=feature.score,
            weight=feature.weight,
            contribution=feature.contribution,
        )


@strawberry.type(description="A verdict on an alert.")
class AlertJudgement:
    verdict: Verdict
    comment: str | None
    username: str | None
    created_at: dt.datetime


@strawberry.type(description="A watch-list entry matched a record.")
class Alert:
    id: strawberry.ID
    status: AlertStatus
    score: float
    entity_type: str
    module: str
    record_id: strawberry.ID = strawberry.field(description="Global id of the matched record.")
    matched_fields: list[str]
    features: strawberry.Private[list[dict[str, object]]]
    action: str = strawberry.field(description="The change that raised or last refreshed it.")
    record_version: int | None
    hits: int = strawberry.field(description="How many changes of the record matched.")
    created_at: dt.datetime
    updated_at: dt.datetime
    judgements: list[AlertJudgement]
    list_id: strawberry.Private[int]
    entry_id: strawberry.Private[int]
    entity_id: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: AlertRow) -> Alert:
        return cls(
            id=_gid("Alert", row.id),
            status=AlertStatus(row.status),
            score=row.score,
            entity_type=row.entity_type,
            module=row.module,
            record_id=strawberry.ID(relay.to_base64(row.entity_type, row.entity_id)),
            matched_fields=list(row.matched_fields or []),
            features=list(row.features or []),
            action=row.action,
            record_version=row.record_version,
            hits=row.hits,
            created_at=row.created_at,
            updated_at=row.updated_at,
            judgements=[
                AlertJudgement(
                    verdict=Verdict(j.verdict),
                    comment=j.comment,
                    username=j.username,
                    created_at=j.created_at,
                )
                for j in row.judgements
            ],
            list_id=row.list_id,
            entry_id=row.entry_id,
            entity_id=row.entity_id,
        )

    @strawberry.field(
        description="Why it matched: each feature with the values compared and its score. "
        "Values of a person's record are a consultation of it (audited)."
    )
    def explanation(self, info: Info[Context, None]) -> list[MatchFeature]:
        _consulted(info, self.entity_type, self.entity_id)
        return [MatchFeature.of(Feature.from_json(f)) for f in self.features]

    @strawberry.field(description="The watch list.")
    async def watch_list(self, info: Info[Context, None]) -> WatchList | None:
        row = await _rows(info, WatchListRow).load(self.list_id)
        return WatchList.from_row(row) if row else None

    @strawberry.field(description="The entry that matched.")
    async def entry(self, info: Info[Context, None]) -> WatchListEntry | None:
        row = await _rows(info, EntryRow).load(self.entry_id)
        return WatchListEntry.from_row(row) if row else None

    @strawberry.field(description="The matched record, through its module's visibility rules.")
    async def record(
        self, info: Info[Context, None]
    ) -> Annotated[Entity, strawberry.lazy("core.gql.entity")] | None:
        return await _entity(info, self.entity_type, self.entity_id)


def _rows(info: Info[Context, None], model: Any) -> DataLoader[int, Any]:
    """Rows of `model` by id, one query per request for all the alerts of a page."""

    def factory(context: Context) -> DataLoader[int, Any]:
        async def load(ids: Sequence[int]) -> list[Any]:
            async with context.instance.db.session() as session:
                found = {
                    r.id: r for r in await session.scalars(select(model).where(model.id.in_(ids)))
                }
            return [found.get(i) for i in ids]

        return DataLoader(load_fn=load)

    return info.context.loader(f"intelligence.rows:{model.__tablename__}", factory)


def _consulted(info: Info[Context, None], entity_type: str, entity_id: str) -> None:
    """Values of a personal record served: noted for the consultation audit."""
    rt = record_registry(info.context.instance).get(entity_type)
    if rt is not None and rt.personal:
        note_consultation(info, entity_type, entity_id)


async def _entity(info: Info[Context, None], entity_type: str, entity_id: str) -> Entity | None:
    """The record through its type's `resolve_nodes` (visibility rules), one call per entity
    type per request whatever the number of alerts or matches."""
    from core.links.registry import entity_class
    from core.plugins import resolve

    def factory(context: Context) -> DataLoader[str, Any]:
        cls = entity_class(context.instance, entity_type)

        async def load(ids: Sequence[str]) -> list[Any]:
            if cls is None:
                return [None] * len(ids)
            return list(await resolve(cls.resolve_nodes(info=info, node_ids=ids, required=False)))

        return DataLoader(load_fn=load)

    loader = info.context.loader(f"intelligence.records:{entity_type}", factory)
    return await loader.load(entity_id)


@strawberry.type(description="A record that may be the same person, company, conveyance or case.")
class MatchCandidate:
    entity_type: str
    module: str
    record_id: strawberry.ID
    score: float
    is_match: bool = strawberry.field(description="At or above the matching threshold.")
    matched_fields: list[str]
    features: strawberry.Private[list[Feature]]
    entity_id: strawberry.Private[str]

    @strawberry.field(description="Why: each feature with the values compared and its score.")
    def explanation(self, info: Info[Context, None]) -> list[MatchFeature]:
        _consulted(info, self.entity_type, self.entity_id)
        return [MatchFeature.of(f) for f in self.features]

    @strawberry.field(description="The candidate record.")
    async def record(
        self, info: Info[Context, None]
    ) -> Annotated[Entity, strawberry.lazy("core.gql.entity")] | None:
        return await _entity(info, self.entity_type, self.entity_id)


@strawberry.type(description="Two records `ncen xref` found to match.")
class XrefMatch:
    id: strawberry.ID
    module: str = strawberry.field(description="The cross-referenced module (of `left`).")
    left_type: str
    left_id: strawberry.ID
    right_type: str
    right_id: strawberry.ID
    score: float
    created_at: dt.datetime
    features: strawberry.Private[list[dict[str, object]]]
    refs: strawberry.Private[tuple[tuple[str, str], tuple[str, str]]]

    @strawberry.field(description="Why: each feature with the values compared and its score.")
    def explanation(self, info: Info[Context, None]) -> list[MatchFeature]:
        for entity_type, entity_id in self.refs:
            _consulted(info, entity_type, entity_id)
        return [MatchFeature.of(Feature.from_json(f)) for f in self.features]

    @strawberry.field
    async def left(
        self, info: Info[Context, None]
    ) -> Annotated[Entity, strawberry.lazy("core.gql.entity")] | None:
        return await _entity(info, *self.refs[0])

    @strawberry.field
    async def right(
        self, info: Info[Context, None]
    ) -> Annotated[Entity, strawberry.lazy("core.gql.entity")] | None:
        return await _entity(info, *self.refs[1])


@strawberry.type(description="A record a saved search found that an earlier run had not.")
class SavedSearchAlert:
    entity_type: str
    module: str
    record_id: strawberry.ID
    score: float
    found_at: dt.datetime
    entity_id: strawberry.Private[str]

    @strawberry.field(description="The record, as you may see it now.")
    async def record(
        self, info: Info[Context, None]
    ) -> Annotated[Entity, strawberry.lazy("core.gql.entity")] | None:
        return await _entity(info, self.entity_type, self.entity_id)


@strawberry.type(description="A search kept by its owner, run again for new data.")
class SavedSearch:
    id: strawberry.ID
    name: str
    query: str
    modules: list[str]
    entity_types: list[str]
    alert_on_new_data: bool
    last_run_at: dt.datetime | None
    created_at: dt.datetime
    number: strawberry.Private[int]

    @strawberry.field(description="Records found since the first run, newest first (visible ones).")
    async def alerts(
        self, info: Info[Context, None], first: int | None = 50
    ) -> list[SavedSearchAlert]:
        size = clamp_first(first, info.context.instance.config.graphql)
        principal = info.context.principal
        registry = record_registry(info.context.instance)
        async with info.context.instance.db.session() as session:
            rows = list(
                (
                    await session.scalars(
                        select(SearchHitRow)
                        .where(SearchHitRow.search_id == self.number, ~SearchHitRow.baseline)
                        .order_by(SearchHitRow.id.desc())
                        .limit(size)
                    )
                ).all()
            )
            wanted: dict[str, list[str]] = {}
            for r in rows:
                wanted.setdefault(r.entity_type, []).append(r.entity_id)
            visible: set[tuple[str, str]] = set()
            for entity_type, ids in wanted.items():
                rt = registry.get(entity_type)
                if rt is not None:
                    found = await rt.visible_ids(session, principal, ids)
                    visible |= {(entity_type, i) for i in found}
        return [
            SavedSearchAlert(
                entity_type=r.entity_type,
                module=r.module,
                record_id=strawberry.ID(relay.to_base64(r.entity_type, r.entity_id)),
                score=r.score,
                found_at=r.found_at,
                entity_id=r.entity_id,
            )
            for r in rows
            if (r.entity_type, r.entity_id) in visible
        ]

    @classmethod
    def from_row(cls, row: SavedSearchRow) -> SavedSearch:
        return cls(
            id=_gid("SavedSearch", row.id),
            name=row.name,
            query=row.query,
            modules=list(row.modules or []),
            entity_types=list(row.entity_types or []),
            alert_on_new_data=row.alert,
            last_run_at=row.last_run_at,
            created_at=row.created_at,
            number=row.id,
        )


@strawberry.input(description="A search to keep; with alertOnNewData, new hits are alerts.")
class SavedSearchInput:
    name: str
    query: str = strawberry.field(description="Search syntax, as `search(query)` takes it.")
    modules: list[str] | None = None
    entity_types: list[str] | None = None
    alert_on_new_data: bool = True


@strawberry.input(description="All given conditions must hold.")
class XrefMatchFilter:
    module: str | None = None
    min_score: float | None = None
    record: relay.GlobalID | None = strawberry.field(
        default=None, description="Matches of this record, on either side."
    )


@strawberry.input(description="All given conditions must hold.")
class AlertFilter:
    watch_list: relay.GlobalID | None = None
    status: list[AlertStatus] | None = None
    entity_type: list[str] | None = None
    record: relay.GlobalID | None = strawberry.field(
        default=None, description="Alerts about this record only."
    )
    since: dt.datetime | None = strawberry.field(
        default=None, description="Raised or refreshed at or after this time."
    )


@strawberry.input(description="A new watch list.")
class WatchListInput:
    name: str
    description: str | None = None
    sharing: WatchListSharing = WatchListSharing.PRIVATE
    shared_role: str | None = strawberry.field(
        default=None, description="The role that shares the list (sharing ROLE)."
    )
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


@strawberry.input(
    description="Changes to a watch list: a field left out stays as it is; null empties "
    "sharedRole, validFrom and validUntil."
)
class WatchListUpdateInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    sharing: WatchListSharing | None = strawberry.UNSET
    shared_role: str | None = strawberry.UNSET
    valid_from: dt.date | None = strawberry.UNSET
    valid_until: dt.date | None = strawberry.UNSET

    def changes(self) -> service.ListChanges:
        for name, value in (
            ("name", self.name),
            ("description", self.description),
            ("sharing", self.sharing),
        ):
            if value is None:
                raise InputError(
                    "leave it out to keep it; it cannot be null", field=f"input.{name}"
                )
        given = {
            "sharedRole": self.shared_role,
            "validFrom": self.valid_from,
            "validUntil": self.valid_until,
        }

        def value(v: Any) -> Any:
            return None if v is strawberry.UNSET else v

        return service.ListChanges(
            name=value(self.name),
            description=value(self.description),
            sharing=value(self.sharing).value if value(self.sharing) else None,
            shared_role=value(self.shared_role),
            valid_from=value(self.valid_from),
            valid_until=value(self.valid_until),
            clear=frozenset(k for k, v in given.items() if v is None),
        )


@strawberry.input(description="A watched identifier.")
class WatchIdentifierInput:
    family: IdentifierFamily
    value: str


@strawberry.input(
    description="An entry: a person (names and aliases, birthDate, nationalities, DOCUMENT "
    "numbers), a company (names, COMPANY identifiers), a conveyance (PLATE, IMO, CONTAINER, "
    "VIN, MMSI identifiers; a vessel's name) or free terms."
)
class WatchListEntryInput:
    kind: WatchEntryKind
    names: list[str] | None = None
    birth_date: str | None = strawberry.field(
        default=None, description="YYYY, YYYY-MM or YYYY-MM-DD."
    )
    nationalities: list[str] | None = None
    identifiers: list[WatchIdentifierInput] | None = None
    terms: list[str] | None = None
    note: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def entry_data(self) -> EntryData:
        return EntryData(
            kind=self.kind.value,
            names=list(self.names or []),
            birth_date=self.birth_date,
            nationalities=list(self.nationalities or []),
            identifiers=[(i.family.value, i.value) for i in self.identifiers or []],
            terms=list(self.terms or []),
        )


async def _lists(info: Info[Context, None], size: int) -> list[WatchList]:
    principal = info.context.principal
    async with info.context.instance.db.session() as session:
        roles = await access.roles_of(session, user_id(principal) or 0)
        rows = await session.scalars(
            select(WatchListRow)
            .where(access.visible_lists(principal, roles))
            .order_by(WatchListRow.name, WatchListRow.id)
            .limit(size)
        )
        return [WatchList.from_row(r) for r in rows]


@strawberry.type
class IntelligenceQuery:
    @strawberry.field(
        description="Watch lists you own or that are shared with you, by name.",
        extensions=[requires(access.VIEW)],
    )
    async def watch_lists(
        self, info: Info[Context, None], first: int | None = 100
    ) -> list[WatchList]:
        return await _lists(info, clamp_first(first, info.context.instance.config.graphql))

    @strawberry.field(
        description="One watch list; null if you may not see it.",
        extensions=[requires(access.VIEW)],
    )
    async def watch_list(self, info: Info[Context, None], id: relay.GlobalID) -> WatchList | None:
        number = _number(id, "WatchList")
        if number is None:
            return None
        principal = info.context.principal
        async with info.context.instance.db.session() as session:
            roles = await access.roles_of(session, user_id(principal) or 0)
            row = await session.scalar(
                select(WatchListRow).where(
                    WatchListRow.id == number, access.visible_lists(principal, roles)
                )
            )
            return WatchList.from_row(row) if row else None

    @strawberry.field(
        description="Alerts of the watch lists you see, about records you may see, newest first.",
        extensions=[requires(access.VIEW)],
    )
    async def alerts(
        self,
        info: Info[Context, None],
        filter: AlertFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> Connection[Alert]:
        context = info.context
        size = clamp_first(first, context.instance.config.graphql)
        cursor = cursor_key(after, int)
        wanted = alerts.AlertQuery()
        if filter is not None:
            if filter.watch_list is not None:
                number = _number(filter.watch_list, "WatchList")
                if number is None:
                    raise InputError("not a watch list id", field="filter.watchList")
                wanted.list_ids = [number]
            wanted.statuses = [s.value for s in filter.status or []]
            wanted.entity_types = list(filter.entity_type or [])
            if filter.record is not None:
                wanted.entity_types = [filter.record.type_name]
                wanted.entity_id = filter.record.node_id
            wanted.since = filter.since
        rows, total = await alerts.page(context.instance, context.principal, wanted, size, cursor)
        return build_connection(
            [Alert.from_row(r) for r in rows], [(r.id,) for r in rows], size, total
        )

    @strawberry.field(description="Your saved searches.", extensions=[requires(access.VIEW)])
    async def saved_searches(self, info: Info[Context, None]) -> list[SavedSearch]:
        uid = user_id(info.context.principal)
        async with info.context.instance.db.session() as session:
            rows = await session.scalars(
                select(SavedSearchRow)
                .where(SavedSearchRow.owner_id == (uid or 0))
                .order_by(SavedSearchRow.name, SavedSearchRow.id)
            )
            return [SavedSearch.from_row(r) for r in rows]

    @strawberry.field(
        description="Records of any database that may be the same as this one, best first, "
        "with score and explanation: for whoever may see the record, and only records they "
        "may see.",
        extensions=[signed_in()],
    )
    async def matches(
        self, info: Info[Context, None], id: relay.GlobalID, first: int | None = 10
    ) -> list[MatchCandidate]:
        size = min(clamp_first(first, info.context.instance.config.graphql), 100)
        found = await matches.matches_of(
            info.context.instance, info.context.principal, id.type_name, id.node_id, size
        )
        if found is None:
            raise NotFoundError("no such record", field="id")
        return [
            MatchCandidate(
                entity_type=c.profile.entity_type,
                module=c.module,
                record_id=strawberry.ID(relay.to_base64(c.profile.entity_type, c.profile.id)),
                score=c.result.score,
                is_match=c.result.is_match,
                matched_fields=list(c.result.matched_fields),
                features=list(c.result.features),
                entity_id=c.profile.id,
            )
            for c in found
        ]

    @strawberry.field(
        description="Pairs stored by the last `ncen xref` of each module, best first; only "
        "pairs of records you may see both of.",
        extensions=[requires(access.XREF)],
    )
    async def xref_matches(
        self,
        info: Info[Context, None],
        filter: XrefMatchFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> Connection[XrefMatch]:
        context = info.context
        size = clamp_first(first, context.instance.config.graphql)
        cursor = cursor_key(after, float, int)
        rows, total = await xref_page(context.instance, context.principal, filter, size, cursor)
        return build_connection(
            [
                XrefMatch(
                    id=_gid("XrefMatch", r.id),
                    module=r.module,
                    left_type=r.left_type,
                    left_id=strawberry.ID(relay.to_base64(r.left_type, r.left_id)),
                    right_type=r.right_type,
                    right_id=strawberry.ID(relay.to_base64(r.right_type, r.right_id)),
                    score=r.score,
                    created_at=r.created_at,
                    features=list(r.features or []),
                    refs=((r.left_type, r.left_id), (r.right_type, r.right_id)),
                )
                for r in rows
            ],
            [(r.score, r.id) for r in rows],
            size,
            total,
        )


async def xref_page(
    instance: Any,
    principal: Any,
    given: XrefMatchFilter | None,
    size: int,
    cursor: tuple[Any, ...] | None,
) -> tuple[list[MatchRow], int]:
    registry = record_registry(instance)
    allowed = sorted({rt.view_permission for rt in registry if principal.can(rt.view_permission)})
    types = list(registry.by_entity_type)
    base = select(MatchRow).where(
        MatchRow.left_permission.in_(allowed),
        MatchRow.right_permission.in_(allowed),
        MatchRow.left_type.in_(types),
        MatchRow.right_type.in_(types),
    )
    if given is not None:
        if given.module:
            base = base.where(MatchRow.module == given.module)
        if given.min_score is not None:
            base = base.where(MatchRow.score >= given.min_score)
        if given.record is not None:
            t, i = given.record.type_name, given.record.node_id
            base = base.where(
                ((MatchRow.left_type == t) & (MatchRow.left_id == i))
                | ((MatchRow.right_type == t) & (MatchRow.right_id == i))
            )
    query = page_after(base, (MatchRow.score, MatchRow.id), cursor, size)
    async with instance.db.session() as session:
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = list((await session.scalars(query)).all())
        # Record rules beyond the permission (drafts): both ends must be visible.
        visible: set[tuple[str, str]] = set()
        wanted: dict[str, set[str]] = {}
        for r in rows:
            wanted.setdefault(r.left_type, set()).add(r.left_id)
            wanted.setdefault(r.right_type, set()).add(r.right_id)
        for entity_type, ids in wanted.items():
            rt = registry.get(entity_type)
            if rt is not None:
                found = await rt.visible_ids(session, principal, sorted(ids))
                visible |= {(entity_type, i) for i in found}
    kept = [
        r
        for r in rows
        if (r.left_type, r.left_id) in visible and (r.right_type, r.right_id) in visible
    ]
    return kept, total


@strawberry.type
class IntelligenceMutation:
    @strawberry.mutation(
        description="Create a watch list, owned by you.", extensions=[requires(access.MANAGE)]
    )
    async def create_watch_list(
        self, info: Info[Context, None], input: WatchListInput
    ) -> WatchList:
        data = service.ListData(
            name=input.name,
            description=input.description or "",
            sharing=input.sharing.value,
            shared_role=input.shared_role,
            valid_from=input.valid_from,
            valid_until=input.valid_until,
        )
        row = await service.create_list(info.context.instance, info.context.principal, data)
        return WatchList.from_row(row)

    @strawberry.mutation(
        description="Rename, describe, re-share or change the validity of a watch list you "
        "own (audited).",
        extensions=[requires(access.MANAGE)],
    )
    async def update_watch_list(
        self, info: Info[Context, None], id: relay.GlobalID, input: WatchListUpdateInput
    ) -> WatchList:
        row = await service.update_list(
            info.context.instance,
            info.context.principal,
            _number(id, "WatchList"),
            input.changes(),
        )
        return WatchList.from_row(row)

    @strawberry.mutation(
        description="Delete a watch list you own, with its entries, alerts and judgements "
        "(audited).",
        extensions=[requires(access.MANAGE)],
    )
    async def delete_watch_list(self, info: Info[Context, None], id: relay.GlobalID) -> bool:
        await service.delete_list(
            info.context.instance, info.context.principal, _number(id, "WatchList")
        )
        return True

    @strawberry.mutation(
        description="Add an entry to a watch list: records changed from now on are screened "
        "against it, and the records already there are screened in the background.",
        extensions=[requires(access.MANAGE)],
    )
    async def add_watch_list_entry(
        self, info: Info[Context, None], watch_list: relay.GlobalID, input: WatchListEntryInput
    ) -> WatchListEntry:
        [row] = await service.add_entries(
            info.context.instance,
            info.context.principal,
            _number(watch_list, "WatchList"),
            [(input.entry_data(), input.note, input.valid_from, input.valid_until)],
        )
        return WatchListEntry.from_row(row)

    @strawberry.mutation(
        description="Add the entries of a CSV or XLSX file (base64 `content`, within the "
        "GraphQL body cap; larger files: POST /modules/intelligence/watch-lists/{id}/entries). "
        "All rows or none: every bad row is listed in `errors`.",
        extensions=[requires(access.MANAGE)],
    )
    async def import_watch_list_entries(
        self,
        info: Info[Context, None],
        watch_list: relay.GlobalID,
        format: EntryFileFormat,
        content: str,
        dry_run: bool = False,
    ) -> WatchListImport:
        from core.exchange.readers import FileFormatError
        from plugins.intelligence import importer

        try:
            data = base64.b64decode(content, validate=True)
        except ValueError:
            raise InputError("not base64", field="content") from None
        number = _number(watch_list, "WatchList")
        try:
            report = await importer.import_content(
                info.context.instance,
                info.context.principal,
                number,
                data,
                format.value,
                dry_run=dry_run,
            )
        except FileFormatError as exc:
            raise InputError(str(exc), field="content", code="INVALID_FILE") from None
        return WatchListImport(
            watch_list=_gid("WatchList", number or 0),
            rows=report.rows,
            added=report.added,
            dry_run=dry_run,
            error_count=report.error_count,
            errors=[
                EntryRowError(
                    row=e.row, column=e.column, field=e.field, code=e.code, message=e.message
                )
                for e in report.errors
            ],
        )

    @strawberry.mutation(
        description="Remove an entry: it is no longer screened; its alerts are kept.",
        extensions=[requires(access.MANAGE)],
    )
    async def remove_watch_list_entry(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> WatchListEntry:
        row = await service.remove_entry(
            info.context.instance, info.context.principal, _number(id, "WatchListEntry")
        )
        return WatchListEntry.from_row(row)

    @strawberry.mutation(
        description="Keep a search; with alertOnNewData, records that come to match it later "
        "are alerts (what it finds today is the baseline).",
        extensions=[requires(access.VIEW)],
    )
    async def save_search(self, info: Info[Context, None], input: SavedSearchInput) -> SavedSearch:
        row = await searches.save(
            info.context.instance,
            info.context.principal,
            input.name,
            input.query,
            input.modules or [],
            input.entity_types or [],
            input.alert_on_new_data,
        )
        return SavedSearch.from_row(row)

    @strawberry.mutation(
        description="Delete one of your saved searches.", extensions=[requires(access.VIEW)]
    )
    async def delete_saved_search(self, info: Info[Context, None], id: relay.GlobalID) -> bool:
        await searches.delete(
            info.context.instance, info.context.principal, _number(id, "SavedSearch")
        )
        return True

    @strawberry.mutation(
        description="Judge an alert; NO_MATCH keeps the same entry and record from alerting again.",
        extensions=[requires(access.MANAGE)],
    )
    async def judge_alert(
        self,
        info: Info[Context, None],
        id: relay.GlobalID,
        verdict: Verdict,
        comment: str | None = None,
    ) -> Alert:
        row = await service.judge(
            info.context.instance,
            info.context.principal,
            _number(id, "Alert"),
            verdict.value,
            comment,
        )
        return Alert.from_row(row)
