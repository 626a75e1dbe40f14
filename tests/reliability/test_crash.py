"""Crash test: a child process (crash_child.py) appends signed events through the application services
in a loop, on SQLite and on PostgreSQL; the test kills it with SIGKILL at random moments, starts
another, and after every kill checks that

* every append the child acknowledged (an `ack` line, written and fsynced only once the service call
  had returned) is in the log at its seq with its event id, and every acknowledged checkpoint is there;
* the log holds at most one event beyond the acknowledged ones, and only when the kill came between the
  COMMIT and its acknowledgement; a kill inside an open write transaction leaves nothing of it;
* `log verify` passes (signatures, chain, Merkle nodes, checkpoints, texts, projections = the fold);
* every key in the log has its private half in the keystore (moved into place, or still staged);

and every REBUILD_EVERY kills, and after the last, that the projection tables and the full-text index
equal those a `log rebuild` makes from the log in a scratch copy of the database. After the last kill a
normal append through the services must work.

The kill comes 0.05-0.6 s after the child says it is ready (its store is open); the next child is
started (and imports) while the last one runs, and waits for a line on its input before it touches the
database. The random generator's seed is printed; INWRITING_CRASH_SEED repeats a run,
INWRITING_CRASH_KILLS sets the kills per backend (default 50).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psycopg
import pytest
from sqlalchemy import select, text

from inwriting.app import drafts, registry, setup, talks
from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.storage import schema as t
from inwriting.storage import store as st
from tests.conftest import PG_ADMIN_URL
from tests.reliability.crash_child import KINDS, ORIGIN, TRACK, set_up

KILLS = int(os.environ.get("INWRITING_CRASH_KILLS", "50"))
SEED = int(os.environ.get("INWRITING_CRASH_SEED") or random.SystemRandom().randrange(2**32))
REBUILD_EVERY = int(os.environ.get("INWRITING_CRASH_REBUILD_EVERY", "25"))
KILL_AFTER = (0.05, 0.6)  # seconds after the child is ready
READY_TIMEOUT = 60.0
STANDBY = int(os.environ.get("INWRITING_CRASH_STANDBY", "2"))  # children started ahead: imports take ~1 s
CHILD = Path(__file__).with_name("crash_child.py")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


# ---- the child's acknowledgement file ------------------------------------------------------------


@dataclass(frozen=True)
class Ack:
    kind: str
    seq: int | None  # None for a checkpoint
    value: str  # the event id, or the checkpoint's size


@dataclass
class RunLog:
    """What one child run wrote before it was killed."""

    ready: bool = False
    acks: list[Ack] = field(default_factory=list)
    last: str = "none"  # the last step marker: ready | start | begin | commit | ack
    kind: str | None = None  # what the last `start` began

    @property
    def events(self) -> list[Ack]:
        return [a for a in self.acks if a.seq is not None]

    @property
    def checkpoints(self) -> list[int]:
        return [int(a.value) for a in self.acks if a.seq is None]


def read_run(path: Path) -> RunLog:
    run = RunLog()
    content = path.read_text(encoding="utf-8") if path.exists() else ""
    for line in content.splitlines(keepends=True):
        if not line.endswith("\n"):  # never seen: each line is one write(2)
            break
        word, *rest = line.split()
        if word == "ready":
            run.ready = True
        elif word == "start":
            run.kind = rest[0]
        elif word == "ack":
            first, value, kind, _ = rest
            seq = None if first == "checkpoint" else int(first)
            run.acks.append(Ack("checkpoint" if seq is None else kind, seq, value))
        run.last = word
    return run


# ---- the child process ---------------------------------------------------------------------------


class Child:
    def __init__(self, db: str, keys: Path, work: Path, number: int, seed: int) -> None:
        self.number = number
        self.acks = work / f"acks-{number:03}.txt"
        self.stderr_path = work / f"stderr-{number:03}.txt"
        self._stderr: IO[bytes] = self.stderr_path.open("wb")
        args = [sys.executable, str(CHILD), db, str(keys), str(self.acks), str(work), str(seed)]
        self.proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr, cwd=work
        )

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while not read_run(self.acks).ready:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                pytest.fail(f"child {self.number} exited ({code}) before it was ready:\n{self.stderr()}")
            if time.monotonic() > deadline:
                pytest.fail(f"child {self.number} not ready after {READY_TIMEOUT} s:\n{self.stderr()}")
            time.sleep(0.005)

    def kill(self) -> None:
        """SIGKILL; the child must not have ended by itself (a refused append is a failure)."""
        alive = self.proc.poll() is None
        if alive:
            os.kill(self.proc.pid, signal.SIGKILL)
        code = self.proc.wait()
        self._close()
        if not alive or code != -signal.SIGKILL:
            pytest.fail(f"child {self.number} ended by itself (exit {code}):\n{self.stderr()}")

    def stop(self) -> None:
        """Let go of a child that will not run: close its input (it exits), or kill it."""
        if self.proc.poll() is None:
            with suppress(OSError):
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._close()

    def _close(self) -> None:
        if self.proc.stdin is not None:
            with suppress(OSError):
                self.proc.stdin.close()
        self._stderr.close()


# ---- the databases -------------------------------------------------------------------------------


@contextmanager
def opened(db: str, keys: Path) -> Iterator[App]:
    app = App.open(db, str(keys))
    try:
        yield app
    finally:
        app.close()


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview | bytearray) else value


def snapshot(app: App) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (sorted), and the full-text index's."""
    with app.store.read() as conn:
        tables: dict[str, list[tuple[Any, ...]]] = {}
        for table in t.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            tables[table.name] = sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)
        key = "rowid" if conn.dialect.name == "sqlite" else "id"
        columns = f"{key}, text, kind, scope, eid, label, heading, body"
        found = conn.execute(text(f"SELECT {columns} FROM search_index"))
        tables["search_index"] = sorted((tuple(row) for row in found), key=repr)
    return tables


def scratch_copy(db: str, work: Path) -> str:
    """A copy of the database as committed now (no writer is running)."""
    if "://" not in db:
        dest = work / "scratch.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{dest}{suffix}").unlink(missing_ok=True)
        source, target = sqlite3.connect(db), sqlite3.connect(dest)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return str(dest)
    base, name = db.rsplit("/", 1)
    scratch = f"{name}_scratch"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        deadline = time.monotonic() + 10
        others = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        while (row := conn.execute(others, (name,)).fetchone()) and row[0]:  # the killed child's session
            assert time.monotonic() < deadline, f"sessions of a killed child still open on {name}"
            time.sleep(0.01)
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{name}"')
    return f"{base}/{scratch}"


def drop_scratch(db: str) -> None:
    if "://" in db:
        name = db.rsplit("/", 1)[1] + "_scratch"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def check_rebuild(db: str, keys: Path, work: Path) -> None:
    """The projections and the index equal what `log rebuild` makes from the log (in a copy)."""
    with opened(db, keys) as app:
        live = snapshot(app)
    copy = scratch_copy(db, work)
    with opened(copy, keys) as app:
        log_cases.rebuild(app)
        rebuilt = snapshot(app)
    assert live.keys() == rebuilt.keys()
    for name in live:
        have, want = live[name], rebuilt[name]
        if have != want:
            extra = [r for r in have if r not in want][:3]
            lacking = [r for r in want if r not in have][:3]
            pytest.fail(f"table {name} differs from a rebuild: only live {extra}, only rebuilt {lacking}")


# ---- the test ------------------------------------------------------------------------------------


@dataclass
class Stats:
    backend: str
    kills: int = 0
    acked_events: int = 0
    acked_checkpoints: int = 0
    unacked_commits: int = 0  # events committed whose acknowledgement the kill prevented
    unacked_checkpoints: int = 0
    landed: Counter[str] = field(default_factory=Counter)  # where the kills landed (last marker)
    killed_kinds: Counter[str] = field(default_factory=Counter)  # what was being appended
    staged_keys: set[str] = field(default_factory=set)  # keys in the log whose private half is staged
    verifies: int = 0
    rebuilds: int = 0
    log_size: int = 0
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def summary(self) -> str:
        timing = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(self.seconds.items()))
        return (
            f"[{self.backend}] seed {SEED}: {self.kills} kills; acknowledged {self.acked_events} events,"
            f" {self.acked_checkpoints} checkpoints, all found; log size {self.log_size}; committed but"
            f" not acknowledged: {self.unacked_commits} events, {self.unacked_checkpoints} checkpoints;"
            f" kills landed: {dict(self.landed)}; appending: {dict(self.killed_kinds)};"
            f" keys left staged: {len(self.staged_keys)}; verifies {self.verifies}, rebuild comparisons"
            f" {self.rebuilds}; {timing}"
        )


@dataclass
class Expected:
    """What the parent knows the log must hold: every acknowledged event and checkpoint."""

    events: dict[int, str] = field(default_factory=dict)
    checkpoints: set[int] = field(default_factory=set)
    size: int = 0  # the log's size when the last child started
    stored_checkpoints: set[int] = field(default_factory=set)


def check_after_kill(app: App, keys: Path, run: RunLog, expected: Expected, stats: Stats) -> None:
    where = f"seed {SEED}, kill {stats.kills} ({stats.backend})"
    with app.store.read() as conn:
        head = st.head(conn)
        rows = conn.execute(select(t.log_entries.c.seq, t.log_entries.c.event_id))
        entries: dict[int, str] = {seq: event_id for seq, event_id in rows}
        stored_cps = set(conn.execute(select(t.checkpoints.c.size)).scalars())
        key_rows = conn.execute(select(t.keys.c.party, t.keys.c.key_id)).all()
    # This run's acknowledged events follow one another from where the log stood.
    seqs = [a.seq for a in run.events]
    assert seqs == list(range(expected.size, expected.size + len(seqs))), f"{where}: acks out of order"
    for ack in run.events:
        assert ack.seq is not None
        expected.events[ack.seq] = ack.value
    expected.checkpoints.update(run.checkpoints)
    missing = {s: i for s, i in expected.events.items() if entries.get(s) != i}
    assert not missing, f"{where}: acknowledged events missing or changed: {sorted(missing.items())[:5]}"
    lost = expected.checkpoints - stored_cps
    assert not lost, f"{where}: acknowledged checkpoints missing: {sorted(lost)}"
    assert sorted(entries) == list(range(head.size)), f"{where}: the log's seqs are not 0..{head.size - 1}"
    # Beyond the acknowledged: at most the one append whose COMMIT was issued before the kill.
    extra = head.size - (expected.size + len(seqs))
    extra_cps = stored_cps - expected.stored_checkpoints - set(run.checkpoints)
    assert extra in (0, 1), f"{where}: {extra} events beyond the acknowledged ones"
    assert len(extra_cps) <= 1, f"{where}: unacknowledged checkpoints {sorted(extra_cps)}"
    if extra or extra_cps:
        assert run.last == "commit", f"{where}: unacknowledged data, yet the kill came at {run.last!r}"
        assert not (extra and extra_cps), f"{where}: an unacknowledged event and checkpoint"
        assert bool(extra_cps) == (run.kind == "checkpoint"), f"{where}: unacknowledged, from {run.kind}"
    stats.unacked_commits += extra
    stats.unacked_checkpoints += len(extra_cps)
    stats.landed[run.last] += 1
    if run.last in ("start", "begin", "commit"):
        stats.killed_kinds[str(run.kind)] += 1
    stats.acked_events += len(seqs)
    stats.acked_checkpoints += len(run.checkpoints)
    expected.size = head.size
    expected.stored_checkpoints = stored_cps
    # The log verifies: signatures, chain, Merkle nodes, checkpoints, texts, projections = fold.
    started = time.perf_counter()
    report = log_cases.verify(app)
    stats.seconds["verify"] += time.perf_counter() - started
    stats.verifies += 1
    assert report.size == head.size
    # A key in the log has its private half on this machine, and the keystore finds it. A kill between
    # the COMMIT of `new_key` and the move of the staged key file into place leaves it in KEY.pending;
    # the keystore promotes it on lookup (counted as "left staged").
    keystore = Keystore.resolve(keys)
    for party, key_id in key_rows:
        path = keys / party / (key_id.replace(":", "-") + ".json")
        if not path.exists() and path.with_suffix(".pending").exists():
            stats.staged_keys.add(key_id)
        assert keystore.has(party, key_id), f"{where}: private key {key_id} of {party} not found"
    stats.log_size = head.size


def crash_loop(db: str, keys: Path, work: Path, backend: str) -> Stats:
    rng = random.Random(f"{SEED}:{backend}")
    stats = Stats(backend)
    started = time.perf_counter()
    setup.init(db, str(keys), origin=ORIGIN)
    with opened(db, keys) as app:
        set_up(app)
        with app.store.read() as conn:
            expected = Expected(size=st.head(conn).size)
    stats.seconds["set-up"] = time.perf_counter() - started

    def spawn(number: int) -> Child:
        return Child(db, keys, work, number, rng.getrandbits(32))

    spawned = min(STANDBY, KILLS)
    standby = deque(spawn(n) for n in range(spawned))
    child: Child | None = None
    try:
        while standby:
            child = standby.popleft()
            mark = time.perf_counter()
            child.go()
            child.wait_ready()
            stats.seconds["wait ready"] += time.perf_counter() - mark
            if spawned < KILLS:  # the next children import while this one runs
                standby.append(spawn(spawned))
                spawned += 1
            mark = time.perf_counter()
            time.sleep(rng.uniform(*KILL_AFTER))
            child.kill()
            stats.seconds["child running"] += time.perf_counter() - mark
            stats.kills += 1
            run = read_run(child.acks)
            child = None
            mark = time.perf_counter()
            with opened(db, keys) as app:
                check_after_kill(app, keys, run, expected, stats)
            stats.seconds["check"] += time.perf_counter() - mark
            if stats.kills % REBUILD_EVERY == 0 or stats.kills == KILLS:
                mark = time.perf_counter()
                check_rebuild(db, keys, work)
                stats.rebuilds += 1
                stats.seconds["rebuild"] += time.perf_counter() - mark
    finally:
        for left in (child, *standby):
            if left is not None:
                left.stop()
        drop_scratch(db)

    # A killed child never leaves the database unusable: normal appends work, and the log verifies.
    with opened(db, keys) as app:
        recorded = registry.new_process(app, "after-the-kills", "Appended after the last kill")
        assert recorded.seq == expected.size
        draft = work / "after.txt"
        draft.write_text("After the kills\n\nArticle 1. Scope\n\n1. The record holds.\n", encoding="utf-8")
        imported = drafts.import_draft(app, draft, track=TRACK, as_party="RU", document="after-the-kills")
        _, meeting = talks.add_meeting(app, track=TRACK, date="2022-01-10", place="Geneva")
        assert (imported.event.seq, meeting.seq) == (expected.size + 1, expected.size + 2)
        assert log_cases.verify(app).size == expected.size + 3
    stats.seconds["total"] = time.perf_counter() - started
    return stats


def test_sigkill_loses_no_acknowledged_append(db_url: str, keystore_dir: Path, tmp_path: Path) -> None:
    backend = "postgresql" if "://" in db_url else "sqlite"
    print(f"\ncrash test seed {SEED} (INWRITING_CRASH_SEED={SEED} repeats it), {KILLS} kills on {backend}")
    assert set(KINDS) >= {"draft", "meeting", "precondition", "commitment"}
    work = tmp_path / "work"
    work.mkdir()
    stats = crash_loop(db_url, keystore_dir, work, backend)
    print(stats.summary())
    assert stats.kills == KILLS >= 1
    # The kills did land inside appends: some inside an open write transaction.
    if KILLS >= 50:
        assert stats.landed["begin"] > 0, stats.summary()
