"""Documents, their versions and the content-addressed text blobs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("track", sa.String(80), sa.ForeignKey("tracks.id"), nullable=False),
        sa.Column("author", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("versions", sa.Integer, nullable=False),
        sa.Column("created_seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_documents_track", "documents", ["track"])
    op.create_table(
        "versions",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("document", sa.String(80), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("track", sa.String(80), sa.ForeignKey("tracks.id"), nullable=False),
        sa.Column("author", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(600), nullable=False),
        sa.Column("based_on", sa.String(100), nullable=True),
        sa.Column("content", sa.String(71), nullable=False),
        sa.Column("outline", sa.Text, nullable=False),
        sa.Column("created_seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_versions_document", "versions", ["document"])
    op.create_table(
        "blobs",
        sa.Column("hash", sa.String(71), primary_key=True),
        sa.Column("salt", sa.LargeBinary, nullable=False),
        sa.Column("media_type", sa.String(80), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in ("blobs", "versions", "documents"):
        op.drop_table(table)
