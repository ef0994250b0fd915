"""companies: companies with trade names, identifiers, addresses, contacts, roles, HS chapters

Revision ID: companies_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from core.db import JSONType, UTCDateTime

revision = "companies_0001"
down_revision = None
branch_labels = ("companies",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "companies_company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("legal_name", sa.String(length=300), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("legal_form", sa.String(length=32), nullable=True),
        sa.Column("legal_status", sa.String(length=32), nullable=True),
        sa.Column("incorporated_on", sa.Date(), nullable=True),
        sa.Column("dissolved_on", sa.Date(), nullable=True),
        sa.Column("aeo_status", sa.String(length=16), nullable=True),
        sa.Column("aeo_certificate", sa.String(length=40), nullable=True),
        sa.Column("assessment_notes", sa.Text(), nullable=True),
        sa.Column("extra", JSONType, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("submitted_at", UTCDateTime, nullable=True),
        sa.Column("validated_by", sa.Integer(), nullable=True),
        sa.Column("validated_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_company")),
    )
    op.create_index(
        op.f("ix_companies_company_aeo_status"), "companies_company", ["aeo_status"], unique=False
    )
    op.create_index(
        op.f("ix_companies_company_country"), "companies_company", ["country"], unique=False
    )
    op.create_index(
        "ix_companies_company_country_name_key",
        "companies_company",
        ["country", "name_key"],
        unique=False,
    )
    op.create_index(
        op.f("ix_companies_company_legal_status"),
        "companies_company",
        ["legal_status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_companies_company_status"), "companies_company", ["status"], unique=False
    )
    op.create_table(
        "companies_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("street", sa.String(length=300), nullable=True),
        sa.Column("postcode", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("region", sa.String(length=120), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies_company.id"],
            name=op.f("fk_companies_address_company_id_companies_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_address")),
        sa.UniqueConstraint("company_id", "position", name=op.f("uq_companies_address_company_id")),
    )
    op.create_index(
        op.f("ix_companies_address_company_id"), "companies_address", ["company_id"], unique=False
    )
    op.create_index(
        op.f("ix_companies_address_country"), "companies_address", ["country"], unique=False
    )
    op.create_table(
        "companies_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies_company.id"],
            name=op.f("fk_companies_contact_company_id_companies_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_contact")),
        sa.UniqueConstraint("company_id", "position", name=op.f("uq_companies_contact_company_id")),
    )
    op.create_index(
        op.f("ix_companies_contact_company_id"), "companies_contact", ["company_id"], unique=False
    )
    op.create_table(
        "companies_hs_chapter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("chapter", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies_company.id"],
            name=op.f("fk_companies_hs_chapter_company_id_companies_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_hs_chapter")),
        sa.UniqueConstraint(
            "company_id", "chapter", name=op.f("uq_companies_hs_chapter_company_id")
        ),
    )
    op.create_index(
        op.f("ix_companies_hs_chapter_chapter"), "companies_hs_chapter", ["chapter"], unique=False
    )
    op.create_index(
        op.f("ix_companies_hs_chapter_company_id"),
        "companies_hs_chapter",
        ["company_id"],
        unique=False,
    )
    op.create_table(
        "companies_identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies_company.id"],
            name=op.f("fk_companies_identifier_company_id_companies_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_identifier")),
        sa.UniqueConstraint(
            "company_id", "position", name=op.f("uq_companies_identifier_company_id")
        ),
    )
    op.create_index(
        op.f("ix_companies_identifier_company_id"),
        "companies_identifier",
        ["company_id"],
        unique=False,
    )
    op.create_index(
        "ix_companies_identifier_value", "companies_identifier", ["value", "scheme"], unique=False
    )
    op.create_table(
        "companies_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies_company.id"],
            name=op.f("fk_companies_role_company_id_companies_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_role")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_companies_role_company_id")),
    )
    op.create_index(op.f("ix_companies_role_code"), "companies_role", ["code"], unique=False)
    op.create_index(
        op.f("ix_companies_role_company_id"), "companies_role", ["company_id"], unique=False
    )
    op.create_table(
        "companies_trade_name",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies_company.id"],
            name=op.f("fk_companies_trade_name_company_id_companies_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies_trade_name")),
        sa.UniqueConstraint(
            "company_id", "position", name=op.f("uq_companies_trade_name_company_id")
        ),
    )
    op.create_index(
        op.f("ix_companies_trade_name_company_id"),
        "companies_trade_name",
        ["company_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_companies_trade_name_company_id"), table_name="companies_trade_name")
    op.drop_table("companies_trade_name")
    op.drop_index(op.f("ix_companies_role_company_id"), table_name="companies_role")
    op.drop_index(op.f("ix_companies_role_code"), table_name="companies_role")
    op.drop_table("companies_role")
    op.drop_index("ix_companies_identifier_value", table_name="companies_identifier")
    op.drop_index(op.f("ix_companies_identifier_company_id"), table_name="companies_identifier")
    op.drop_table("companies_identifier")
    op.drop_index(op.f("ix_companies_hs_chapter_company_id"), table_name="companies_hs_chapter")
    op.drop_index(op.f("ix_companies_hs_chapter_chapter"), table_name="companies_hs_chapter")
    op.drop_table("companies_hs_chapter")
    op.drop_index(op.f("ix_companies_contact_company_id"), table_name="companies_contact")
    op.drop_table("companies_contact")
    op.drop_index(op.f("ix_companies_address_country"), table_name="companies_address")
    op.drop_index(op.f("ix_companies_address_company_id"), table_name="companies_address")
    op.drop_table("companies_address")
    op.drop_index(op.f("ix_companies_company_status"), table_name="companies_company")
    op.drop_index(op.f("ix_companies_company_legal_status"), table_name="companies_company")
    op.drop_index("ix_companies_company_country_name_key", table_name="companies_company")
    op.drop_index(op.f("ix_companies_company_country"), table_name="companies_company")
    op.drop_index(op.f("ix_companies_company_aeo_status"), table_name="companies_company")
    op.drop_table("companies_company")
