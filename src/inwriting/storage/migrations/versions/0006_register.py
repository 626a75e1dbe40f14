"""Instruments, commitments, statements and claims (projections, rebuilt from the log).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instruments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("track", sa.String(80), sa.ForeignKey("tracks.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_instruments_track", "instruments", ["track"])
    op.create_table(
        "commitments",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("obligor", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("instrument", sa.String(64), nullable=True),
        sa.Column("track", sa.String(80), nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_commitments_obligor", "commitments", ["obligor"])
    op.create_index("ix_commitments_instrument", "commitments", ["instrument"])
    op.create_table(
        "statements",
        sa.Column("id", sa.String(140), primary_key=True),
        sa.Column("party", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_statements_party", "statements", ["party"])
    op.create_table(
        "claims",
        sa.Column("id", sa.String(140), primary_key=True),
        sa.Column("commitment", sa.String(200), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_claims_commitment", "claims", ["commitment"])


def downgrade() -> None:
    for table in ("claims", "statements", "commitments", "instruments"):
        op.drop_table(table)
