"""Shared fixtures: real SQLite files in temporary directories and, where a server answers, a fresh
PostgreSQL database per test (INWRITING_TEST_PG_URL, or 127.0.0.1:5432 as user postgres)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from inwriting.app import setup
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.storage.store import Store

PG_ADMIN_URL = os.environ.get("INWRITING_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_reason() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"no PostgreSQL server answers at {PG_ADMIN_URL}: {str(exc).strip()[:120]}"


PG_UNAVAILABLE = _pg_reason()


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards (skips where no server answers)."""
    if PG_UNAVAILABLE:
        pytest.skip(PG_UNAVAILABLE)
    name = f"inwriting_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "inwriting.db")
        return
    with fresh_pg_database() as url:
        yield url


class StepClock:
    """A clock that moves one second per reading, so event times are distinct and ordered."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def __call__(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


@pytest.fixture
def keystore_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def app(db_url: str, keystore_dir: Path) -> Iterator[App]:
    """An initialised log (genesis written) on each backend."""
    setup.init(db_url, str(keystore_dir), origin="test.inwriting.local/log")
    application = App(Store.open(db_url), Keystore.resolve(keystore_dir), clock=StepClock())
    try:
        yield application
    finally:
        application.close()
