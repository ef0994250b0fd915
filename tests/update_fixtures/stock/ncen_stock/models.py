"""The one table of the fixture module; release 2 adds `quantity`."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from ncen_stock import RELEASE


class StockItem(Base):
    __tablename__ = "stock_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    if RELEASE >= 2:
        quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
