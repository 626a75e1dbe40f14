"""Two processes appending at once both succeed, and the log stays one line."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from inwriting.app import log as log_cases
from inwriting.app import registry
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.storage.engine import DatabaseBusy, one_writer
from inwriting.storage.store import Store
from tests.storage.helpers import log_size

PER_WRITER = 40


def _writer(db_url: str, keystore: str, name: str, start: multiprocessing.synchronize.Event) -> None:
    app = App(Store.open(db_url), Keystore.resolve(keystore))
    start.wait(10)
    try:
        for i in range(PER_WRITER):
            registry.new_process(app, f"{name}-{i}", f"Process {i} by writer {name}")
    finally:
        app.close()


def test_two_processes_append_at_once(app: App, db_url: str, keystore_dir: Path) -> None:
    before = log_size(app)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    writers = [ctx.Process(target=_writer, args=(db_url, str(keystore_dir), name, start)) for name in "ab"]
    for writer in writers:
        writer.start()
    start.set()
    for writer in writers:
        writer.join(120)
        assert writer.exitcode == 0, "a writer failed"
    assert log_size(app) == before + 2 * PER_WRITER
    report = log_cases.verify(app)  # one chain: every prev links, every node is right
    assert report.size == before + 2 * PER_WRITER
    writers_seen = [e["body"]["process"][0] for e in log_cases.show(app, before)]
    assert sorted(writers_seen) == ["a"] * PER_WRITER + ["b"] * PER_WRITER


def test_verify_while_another_process_appends(app: App, db_url: str, keystore_dir: Path) -> None:
    """A reader sees one consistent moment of the log, even while a writer keeps appending."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    writer = ctx.Process(target=_writer, args=(db_url, str(keystore_dir), "w", start))
    writer.start()
    start.set()
    try:
        checked = 0
        while writer.is_alive() and checked < 20:
            log_cases.verify(app)  # must not fail falsely mid-append
            checked += 1
    finally:
        writer.join(120)
    assert writer.exitcode == 0
    assert checked > 0
    assert log_cases.verify(app).size == log_size(app)


def test_threads_of_one_process_append_at_once(app: App) -> None:
    """The server's threads write through one Store, sharing what its last unit of work left (the
    tree frontier): all of them get in, none sees "database is locked", and the log stays one
    verified line."""
    before = log_size(app)
    failures: list[BaseException] = []

    def write(name: str) -> None:
        try:
            for i in range(10):
                registry.new_process(app, f"{name}-{i}", f"Process {i} by thread {name}")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    assert log_cases.verify(app).size == before + 60


def _hold_writer_lock(db_url: str, held: multiprocessing.synchronize.Event, seconds: float) -> None:
    store = Store.open(db_url)
    with one_writer(store.engine):
        held.set()
        time.sleep(seconds)
    store.dispose()


@contextmanager
def another_process_taking_its_turn(db_url: str, seconds: float) -> Iterator[None]:
    """Inside: another process holds the writers' turn on `db_url` for `seconds` from the start."""
    ctx = multiprocessing.get_context("spawn")
    held = ctx.Event()
    holder = ctx.Process(target=_hold_writer_lock, args=(db_url, held, seconds))
    holder.start()
    try:
        assert held.wait(30), "the other process never took its turn"
        yield
    finally:
        holder.join(30)
    assert holder.exitcode == 0


def test_a_writer_waits_its_turn_behind_another_process(app: App, db_url: str) -> None:
    """On SQLite a write queues behind another process's turn (the `DB-writer` lock) and then
    succeeds; on PostgreSQL there is no such turn (its row lock on the head orders writers)."""
    with another_process_taking_its_turn(db_url, 1.5):
        started = time.monotonic()
        registry.new_process(app, "queued", "Written once the other process's turn ended")
        waited = time.monotonic() - started
    if db_url.startswith("postgresql"):
        assert waited < 1.0
    else:
        assert waited >= 1.0, f"the write did not wait for the other process's turn ({waited:.2f} s)"
    assert log_cases.verify(app).size == log_size(app)


def test_a_writer_kept_out_too_long_gives_up_and_writes_nothing(app: App, db_url: str) -> None:
    if db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL orders writers by its row lock on the head; there is no turn to wait for")
    with another_process_taking_its_turn(db_url, 3.0):
        size = log_size(app)
        with pytest.raises(DatabaseBusy, match="busy"), one_writer(app.store.engine, wait=0.3):
            raise AssertionError("got a turn that another process holds")
        assert log_size(app) == size
    registry.new_process(app, "later", "Written once the turn is free again")
