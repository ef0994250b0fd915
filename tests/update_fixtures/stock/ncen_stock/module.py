"""The fixture module's plugin object: a table, a query, a mutation and a code list."""

from __future__ import annotations

from pathlib import Path

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from core.auth.guard import public
from core.codelists.sources import CodeListSource
from core.gql.context import Context
from core.gql.contribution import GraphQLContribution
from core.hookspecs import hookimpl
from core.module import ModuleInfo
from ncen_stock import RELEASE, __version__
from ncen_stock.models import StockItem

HERE = Path(__file__).parent


@strawberry.type
class StockItemType:
    name: str
    quantity: int | None


@strawberry.type
class StockQuery:
    @strawberry.field(extensions=[public()])
    async def stock_items(self, info: Info[Context, None]) -> list[StockItemType]:
        async with info.context.instance.db.session() as session:
            rows = await session.scalars(select(StockItem).order_by(StockItem.id))
            return [StockItemType(name=r.name, quantity=getattr(r, "quantity", None)) for r in rows]

    @strawberry.field(extensions=[public()])
    def stock_release(self) -> int:
        return RELEASE


@strawberry.type
class StockMutation:
    @strawberry.mutation(extensions=[public()])
    async def add_stock_item(self, info: Info[Context, None], name: str) -> str:
        async with info.context.instance.db.transaction() as session:
            session.add(StockItem(name=name))
        return name


class StockModule:
    info = ModuleInfo(name="stock", version=__version__, label="Stock (update fixture)")

    @hookimpl
    def register_models(self):
        return [StockItem]

    @hookimpl
    def register_graphql(self):
        return GraphQLContribution(queries=[StockQuery], mutations=[StockMutation])

    @hookimpl
    def on_startup(self, instance):
        if RELEASE == 4:  # migrates fine, then cannot serve: the health check must refuse it
            raise RuntimeError("stock release 4 cannot start")

    @hookimpl
    def register_code_lists(self):
        return [CodeListSource("stock_units", file=HERE / "codelists" / "stock_units.json")]


module = StockModule()
