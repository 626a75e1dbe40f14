"""Indexes for reading in record order: a track's meetings by date and its preconditions by seq, and
commitments, statements and claims by seq. Pages (`GET /meetings`, `/preconditions`, `/commitments`)
and numbering a new id then read a few rows instead of sorting a whole table, which grew with the
record (seen: a precondition's write at 36,000 events cost 2.5 times its cost at 3,000).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_meetings_track_date_seq", "meetings", ["track", "date", "seq"]),
    ("ix_preconditions_track_seq", "preconditions", ["track", "seq"]),
    ("ix_commitments_seq", "commitments", ["seq"]),
    ("ix_statements_seq", "statements", ["seq"]),
    ("ix_claims_seq", "claims", ["seq"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
