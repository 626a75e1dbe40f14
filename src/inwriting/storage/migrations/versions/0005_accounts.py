"""Accounts for the web app: delegates' password hashes and API token hashes (not rebuilt).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credentials",
        sa.Column("party", sa.String(80), primary_key=True),
        sa.Column("delegate", sa.String(40), primary_key=True),
        sa.Column("delegate_seq", sa.BigInteger, nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("updated", sa.String(32), nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.String(20), primary_key=True),
        sa.Column("party", sa.String(80), nullable=False),
        sa.Column("delegate", sa.String(40), nullable=False),
        sa.Column("delegate_seq", sa.BigInteger, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("expires", sa.String(10), nullable=True),
        sa.Column("revoked", sa.String(32), nullable=True),
        sa.Column("last_used", sa.String(32), nullable=True),
    )
    op.create_index("ix_api_tokens_party", "api_tokens", ["party"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_party", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("credentials")
