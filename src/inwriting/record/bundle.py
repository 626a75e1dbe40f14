"""Bundles: one file (JSON Lines, gzip if it ends in .gz) that proves part of a log offline.

Line 1 is the header (origin, log key, checkpoints); then one line per leaf in log order, either the
signed event (its canonical bytes embedded verbatim, base64 signature) or, for what the reader may not
see, only the leaf hash. A party's bundle (format v2) may follow an event that signed a text's hash with
the salted text itself. `verify_bundle` streams it: memory stays bounded however many events it holds.
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from inwriting.domain.model import State
from inwriting.errors import InvalidInput, InwritingError, VerificationError
from inwriting.record import merkle
from inwriting.record.chain import ZERO_HASH
from inwriting.record.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint_body
from inwriting.record.cosignature import CosignerKey, open_cosigned
from inwriting.record.envelope import hash_ref
from inwriting.record.instrument import signature_of_event
from inwriting.record.keys import PublicKey
from inwriting.record.linecheck import (
    BATCH,
    BATCH_LEVEL,
    BatchResult,
    KeyUse,
    Special,
    TextBlob,
    check_batch,
    event_line,
    is_text_line,
    key_from_line,
    leaf_line,
)
from inwriting.record.note import NoteVerifier, parse_note
from inwriting.record.verifier import check_signed_in_order

FORMAT = "inwriting-bundle/v1"  # the operator's view: events and leaf hashes
PARTY_FORMAT = "inwriting-bundle/v2"  # one party's view: may also hold text lines
FORMATS = (FORMAT, PARTY_FORMAT)
MAX_LINE = 2 << 20
MAX_TEXT_LINE = 64 << 20  # a text line holds a whole version (an import may be 20 MB)
PARALLEL_BYTES = 4 << 20  # below this, starting worker processes costs more than it saves

Progress = Callable[[int, int], None]  # (bytes read, total bytes)


@dataclass(frozen=True)
class Header:
    origin: str
    log_key: str
    size: int
    checkpoints: list[str]
    process: str | None = None
    created: str | None = None
    party: str | None = None  # whose view the bundle holds (None: the operator's)

    def to_json(self) -> dict[str, Any]:
        header: dict[str, Any] = {
            "format": FORMAT if self.party is None else PARTY_FORMAT,
            "origin": self.origin,
            "log_key": self.log_key,
            "size": self.size,
            "checkpoints": self.checkpoints,
            "process": self.process,
            "created": self.created,
        }
        if self.party is not None:
            header["party"] = self.party
        return header


@dataclass(frozen=True)
class Visible:
    seq: int
    event_bytes: bytes
    signature: bytes

    def line(self) -> bytes:
        return event_line(self.seq, self.event_bytes, self.signature)


@dataclass(frozen=True)
class Hidden:
    seq: int
    leaf_hash: bytes

    def line(self) -> bytes:
        return leaf_line(self.seq, self.leaf_hash)


def _open_write(path: Path, *, compress: bool) -> IO[bytes]:
    if compress:
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=6))
    return open(path, "wb")


def write_bundle(path: Path, header: Header, entries: Iterable[Visible | Hidden | TextBlob]) -> int:
    """Write atomically (temp file, fsync, rename); returns the number of leaves written.

    A TextBlob goes right after the Visible event that signed its hash, and only in a party's bundle.
    """
    temp = path.with_name(path.name + ".partial")
    count = 0
    try:
        with _open_write(temp, compress=path.suffix == ".gz") as out:
            out.write(json.dumps(header.to_json(), ensure_ascii=False).encode() + b"\n")
            for entry in entries:
                if isinstance(entry, TextBlob) and header.party is None:
                    raise InvalidInput("only a party's bundle carries texts")
                out.write(entry.line())
                count += not isinstance(entry, TextBlob)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return count


@dataclass
class BundleReport:
    origin: str
    log_key: str
    process: str | None
    size: int
    root: str
    events: int
    hidden: int
    checkpoints: int
    seconds: float = 0.0
    parties: list[str] = field(default_factory=list)
    party: str | None = None  # whose view, for a party's bundle
    texts: int = 0  # texts checked against the hashes their events signed
    instrument_signatures: int = 0  # signatures on instruments checked over the texts' hashes
    extra_checkpoints: int = 0  # checkpoints given beside the bundle, checked against its tree
    beyond: list[str] = field(default_factory=list)  # given checkpoints past its end: not checkable here
    cosigned_by: list[str] = field(default_factory=list)  # witnesses whose cosignature on it verified

    def to_json(self) -> dict[str, Any]:
        return {"ok": True, **self.__dict__}


class _Reader:
    """Raw lines of a bundle with their numbers, refusing over-long lines; tracks bytes for progress."""

    def __init__(self, path: Path) -> None:
        self.total = path.stat().st_size
        raw = open(path, "rb")  # noqa: SIM115
        magic = raw.read(2)
        raw.seek(0)
        self.raw = raw
        self.stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw)) if magic == b"\x1f\x8b" else raw
        self.number = 0

    def line(self) -> bytes | None:
        try:
            line = self.stream.readline(MAX_TEXT_LINE + 1)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise VerificationError(
                f"cannot read the bundle: {exc}", where=f"line {self.number + 1}"
            ) from exc
        if not line:
            return None
        self.number += 1
        if len(line) > MAX_LINE and (len(line) > MAX_TEXT_LINE or not is_text_line(line)):
            limit = MAX_TEXT_LINE if is_text_line(line) else MAX_LINE
            raise VerificationError(f"longer than {limit} bytes", where=f"line {self.number}")
        return line

    def position(self) -> int:
        return self.raw.tell()

    def close(self) -> None:
        self.stream.close()
        self.raw.close()


def _header(obj: Any, trusted_log_key: str | None) -> tuple[Header, NoteVerifier, dict[int, Checkpoint]]:
    if not isinstance(obj, dict) or obj.get("format") not in FORMATS:
        raise VerificationError(
            f"not an inwriting bundle (expected format {' or '.join(FORMATS)})", where="line 1"
        )
    try:
        header = Header(
            str(obj["origin"]),
            str(obj["log_key"]),
            int(obj["size"]),
            [str(c) for c in obj["checkpoints"]],
            obj.get("process"),
            obj.get("created"),
            None if obj["format"] == FORMAT else obj["party"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise VerificationError(f"malformed header: {exc}", where="line 1") from exc
    if header.party is not None and not isinstance(header.party, str):
        raise VerificationError("malformed header: party must be a text", where="line 1")
    if trusted_log_key is not None and header.log_key != trusted_log_key:
        raise VerificationError(
            f"the bundle is signed by log key {header.log_key}, not the trusted {trusted_log_key}",
            where="header",
        )
    try:
        verifier = NoteVerifier.from_vkey(header.log_key)
    except InvalidInput as exc:
        raise VerificationError(exc.message, where="header log_key") from exc
    checkpoints: dict[int, Checkpoint] = {}
    for i, note in enumerate(header.checkpoints):
        try:
            cp = open_checkpoint(note, verifier, origin=header.origin)
        except InwritingError as exc:
            raise VerificationError(exc.message, where=f"checkpoint {i + 1} ({exc.where or 'note'})") from exc
        if cp.size in checkpoints and checkpoints[cp.size].root != cp.root:
            raise VerificationError(
                f"two signed checkpoints give size {cp.size} different roots: the log has"
                " shown two histories",
                where=f"checkpoint {i + 1}",
            )
        checkpoints[cp.size] = cp
    if not checkpoints or max(checkpoints) != header.size:
        raise VerificationError(f"no checkpoint covers the bundle's {header.size} leaves", where="header")
    return header, verifier, checkpoints


def verify_bundle(
    path: Path,
    *,
    trusted_log_key: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    checkpoints: Sequence[tuple[str, str]] = (),
    witnesses: Sequence[str] = (),
) -> BundleReport:
    """Check every signature, the chain, the tree, the checkpoints and every text the bundle carries
    against the hash its event signed; no database, no network.

    Batches of lines are checked in worker processes (`workers`, default: every core) when the bundle
    is large enough to repay starting them; call it under `if __name__ == "__main__":` in scripts.

    `checkpoints` are (label, signed note) pairs from elsewhere (another party, a witness): one of the
    same log that the bundle's tree contradicts is a fork. `witnesses` are cosigner keys whose
    cosignature the bundle's latest checkpoint must carry.
    """
    return check_bundle(
        path,
        trusted_log_key=trusted_log_key,
        progress=progress,
        workers=workers,
        checkpoints=checkpoints,
        witnesses=witnesses,
    ).report


@dataclass(frozen=True)
class CheckedBundle:
    """A verified bundle: its report, the parties and keys its events fold to, and the leaf hashes
    that were asked for (by seq), as the verified tree holds them."""

    report: BundleReport
    state: State
    leaves: dict[int, bytes]


def check_bundle(
    path: Path,
    *,
    trusted_log_key: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    keep_leaves: Collection[int] = (),
    checkpoints: Sequence[tuple[str, str]] = (),
    witnesses: Sequence[str] = (),
) -> CheckedBundle:
    """`verify_bundle`, keeping what a later check against the bundle needs (a reveal's leaf)."""
    started = time.perf_counter()
    if not path.is_file():
        raise InvalidInput(f"no bundle at {path}")
    reader = _Reader(path)
    try:
        first = reader.line()
        if first is None:
            raise VerificationError("the bundle is empty", where="line 1")
        try:
            header_obj = json.loads(first)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise VerificationError(f"not JSON: {exc}", where="line 1") from exc
        header, verifier, signed = _header(header_obj, trusted_log_key)
        extra, beyond = _extra_checkpoints(header, verifier, checkpoints)
        cosigned_by = _cosigners(header, witnesses)
        joiner = _Joiner(signed, frozenset(keep_leaves), extra)
        processes = workers or ((os.cpu_count() or 1) if reader.total > PARALLEL_BYTES else 1)
        with _BatchRunner(processes) as runner:
            for batch in runner.run(reader):
                joiner.join(batch)
                if progress is not None:
                    progress(reader.position(), reader.total)
    finally:
        reader.close()
    joiner.finish_instruments()
    state = joiner.state
    if joiner.frontier.size != header.size:
        raise VerificationError(
            f"the header promises {header.size} leaves, the bundle holds {joiner.frontier.size}",
            where="end of bundle",
        )
    if (state.origin, state.log_vkey) != (header.origin, header.log_key):
        raise VerificationError(
            "the genesis event names another origin or log key than the header", where="event 0"
        )
    if progress is not None:
        progress(reader.total, reader.total)
    report = BundleReport(
        header.origin,
        header.log_key,
        header.process,
        joiner.frontier.size,
        joiner.frontier.root().hex(),
        joiner.events,
        joiner.frontier.size - joiner.events,
        len(signed),
        time.perf_counter() - started,
        sorted(state.parties),
        header.party,
        joiner.texts,
        joiner.signatures_checked,
        sum(len(given) for given in extra.values()),
        beyond,
        cosigned_by,
    )
    return CheckedBundle(report, state, joiner.kept)


def _extra_checkpoints(
    header: Header, verifier: NoteVerifier, given: Sequence[tuple[str, str]]
) -> tuple[dict[int, list[tuple[str, Checkpoint]]], list[str]]:
    """The given checkpoints of this log that the bundle's tree can be checked against, by size, and
    a note for each one beyond its end (only a consistency proof from the log could link those)."""
    extra: dict[int, list[tuple[str, Checkpoint]]] = {}
    beyond: list[str] = []
    for label, note in given:
        try:
            cp = open_checkpoint(note, verifier, origin=header.origin)
        except InwritingError as exc:
            raise VerificationError(
                f"not a checkpoint signed by this bundle's log {header.origin}: {exc}", where=label
            ) from exc
        if cp.size == 0 and cp.root != merkle.EMPTY_ROOT:
            raise VerificationError(f"fork: it signs root {cp.root.hex()} for the empty tree", where=label)
        if cp.size > header.size:
            beyond.append(f"{label}: size {cp.size} is past the bundle's {header.size}; not checked")
        else:
            extra.setdefault(cp.size, []).append((label, cp))
    return extra, beyond


def _cosigners(header: Header, witnesses: Sequence[str]) -> list[str]:
    """Each witness key must have cosigned the bundle's latest checkpoint."""
    latest = next(
        (
            note
            for note in header.checkpoints
            if parse_checkpoint_body(parse_note(note).text).size == header.size
        ),
        None,
    )
    found = []
    for vkey in witnesses:
        try:
            key = CosignerKey.from_vkey(vkey)
        except InvalidInput as exc:
            raise VerificationError(exc.message, where="--witness") from exc
        if latest is None:
            raise VerificationError("no checkpoint covers the bundle", where="header")
        open_cosigned(latest, key)
        found.append(f"{key.name}+{key.key_id.hex()}")
    return found


class _Joiner:
    """The in-order checks: links between batches, the key events, the keys each batch used, the tree."""

    def __init__(
        self,
        checkpoints: dict[int, Checkpoint],
        keep: frozenset[int] = frozenset(),
        extra: dict[int, list[tuple[str, Checkpoint]]] | None = None,
    ) -> None:
        self.checkpoints = checkpoints
        self.extra = extra or {}
        self.state = State()
        self.frontier = merkle.Frontier()
        self.head_leaf = ZERO_HASH
        self.head_time = ""
        self.events = 0
        self.texts = 0
        self.keep = keep
        self.kept: dict[int, bytes] = {}
        self.instruments: dict[str, tuple[str, str | None]] = {}  # id -> (hash signed, hash carried)
        self.signatures_checked = 0
        self.bad_signatures: dict[str, list[str]] = {}  # instrument -> the signatures that fail

    def join(self, batch: BatchResult) -> None:
        failure_line = batch.failure[0] if batch.failure else None
        for special in batch.specials:
            if failure_line is None or special.number < failure_line:
                self._fold(special)
        if batch.failure is not None:
            raise VerificationError(batch.failure[1], where=f"line {batch.failure[0]}")
        if batch.first_prev is not None and batch.first_prev != hash_ref(self.head_leaf):
            raise VerificationError(
                f"does not follow the previous leaf: prev is {batch.first_prev}",
                where=f"event {batch.first_seq} (line {batch.first_line})",
            )
        if batch.events and batch.first_time < self.head_time:
            raise VerificationError(
                f"time goes backwards: {batch.first_time} is before {self.head_time}",
                where=f"line {batch.first_line}",
            )
        for key_id, use in batch.key_uses.items():
            self._check_use(key_id, use)
        for iid, content, carried in batch.instruments:
            self.instruments[iid] = (content, carried)
        for special in batch.signatures:
            self._check_signature(special)
        self._grow(batch)
        self.events += batch.events
        self.texts += batch.texts
        for seq in self.keep:
            if batch.first_seq <= seq < batch.first_seq + batch.count:
                offset = (seq - batch.first_seq) * merkle.HASH_SIZE
                self.kept[seq] = batch.leaves[offset : offset + merkle.HASH_SIZE]
        if batch.count:
            self.head_leaf = batch.leaves[-merkle.HASH_SIZE :]
        self.head_time = batch.last_time or self.head_time

    def _fold(self, special: Special) -> None:
        signed, where = special.signed, f"event {special.signed.event.seq} (line {special.number})"
        try:
            self.state = check_signed_in_order(self.state, signed)
        except InwritingError as exc:
            raise VerificationError(exc.message, where=where) from exc

    def _check_signature(self, special: Special) -> None:
        """An instrument signature, checked over the hash of the instrument's text as this bundle
        carries it (else as its creation event signed it, else as the signature names it)."""
        body = special.signed.event.body
        where = f"event {special.signed.event.seq} (line {special.number})"
        try:
            signature = signature_of_event(body)
        except InwritingError as exc:
            raise VerificationError(exc.message, where=where) from exc
        iid, named = str(body.get("instrument")), str(body.get("text_hash"))
        signed, carried = self.instruments.get(iid, (named, None))
        key = self.state.keys.get(signature.key_id)
        if key is None or key.key_id != special.signed.event.actor.key_id:
            raise VerificationError(
                f"the signature on {iid} names a key that did not sign the event", where=where
            )
        text_hash = carried or signed
        ok = named == signed and signature.verifies(iid, text_hash, PublicKey.from_b64(key.public_key))
        self.signatures_checked += 1
        if not ok:
            self.bad_signatures.setdefault(iid, []).append(
                f"{signature.party} ({signature.signatory}, {signature.date},"
                f" key {signature.key_id}, {where})"
            )

    def finish_instruments(self) -> None:
        """Fail, naming every signature that does not hold, if any instrument's does not."""
        for iid, (signed, carried) in self.instruments.items():
            failed = self.bad_signatures.get(iid, [])
            if carried is not None and carried != signed:
                raise VerificationError(
                    f"the text of instrument {iid} in this bundle does not hash to {signed}, the hash its"
                    f" parties signed (it hashes to {carried}): {len(failed)} signature(s) fail over it: "
                    + ("; ".join(failed) or "none was made yet"),
                    where=f"instrument {iid}",
                )
        for iid, failed in self.bad_signatures.items():
            raise VerificationError(
                f"{len(failed)} signature(s) on instrument {iid} do not verify: {'; '.join(failed)}",
                where=f"instrument {iid}",
            )

    def _check_use(self, key_id: str, use: KeyUse) -> None:
        key = self.state.keys.get(key_id)
        where = f"events {use.first}..{use.last} signed by {key_id}"
        if key is None or PublicKey.from_b64(key.public_key).raw != use.public_key:
            raise VerificationError(f"key {key_id} was not added to the log before it signed", where=where)
        if key.party != use.party:
            raise VerificationError(f"key {key_id} belongs to {key.party}, not to {use.party}", where=where)
        if key.added_seq >= use.first:
            raise VerificationError(
                f"key {key_id} signed before it was added at event {key.added_seq}", where=where
            )
        if key.revoked_seq is not None and use.last > key.revoked_seq:
            raise VerificationError(
                f"key {key_id} signed after it was revoked at event {key.revoked_seq}", where=where
            )

    def _grow(self, batch: BatchResult) -> None:
        start, end = batch.first_seq, batch.first_seq + batch.count
        inner = any(start < size < end for size in (*self.checkpoints, *self.extra))
        if batch.subtree is not None and not inner and self.frontier.size == start:
            self.frontier.append_subtree(BATCH_LEVEL, batch.subtree)
        else:
            for i in range(batch.count):
                self.frontier.append(batch.leaves[i * merkle.HASH_SIZE : (i + 1) * merkle.HASH_SIZE])
                self._check_checkpoint()
        self._check_checkpoint()

    def _check_checkpoint(self) -> None:
        size = self.frontier.size
        cp = self.checkpoints.get(size)
        if cp is not None and cp.root != self.frontier.root():
            raise VerificationError(
                f"the events do not hash to the signed root {cp.root.hex()}",
                where=f"checkpoint at size {size}",
            )
        for label, other in self.extra.get(size, ()):
            if other.root != self.frontier.root():
                latest = max(self.checkpoints)
                raise VerificationError(
                    f"fork: the log {other.origin} signed two histories: {label} gives size {size} root"
                    f" {other.root.hex()}, but this bundle's events (under its checkpoint at size {latest},"
                    f" root {self.checkpoints[latest].root.hex()}) give size {size} root"
                    f" {self.frontier.root().hex()}",
                    where=label,
                )


class _BatchRunner:
    """Feeds aligned batches of lines to `check_batch`, in worker processes or (for one) right here,
    and yields the results in bundle order."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.pool: ProcessPoolExecutor | None = None
        self.keys: dict[str, bytes] = {}

    def __enter__(self) -> _BatchRunner:
        if self.processes > 1:
            self.pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _batches(self, reader: _Reader) -> Iterator[tuple[int, int, list[bytes], dict[str, bytes]]]:
        """Batches of BATCH leaves; the text lines after a batch's last event stay in its batch."""
        seq = 0
        carried: tuple[int, bytes] | None = None  # (number, line): the first leaf of the next batch
        while True:
            first = reader.number + 1 if carried is None else carried[0]
            lines: list[bytes] = [] if carried is None else [carried[1]]
            leaves, carried = len(lines), None
            while True:
                line = reader.line()
                if line is None:
                    break
                if is_text_line(line):
                    lines.append(line)
                    continue
                hint = key_from_line(line)
                if hint is not None:
                    self.keys = {**self.keys, hint[0]: hint[1]}
                if leaves == BATCH:
                    carried = (reader.number, line)
                    break
                lines.append(line)
                leaves += 1
            if not lines:
                return
            yield first, seq, lines, self.keys
            seq += leaves

    def run(self, reader: _Reader) -> Iterator[BatchResult]:
        if self.pool is None:
            for first, seq, lines, keys in self._batches(reader):
                yield check_batch(first, seq, lines, keys)
            return
        pending: deque[Future[BatchResult]] = deque()
        for first, seq, lines, keys in self._batches(reader):
            pending.append(self.pool.submit(check_batch, first, seq, lines, keys))
            while len(pending) > 2 * self.processes:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
