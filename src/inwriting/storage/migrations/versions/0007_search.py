"""The full-text index (derived data, rebuilt from the log): an FTS5 table on SQLite, a table with a
generated tsvector and a GIN index on PostgreSQL; filled at once from the texts already recorded.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The weights ranking uses: a heading (or a text's title) A, the label B, the text C, the point id D.
TSV = (
    "setweight(to_tsvector('english'::regconfig, coalesce(heading, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, coalesce(label, '')), 'B')"
    " || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')"
    " || setweight(to_tsvector('english'::regconfig, coalesce(eid, '')), 'D')"
)


def upgrade() -> None:
    bind = op.get_bind()
    # A row's key (SQLite's rowid) is its text's event seq << 20 | its place in the text.
    if bind.dialect.name == "sqlite":
        # Porter stemming over unicode61 (diacritics folded) stems English as PostgreSQL's 'english' does.
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "text UNINDEXED, kind UNINDEXED, scope UNINDEXED, eid, label, heading, body,"
            " tokenize = 'porter unicode61 remove_diacritics 2')"
        )
    else:
        op.create_table(
            "search_index",
            sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("text", sa.String(200), nullable=False),
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("scope", sa.Text, nullable=False),
            sa.Column("eid", sa.Text, nullable=True),
            sa.Column("label", sa.Text, nullable=False),
            sa.Column("heading", sa.Text, nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("tsv", postgresql.TSVECTOR, sa.Computed(TSV, persisted=True), nullable=False),
        )
        op.create_index("ix_search_index_tsv", "search_index", ["tsv"], postgresql_using="gin")
    # A database migrated from 0006 may hold texts already; the index starts out complete.
    from inwriting.storage.search import reindex

    reindex(bind)


def downgrade() -> None:
    op.execute("DROP TABLE search_index")
