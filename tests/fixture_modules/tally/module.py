"""Test module `tally`: a record type whose changes are record events.

`TallyModule` owns `tally_note` (the record) and `tally_effect`, where the subscribers of
tests/fixture_modules/tally_watch write what they did with each event. `tally_effect` has no
unique key on purpose: an effect applied twice would show.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Database
from core.events import RecordEvent, enqueue_record_event
from core.hookspecs import hookimpl
from core.module import ModuleInfo


class TallyNote(Base):
    __tablename__ = "tally_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)


class TallyEffect(Base):
    __tablename__ = "tally_effect"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber: Mapped[str] = mapped_column(String(50))
    event_id: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(20))


async def add_note(db: Database, title: str, actor: object = "tally-test") -> RecordEvent:
    """The write path: the record and its event commit together or not at all."""
    async with db.transaction() as session:
        note = TallyNote(title=title, version=1)
        session.add(note)
        await session.flush()
        return enqueue_record_event(
            session,
            module="tally",
            entity_type="Note",
            entity_id=note.id,
            action="created",
            version=note.version,
            actor=actor,
            fields=["title"],
        )


async def effects(db: Database) -> dict[tuple[str, str], int]:
    """(subscriber, event id) -> number of effects applied (exactly once means all ones)."""
    query = select(TallyEffect.subscriber, TallyEffect.event_id, func.count()).group_by(
        TallyEffect.subscriber, TallyEffect.event_id
    )
    async with db.session() as session:
        return {(s, e): n for s, e, n in (await session.execute(query)).all()}


class TallyModule:
    info = ModuleInfo(name="tally", version="1.0.0", label="Tally (test)")

    @hookimpl
    def register_models(self) -> list[type]:
        return [TallyNote, TallyEffect]
