"""suspects: persons with aliases, nationalities, documents, addresses, phones, name keys;
means of conveyance

Revision ID: suspects_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "suspects_0001"
down_revision = None
branch_labels = ("suspects",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "suspects_conveyance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=True),
        sa.Column("plate", sa.String(length=16), nullable=True),
        sa.Column("make", sa.String(length=80), nullable=True),
        sa.Column("model", sa.String(length=80), nullable=True),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("imo", sa.String(length=7), nullable=True),
        sa.Column("mmsi", sa.String(length=9), nullable=True),
        sa.Column("registration", sa.String(length=16), nullable=True),
        sa.Column("container_number", sa.String(length=11), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspects_conveyance")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_suspects_conveyance_kind")),
    )
    op.create_index(
        op.f("ix_suspects_conveyance_container_number"),
        "suspects_conveyance",
        ["container_number"],
        unique=False,
    )
    op.create_index(
        op.f("ix_suspects_conveyance_imo"), "suspects_conveyance", ["imo"], unique=False
    )
    op.create_index(
        op.f("ix_suspects_conveyance_kind"), "suspects_conveyance", ["kind"], unique=False
    )
    op.create_index(
        op.f("ix_suspects_conveyance_mmsi"), "suspects_conveyance", ["mmsi"], unique=False
    )
    op.create_index(
        op.f("ix_suspects_conveyance_registration"),
        "suspects_conveyance",
        ["registration"],
        unique=False,
    )
    op.create_index(
        op.f("ix_suspects_conveyance_vin"), "suspects_conveyance", ["vin"], unique=False
    )
    op.create_table(
        "suspects_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("given_names", sa.String(length=200), nullable=True),
        sa.Column("original_script_name", sa.String(length=300), nullable=True),
        sa.Column("transliteration", sa.String(length=300), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("birth_month", sa.Integer(), nullable=True),
        sa.Column("birth_day", sa.Integer(), nullable=True),
        sa.Column("birth_place", sa.String(length=200), nullable=True),
        sa.Column("birth_country", sa.String(length=2), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("occupation", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("assessment", sa.Text(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("workflow_comment", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("submitted_at", UTCDateTime, nullable=True),
        sa.Column("validated_by", sa.Integer(), nullable=True),
        sa.Column("validated_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspects_person")),
    )
    op.create_index(
        op.f("ix_suspects_person_category"), "suspects_person", ["category"], unique=False
    )
    op.create_index(
        op.f("ix_suspects_person_review_date"), "suspects_person", ["review_date"], unique=False
    )
    op.create_index(op.f("ix_suspects_person_status"), "suspects_person", ["status"], unique=False)
    op.create_index(
        "ix_suspects_person_status_id", "suspects_person", ["status", "id"], unique=False
    )
    op.create_table(
        "suspects_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line", sa.String(length=300), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["suspects_person.id"],
            name=op.f("fk_suspects_address_person_id_suspects_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspects_address")),
        sa.UniqueConstraint("person_id", "position", name=op.f("uq_suspects_address_person_id")),
    )
    op.create_table(
        "suspects_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["suspects_person.id"],
            name=op.f("fk_suspects_alias_person_id_suspects_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspects_alias")),
        sa.UniqueConstraint("person_id", "position", name=op.f("uq_suspects_alias_person_id")),
    )
    op.create_table(
        "suspects_identity_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("issuing_country", sa.String(length=2), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["suspects_person.id"],
            name=op.f("fk_suspects_identity_document_person_id_suspects_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspects_identity_document")),
        sa.UniqueConstraint(
            "person_id", "position", name=op.f("uq_suspects_identity_document_person_id")
        ),
    )
    op.create_index(
        "ix_suspects_identity_document_number",
        "suspects_identity_document",
        ["number", "issuing_country"],
        unique=False,
    )
    op.create_table(
        "suspects_name_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["suspects_person.id"],
            name=op.f("fk_suspects_name_key_person_id_suspects_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspects_name_key")),
        sa.UniqueConstraint("person_id", "key", name=op.f("uq_suspects_name_key_person_id")),
    )
    op.create_index("ix_suspects_name_key_key", "suspects_name_key", ["key"], unique=False)
    op.create_table(
        "suspects_nationality",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["suspects_person.id"],
            name=op.f("fk_suspects_nationality_person_id_suspects_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspects_nationality")),
        sa.UniqueConstraint("person_id", "country", name=op.f("uq_suspects_nationality_person_id")),
    )
    op.create_table(
        "suspects_phone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["suspects_person.id"],
            name=op.f("fk_suspects_phone_person_id_suspects_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspects_phone")),
        sa.UniqueConstraint("person_id", "position", name=op.f("uq_suspects_phone_person_id")),
    )


def downgrade() -> None:
    for table in (
        "suspects_name_key",
        "suspects_phone",
        "suspects_address",
        "suspects_identity_document",
        "suspects_nationality",
        "suspects_alias",
        "suspects_person",
        "suspects_conveyance",
    ):
        op.drop_table(table)
