"""A prose answer's confirmed reading: the decisions on its paragraphs, how many it has, and the
digest of those paragraphs as read.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("alignment", sa.Text, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("paragraphs", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("reading", sa.String(71), nullable=True))
        batch.add_column(sa.Column("media_type", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("media_type")
        batch.drop_column("reading")
        batch.drop_column("paragraphs")
        batch.drop_column("alignment")
