"""Database engines: SQLite (the embedded default, WAL, synchronous=FULL, one writer at a time via
BEGIN IMMEDIATE) and PostgreSQL (psycopg 3). No dialect tricks leak outside this package.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError

from inwriting.errors import InvalidInput

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
