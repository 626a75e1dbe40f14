"""Use cases over the log itself: show, verify, checkpoint, prove, rebuild."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, create_engine, func, select

from inwriting.app.context import App
from inwriting.app.drafts import MEDIA_TYPE as DRAFT_MEDIA_TYPE
from inwriting.app.readings import reading_mismatch
from inwriting.app.setup import log_signer
from inwriting.domain.fold import process_of
from inwriting.domain.model import State
from inwriting.errors import InvalidInput, InwritingError, NotFound, VerificationError
from inwriting.importers.prose import MEDIA_TYPES as PROSE_MEDIA_TYPES
from inwriting.record import merkle
from inwriting.record.blob import check_blob
from inwriting.record.canonical import parse
from inwriting.record.checkpoint import (
    Checkpoint,
    created_line,
    open_checkpoint,
    sign_checkpoint,
    signed_created,
)
from inwriting.record.envelope import SignedEvent, hash_ref
from inwriting.record.instrument import MEDIA_TYPE as INSTRUMENT_MEDIA_TYPE
from inwriting.record.instrument import check_agreed_text
from inwriting.record.note import NoteVerifier
from inwriting.record.verifier import LogVerifier, VerifiedLog
from inwriting.storage import schema as t
from inwriting.storage import search as search_index
from inwriting.storage import store as st
from inwriting.storage.projections import load_state, replace_all, write_changes

Progress = Callable[[int, int], None]  # (done, total)


# ---- show --------------------------------------------------------------------------------------


def show(app: App, start: int = 0, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The events in log order, as plain dicts (streamed)."""
    if start < 0:
        raise InvalidInput("--from must not be negative")
    with app.store.read() as conn:
        stop = None if limit is None else start + limit
        for entry in st.iter_entries(conn, start, stop):
            event = parse(entry.event_bytes, what=f"event {entry.seq}")
            yield {
                "seq": entry.seq,
                "time": entry.time,
                "type": entry.type,
                "actor": event["actor"],
                "track": entry.track,
                "process": entry.process,
                "id": event["id"],
                "body": event["body"],
                "leaf_hash": hash_ref(entry.leaf_hash),
            }


# ---- verify ------------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    size: int
    root: str
    checkpoints: int
    latest_checkpoint: int | None
    uncovered: int
    nodes: int
    seconds: float
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"ok": True, **self.__dict__}


class _NodeChecker:
    """Compares the Merkle nodes a verification recomputes with the stored ones, in batches."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.buffer: list[tuple[merkle.NodeKey, bytes]] = []
        self.count = 0

    def add(self, node: merkle.NodeKey, digest: bytes) -> None:
        self.buffer.append((node, digest))
        if len(self.buffer) >= 2000:
            self.flush()

    def flush(self) -> None:
        batch, self.buffer = self.buffer, []
        get = st.node_getter(self.conn, [[node for node, _ in batch]])
        for node, digest in batch:
            where = f"Merkle node (level {node[0]}, index {node[1]})"
            try:
                stored = get(node)
            except KeyError:
                raise VerificationError("is missing from the database", where=where) from None
            if stored != digest:
                raise VerificationError(
                    f"stored hash {stored.hex()} differs from the recomputed {digest.hex()}", where=where
                )
        self.count += len(batch)


def verify(app: App, progress: Progress | None = None) -> VerifyReport:
    """Every signature, the chain, every Merkle node and checkpoint, and the projections."""
    started = time.perf_counter()
    with app.store.read() as conn:
        head = st.head(conn)
        stored_cps = {cp.size: cp for cp in st.checkpoints(conn)}
        nodes = _NodeChecker(conn)
        verifier = LogVerifier(full_fold=True, on_node=nodes.add)
        try:
            roots = _stream_log(conn, verifier, head.size, set(stored_cps), progress)
            result = verifier.finish()
        finally:
            verifier.close()
        nodes.flush()
        _check_head(head, result)
        stored_nodes = st.count_nodes(conn)
        if stored_nodes != nodes.count:
            raise VerificationError(
                f"the database holds {stored_nodes} Merkle nodes, the log makes {nodes.count}",
                where="log_nodes",
            )
        _check_checkpoints(result.state, stored_cps, roots)
        _check_projection_rows(conn, result.state)
        _check_projections(load_state(conn), result.state)
        _check_texts(conn, result.state)
    latest = max(stored_cps) if stored_cps else None
    report = VerifyReport(
        result.size,
        result.root.hex(),
        len(stored_cps),
        latest,
        result.size - (latest or 0),
        nodes.count,
        time.perf_counter() - started,
    )
    if latest is None:
        report.warnings.append("no checkpoint yet: run `inwriting checkpoint`")
    elif report.uncovered:
        noun = "event" if report.uncovered == 1 else "events"
        report.warnings.append(f"{report.uncovered} {noun} after the latest checkpoint")
    return report


def _stream_log(
    conn: Connection, verifier: LogVerifier, total: int, cp_sizes: set[int], progress: Progress | None
) -> dict[int, bytes]:
    roots: dict[int, bytes] = {}
    if 0 in cp_sizes:
        roots[0] = merkle.EMPTY_ROOT
    for entry in st.iter_entries(conn):
        where = f"event {entry.seq}"
        if entry.seq != verifier.head.size:
            raise VerificationError(
                f"the log skips from {verifier.head.size - 1} to {entry.seq}", where=where
            )
        try:
            signed = SignedEvent.from_parts(entry.event_bytes, entry.signature, strict=False)
        except InwritingError as exc:
            raise VerificationError(f"stored event cannot be read: {exc.message}", where=where) from exc
        if merkle.leaf_hash(signed.leaf_data) != entry.leaf_hash:
            verifier.drain()
            raise VerificationError("stored leaf hash does not match the event and signature", where=where)
        try:
            _check_columns(entry, signed)
            verifier.add(signed)
            _check_columns(entry, signed, verifier.state)
        except VerificationError:
            verifier.drain()
            raise
        size = verifier.frontier.size
        if size in cp_sizes:
            roots[size] = verifier.frontier.root()
        if progress is not None and (size % 1000 == 0 or size == total):
            progress(size, total)
    return roots


def _check_columns(entry: st.StoredEntry, signed: SignedEvent, state: State | None = None) -> None:
    """The index columns must say what the signed event says (export selects rows by them); the
    process column needs the state after the event (`state`), the rest is checked before it."""
    event = signed.event
    if state is not None:
        stored: tuple[object, ...] = (entry.process,)
        signed_values: tuple[object, ...] = (process_of(state, event),)
    else:
        stored = (
            entry.seq,
            entry.event_id,
            entry.type,
            entry.time,
            entry.actor_party,
            entry.key_id,
            entry.track,
        )
        signed_values = (
            event.seq,
            event.id,
            event.type,
            event.time,
            event.actor.party,
            event.actor.key_id,
            event.track,
        )
    if stored != signed_values:
        raise VerificationError(
            f"index columns {stored} differ from the signed event {signed_values}", where=f"event {entry.seq}"
        )


def _check_projection_rows(conn: Connection, folded: State) -> None:
    """Every projection row, column for column, as the log makes it: the fold is written out into a
    scratch in-memory database by the same code that writes projections, and the stored tables must
    hold exactly those rows (so no column goes unchecked, read or not, and a row nothing can parse is
    named instead of crashing the check)."""
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as made:
            t.metadata.create_all(made, tables=list(t.PROJECTION_TABLES))
            write_changes(made, State(), folded)
            for table in t.PROJECTION_TABLES:
                _same_rows(table, _rows_by_key(made, table), _rows_by_key(conn, table))
    finally:
        scratch.dispose()
    heads = conn.execute(select(func.count()).select_from(t.log_head)).scalar_one()
    if heads != 1:
        raise VerificationError(f"holds {heads} rows; the log has one head", where="log_head")


_OWNERS = {"party_members": "parties", "track_parties": "tracks"}


def _rows_by_key(conn: Connection, table: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
    key = [c.name for c in table.primary_key.columns]
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in conn.execute(select(table)):
        values = {name: bytes(v) if isinstance(v, memoryview) else v for name, v in row._mapping.items()}
        rows[tuple(values[k] for k in key)] = values
    return rows


def _same_rows(
    table: Any, want: dict[tuple[Any, ...], dict[str, Any]], have: dict[tuple[Any, ...], dict[str, Any]]
) -> None:
    owner = _OWNERS.get(table.name)
    for key in sorted(set(want) | set(have), key=repr):
        where = f"{table.name} {'/'.join(map(str, key))}"
        if owner is not None:  # a party's members, a track's parties: named by the party or track
            where = f"{owner} {key[0]} ({table.name} {'/'.join(map(str, key[1:]))})"
        if key not in have:
            raise VerificationError("a row the log makes is missing", where=where)
        if key not in want:
            raise VerificationError("holds a row the log does not make", where=where)
        for column, value in want[key].items():
            if have[key][column] != value:
                said, says = repr(have[key][column])[:200], repr(value)[:200]
                raise VerificationError(f"column {column}: stored {said}, the log says {says}", where=where)


def _check_head(head: Any, result: VerifiedLog) -> None:
    if (head.size, head.leaf, head.time) != (result.size, result.head.leaf, result.head.time):
        raise VerificationError(
            f"the stored head says {head.size} events ending in {head.leaf.hex()} at {head.time},"
            f" the log has {result.size} ending in {result.head.leaf.hex()}",
            where="log_head",
        )


def _check_checkpoints(state: State, stored: dict[int, st.StoredCheckpoint], roots: dict[int, bytes]) -> None:
    if not stored:
        return
    if not state.log_vkey:
        raise VerificationError("checkpoints exist but the log has no genesis", where="checkpoints")
    verifier = NoteVerifier.from_vkey(state.log_vkey)
    for size, cp in sorted(stored.items()):
        where = f"checkpoint at size {size}"
        try:
            opened = open_checkpoint(cp.note, verifier, origin=state.origin)
        except InwritingError as exc:
            raise VerificationError(exc.message, where=f"{where} ({exc.where or 'note'})") from exc
        if size not in roots:
            raise VerificationError("is beyond the end of the log", where=where)
        if (opened.size, opened.root) != (size, roots[size]) or cp.root != roots[size]:
            raise VerificationError(
                f"signs root {opened.root.hex()} for size {opened.size}; the log's root"
                f" at {size} is {roots[size].hex()}",
                where=where,
            )
        signed = signed_created(opened)
        if signed is not None and signed != cp.created:  # older checkpoints do not sign it
            raise VerificationError(f"is stored as made at {cp.created!r} but signs {signed!r}", where=where)


def _check_texts(conn: Connection, state: State) -> None:
    """Every version's, answer's and instrument's text is stored, still hashes to what its signed
    event names and is stored as its kind of text; and no text is stored that no event names."""
    named: dict[str, tuple[str, frozenset[str]]] = {}
    for vid, version in state.versions.items():
        named[version.content] = (f"version {vid}", frozenset({DRAFT_MEDIA_TYPE}))
    for aid, answer in state.answers.items():
        kinds = (
            frozenset(PROSE_MEDIA_TYPES.values()) if answer.form == "prose" else frozenset({"text/markdown"})
        )
        if answer.media_type is not None:  # signed in its event: exactly that
            kinds = frozenset({answer.media_type})
        named[answer.content] = (f"answer {aid}", kinds)
    for iid, instrument in state.instruments.items():
        named[instrument.content] = (f"instrument {iid}", frozenset({INSTRUMENT_MEDIA_TYPE}))
    for digest, media_type in conn.execute(select(t.blobs.c.hash, t.blobs.c.media_type)):
        if digest not in named:
            raise VerificationError("a stored text that no event names", where=f"text {digest}")
        owner, kinds = named[digest]
        if media_type not in kinds:
            raise VerificationError(
                f"its text is stored as {media_type!r}, not as {' or '.join(sorted(kinds))}", where=owner
            )
    for vid, version in sorted(state.versions.items()):
        stored = st.blob(conn, version.content)
        if stored is None:
            raise VerificationError(f"its text {version.content} is missing", where=f"version {vid}")
        check_blob(version.content, *stored, where=f"version {vid} (event {version.created_seq})")
    for aid, answer in sorted(state.answers.items()):
        stored = st.blob(conn, answer.content)
        if stored is None:
            raise VerificationError(f"its text {answer.content} is missing", where=f"answer {aid}")
        check_blob(answer.content, *stored, where=f"answer {aid} (event {answer.seq})")
        why = reading_mismatch(conn, answer)
        if why is not None:
            raise VerificationError(why, where=f"answer {aid} (its confirmed reading)")
    for iid, instrument in sorted(state.instruments.items()):
        stored = st.blob(conn, instrument.content)
        if stored is None:
            raise VerificationError(f"its text {instrument.content} is missing", where=f"instrument {iid}")
        where = f"instrument {iid} (event {instrument.seq})"
        check_blob(instrument.content, *stored, where=where)
        texts = []
        for vid in instrument.sources:
            source = state.versions.get(vid)
            found = None if source is None else st.blob(conn, source.content)
            if found is None:
                raise VerificationError(f"the text of its source {vid} is missing", where=where)
            texts.append(found[1])
        try:
            check_agreed_text(
                stored[1],
                texts[0],
                instrument=iid,
                kind=instrument.kind,
                sources=instrument.sources,
                parties=instrument.parties,
                other_notes=texts[1:],
            )
        except InvalidInput as exc:
            raise VerificationError(exc.message, where=where) from exc


def _check_projections(projected: State, folded: State) -> None:
    names = ("parties", "keys", "processes", "tracks", "documents", "versions")
    acts = ("handovers", "receipts", "answers", "meetings", "preconditions", "delegates", "disclosures")
    register = ("instruments", "commitments", "statements", "claims")
    for name in (*names, *acts, *register):
        have, want = getattr(projected, name), getattr(folded, name)
        for key in sorted(set(have) | set(want)):
            if have.get(key) != want.get(key):
                raise VerificationError(
                    f"projection differs from the log: stored {have.get(key)!r},"
                    f" the log says {want.get(key)!r}",
                    where=f"{name} {key}",
                )
    if (projected.origin, projected.log_vkey) != (folded.origin, folded.log_vkey):
        raise VerificationError("origin or log key differs from the genesis event", where="log_meta")


# ---- checkpoints and proofs ----------------------------------------------------------------------


def checkpoint(app: App) -> st.StoredCheckpoint:
    """Sign a checkpoint for the current size (or return the one that already covers it)."""
    signer = log_signer(app)
    with app.store.write() as writer:
        size = writer.head.size
        latest = st.latest_checkpoint(writer.conn)
        if latest is not None and latest.size == size:
            return latest
        root = writer.root()
        created = app.now()  # signed with the rest, so that `log verify` can hold the stored time to it
        note = sign_checkpoint(Checkpoint(signer.name, size, root, (created_line(created),)), signer)
        writer.add_checkpoint(size, root, note, created)
        return st.StoredCheckpoint(size, root, note, created)


@dataclass(frozen=True)
class InclusionProof:
    index: int
    size: int
    leaf_hash: bytes
    root: bytes
    path: list[bytes]
    checkpoint: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "root": self.root.hex(),
            "path": [h.hex() for h in self.path],
            "checkpoint": self.checkpoint,
        }


@dataclass(frozen=True)
class ConsistencyProof:
    old: int
    new: int
    old_root: bytes
    new_root: bytes
    path: list[bytes]

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "old_root": self.old_root.hex(),
            "new_root": self.new_root.hex(),
            "path": [h.hex() for h in self.path],
        }


def _size_or_default(conn: Connection, size: int | None) -> int:
    head = st.head(conn)
    if size is None:
        latest = st.latest_checkpoint(conn)
        return latest.size if latest is not None else head.size
    if not 0 <= size <= head.size:
        raise InvalidInput(f"size {size} is outside the log (0..{head.size})")
    return size


def _checkpoint_note(conn: Connection, size: int) -> str | None:
    cp = st.checkpoint_at(conn, size)
    return cp.note if cp is not None else None


def prove_inclusion(app: App, index: int, size: int | None = None) -> InclusionProof:
    with app.store.read() as conn:
        size = _size_or_default(conn, size)
        if not 0 <= index < size:
            raise NotFound(f"event {index} is not in a tree of size {size}")
        ranges = merkle.inclusion_path_ranges(index, size)
        get = st.node_getter(conn, [merkle.needed_nodes(ranges), merkle.root_nodes(size), [(0, index)]])
        proof = InclusionProof(
            index,
            size,
            get((0, index)),
            merkle.root_from(size, get),
            merkle.inclusion_proof(index, size, get),
            _checkpoint_note(conn, size),
        )
    merkle.verify_inclusion(proof.leaf_hash, index, size, proof.path, proof.root)
    return proof


def prove_consistency(app: App, old: int, new: int) -> ConsistencyProof:
    with app.store.read() as conn:
        head = st.head(conn)
        if not 0 < old <= new <= head.size:
            raise InvalidInput(f"need 0 < OLD <= NEW <= {head.size}; got {old} and {new}")
        ranges = merkle.consistency_proof_ranges(old, new)
        get = st.node_getter(
            conn, [merkle.needed_nodes(ranges), merkle.root_nodes(old), merkle.root_nodes(new)]
        )
        proof = ConsistencyProof(
            old,
            new,
            merkle.root_from(old, get),
            merkle.root_from(new, get),
            merkle.consistency_proof(old, new, get),
        )
    merkle.verify_consistency(old, new, proof.old_root, proof.new_root, proof.path)
    return proof


# ---- rebuild -----------------------------------------------------------------------------------


def rebuild(app: App, progress: Progress | None = None) -> VerifiedLog:
    """Recreate every projection table from the log alone (verifying it on the way)."""
    with app.store.write() as writer:
        verifier = LogVerifier(full_fold=True)
        try:
            _stream_log(writer.conn, verifier, writer.head.size, set(), progress)
            result = verifier.finish()
        finally:
            verifier.close()
        replace_all(writer.conn, result.state)
        search_index.reindex(writer.conn)
    return result
