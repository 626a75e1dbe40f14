"""Durable appends per second through the service layer, on SQLite (WAL, synchronous=FULL) and PostgreSQL.

(a) one event per transaction: `registry.new_process` in a loop (goal ≥ 500 events/s);
(b) many events in one unit of work: `record_in` inside one `store.write()`, batches of 100 and 1000
    (goal ≥ 5,000 events/s).
Also the floor (durable commits/s straight through the driver), SQL statements per event, and when a
goal is missed a cProfile breakdown of where an append's time goes.

    .venv/bin/python bench/appends.py [--quick] [--profile] [--backend sqlite|postgresql] [--budget S]
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    Results,
    StatementCounter,
    StepClock,
    parse_args,
    pg_server_version,
    scratch_pg,
    section,
)
from inwriting.app import registry, setup
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.app.recorder import record_in
from inwriting.domain.events import OPERATOR, PROCESS_CREATED
from inwriting.storage.store import Store

GOAL_SINGLE = 500.0
GOAL_BATCHED = 5_000.0


@contextmanager
def open_app(backend: str, tmp: Path) -> Iterator[App]:
    """An initialised log (genesis written), set up the way tests/conftest.py does it."""
    with _database(backend, tmp) as url:
        keys = tmp / f"keys-{backend}"
        setup.init(url, str(keys), origin=f"bench.inwriting.local/{backend}")
        app = App(Store.open(url), Keystore.resolve(keys), clock=StepClock())
        try:
            yield app
        finally:
            app.close()


@contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(tmp / "appends.db")
    else:
        with scratch_pg() as url:
            yield url


def one_per_transaction(app: App, count: int, prefix: str, budget: float = 1e9) -> tuple[int, float]:
    """(events appended, events/s): `count` transactions, or fewer if `budget` seconds run out."""
    started = time.perf_counter()
    done = 0
    for i in range(count):
        registry.new_process(app, f"{prefix}{i}", "A benchmark process")
        done += 1
        if time.perf_counter() - started > budget:
            break
    return done, done / (time.perf_counter() - started)


def batched(app: App, total: int, batch: int, prefix: str, budget: float = 1e9) -> tuple[int, float]:
    """(events appended, events/s) in units of work of `batch` events; whole batches within `budget`."""
    started = time.perf_counter()
    done = 0
    for start in range(0, total, batch):
        with app.store.write() as writer:
            for i in range(start, min(total, start + batch)):
                record_in(
                    app,
                    writer,
                    OPERATOR,
                    PROCESS_CREATED,
                    {"process": f"{prefix}{i}", "title": "A benchmark process"},
                )
                done += 1
        if time.perf_counter() - started > budget:
            break
    return done, done / (time.perf_counter() - started)


# Where an append's time goes: cumulative time of these functions, per event (cProfile, so inflated).
BREAKDOWN = (
    ("storage/store.py", "write", "store.write(): connect, PRAGMAs, BEGIN, commit, close"),
    ("storage/store.py", "__init__", "LogWriter(): read the head row"),
    ("app/recorder.py", "signing_key", "recorder.signing_key: keys query + keystore file"),
    ("record/envelope.py", "sign", "SignedEvent.sign: RFC 8785 + Ed25519 sign"),
    ("storage/store.py", "load", "LogWriter.load -> projections.load_state"),
    ("record/verifier.py", "check_signed", "verifier.check_signed: chain, fold, verify"),
    ("storage/store.py", "append", "LogWriter.append: replay check, inserts, projections, head"),
    ("storage/store.py", "_get_frontier", "  of which LogWriter._get_frontier (node_getter)"),
    ("storage/projections.py", "write_changes", "  of which projections.write_changes"),
    ("storage/store.py", "_set_head", "  of which LogWriter._set_head"),
)


def profiled(work: Callable[[], tuple[int, float]], top: int = 25) -> str:
    profiler = cProfile.Profile()
    events, _ = profiler.runcall(work)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = max(ct for (_, _, _, ct, _) in stats.stats.values())  # type: ignore[attr-defined]
    out.write(f"per event ({events} events, {1e6 * total / events:,.0f} µs each under cProfile):\n")
    for suffix, func, label in BREAKDOWN:
        ct = sum(
            v[3]
            for (file, _, name), v in stats.stats.items()  # type: ignore[attr-defined]
            if name == func and file.endswith(suffix)
        )
        out.write(f"  {1e6 * ct / events:9,.0f} µs  {100 * ct / total:5.1f} %  {label}\n")
    out.write("\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def raw_floors(backend: str, tmp: Path, count: int) -> dict[str, float]:
    """Durable commits/s straight through the driver (one ~400-byte row each): what the database and
    disk allow before any of our code runs. SQLite also with a new connection per commit, with and
    without another connection held open (the last connection to close a WAL database checkpoints)."""
    rate: dict[str, float] = {}
    payload = bytes(400)
    if backend == "sqlite":
        path = tmp / "floor.db"

        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(path, isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=60000"):
                conn.execute(f"PRAGMA {pragma}")
            return conn

        keeper = connect()
        keeper.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        started = time.perf_counter()
        for i in range(count):
            keeper.execute("BEGIN IMMEDIATE")
            keeper.execute("INSERT INTO t VALUES (?, ?)", (i, payload))
            keeper.execute("COMMIT")
        rate["one connection"] = count / (time.perf_counter() - started)
        for label, offset in (
            ("new connection per commit, another held open", 1),
            ("new connection per commit, none held open (as with NullPool)", 2),
        ):
            if offset == 2:
                keeper.close()
            started = time.perf_counter()
            for i in range(count):
                conn = connect()
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO t VALUES (?, ?)", (offset * count + i, payload))
                conn.execute("COMMIT")
                conn.close()
            rate[label] = count / (time.perf_counter() - started)
        return rate
    import psycopg

    with scratch_pg() as url, psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE t (id integer PRIMARY KEY, data bytea NOT NULL)")
        conn.commit()
        started = time.perf_counter()
        for i in range(count):
            conn.execute("INSERT INTO t VALUES (%s, %s)", (i, payload))
            conn.commit()
        rate["one connection"] = count / (time.perf_counter() - started)
    return rate


def main() -> None:
    args = parse_args(
        __doc__.split("\n\n")[0],
        [
            ("--profile", {"action": "store_true", "help": "always print cProfile output"}),
            (
                "--budget",
                {
                    "type": float,
                    "default": 60.0,
                    "help": "seconds at most per measurement; whole batches (default 60)",
                },
            ),
            (
                "--backend",
                {
                    "choices": ["sqlite", "postgresql"],
                    "action": "append",
                    "help": "only this backend (repeatable); default both",
                },
            ),
        ],
    )
    single_n = 200 if args.quick else 2_000
    batch_total = 1_000 if args.quick else 10_000  # per batch size: ~20k batched events per backend
    backends = args.backend or ["sqlite", "postgresql"]
    results = Results("appends")
    for backend in backends:
        if backend == "postgresql" and pg_server_version() is None:
            results.note("PostgreSQL is not reachable: skipped")
            continue
        with (
            tempfile.TemporaryDirectory(prefix="inwriting-bench-") as tmp,
            open_app(backend, Path(tmp)) as app,
        ):
            section(f"{backend}: the floor, durable commits straight through the driver")
            for label, value in raw_floors(backend, Path(tmp), 200 if args.quick else 1000).items():
                results.add(f"{backend}: raw driver commits/s, {label}", value, "commits/s")
            counter = StatementCounter(app.store.engine)
            section(f"{backend}: one event per transaction (registry.new_process), {single_n:,} events")
            one_per_transaction(app, min(50, single_n), "warm")
            counter.take()
            done, rate = one_per_transaction(app, single_n, "single", args.budget)
            results.add(
                f"{backend}: 1 event per transaction",
                rate,
                "events/s",
                goal=GOAL_SINGLE,
                note=f"{done:,} events, {counter.take() / done:.1f} SQL statements each",
            )
            if backend == "sqlite":
                # The same with one more connection held open: closing the engine's (NullPool)
                # connection then no longer checkpoints and deletes the WAL at every commit.
                keeper = sqlite3.connect(Path(tmp) / "appends.db")
                try:
                    keeper.execute("SELECT size FROM log_head").fetchall()
                    done_kept, rate_kept = one_per_transaction(app, single_n, "kept", args.budget)
                finally:
                    keeper.close()
                results.add(
                    f"{backend}: 1 event per transaction, another connection held open",
                    rate_kept,
                    "events/s",
                    note=f"{done_kept:,} events; diagnostic, not the shipped configuration",
                )
            if args.profile or rate < GOAL_SINGLE:
                n = min(done, 300)
                text = profiled(lambda: one_per_transaction(app, n, "prof1x"))  # noqa: B023
                print(f"\n-- cProfile, {n} single-event transactions on {backend}\n{text}")
            for batch in (100, 1000):
                section(
                    f"{backend}: batches of {batch} events in one unit of work (record_in),"
                    f" {batch_total:,} events"
                )
                counter.take()
                done, rate = batched(app, batch_total, batch, f"b{batch}x", args.budget)
                results.add(
                    f"{backend}: batches of {batch} per transaction",
                    rate,
                    "events/s",
                    goal=GOAL_BATCHED,
                    note=f"{done:,} events, {counter.take() / done:.1f} SQL statements each",
                )
                if args.profile or (rate < GOAL_BATCHED and batch == 1000):
                    n = min(done, 1000)
                    text = profiled(lambda b=batch, n=n: batched(app, n, b, f"prof{b}x"))
                    print(f"\n-- cProfile, {n} events in batches of {batch} on {backend}\n{text}")
    results.finish(args.json)


if __name__ == "__main__":
    main()
