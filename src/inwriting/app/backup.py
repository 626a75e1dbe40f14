"""Backups: the whole record as one file, and a restore that keeps nothing it has not verified.

A backup holds what no event derives: every signed event, every stored text with its salt, every
checkpoint, and the credentials. Merkle nodes, the head, the projections and the search index are
derived; restore derives them again (the rebuild path), runs `log verify` on the rows it wrote, and
commits only if that passes. The format, `inwriting-backup/1`, is gzip of JSON lines:

    {"format":"inwriting-backup/1","origin":…,"log_key":…,"size":N,"root":…,"created":…,"schema":…,
     "counts":{"events":N,"blobs":…,"checkpoints":…,"credentials":…,"api_tokens":…}}
    {"seq":0,"sig":"…","event":{…}}          N lines in log order, each a bundle's event line
    {"table":"blobs","row":{…}}              the rows of blobs, checkpoints, credentials, api_tokens
    {"end":"inwriting-backup/1","lines":L,"sha256":"…"}   over the L lines before it, as written

In a row, bytes are {"utf8": text} when they are UTF-8 and {"base64": …} otherwise.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import os
import re
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Connection, LargeBinary, Table, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.domain.fold import process_of
from inwriting.errors import Conflict, InvalidInput, InwritingError, NotFound, VerificationError
from inwriting.record import merkle
from inwriting.record.blob import check_blob
from inwriting.record.envelope import SignedEvent
from inwriting.record.linecheck import EVENT_LINE, event_line
from inwriting.record.verifier import LogVerifier
from inwriting.storage import migrate
from inwriting.storage import schema as t
from inwriting.storage import search as search_index
from inwriting.storage import store as st
from inwriting.storage.credentials import api_tokens, credentials
from inwriting.storage.engine import sqlite_path
from inwriting.storage.projections import replace_all

FORMAT = "inwriting-backup/1"
# The rows a backup carries besides the events. The texts and checkpoints are record (a checkpoint's
# note is a signature made at a moment, no event holds it); the credentials are derived from nothing.
TABLES = (t.blobs, t.checkpoints, credentials, api_tokens)
_BY_NAME = {table.name: table for table in TABLES}
MAX_LINE = 256 << 20  # one row a line; the longest is a stored text (imports stop at 20 MB)
MAX_HEADER = 64 << 10
_TABLE_LINE = re.compile(rb'\{"table":"([a-z_]{1,40})","row":')
_END_LINE = b'{"end":'
_ROWS_PER_BATCH, _BYTES_PER_BATCH = 1000, 16 << 20

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class Header:
    origin: str
    log_key: str
    size: int
    root: str
    created: str
    schema: str | None
    counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **self.__dict__}


@dataclass(frozen=True)
class BackupReport:
    path: str
    origin: str
    size: int
    root: str
    counts: dict[str, int]
    bytes: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RestoreReport:
    database: str
    origin: str
    size: int
    root: str
    counts: dict[str, int]
    seconds: float
    verified: log_cases.VerifyReport

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "verified": self.verified.to_json()}


# ---- backup --------------------------------------------------------------------------------------


def backup(app: App, path: Path, progress: Progress | None = None) -> BackupReport:
    """Write the record as one snapshot (one read transaction), streamed: one row in memory at a time.

    Every leaf hash is recomputed from its event and signature and must give the stored tree's root,
    and every text must hash to its name, so a damaged database gives no backup that cannot restore.
    """
    started = time.perf_counter()
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory")
    with app.store.read() as conn:
        header = _snapshot_header(app, conn)
        total = sum(header.counts.values())
        with _atomic_gzip(path) as out:
            out.line(_json_line(header.to_json()))
            frontier = merkle.Frontier()
            for entry in st.iter_entries(conn):
                leaf = merkle.leaf_hash(entry.signature + entry.event_bytes)
                if entry.seq != frontier.size or leaf != entry.leaf_hash:
                    raise VerificationError(
                        "the stored event does not hash to its leaf; run `inwriting log verify`",
                        where=f"event {entry.seq}",
                    )
                frontier.append(leaf)
                out.line(event_line(entry.seq, entry.event_bytes, entry.signature))
                _tick(progress, out.rows, total)
            if progress is not None:
                progress(out.rows, total)
            if frontier.size != header.size or frontier.root().hex() != header.root:
                raise VerificationError(
                    "the events do not hash to the stored tree's root; run `inwriting log verify`",
                    where="log_nodes",
                )
            for table in TABLES:
                query = select(table).order_by(*table.primary_key.columns)
                for row in conn.execute(query, execution_options={"yield_per": 16}):
                    values = row._asdict()
                    if table is t.blobs:
                        salt, content = bytes(values["salt"]), bytes(values["content"])
                        check_blob(values["hash"], salt, content, where=f"blob {values['hash']}")
                    out.line(_row_line(table, values))
                    _tick(progress, out.rows, total)
                if progress is not None:
                    progress(out.rows, total)
            if out.rows != total:  # the snapshot cannot change under us; a miscount is a bug
                raise AssertionError(f"wrote {out.rows} rows, counted {total}")
    if progress is not None:
        progress(total, total)
    return BackupReport(
        str(path),
        header.origin,
        header.size,
        header.root,
        header.counts,
        path.stat().st_size,
        time.perf_counter() - started,
    )


def _snapshot_header(app: App, conn: Connection) -> Header:
    head = st.head(conn)
    meta = conn.execute(select(t.log_meta.c.origin, t.log_meta.c.log_vkey)).first()
    if head.size == 0 or meta is None:
        raise NotFound("this database holds no log yet; there is nothing to back up")
    root = merkle.root_from(head.size, st.node_getter(conn, [merkle.root_nodes(head.size)]))
    counts = {"events": head.size}
    for table in TABLES:
        counts[table.name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    schema = MigrationContext.configure(conn).get_current_revision()
    return Header(meta.origin, meta.log_vkey, head.size, root.hex(), app.now(), schema, counts)


def _tick(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and done % 1000 == 0:
        progress(done, total)


def _json_line(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _row_line(table: Table, values: dict[str, Any]) -> bytes:
    return _json_line({"table": table.name, "row": {name: _encode(v) for name, v in values.items()}})


def _encode(value: object) -> object:
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        try:
            return {"utf8": raw.decode("utf-8")}
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(raw).decode("ascii")}
    if value is None or isinstance(value, str | int):  # bool is an int
        return value
    raise TypeError(f"a backup has no encoding for {type(value).__name__}")


class _Out:
    """The lines written so far, their hash and how many rows (events and table rows) they hold."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.sha = hashlib.sha256()
        self.lines = 0
        self.rows = 0

    def line(self, data: bytes) -> None:
        self.stream.write(data)
        self.sha.update(data)
        if self.lines:  # the header is no row
            self.rows += 1
        self.lines += 1


@contextmanager
def _atomic_gzip(path: Path) -> Iterator[_Out]:
    """Write to `path.partial`, end with the trailer, fsync, rename; on any failure leave nothing."""
    temp = path.with_name(path.name + ".partial")
    try:
        with gzip.open(temp, "wb", compresslevel=6) as stream:
            out = _Out(cast(IO[bytes], stream))
            yield out
            trailer = {"end": FORMAT, "lines": out.lines, "sha256": out.sha.hexdigest()}
            stream.write(_json_line(trailer))
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
        folder = os.open(path.parent, os.O_RDONLY)  # and the rename itself survives a power loss
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


# ---- reading a backup ----------------------------------------------------------------------------


class _Lines:
    """The lines of a backup (gzip or plain), numbered and hashed; refuses over-long lines and ends
    only at a trailer that matches every line before it, with nothing after it."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InvalidInput(f"no backup at {path}")
        self.path = path
        try:
            self.raw = open(path, "rb")  # noqa: SIM115 - closed by close()
            gz = self.raw.read(2) == b"\x1f\x8b"
            self.raw.seek(0)
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
        self.stream = cast(IO[bytes], gzip.GzipFile(fileobj=self.raw)) if gz else self.raw
        self.number = 0
        self.sha = hashlib.sha256()

    def close(self) -> None:
        self.stream.close()
        self.raw.close()

    def _read(self) -> bytes:
        limit = MAX_LINE if self.number else MAX_HEADER  # a foreign file is told at once
        try:
            line = self.stream.readline(limit + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise VerificationError(
                f"the file is damaged or truncated ({exc})", where=self.where(self.number + 1)
            ) from None
        if len(line) > limit:
            what = "the first line" if not self.number else "the line"
            raise VerificationError(
                f"not an inwriting backup: {what} is longer than {limit} bytes",
                where=self.where(self.number + 1),
            )
        return line

    def where(self, number: int | None = None) -> str:
        return f"{self.path.name}, line {self.number if number is None else number}"

    def __iter__(self) -> Iterator[bytes]:
        """Every line before the trailer; the trailer's checks run when the last one has been taken."""
        while True:
            line = self._read()
            if not line:
                raise VerificationError(
                    "the file ends without its end line: it is truncated", where=self.where(self.number)
                )
            self.number += 1
            if not line.endswith(b"\n"):
                raise VerificationError("the last line is cut off: the file is truncated", where=self.where())
            if line.startswith(_END_LINE):
                self._check_end(line)
                return
            self.sha.update(line)
            yield line

    def _check_end(self, line: bytes) -> None:
        try:
            end = json.loads(line)
            lines, digest = int(end["lines"]), str(end["sha256"])
        except (ValueError, KeyError, TypeError) as exc:
            raise VerificationError(f"malformed end line: {exc}", where=self.where()) from None
        if end.get("end") != FORMAT or lines != self.number - 1 or digest != self.sha.hexdigest():
            raise VerificationError(
                f"the end line says {lines} lines with SHA-256 {digest}; the file has {self.number - 1}"
                f" lines with SHA-256 {self.sha.hexdigest()}: it was altered or truncated",
                where=self.where(),
            )
        if self._read():
            raise VerificationError("there is more after the end line", where=self.where(self.number + 1))


def _read_header(line: bytes, where: str) -> Header:
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VerificationError(
            f"not an inwriting backup: the first line is not JSON ({exc})", where=where
        ) from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        found = obj.get("format") if isinstance(obj, dict) else None
        what = f"format {found!r}" if isinstance(found, str) else "no format"
        raise VerificationError(f"not an inwriting backup: {what}, expected {FORMAT!r}", where=where)
    try:
        counts = {str(k): int(v) for k, v in obj["counts"].items()}
        header = Header(
            str(obj["origin"]),
            str(obj["log_key"]),
            int(obj["size"]),
            str(obj["root"]),
            str(obj["created"]),
            None if obj["schema"] is None else str(obj["schema"]),
            counts,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise VerificationError(f"malformed header: {exc!r}", where=where) from None
    if set(counts) != {"events", *_BY_NAME} or counts["events"] != header.size:
        raise VerificationError(f"malformed header: counts {counts}", where=where)
    return header


def check_file(path: Path) -> Header:
    """Read the whole file without a database: the header, every line's kind, the counts and the end
    line's hash. A truncated, altered or foreign file is refused here, before a target is touched."""
    lines = _Lines(path)
    header: Header | None = None
    seen = dict.fromkeys(("events", *_BY_NAME), 0)
    strange: VerificationError | None = None  # a damaged file is better told by its end line
    try:
        for line in lines:
            if header is None:
                header = _read_header(line, lines.where())
            elif EVENT_LINE.match(line) is not None:
                seen["events"] += 1
            else:
                try:
                    seen[_table_of(line, lines.where())] += 1
                except VerificationError as exc:
                    strange = strange or exc
    finally:
        lines.close()
    if strange is not None:
        raise strange
    if header is None:
        raise VerificationError("the file holds no header", where=f"{path.name}, line 1")
    if seen != header.counts:
        raise VerificationError(
            f"the header promises {header.counts}, the file holds {seen}", where=path.name
        )
    return header


def _table_of(line: bytes, where: str) -> str:
    found = _TABLE_LINE.match(line)
    if found is None:
        raise VerificationError("neither an event nor a table row", where=where)
    name = found.group(1).decode()
    if name not in _BY_NAME:
        raise VerificationError(f"a backup carries no rows of {name}", where=where)
    return name


def _decode_row(line: bytes, where: str) -> tuple[Table, dict[str, Any]]:
    table = _BY_NAME[_table_of(line, where)]
    try:
        row = json.loads(line)["row"]
        if not isinstance(row, dict):
            raise TypeError("row is not an object")
        values = {name: _decode(table, name, value) for name, value in row.items()}
    except (ValueError, KeyError, TypeError, UnicodeEncodeError, binascii.Error) as exc:
        raise VerificationError(f"malformed row of {table.name}: {exc}", where=where) from None
    missing = [
        c.name for c in table.columns if c.name not in values and not c.nullable and c.server_default is None
    ]
    if missing:
        raise VerificationError(f"the row of {table.name} lacks {', '.join(missing)}", where=where)
    return table, values


def _decode(table: Table, name: str, value: object) -> object:
    if name not in table.c:
        raise ValueError(f"{table.name} has no column {name} (a backup of a newer inwriting?)")
    column = table.c[name]
    if value is None:
        if not column.nullable:
            raise ValueError(f"{name} must not be null")
        return None
    if isinstance(column.type, LargeBinary):
        if not isinstance(value, dict) or len(value) != 1:
            raise TypeError(f"{name} must be {{'utf8': …}} or {{'base64': …}}")
        if "utf8" in value and isinstance(value["utf8"], str):
            return value["utf8"].encode("utf-8")
        if "base64" in value and isinstance(value["base64"], str):
            return base64.b64decode(value["base64"], validate=True)
        raise TypeError(f"{name} must be {{'utf8': …}} or {{'base64': …}}")
    wanted = column.type.python_type
    if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
        raise TypeError(f"{name} must be {wanted.__name__}, not {type(value).__name__}")
    return value


# ---- restore -------------------------------------------------------------------------------------


def restore(path: Path, db: str | None, progress: Progress | None = None) -> RestoreReport:
    """Restore a backup into a database that holds no log (SQLite or PostgreSQL, either way).

    The file is checked whole first; then one transaction creates the schema, writes the events, texts,
    checkpoints and credentials, recomputes the Merkle nodes, head, projections and search index, and
    runs `log verify` over them. Nothing is committed unless all of it passes; a SQLite file that the
    restore created is removed again.
    """
    started = time.perf_counter()
    header = check_file(path)
    store = st.Store.open(db, must_exist=False)
    sqlite_file = sqlite_path(str(store.engine.url))
    created = sqlite_file is not None and not sqlite_file.exists()
    try:
        with store.engine.connect() as conn, conn.begin():
            _create_schema(conn, store.url)
            _refuse_unless_empty(conn, store.url)
            _load(conn, path, header, progress)
            verified = log_cases.verify(
                App(_Within(conn), Keystore.resolve(None)), _after(progress, header.size)
            )
            if (verified.size, verified.root) != (header.size, header.root):
                raise VerificationError(
                    f"the restored log has {verified.size} events and root {verified.root}; the header"
                    f" promises {header.size} and {header.root}",
                    where=path.name,
                )
    except DBAPIError as exc:
        _forget(store, sqlite_file if created else None)
        raise st.StorageError(f"cannot restore into {store.url}: {st.one_line(exc.orig)}") from exc
    except BaseException:
        _forget(store, sqlite_file if created else None)
        raise
    store.dispose()
    return RestoreReport(
        store.url,
        header.origin,
        header.size,
        header.root,
        header.counts,
        time.perf_counter() - started,
        verified,
    )


def _after(progress: Progress | None, offset: int) -> Progress | None:
    """The verify pass's progress, as the second half of a restore's (the load is the first)."""
    if progress is None:
        return None
    report = progress

    def shifted(done: int, total: int) -> None:
        report(offset + done, offset + total)

    return shifted


def _forget(store: st.Store, created: Path | None) -> None:
    store.dispose()
    if created is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with suppress(OSError):
                created.with_name(created.name + suffix).unlink(missing_ok=True)


_HELD = (t.log_entries, *TABLES)  # any row here, and the target is not empty


def _refuse_unless_empty(conn: Connection, url: str) -> None:
    """Under the log's write lock. A refusal rolls back the migrations too: an older schema stays."""
    if conn.dialect.name != "sqlite":  # SQLite's BEGIN IMMEDIATE already holds the write lock
        conn.execute(select(t.log_head.c.id).where(t.log_head.c.id == 1).with_for_update())
    for table in _HELD:
        count = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        if count:
            what = f"a log of {count} events" if table is t.log_entries else f"{count} rows of {table.name}"
            raise Conflict(f"the database at {url} already holds {what}; restore only into an empty database")


def _create_schema(conn: Connection, url: str) -> None:
    """The project's migrations, inside this transaction (DDL is transactional on both backends)."""
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    config.attributes["connection"] = conn
    try:
        command.upgrade(config, "head")
    except CommandError as exc:  # e.g. a schema newer than this inwriting knows
        raise st.StorageError(f"cannot create the schema in {url}: {st.one_line(exc)}") from exc


class _Batches:
    """Rows queued per table and inserted in batches bounded by count and bytes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.bytes: dict[str, int] = {}

    def add(self, table: Table, row: dict[str, Any], size: int = 0) -> None:
        queued = self.rows.setdefault(table.name, [])
        queued.append(row)
        self.bytes[table.name] = self.bytes.get(table.name, 0) + size
        if len(queued) >= _ROWS_PER_BATCH or self.bytes[table.name] >= _BYTES_PER_BATCH:
            self.flush(table)

    def flush(self, table: Table) -> None:
        queued = self.rows.pop(table.name, [])
        self.bytes.pop(table.name, None)
        if queued:
            self.conn.execute(insert(table), queued)

    def flush_all(self) -> None:
        for table in (t.log_entries, t.log_nodes, *TABLES):
            self.flush(table)


def _load(conn: Connection, path: Path, header: Header, progress: Progress | None) -> None:
    """Write the file's rows and derive the rest, on the way checking each event as `log verify` does
    (signature, chain, rules) and each text against its hash."""
    batches = _Batches(conn)
    verifier = LogVerifier(
        full_fold=True, on_node=lambda node, digest: batches.add(t.log_nodes, _node(node, digest))
    )
    lines = _Lines(path)
    try:
        iterator = iter(lines)
        if _read_header(next(iterator, b""), lines.where()) != header:
            raise VerificationError("the file changed since it was checked", where=lines.where())
        for line in iterator:
            event = EVENT_LINE.match(line)
            if event is not None:
                if lines.number - 2 != verifier.head.size:
                    raise VerificationError("an event after the table rows", where=lines.where())
                batches.add(t.log_entries, _entry(verifier, event, lines.where()))
                if progress is not None and verifier.head.size % 1000 == 0:
                    progress(verifier.head.size, 2 * header.size)
                continue
            table, row = _decode_row(line, lines.where())
            if table is t.blobs:
                check_blob(row["hash"], row["salt"], row["content"], where=f"blob {row['hash']}")
            batches.add(table, row, len(line))
        result = verifier.finish()
    finally:
        verifier.close()
        lines.close()
    batches.flush_all()
    if (result.size, result.root.hex()) != (header.size, header.root):
        raise VerificationError(
            f"the events make a log of {result.size} with root {result.root.hex()}; the header promises"
            f" {header.size} with root {header.root}",
            where=path.name,
        )
    if (result.state.origin, result.state.log_vkey) != (header.origin, header.log_key):
        raise VerificationError(
            "the genesis names another origin or log key than the header", where="event 0"
        )
    head = result.head
    conn.execute(
        update(t.log_head)
        .where(t.log_head.c.id == 1)
        .values(size=head.size, leaf_hash=head.leaf, time=head.time)
    )
    replace_all(conn, result.state)
    search_index.reindex(conn)


def _node(node: merkle.NodeKey, digest: bytes) -> dict[str, Any]:
    return {"level": node[0], "idx": node[1], "hash": digest}


def _entry(verifier: LogVerifier, found: re.Match[bytes], where: str) -> dict[str, Any]:
    """Check one event line and add it to the log; its row, index columns computed as an append does."""
    try:
        signature = base64.b64decode(found.group(2), validate=True)
        signed = SignedEvent.from_parts(found.group(3), signature, strict=False)
    except (InwritingError, binascii.Error) as exc:
        raise VerificationError(f"the event cannot be read: {exc}", where=where) from None
    event = signed.event
    if int(found.group(1)) != event.seq:
        raise VerificationError(
            f"the line says seq {found.group(1).decode()}, its event {event.seq}", where=where
        )
    verifier.add(signed)
    return st.entry_row(signed, process_of(verifier.state, event))


class _Within(st.Store):
    """The store as one open transaction sees it, so that the project's own `log verify` reads the
    rows a restore wrote before they are committed."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn.engine)
        self._conn = conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        yield self._conn
