"""Two processes appending at once both succeed, and the log stays one line."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
from pathlib import Path

from inwriting.app import log as log_cases
from inwriting.app import registry
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
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
