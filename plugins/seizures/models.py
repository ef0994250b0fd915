"""The seizures database: a case header with its goods, route, conveyance, containers,
risk indicators and a non-nominal summary of offenders.

Codes are stored as strings and validated against their code lists by the services; identities
of persons live in the suspects module and are attached through core links, never here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import DERIVED, FREE_TEXT, NOMINAL, Base, JSONType
from core.workflow import WorkflowColumns

STATUSES = ("draft", "submitted", "returned", "validated")
FORMS = ("simplified", "full")


class Case(WorkflowColumns, Base):
    __tablename__ = "seizures_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True, info=DERIVED)
    national_case_number: Mapped[str | None] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(String(16), default="simplified")

    seizure_date: Mapped[dt.date] = mapped_column(Date, index=True)
    seizure_time: Mapped[dt.time | None] = mapped_column(Time)
    reporting_office: Mapped[str | None] = mapped_column(String(120))
    place_country: Mapped[str] = mapped_column(String(2), index=True)
    place_code: Mapped[str | None] = mapped_column(String(16))  # UN/LOCODE or office code
    place_name: Mapped[str | None] = mapped_column(String(200))
    location_type: Mapped[str | None] = mapped_column(String(32))
    direction: Mapped[str | None] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(32), index=True)
    offence_type: Mapped[str | None] = mapped_column(String(64))

    detection_method: Mapped[str | None] = mapped_column(String(64), index=True)
    concealment_method: Mapped[str | None] = mapped_column(String(64), index=True)
    concealment_description: Mapped[str | None] = mapped_column(Text, info=FREE_TEXT)

    transport_mode: Mapped[str | None] = mapped_column(String(8), index=True)
    conveyance_type: Mapped[str | None] = mapped_column(String(64))
    conveyance_identifier: Mapped[str | None] = mapped_column(String(64))
    vessel_imo: Mapped[str | None] = mapped_column(String(7))
    conveyance_country: Mapped[str | None] = mapped_column(String(2))

    narrative: Mapped[str | None] = mapped_column(Text, info=FREE_TEXT)
    internal_notes: Mapped[str | None] = mapped_column(Text, info=NOMINAL)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    goods: Mapped[list[GoodsLine]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="GoodsLine.position"
    )
    route: Mapped[list[RouteLeg]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="RouteLeg.position"
    )
    containers: Mapped[list[Container]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Container.number"
    )
    risk_indicators: Mapped[list[RiskIndicator]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="RiskIndicator.code"
    )
    offenders: Mapped[list[OffenderSummary]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="OffenderSummary.position"
    )

    # Lists by status and date; statistics by period and these columns read only the index
    # (core/exchange/statistics.py; migration seizures_0003).
    __table_args__ = (
        Index(
            "ix_seizures_case_statistics",
            "status",
            "seizure_date",
            "area",
            "detection_method",
            "transport_mode",
            "concealment_method",
            "place_country",
            "created_by",
        ),
    )


class GoodsLine(Base):
    __tablename__ = "seizures_goods_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("seizures_case.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    commodity: Mapped[str] = mapped_column(String(64), index=True)
    hs_code: Mapped[str | None] = mapped_column(String(10))
    description: Mapped[str | None] = mapped_column(Text, info=FREE_TEXT)
    brand: Mapped[str | None] = mapped_column(String(120))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(18, 3))
    unit: Mapped[str | None] = mapped_column(String(8))
    pieces: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))

    case: Mapped[Case] = relationship(back_populates="goods")

    # Statistics by commodity and sums of quantities read this index, not the goods rows
    # (migration seizures_0003); reads of a case's goods use its first column.
    __table_args__ = (
        UniqueConstraint("case_id", "position"),
        Index("ix_seizures_goods_line_statistics", "case_id", "commodity", "unit", "quantity"),
    )


class RouteLeg(Base):
    __tablename__ = "seizures_route_leg"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("seizures_case.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # origin, departure, transit, destination
    country: Mapped[str] = mapped_column(String(2), index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[dt.date | None] = mapped_column(Date)

    case: Mapped[Case] = relationship(back_populates="route")

    __table_args__ = (
        UniqueConstraint("case_id", "position"),
        Index("ix_seizures_route_leg_case", "case_id"),
    )


class Container(Base):
    __tablename__ = "seizures_container"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("seizures_case.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(11), index=True)  # ISO 6346, normalised

    case: Mapped[Case] = relationship(back_populates="containers")

    __table_args__ = (UniqueConstraint("case_id", "number"),)


class RiskIndicator(Base):
    __tablename__ = "seizures_risk_indicator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("seizures_case.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="risk_indicators")

    __table_args__ = (UniqueConstraint("case_id", "code"),)


class OffenderSummary(Base):
    """Non-nominal: how many offenders of which profile; identities live in suspects."""

    __tablename__ = "seizures_offender_summary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("seizures_case.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer, default=1)
    nationality: Mapped[str | None] = mapped_column(String(2))
    gender: Mapped[str | None] = mapped_column(String(16))
    age_band: Mapped[str | None] = mapped_column(String(16))
    role: Mapped[str | None] = mapped_column(String(32))

    case: Mapped[Case] = relationship(back_populates="offenders")

    __table_args__ = (UniqueConstraint("case_id", "position"),)


class ReferenceSequence(Base):
    """Per country and year, the last reference number handed out: never reused."""

    __tablename__ = "seizures_reference_sequence"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


MODELS: list[type[Base]] = [
    Case,
    GoodsLine,
    RouteLeg,
    Container,
    RiskIndicator,
    OffenderSummary,
    ReferenceSequence,
]
