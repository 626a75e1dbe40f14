"""Tables, in SQLAlchemy Core. The log tables are the record; every other table is a projection
that `inwriting rebuild` recreates from the log. Alembic migrations create exactly these.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# SQLite only treats INTEGER PRIMARY KEY as the rowid; keep the log's seq there.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

log_entries = Table(
    "log_entries",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=False),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("time", String(32), nullable=False),
    Column("actor_party", String(80), nullable=False),
    Column("key_id", String(40), nullable=False),
    Column("track", String(80), nullable=True, index=True),
    Column("process", String(80), nullable=True, index=True),
    Column("event_bytes", LargeBinary, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
)

# Perfect subtree hashes: node (level, idx) covers leaves [idx*2^level, (idx+1)*2^level).
log_nodes = Table(
    "log_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
)

# One row (id = 1): the tip of the log. Appends lock it (PostgreSQL) so the log stays one line.
log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
    Column("time", String(32), nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary, nullable=False),
    Column("note", Text, nullable=False),
    Column("created", String(32), nullable=False),
)

# Projections.
log_meta = Table(
    "log_meta",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("origin", String(200), nullable=False),
    Column("log_vkey", String(300), nullable=False),
)

parties = Table(
    "parties",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("name", String(400), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("registered_seq", BigInteger, nullable=False),
)

party_members = Table(
    "party_members",
    metadata,
    Column("party", String(80), ForeignKey("parties.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("member", String(80), ForeignKey("parties.id"), nullable=False),
)

keys = Table(
    "keys",
    metadata,
    Column("key_id", String(40), primary_key=True),
    Column("party", String(80), nullable=False, index=True),
    Column("public_key", String(60), nullable=False),
    Column("added_seq", BigInteger, nullable=False),
    Column("revoked_seq", BigInteger, nullable=True),
    Column("revoked_reason", Text, nullable=True),
)

processes = Table(
    "processes",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("title", String(600), nullable=False),
    Column("created_seq", BigInteger, nullable=False),
)

tracks = Table(
    "tracks",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("process", String(80), ForeignKey("processes.id"), nullable=False, index=True),
    Column("forum", String(600), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_seq", BigInteger, nullable=False),
    Column("policy", String(20), nullable=False, server_default="consent"),
)

track_parties = Table(
    "track_parties",
    metadata,
    Column("track", String(80), ForeignKey("tracks.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("party", String(80), ForeignKey("parties.id"), nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("track", String(80), ForeignKey("tracks.id"), nullable=False, index=True),
    Column("author", String(80), ForeignKey("parties.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("versions", Integer, nullable=False),
    Column("created_seq", BigInteger, nullable=False),
)

versions = Table(
    "versions",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("document", String(80), ForeignKey("documents.id"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("track", String(80), ForeignKey("tracks.id"), nullable=False),
    Column("author", String(80), ForeignKey("parties.id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("title", String(600), nullable=False),
    Column("based_on", String(100), nullable=True),
    Column("content", String(71), nullable=False),
    Column("outline", Text, nullable=False),  # JSON [[eid, label], ...]
    Column("created_seq", BigInteger, nullable=False),
    Column("audience", String(20), nullable=False, server_default="track"),
    Column("audience_parties", Text, nullable=False, server_default="[]"),  # JSON [party, ...]
)

# What happens to versions: hand-overs, receipts, answers; and meetings and preconditions on tracks.
# Lists and positions are JSON text (read whole, never queried inside).
handovers = Table(
    "handovers",
    metadata,
    Column("id", String(140), primary_key=True),
    Column("version", String(100), ForeignKey("versions.id"), nullable=False, index=True),
    Column("track", String(80), ForeignKey("tracks.id"), nullable=False, index=True),
    Column("by_party", String(80), ForeignKey("parties.id"), nullable=False),
    Column("recipients", Text, nullable=False),  # JSON [party, ...]
    Column("date", String(10), nullable=False),
    Column("due", String(10), nullable=True),
    Column("point_by_point", Boolean, nullable=False),
    Column("meeting", String(140), nullable=True),
    Column("seq", BigInteger, nullable=False),
)

receipts = Table(
    "receipts",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("version", String(100), ForeignKey("versions.id"), nullable=False, index=True),
    Column("handover", String(140), ForeignKey("handovers.id"), nullable=False),
    Column("party", String(80), ForeignKey("parties.id"), nullable=False),
    Column("date", String(10), nullable=False),
    Column("delegate", String(200), nullable=True),
    Column("seq", BigInteger, nullable=False),
)

answers = Table(
    "answers",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("version", String(100), ForeignKey("versions.id"), nullable=False, index=True),
    Column("party", String(80), ForeignKey("parties.id"), nullable=False),
    Column("date", String(10), nullable=False),
    Column("form", String(10), nullable=False),
    Column("content", String(71), nullable=False),
    Column("positions", Text, nullable=False),  # JSON [[eid, position, text, reason], ...]
    Column("proposals", Text, nullable=False),  # JSON [[label, text], ...]
    Column("seq", BigInteger, nullable=False),
    # JSON [[paragraph, decision, points, position, text, suggested points, suggested position, by,
    # delegate, seq], ...]: a prose answer's confirmed paragraphs
    Column("alignment", Text, nullable=False, server_default="[]"),
    Column("paragraphs", Integer, nullable=False, server_default="0"),
    Column("reading", String(71), nullable=True),
    Column("media_type", String(80), nullable=True),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", String(140), primary_key=True),
    Column("track", String(80), ForeignKey("tracks.id"), nullable=False, index=True),
    Column("date", String(10), nullable=False),
    Column("place", String(200), nullable=False),
    Column("delegates", Text, nullable=False),  # JSON
    Column("tabled", Text, nullable=False),  # JSON
    Column("by_party", String(80), nullable=False),
    Column("seq", BigInteger, nullable=False),
    # A track's meetings in date order, a page at a time (GET /meetings) without sorting them all.
    Index("ix_meetings_track_date_seq", "track", "date", "seq"),
)

preconditions = Table(
    "preconditions",
    metadata,
    Column("id", String(140), primary_key=True),
    Column("track", String(80), ForeignKey("tracks.id"), nullable=False, index=True),
    Column("by_party", String(80), ForeignKey("parties.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("version", String(100), nullable=True),
    Column("date", String(10), nullable=False),
    Column("anticipated", Boolean, nullable=False),
    Column("acts", Text, nullable=False),  # JSON [[act, party, date, reason, seq], ...]
    Column("seq", BigInteger, nullable=False),
    # A track's preconditions in record order: pages, and the newest one's id to number the next.
    Index("ix_preconditions_track_seq", "track", "seq"),
)

delegates = Table(
    "delegates",
    metadata,
    Column("party", String(80), ForeignKey("parties.id"), primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("title", String(300), nullable=False),
    Column("roles", Text, nullable=False),  # JSON
    Column("added_seq", BigInteger, nullable=False),
    Column("removed_seq", BigInteger, nullable=True),
)

# The publication story of a text (a version or an answer), keyed by the text's id.
disclosures = Table(
    "disclosures",
    metadata,
    Column("text", String(200), primary_key=True),
    Column("owner", String(80), ForeignKey("parties.id"), nullable=False),
    Column("acts", Text, nullable=False),  # JSON
    Column("publications", Text, nullable=False),  # JSON
)

# Instruments, commitments, statements and claims: a few columns to find rows by, and the entity
# itself as JSON (storage/register_rows.py reads and writes it).
instruments = Table(
    "instruments",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("track", String(80), ForeignKey("tracks.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
)

commitments = Table(
    "commitments",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("obligor", String(80), ForeignKey("parties.id"), nullable=False, index=True),
    Column("instrument", String(64), nullable=True, index=True),
    Column("track", String(80), nullable=True),
    Column("seq", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_commitments_seq", "seq"),  # record order: pages, and the newest id to number the next
)

statements = Table(
    "statements",
    metadata,
    Column("id", String(140), primary_key=True),
    Column("party", String(80), ForeignKey("parties.id"), nullable=False, index=True),
    Column("seq", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_statements_seq", "seq"),  # record order: pages, and the newest id to number the next
)

claims = Table(
    "claims",
    metadata,
    Column("id", String(140), primary_key=True),
    Column("commitment", String(200), nullable=False, index=True),
    Column("seq", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_claims_seq", "seq"),  # record order: pages, and the newest id to number the next
)

# Texts, content-addressed: hash = SHA-256(salt ‖ content). Part of the record (not rebuilt).
blobs = Table(
    "blobs",
    metadata,
    Column("hash", String(71), primary_key=True),
    Column("salt", LargeBinary, nullable=False),
    Column("media_type", String(80), nullable=False),
    Column("content", LargeBinary, nullable=False),
)

RECORD_TABLES = (log_entries, log_nodes, log_head, checkpoints, blobs)
# Children before parents, so deletes in this order respect foreign keys.
PROJECTION_TABLES = (
    claims,
    statements,
    commitments,
    instruments,
    disclosures,
    delegates,
    preconditions,
    meetings,
    answers,
    receipts,
    handovers,
    versions,
    documents,
    track_parties,
    tracks,
    processes,
    keys,
    party_members,
    parties,
    log_meta,
)

# Credentials are neither record nor projection (rebuild never touches them); they live in their own
# module and join `metadata` when it is imported here, so migrations and the schema check see them.
from inwriting.storage import credentials as _credentials  # noqa: E402, F401
