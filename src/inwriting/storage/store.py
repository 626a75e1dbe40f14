"""The one writer path to the database and the read helpers over the log.

`Store.write()` opens a unit of work holding the log's write lock (SQLite BEGIN IMMEDIATE, PostgreSQL
row lock on the head); an event, its Merkle nodes, its head update and its projection rows commit
together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from inwriting.domain.events import PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.model import State
from inwriting.errors import InwritingError, NotFound, RecordError
from inwriting.record import merkle
from inwriting.record.chain import ZERO_HASH, Head
from inwriting.record.envelope import SignedEvent
from inwriting.storage import projections
from inwriting.storage import schema as t
from inwriting.storage.engine import describe, is_sqlite, make_engine, one_writer, sqlite_path


class StorageError(InwritingError):
    code = "storage_error"
    http_status = 503


def one_line(error: object) -> str:
    return " ".join(str(error).split())


@dataclass(frozen=True)
class StoredEntry:
    seq: int
    event_id: str
    type: str
    time: str
    actor_party: str
    key_id: str
    track: str | None
    process: str | None
    event_bytes: bytes
    signature: bytes
    leaf_hash: bytes


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str
    created: str


def entry_row(signed: SignedEvent, process: str | None) -> dict[str, Any]:
    """The `log_entries` row of a signed event: its bytes and signature, and the index columns."""
    event = signed.event
    return {
        "seq": event.seq,
        "event_id": event.id,
        "type": event.type,
        "time": event.time,
        "actor_party": event.actor.party,
        "key_id": event.actor.key_id,
        "track": event.track,
        "process": process,
        "event_bytes": signed.event_bytes,
        "signature": signed.signature,
        "leaf_hash": signed.leaf_hash,
    }


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # What this process's last unit of work left (tree frontier, entities read or written, signing
        # keys), valid while no other writer has moved the head past it.
        self._carry: Carry | None = None

    @classmethod
    def open(cls, db: str | None, *, must_exist: bool = True) -> Store:
        engine = make_engine(db)
        path = sqlite_path(str(engine.url))
        if must_exist and path is not None and not path.exists():
            raise NotFound(f"no inwriting database at {path}; run `inwriting init` first")
        store = cls(engine)
        if must_exist:
            store.require_schema()
        return store

    @property
    def url(self) -> str:
        return describe(str(self.engine.url.render_as_string(hide_password=False)))

    def require_schema(self) -> None:
        from inwriting.storage.migrate import current_revision, head_revision

        try:
            current = current_revision(self.engine)
        except DBAPIError as exc:
            raise StorageError(f"cannot open the database at {self.url}: {one_line(exc.orig)}") from exc
        if current is None:
            raise NotFound(f"no inwriting database at {self.url}; run `inwriting init` first")
        if current != head_revision():
            raise StorageError(f"the database at {self.url} needs migrating; run `inwriting init`")

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            options: dict[str, object] = {"inwriting_readonly": True}
            if not is_sqlite(self.engine):  # one snapshot for the whole read (SQLite's is already one)
                options["isolation_level"] = "REPEATABLE READ"
            conn = conn.execution_options(**options)
            with conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[LogWriter]:
        """A unit of work holding the write lock; what it appended is flushed, then committed."""
        with one_writer(self.engine), self.engine.connect() as conn:
            with conn.begin():
                writer = LogWriter(conn, lock=not is_sqlite(self.engine), carry=self._carry)
                yield writer
                writer.flush()
            self._carry = writer.carry()


_HEAD = select(t.log_head).where(t.log_head.c.id == 1)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_SET_HEAD = update(t.log_head).where(t.log_head.c.id == 1)
_INSERT_ENTRY = insert(t.log_entries)
_INSERT_NODE = insert(t.log_nodes)
_INSERT_BLOB = insert(t.blobs)
_CHECKPOINT_AT = select(t.checkpoints).where(t.checkpoints.c.size == bindparam("size"))
_SEQ_OF = select(t.log_entries.c.seq).where(t.log_entries.c.event_id == bindparam("event_id"))


@dataclass(frozen=True)
class Carry:
    head: Head
    frontier: merkle.Frontier | None
    known: State
    signing_keys: dict[str, object]


class LogWriter:
    """A unit of work that holds the log's write lock.

    Log rows (entries, Merkle nodes, the head) are buffered and written with one statement each when
    the unit of work ends, so a batch of events costs few round trips; projection rows are written at
    once, because the next event of the batch may read them.
    """

    def __init__(self, conn: Connection, *, lock: bool, carry: Carry | None = None) -> None:
        self.conn = conn
        row = conn.execute(_HEAD_FOR_UPDATE if lock else _HEAD).first()
        if row is None:
            raise StorageError("the log head row is missing; the database is damaged or not initialised")
        self._head = Head(row.size, row.leaf_hash, row.time)
        self._stored_head = self._head
        self._frontier: merkle.Frontier | None = None
        self.signing_keys: dict[str, object] = {}  # the recorder's cache
        self._known = State()  # entities this unit of work has read or written
        if carry is not None and carry.head == self._head:
            self._frontier = carry.frontier.copy() if carry.frontier else None
            self.signing_keys = dict(carry.signing_keys)
            self._known = carry.known
        self._entries: list[dict[str, object]] = []
        self._nodes: list[dict[str, object]] = []

    @property
    def head(self) -> Head:
        return self._head

    def load(self, refs: Refs | None) -> State:
        """The entities `refs` names: from what this unit of work already holds, else the database."""
        if refs is None:
            return projections.load_state(self.conn, None, size=self._head.size)
        known = self._known
        have = {
            "parties": {k for k in refs.parties if k in known.parties},
            "keys": {k for k in refs.keys if k in known.keys},
            "processes": {k for k in refs.processes if k in known.processes},
            "tracks": {k for k in refs.tracks if k in known.tracks},
            "documents": {k for k in refs.documents if k in known.documents},
            "versions": {k for k in refs.versions if k in known.versions},
        }
        missing = replace(  # every other kind of entity is loaded as named
            refs,
            parties=refs.parties - have["parties"],
            keys=refs.keys - have["keys"],
            processes=refs.processes - have["processes"],
            tracks=refs.tracks - have["tracks"],
            documents=refs.documents - have["documents"],
            versions=refs.versions - have["versions"],
        )
        loaded = projections.load_state(self.conn, missing, size=self._head.size)
        return replace(
            loaded,
            parties=loaded.parties.update({PartyId(k): known.parties[PartyId(k)] for k in have["parties"]}),
            keys=loaded.keys.update({k: known.keys[k] for k in have["keys"]}),
            processes=loaded.processes.update({k: known.processes[k] for k in have["processes"]}),
            tracks=loaded.tracks.update({k: known.tracks[k] for k in have["tracks"]}),
            documents=loaded.documents.update({k: known.documents[k] for k in have["documents"]}),
            versions=loaded.versions.update({k: known.versions[k] for k in have["versions"]}),
        )

    def append(self, signed: SignedEvent, before: State, after: State, process: str | None) -> None:
        """Queue one verified event with its Merkle nodes; write its projection changes now."""
        event = signed.event
        leaf = signed.leaf_hash
        self._entries.append(entry_row(signed, process))
        for (level, idx), digest in self._get_frontier().append(leaf):
            self._nodes.append({"level": level, "idx": idx, "hash": digest})
        projections.write_changes(self.conn, before, after)
        self._remember(after)
        self._head = self._head.advance(event, leaf)

    def _remember(self, state: State) -> None:
        known = self._known
        self._known = replace(
            known,
            parties=known.parties.update(state.parties),
            keys=known.keys.update(state.keys),
            processes=known.processes.update(state.processes),
            tracks=known.tracks.update(state.tracks),
        )

    def flush(self) -> None:
        """Write the queued log rows and the head."""
        if self._entries:
            try:
                self.conn.execute(_INSERT_ENTRY, self._entries)
            except IntegrityError as exc:  # the unit of work rolls back as a whole
                raise RecordError("replayed: an event id of this unit of work is already in the log") from exc
            self.conn.execute(_INSERT_NODE, self._nodes)
        if self._head != self._stored_head:
            head = self._head
            self.conn.execute(_SET_HEAD.values(size=head.size, leaf_hash=head.leaf, time=head.time))
            self._stored_head = head
        self._entries, self._nodes = [], []

    def seq_of(self, event_id: str) -> int | None:
        """Where an event id already stands in the log, if it does."""
        found = self.conn.execute(_SEQ_OF, {"event_id": event_id}).scalar_one_or_none()
        return None if found is None else int(found)

    def carry(self) -> Carry:
        """What the next unit of work in this process may reuse, if the head is still this one."""
        frontier = None if self._frontier is None else self._frontier.copy()
        return Carry(self._head, frontier, self._known, dict(self.signing_keys))

    def _get_frontier(self) -> merkle.Frontier:
        if self._frontier is None:
            self._frontier = merkle.Frontier.from_nodes(
                self._head.size, node_getter(self.conn, [merkle.root_nodes(self._head.size)])
            )
        return self._frontier

    def root(self) -> bytes:
        return self._get_frontier().root()

    def add_blob(self, digest: str, salt: bytes, media_type: str, content: bytes) -> None:
        """Store a text the next event names by hash (same unit of work, same fate)."""
        exists = self.conn.execute(select(t.blobs.c.hash).where(t.blobs.c.hash == digest)).first()
        if exists is None:
            self.conn.execute(
                _INSERT_BLOB, {"hash": digest, "salt": salt, "media_type": media_type, "content": content}
            )

    def has_blob(self, digest: str) -> bool:
        return self.conn.execute(select(t.blobs.c.hash).where(t.blobs.c.hash == digest)).first() is not None

    def add_checkpoint(self, size: int, root: bytes, note: str, created: str) -> None:
        self.conn.execute(insert(t.checkpoints).values(size=size, root=root, note=note, created=created))


# ---- reads -------------------------------------------------------------------------------------


def head(conn: Connection) -> Head:
    row = conn.execute(select(t.log_head).where(t.log_head.c.id == 1)).first()
    return Head(row.size, row.leaf_hash, row.time) if row else Head(0, ZERO_HASH, "")


def node_getter(conn: Connection, node_lists: Iterable[Iterable[merkle.NodeKey]]) -> merkle.NodeGetter:
    """Fetch every node the lists name in one statement; the getter raises KeyError for a missing one.

    The statement is an OR of (level, idx) equalities, which both SQLite and PostgreSQL answer from the
    primary key (SQLite does not index a row-value IN list).
    """
    wanted = sorted({node for nodes in node_lists for node in nodes})
    found: dict[merkle.NodeKey, bytes] = {}
    for start in range(0, len(wanted), 200):
        batch = wanted[start : start + 200]
        where = " OR ".join(f"(level = :l{k} AND idx = :i{k})" for k in range(len(batch)))
        params: dict[str, int] = {}
        for k, (level, idx) in enumerate(batch):
            params[f"l{k}"], params[f"i{k}"] = level, idx
        rows = conn.execute(text(f"SELECT level, idx, hash FROM log_nodes WHERE {where}"), params)
        found.update(((row.level, row.idx), bytes(row.hash)) for row in rows)

    def get(node: merkle.NodeKey) -> bytes:
        try:
            return found[node]
        except KeyError:
            raise KeyError(node) from None

    return get


def iter_entries(conn: Connection, start: int = 0, stop: int | None = None) -> Iterator[StoredEntry]:
    query = select(t.log_entries).where(t.log_entries.c.seq >= start).order_by(t.log_entries.c.seq)
    if stop is not None:
        query = query.where(t.log_entries.c.seq < stop)
    for row in conn.execute(query, execution_options={"yield_per": 2000}):
        yield StoredEntry(
            row.seq,
            row.event_id,
            row.type,
            row.time,
            row.actor_party,
            row.key_id,
            row.track,
            row.process,
            bytes(row.event_bytes),
            bytes(row.signature),
            bytes(row.leaf_hash),
        )


def checkpoints(conn: Connection) -> list[StoredCheckpoint]:
    rows = conn.execute(select(t.checkpoints).order_by(t.checkpoints.c.size))
    return [StoredCheckpoint(r.size, bytes(r.root), r.note, r.created) for r in rows]


def blob(conn: Connection, digest: str) -> tuple[bytes, bytes] | None:
    """(salt, content) of a stored text."""
    row = conn.execute(select(t.blobs.c.salt, t.blobs.c.content).where(t.blobs.c.hash == digest)).first()
    if row is None:
        return None
    return _as_bytes(row.salt), _as_bytes(row.content)


def _as_bytes(value: object) -> bytes:
    """Bytes as stored; a value whose type was changed behind our back still compares (and fails)."""
    return value.encode("utf-8", "surrogateescape") if isinstance(value, str) else bytes(value)  # type: ignore[call-overload]


def checkpoint_at(conn: Connection, size: int) -> StoredCheckpoint | None:
    row = conn.execute(_CHECKPOINT_AT, {"size": size}).first()
    return StoredCheckpoint(row.size, bytes(row.root), row.note, row.created) if row else None


def latest_checkpoint(conn: Connection) -> StoredCheckpoint | None:
    row = conn.execute(select(t.checkpoints).order_by(t.checkpoints.c.size.desc()).limit(1)).first()
    return StoredCheckpoint(row.size, bytes(row.root), row.note, row.created) if row else None


def iter_nodes(conn: Connection) -> Iterator[tuple[merkle.NodeKey, bytes]]:
    query = select(t.log_nodes).order_by(t.log_nodes.c.level, t.log_nodes.c.idx)
    for row in conn.execute(query, execution_options={"yield_per": 5000}):
        yield (row.level, row.idx), bytes(row.hash)


def count_nodes(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.log_nodes)).scalar_one())
