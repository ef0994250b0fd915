"""The companies database: a company with its names, registration identifiers, addresses,
contacts, roles in trade and HS chapters traded.

Company identities (names, identifiers, addresses, contacts) are tagged nominal: whatever leaves
the instance is built from that tagging. Classifications (country, legal form, roles, AEO
status, HS chapters, legal status) are not. Assessment notes (opinions) live in their own column,
apart from the facts. Codes are stored as strings and checked against their lists by the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import DERIVED, NOMINAL, Base, JSONType
from core.workflow import WorkflowColumns

STATUSES = ("draft", "submitted", "returned", "validated")


class Company(WorkflowColumns, Base):
    __tablename__ = "companies_company"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)

    legal_name: Mapped[str] = mapped_column(String(300), info=NOMINAL)
    # legal_name reduced for comparison (identities.name_key): the duplicate check and filters
    name_key: Mapped[str] = mapped_column(String(300), info=NOMINAL | DERIVED)
    country: Mapped[str] = mapped_column(String(2), index=True)  # of registration
    legal_form: Mapped[str | None] = mapped_column(String(32))
    legal_status: Mapped[str | None] = mapped_column(String(32), index=True)
    incorporated_on: Mapped[dt.date | None] = mapped_column(Date)
    dissolved_on: Mapped[dt.date | None] = mapped_column(Date)
    aeo_status: Mapped[str | None] = mapped_column(String(16), index=True)
    aeo_certificate: Mapped[str | None] = mapped_column(String(40))

    assessment_notes: Mapped[str | None] = mapped_column(Text, info=NOMINAL)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    trade_names: Mapped[list[CompanyTradeName]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="CompanyTradeName.position"
    )
    identifiers: Mapped[list[RegistrationId]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="RegistrationId.position"
    )
    addresses: Mapped[list[BusinessAddress]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="BusinessAddress.position"
    )
    contacts: Mapped[list[BusinessContact]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="BusinessContact.position"
    )
    roles: Mapped[list[TradeRole]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="TradeRole.code"
    )
    hs_chapters: Mapped[list[TradedChapter]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="TradedChapter.chapter"
    )

    __table_args__ = (Index("ix_companies_company_country_name_key", "country", "name_key"),)


class CompanyTradeName(Base):
    __tablename__ = "companies_trade_name"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies_company.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), info=NOMINAL)
    name_key: Mapped[str] = mapped_column(String(300), info=NOMINAL | DERIVED)

    company: Mapped[Company] = relationship(back_populates="trade_names")

    __table_args__ = (UniqueConstraint("company_id", "position"),)


class RegistrationId(Base):
    """A registration identifier in canonical form (identifiers.normalise_identifier)."""

    __tablename__ = "companies_identifier"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies_company.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(2))  # issuing country
    value: Mapped[str] = mapped_column(String(40), info=NOMINAL)

    company: Mapped[Company] = relationship(back_populates="identifiers")

    __table_args__ = (
        UniqueConstraint("company_id", "position"),
        Index("ix_companies_identifier_value", "value", "scheme"),
    )


class BusinessAddress(Base):
    __tablename__ = "companies_address"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies_company.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    street: Mapped[str | None] = mapped_column(String(300), info=NOMINAL)
    postcode: Mapped[str | None] = mapped_column(String(20), info=NOMINAL)
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2), index=True)

    company: Mapped[Company] = relationship(back_populates="addresses")

    __table_args__ = (UniqueConstraint("company_id", "position"),)


class BusinessContact(Base):
    __tablename__ = "companies_contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies_company.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(300), info=NOMINAL)
    note: Mapped[str | None] = mapped_column(String(300), info=NOMINAL)

    company: Mapped[Company] = relationship(back_populates="contacts")

    __table_args__ = (UniqueConstraint("company_id", "position"),)


class TradeRole(Base):
    """A role in trade: importer, exporter, carrier, customs broker..."""

    __tablename__ = "companies_role"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies_company.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(32), index=True)

    company: Mapped[Company] = relationship(back_populates="roles")

    __table_args__ = (UniqueConstraint("company_id", "code"),)


class TradedChapter(Base):
    __tablename__ = "companies_hs_chapter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies_company.id", ondelete="CASCADE"), index=True
    )
    chapter: Mapped[str] = mapped_column(String(2), index=True)

    company: Mapped[Company] = relationship(back_populates="hs_chapters")

    __table_args__ = (UniqueConstraint("company_id", "chapter"),)


MODELS: list[type[Base]] = [
    Company,
    CompanyTradeName,
    RegistrationId,
    BusinessAddress,
    BusinessContact,
    TradeRole,
    TradedChapter,
]
