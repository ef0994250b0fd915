"""The suspects database: persons with their names, documents, addresses and contacts, and the
means of conveyance (vehicles, vessels, aircraft, containers) that persons are linked to.

Every column that identifies or describes a person is tagged NOMINAL. Child rows are deleted with
their person (`ON DELETE CASCADE` and ORM cascades), so erasing a person leaves no row behind.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import DERIVED, NOMINAL, Base, UTCDateTime, utcnow
from core.workflow import WorkflowColumns

STATUSES = ("draft", "submitted", "returned", "validated")
CATEGORIES = ("suspect", "offender", "convicted", "witness", "victim")
CONVEYANCE_KINDS = ("vehicle", "vessel", "aircraft", "container")


class Person(WorkflowColumns, Base):
    __tablename__ = "suspects_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Data-protection law keeps suspects, offenders, convicted persons, witnesses and victims
    # apart: one category per record, required, filterable.
    category: Mapped[str] = mapped_column(String(16), index=True)

    family_name: Mapped[str] = mapped_column(String(200), info=NOMINAL)
    given_names: Mapped[str | None] = mapped_column(String(200), info=NOMINAL)
    original_script_name: Mapped[str | None] = mapped_column(String(300), info=NOMINAL)
    transliteration: Mapped[str | None] = mapped_column(String(300), info=NOMINAL)
    # Date of birth, full or partial (year, or year and month).
    birth_year: Mapped[int | None] = mapped_column(Integer, info=NOMINAL)
    birth_month: Mapped[int | None] = mapped_column(Integer, info=NOMINAL)
    birth_day: Mapped[int | None] = mapped_column(Integer, info=NOMINAL)
    birth_place: Mapped[str | None] = mapped_column(String(200), info=NOMINAL)
    birth_country: Mapped[str | None] = mapped_column(String(2), info=NOMINAL)
    gender: Mapped[str | None] = mapped_column(String(16), info=NOMINAL)
    occupation: Mapped[str | None] = mapped_column(String(200), info=NOMINAL)
    email: Mapped[str | None] = mapped_column(String(254), info=NOMINAL)
    # Facts above; an officer's assessment (opinion, intelligence grading) kept apart.
    assessment: Mapped[str | None] = mapped_column(Text, info=NOMINAL)
    review_date: Mapped[dt.date] = mapped_column(Date, index=True)
    # A validator's return comment or the reason for editing a validated record: kept on the
    # record (not in the audit log) so that erasure removes it with everything else.
    workflow_comment: Mapped[str | None] = mapped_column(Text, info=NOMINAL)

    aliases: Mapped[list[PersonAlias]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonAlias.position"
    )
    nationalities: Mapped[list[PersonNationality]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonNationality.position"
    )
    documents: Mapped[list[PersonDocument]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonDocument.position"
    )
    addresses: Mapped[list[PersonAddressRow]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonAddressRow.position"
    )
    phones: Mapped[list[PersonPhone]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonPhone.position"
    )
    name_keys: Mapped[list[PersonNameKey]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_suspects_person_status_id", "status", "id"),)


class PersonAlias(Base):
    __tablename__ = "suspects_alias"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("suspects_person.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), info=NOMINAL)

    person: Mapped[Person] = relationship(back_populates="aliases")

    __table_args__ = (UniqueConstraint("person_id", "position"),)


class PersonNationality(Base):
    __tablename__ = "suspects_nationality"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("suspects_person.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(2), info=NOMINAL)

    person: Mapped[Person] = relationship(back_populates="nationalities")

    __table_args__ = (UniqueConstraint("person_id", "country"),)


class PersonDocument(Base):
    __tablename__ = "suspects_identity_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("suspects_person.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    # Stored normalised (upper case, no spaces or separators), so a document is found however
    # it was typed; the duplicate check looks it up with its issuing country.
    number: Mapped[str] = mapped_column(String(64), info=NOMINAL)
    issuing_country: Mapped[str] = mapped_column(String(2), info=NOMINAL)
    issue_date: Mapped[dt.date | None] = mapped_column(Date, info=NOMINAL)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date, info=NOMINAL)

    person: Mapped[Person] = relationship(back_populates="documents")

    __table_args__ = (
        UniqueConstraint("person_id", "position"),
        Index("ix_suspects_identity_document_number", "number", "issuing_country"),
    )


class PersonAddressRow(Base):
    __tablename__ = "suspects_address"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("suspects_person.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    line: Mapped[str | None] = mapped_column(String(300), info=NOMINAL)
    city: Mapped[str | None] = mapped_column(String(120), info=NOMINAL)
    postal_code: Mapped[str | None] = mapped_column(String(20), info=NOMINAL)
    country: Mapped[str | None] = mapped_column(String(2), info=NOMINAL)

    person: Mapped[Person] = relationship(back_populates="addresses")

    __table_args__ = (UniqueConstraint("person_id", "position"),)


class PersonPhone(Base):
    __tablename__ = "suspects_phone"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("suspects_person.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(32), info=NOMINAL)

    person: Mapped[Person] = relationship(back_populates="phones")

    __table_args__ = (UniqueConstraint("person_id", "position"),)


class PersonNameKey(Base):
    """Phonetic keys of a person's family names (main name, transliteration, aliases): the
    duplicate check finds candidates by key in one indexed query, then scores them."""

    __tablename__ = "suspects_name_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("suspects_person.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64), info=NOMINAL | DERIVED)

    person: Mapped[Person] = relationship(back_populates="name_keys")

    __table_args__ = (
        UniqueConstraint("person_id", "key"),
        Index("ix_suspects_name_key_key", "key"),
    )


class Conveyance(Base):
    """A vehicle, vessel, aircraft or container. `key` is the normalised identifier that makes
    the record unique per kind (plate+country, IMO, registration, container number)."""

    __tablename__ = "suspects_conveyance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    key: Mapped[str | None] = mapped_column(String(80), info=NOMINAL | DERIVED)
    # vehicle
    plate: Mapped[str | None] = mapped_column(String(16), info=NOMINAL)
    make: Mapped[str | None] = mapped_column(String(80))
    model: Mapped[str | None] = mapped_column(String(80))
    vin: Mapped[str | None] = mapped_column(String(17), info=NOMINAL, index=True)
    # vessel
    name: Mapped[str | None] = mapped_column(String(200))
    imo: Mapped[str | None] = mapped_column(String(7), index=True)
    mmsi: Mapped[str | None] = mapped_column(String(9), index=True)
    # aircraft
    registration: Mapped[str | None] = mapped_column(String(16), index=True)
    # container
    container_number: Mapped[str | None] = mapped_column(String(11), index=True)
    # registration country of a vehicle or aircraft, flag of a vessel
    country: Mapped[str | None] = mapped_column(String(2))
    notes: Mapped[str | None] = mapped_column(Text, info=NOMINAL)

    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("kind", "key"),)


MODELS: list[type[Base]] = [
    Person,
    PersonAlias,
    PersonNationality,
    PersonDocument,
    PersonAddressRow,
    PersonPhone,
    PersonNameKey,
    Conveyance,
]
