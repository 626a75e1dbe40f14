"""Bundles: one file (JSON Lines, gzip if it ends in .gz) that proves part of a log offline.

Line 1 is the header (origin, log key, checkpoints); then one line per leaf in log order, either the
signed event (canonical bytes as a string, base64 signature) or, for what the reader may not see, only
the leaf hash. `verify_bundle` streams it: memory stays bounded however many events it holds.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from inwriting.errors import InvalidInput, InwritingError, VerificationError
from inwriting.record import merkle
from inwriting.record.checkpoint import Checkpoint, open_checkpoint
from inwriting.record.envelope import SignedEvent
from inwriting.record.keys import b64
from inwriting.record.note import NoteVerifier
from inwriting.record.verifier import LogVerifier

FORMAT = "inwriting-bundle/v1"
MAX_LINE = 2 << 20

Progress = Callable[[int, int], None]  # (bytes read, total bytes)


@dataclass(frozen=True)
class Header:
    origin: str
    log_key: str
    size: int
    checkpoints: list[str]
    process: str | None = None
    created: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "origin": self.origin, "log_key": self.log_key, "size": self.size,
                "checkpoints": self.checkpoints, "process": self.process, "created": self.created}


@dataclass(frozen=True)
class Visible:
    seq: int
    event_bytes: bytes
    signature: bytes

    def line(self) -> dict[str, Any]:
        return {"seq": self.seq, "event": self.event_bytes.decode("utf-8"), "sig": b64(self.signature)}


@dataclass(frozen=True)
class Hidden:
    seq: int
    leaf_hash: bytes

    def line(self) -> dict[str, Any]:
        return {"seq": self.seq, "leaf": self.leaf_hash.hex()}


def _open_write(path: Path, *, compress: bool) -> IO[bytes]:
    if compress:
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=6))
    return open(path, "wb")  # noqa: SIM115


def write_bundle(path: Path, header: Header, entries: Iterable[Visible | Hidden]) -> int:
    """Write atomically (temp file, fsync, rename); returns the number of leaves written."""
    temp = path.with_name(path.name + ".partial")
    count = 0
    try:
        with _open_write(temp, compress=path.suffix == ".gz") as out:
            out.write(json.dumps(header.to_json(), ensure_ascii=False).encode() + b"\n")
            for entry in entries:
                out.write(json.dumps(entry.line(), ensure_ascii=False).encode() + b"\n")
                count += 1
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

    def to_json(self) -> dict[str, Any]:
        return {"ok": True, **self.__dict__}


class _Reader:
    """Lines of a bundle with their numbers, refusing over-long lines; tracks bytes for progress."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.total = path.stat().st_size
        raw = open(path, "rb")  # noqa: SIM115
        magic = raw.read(2)
        raw.seek(0)
        self.raw = raw
        self.stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw)) if magic == b"\x1f\x8b" else raw
        self.number = 0

    def lines(self) -> Iterator[tuple[int, Any]]:
        try:
            while True:
                line = self.stream.readline(MAX_LINE + 1)
                if not line:
                    return
                self.number += 1
                if len(line) > MAX_LINE:
                    raise VerificationError(f"longer than {MAX_LINE} bytes", where=f"line {self.number}")
                try:
                    yield self.number, json.loads(line)
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise VerificationError(f"not JSON: {exc}", where=f"line {self.number}") from exc
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise VerificationError(f"cannot read the bundle: {exc}", where=f"line {self.number + 1}") from exc

    def position(self) -> int:
        return self.raw.tell()

    def close(self) -> None:
        self.stream.close()
        self.raw.close()


def _header(obj: Any, trusted_log_key: str | None) -> tuple[Header, NoteVerifier, dict[int, Checkpoint]]:
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise VerificationError(f"not an inwriting bundle (expected format {FORMAT})", where="line 1")
    try:
        header = Header(str(obj["origin"]), str(obj["log_key"]), int(obj["size"]),
                        [str(c) for c in obj["checkpoints"]], obj.get("process"), obj.get("created"))
    except (KeyError, TypeError, ValueError) as exc:
        raise VerificationError(f"malformed header: {exc}", where="line 1") from exc
    if trusted_log_key is not None and header.log_key != trusted_log_key:
        raise VerificationError(f"the bundle is signed by log key {header.log_key}, not the trusted"
                                f" {trusted_log_key}", where="header")
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
        checkpoints[cp.size] = cp
    if not checkpoints or max(checkpoints) != header.size:
        raise VerificationError(f"no checkpoint covers the bundle's {header.size} leaves", where="header")
    return header, verifier, checkpoints


def _entry(number: int, obj: Any) -> Visible | Hidden:
    where = f"line {number}"
    if not isinstance(obj, dict) or not isinstance(obj.get("seq"), int):
        raise VerificationError("an entry needs an integer seq", where=where)
    try:
        if "leaf" in obj:
            return Hidden(obj["seq"], bytes.fromhex(obj["leaf"]))
        return Visible(obj["seq"], obj["event"].encode("utf-8"),
                       base64.b64decode(obj["sig"], validate=True))
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
        raise VerificationError(f"malformed entry: {exc}", where=where) from exc


def _signed(number: int, entry: Visible) -> SignedEvent:
    try:
        signed = SignedEvent.from_parts(entry.event_bytes, entry.signature, strict=False)
    except InwritingError as exc:
        raise VerificationError(f"unreadable event: {exc}", where=f"line {number}") from exc
    if signed.event.seq != entry.seq:
        raise VerificationError(f"the line says seq {entry.seq}, the event {signed.event.seq}",
                                where=f"line {number}")
    return signed


def verify_bundle(path: Path, *, trusted_log_key: str | None = None, progress: Progress | None = None,
                  workers: int | None = None) -> BundleReport:
    """Check every signature, the chain, the tree and the checkpoints; no database, no network."""
    started = time.perf_counter()
    if not path.is_file():
        raise InvalidInput(f"no bundle at {path}")
    reader = _Reader(path)
    verifier = LogVerifier(full_fold=False, workers=workers, locate=lambda seq: f", bundle line {seq + 2}")
    try:
        lines = reader.lines()
        first = next(lines, None)
        if first is None:
            raise VerificationError("the bundle is empty", where="line 1")
        header, _, checkpoints = _header(first[1], trusted_log_key)
        hidden = events = 0
        for number, obj in lines:
            entry = _entry(number, obj)
            if isinstance(entry, Hidden):
                verifier.add_hidden(entry.seq, entry.leaf_hash)
                hidden += 1
            else:
                verifier.add(_signed(number, entry))
                events += 1
            size = verifier.frontier.size
            cp = checkpoints.get(size)
            if cp is not None and cp.root != verifier.frontier.root():
                verifier.drain()  # a bad signature names the changed event more precisely
                raise VerificationError(f"the events do not hash to the signed root {cp.root.hex()}",
                                        where=f"checkpoint at size {size}")
            if progress is not None and number % 4096 == 0:
                progress(reader.position(), reader.total)
        result = verifier.finish()
    finally:
        verifier.close()
        reader.close()
    if result.size != header.size:
        raise VerificationError(f"the header promises {header.size} leaves, the bundle holds {result.size}",
                                where="end of bundle")
    if (result.state.origin, result.state.log_vkey) != (header.origin, header.log_key):
        raise VerificationError("the genesis event names another origin or log key than the header",
                                where="event 0")
    if progress is not None:
        progress(reader.total, reader.total)
    return BundleReport(header.origin, header.log_key, header.process, result.size, result.root.hex(),
                        events, hidden, len(checkpoints), time.perf_counter() - started,
                        sorted(result.state.parties))
