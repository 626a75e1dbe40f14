"""Audiences, track policies, delegates and the publication story of texts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tracks") as batch:
        batch.add_column(sa.Column("policy", sa.String(20), nullable=False, server_default="consent"))
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("audience", sa.String(20), nullable=False, server_default="track"))
        batch.add_column(sa.Column("audience_parties", sa.Text, nullable=False, server_default="[]"))
    op.create_table(
        "delegates",
        sa.Column("party", sa.String(80), sa.ForeignKey("parties.id"), primary_key=True),
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("roles", sa.Text, nullable=False),
        sa.Column("added_seq", sa.BigInteger, nullable=False),
        sa.Column("removed_seq", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "disclosures",
        sa.Column("text", sa.String(200), primary_key=True),
        sa.Column("owner", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("acts", sa.Text, nullable=False),
        sa.Column("publications", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("disclosures")
    op.drop_table("delegates")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("audience_parties")
        batch.drop_column("audience")
    with op.batch_alter_table("tracks") as batch:
        batch.drop_column("policy")
