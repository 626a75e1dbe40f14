"""Hand-overs, receipts, answers, meetings and preconditions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.String(140), primary_key=True),
        sa.Column("version", sa.String(100), sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("track", sa.String(80), sa.ForeignKey("tracks.id"), nullable=False),
        sa.Column("by_party", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("due", sa.String(10), nullable=True),
        sa.Column("point_by_point", sa.Boolean, nullable=False),
        sa.Column("meeting", sa.String(140), nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_handovers_version", "handovers", ["version"])
    op.create_index("ix_handovers_track", "handovers", ["track"])
    op.create_table(
        "receipts",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("version", sa.String(100), sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("handover", sa.String(140), sa.ForeignKey("handovers.id"), nullable=False),
        sa.Column("party", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("delegate", sa.String(200), nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_receipts_version", "receipts", ["version"])
    op.create_table(
        "answers",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("version", sa.String(100), sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("party", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("form", sa.String(10), nullable=False),
        sa.Column("content", sa.String(71), nullable=False),
        sa.Column("positions", sa.Text, nullable=False),
        sa.Column("proposals", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_answers_version", "answers", ["version"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(140), primary_key=True),
        sa.Column("track", sa.String(80), sa.ForeignKey("tracks.id"), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("delegates", sa.Text, nullable=False),
        sa.Column("tabled", sa.Text, nullable=False),
        sa.Column("by_party", sa.String(80), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_meetings_track", "meetings", ["track"])
    op.create_table(
        "preconditions",
        sa.Column("id", sa.String(140), primary_key=True),
        sa.Column("track", sa.String(80), sa.ForeignKey("tracks.id"), nullable=False),
        sa.Column("by_party", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("version", sa.String(100), nullable=True),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("anticipated", sa.Boolean, nullable=False),
        sa.Column("acts", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_preconditions_track", "preconditions", ["track"])


def downgrade() -> None:
    for table in ("preconditions", "meetings", "answers", "receipts", "handovers"):
        op.drop_table(table)
