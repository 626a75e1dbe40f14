"""The signed record (log, Merkle nodes, head, checkpoints) and the first projections.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("seq", Seq, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(128), nullable=False, unique=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("time", sa.String(32), nullable=False),
        sa.Column("actor_party", sa.String(80), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("track", sa.String(80), nullable=True),
        sa.Column("process", sa.String(80), nullable=True),
        sa.Column("event_bytes", sa.LargeBinary, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_log_entries_track", "log_entries", ["track"])
    op.create_index("ix_log_entries_process", "log_entries", ["process"])
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
        sa.Column("time", sa.String(32), nullable=False),
    )
    # The head row exists from the start, so that every append, the first included, locks it.
    op.bulk_insert(
        sa.table(
            "log_head",
            sa.column("id", sa.Integer),
            sa.column("size", sa.BigInteger),
            sa.column("leaf_hash", sa.LargeBinary),
            sa.column("time", sa.String),
        ),
        [{"id": 1, "size": 0, "leaf_hash": bytes(32), "time": ""}],
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created", sa.String(32), nullable=False),
    )
    op.create_table(
        "log_meta",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("log_vkey", sa.String(300), nullable=False),
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("registered_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "party_members",
        sa.Column("party", sa.String(80), sa.ForeignKey("parties.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("member", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
    )
    op.create_table(
        "keys",
        sa.Column("key_id", sa.String(40), primary_key=True),
        sa.Column("party", sa.String(80), nullable=False),
        sa.Column("public_key", sa.String(60), nullable=False),
        sa.Column("added_seq", sa.BigInteger, nullable=False),
        sa.Column("revoked_seq", sa.BigInteger, nullable=True),
        sa.Column("revoked_reason", sa.Text, nullable=True),
    )
    op.create_index("ix_keys_party", "keys", ["party"])
    op.create_table(
        "processes",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("title", sa.String(600), nullable=False),
        sa.Column("created_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "tracks",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("process", sa.String(80), sa.ForeignKey("processes.id"), nullable=False),
        sa.Column("forum", sa.String(600), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_tracks_process", "tracks", ["process"])
    op.create_table(
        "track_parties",
        sa.Column("track", sa.String(80), sa.ForeignKey("tracks.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("party", sa.String(80), sa.ForeignKey("parties.id"), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "track_parties",
        "tracks",
        "processes",
        "keys",
        "party_members",
        "parties",
        "log_meta",
        "checkpoints",
        "log_head",
        "log_nodes",
        "log_entries",
    ):
        op.drop_table(table)
