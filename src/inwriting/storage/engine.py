"""Database engines: SQLite (the embedded default, WAL, synchronous=FULL, one writer at a time via
BEGIN IMMEDIATE) and PostgreSQL (psycopg 3). No dialect tricks leak outside this package.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError

from inwriting.errors import InvalidInput, InwritingError

DEFAULT_DB = "inwriting.db"
ENV_URL = "INWRITING_DATABASE_URL"


def resolve_url(db: str | None) -> str:
    """A path means SQLite; anything with `://` is an SQLAlchemy URL. Default: ./inwriting.db."""
    value = db or os.environ.get(ENV_URL) or DEFAULT_DB
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def describe(url: str) -> str:
    """The URL without any password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(db: str | None) -> Engine:
    url = resolve_url(db)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInput(f"not a database URL: {describe_safe(url)}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return create_engine(url)
    raise InvalidInput(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


def describe_safe(url: str) -> str:
    try:
        return describe(url)
    except ArgumentError:
        return "<unparseable URL>"


def _sqlite_engine(url: str) -> Engine:
    # Pooled connections keep their PRAGMAs; every unit of work ends in COMMIT or ROLLBACK, and the
    # pool rolls back whatever comes back to it, so no transaction outlives its unit of work.
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "DEFERRED" if conn.get_execution_options().get("inwriting_readonly") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()
WRITER_WAIT = 60.0  # seconds a writer waits for its turn, as long as SQLite's busy_timeout


class DatabaseBusy(InwritingError):
    """Another writer kept the database longer than a writer waits (a long rebuild, a stopped process)."""

    code = "storage_error"
    http_status = 503


@contextmanager
def one_writer(engine: Engine, wait: float = WRITER_WAIT) -> Iterator[None]:
    """Writers to one SQLite file take turns before BEGIN IMMEDIATE (PostgreSQL: nothing to do here).

    SQLite lets one writer in at a time; the others poll, sleeping up to 100 ms between tries, so
    under a steady stream of writes a waiting writer can lose every race for seconds (seen: a write
    unanswered after 10 s at 60 writes a second). Here a process's threads queue on a lock, and
    processes (the server's workers, a CLI) take `flock` on `DB-writer` beside the database, tried
    every few milliseconds. A writer that does not take part (an older release) still gets in through
    busy_timeout, as before. Not reentrant: a unit of work never opens another. After `wait` seconds
    the writer gives up with DatabaseBusy, and nothing is written.
    """
    path = sqlite_path(str(engine.url)) if is_sqlite(engine) else None
    if path is None:
        yield
        return
    with _THREAD_LOCKS_GUARD:
        lock = _THREAD_LOCKS.setdefault(path, threading.Lock())
    deadline = time.monotonic() + wait
    if not lock.acquire(timeout=wait):
        raise _busy(path, wait)
    try:
        try:
            fd = os.open(path.with_name(path.name + "-writer"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # a directory we may not write to: SQLite's own locking still holds
            yield
            return
        try:
            if not _flock_by(fd, deadline):
                raise _busy(path, wait)
            yield
        finally:
            os.close(fd)  # closing releases the flock
    finally:
        lock.release()


def _flock_by(fd: int, deadline: float) -> bool:
    """Take an exclusive flock on `fd` before `deadline` (True), or not (False). Where the file system
    has no flock (some network file systems), SQLite's own locking is left to do the work (True)."""
    pause = 0.0005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        except OSError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.004)


def _busy(path: Path, wait: float) -> DatabaseBusy:
    return DatabaseBusy(f"the database {path} is busy: another writer has kept it for over {wait:.0f} s")
