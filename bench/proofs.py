"""Inclusion and consistency proof times at 1M and 10M leaves (goal < 2 ms per proof).

Generating 10M real events is too slow, so the tree is synthetic: leaf i's hash is SHA-256 of i, the
perfect-subtree hashes come from `merkle.Frontier`, and they are written straight into the `log_nodes`
and `log_head` tables of a migrated SQLite database (proofs read nothing else). Then:
  * the pure merkle functions over the hashes held in memory (per-level byte arrays with O(1)
    lookups, as a dict would give, without a 20M-entry dict's gigabytes), and
  * the real storage path, `app.log.prove_inclusion` / `prove_consistency` on that database;
  * then, to show where the time goes, the same node reads on a connection that stays open.
DB-path samples are time-boxed (`--budget` seconds per kind and size), so a slow path cannot run away.

    .venv/bin/python bench/proofs.py [--quick] [--budget SECONDS]
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import Connection

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Results, StatementCounter, parse_args, percentiles, section
from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.record import merkle
from inwriting.storage import migrate
from inwriting.storage import store as st
from inwriting.storage.store import Store

GOAL_MS = 2.0
HEAD_TIME = "2026-11-23T00:00:00.000000Z"


class Tree:
    """Every perfect-subtree hash of a synthetic tree, level by level (node (l, i) at [32i, 32i+32))."""

    def __init__(self, size: int, marks: tuple[int, ...]) -> None:
        started = time.perf_counter()
        self.size = size
        self.levels: list[bytearray] = [bytearray() for _ in range(size.bit_length() + 1)]
        self.roots: dict[int, bytes] = {}
        frontier = merkle.Frontier()
        sha256, levels, wanted = hashlib.sha256, self.levels, set(marks)
        for i in range(size):
            for (level, _), digest in frontier.append(sha256(i.to_bytes(8, "big")).digest()):
                levels[level] += digest
            if i + 1 in wanted:
                self.roots[i + 1] = frontier.root()
        self.seconds = time.perf_counter() - started

    def getter(self, size: int) -> merkle.NodeGetter:
        levels = self.levels

        def get(node: merkle.NodeKey) -> bytes:
            level, index = node
            if index >= size >> level:
                raise KeyError(node)
            return bytes(levels[level][32 * index : 32 * index + 32])

        return get

    def nodes(self, size: int) -> int:
        return sum(size >> level for level in range(len(self.levels)))


def build_database(path: Path, tree: Tree, size: int) -> float:
    """A migrated SQLite database whose log_nodes and log_head hold the first `size` leaves' tree."""
    store = Store.open(str(path), must_exist=False)
    try:
        migrate.upgrade(store.engine)
    finally:
        store.dispose()
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")  # a synthetic fill; the engine turns WAL back on
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("BEGIN")
        for level, data in enumerate(tree.levels):
            count = size >> level
            if count == 0:
                break
            conn.executemany(
                "INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)",
                ((level, i, data[32 * i : 32 * i + 32]) for i in range(count)),
            )
        leaf = tree.levels[0][32 * (size - 1) : 32 * size]
        conn.execute(
            "INSERT OR REPLACE INTO log_head (id, size, leaf_hash, time) VALUES (1, ?, ?, ?)",
            (size, bytes(leaf), HEAD_TIME),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return time.perf_counter() - started


def sample(run: Callable[[], object], count: int, budget: float) -> list[float]:
    """Milliseconds per call, up to `count` calls or `budget` seconds, whichever comes first."""
    times: list[float] = []
    deadline = time.perf_counter() + budget
    while len(times) < count and time.perf_counter() < deadline:
        started = time.perf_counter()
        run()
        times.append(1000 * (time.perf_counter() - started))
    return times


def report(results: Results, name: str, times: list[float], wanted: int, goal: bool = True) -> None:
    mean, p50, p99 = percentiles(times)
    note = f"{len(times)} samples" + ("" if len(times) >= wanted else f", time-boxed (wanted {wanted})")
    results.add(
        f"{name}: mean", mean, "ms", goal=GOAL_MS if goal else None, higher_is_better=False, note=note
    )
    results.add(f"{name}: p50", p50, "ms")
    results.add(f"{name}: p99", p99, "ms", goal=GOAL_MS if goal else None, higher_is_better=False)


def held_inclusion(
    conn: Connection,
    size: int,
    index: int,
    getter: Callable[[Connection, list[Iterable[merkle.NodeKey]]], merkle.NodeGetter],
) -> None:
    """prove_inclusion's node reads and hashing on an already open connection (no head/checkpoint reads)."""
    ranges = merkle.inclusion_path_ranges(index, size)
    get = getter(conn, [merkle.needed_nodes(ranges), merkle.root_nodes(size), [(0, index)]])
    path = merkle.inclusion_proof(index, size, get)
    merkle.verify_inclusion(get((0, index)), index, size, path, merkle.root_from(size, get))


def main() -> None:
    args = parse_args(
        __doc__.split("\n\n")[0],
        [
            (
                "--budget",
                {
                    "type": float,
                    "default": 15.0,
                    "help": "seconds at most per DB-path measurement (default 15)",
                },
            ),
            ("--proofs", {"type": int, "help": "proofs per measurement (default 1000, quick 200)"}),
        ],
    )
    sizes = (10_000, 100_000) if args.quick else (1_000_000, 10_000_000)
    count = args.proofs or (200 if args.quick else 1000)
    rng = random.Random(20261123)
    results = Results("proofs")

    section(f"build the synthetic tree: {sizes[-1]:,} leaves through merkle.Frontier")
    tree = Tree(sizes[-1], sizes)
    results.add(
        f"Frontier over {sizes[-1]:,} synthetic leaves",
        tree.seconds,
        "s",
        note=f"{1e6 * tree.seconds / sizes[-1]:.2f} µs per leaf",
    )

    with tempfile.TemporaryDirectory(prefix="inwriting-bench-") as tmp:
        for size in sizes:
            label = f"{size:,} leaves"
            get = tree.getter(size)
            root = tree.roots[size]
            if merkle.root_from(size, get) != root:
                raise AssertionError("root_from over the stored nodes differs from the Frontier's root")

            section(f"{label}: pure merkle functions over in-memory hashes")

            def pure_inclusion(size: int = size, get: merkle.NodeGetter = get) -> None:
                index = rng.randrange(size)
                path = merkle.inclusion_proof(index, size, get)
                merkle.verify_inclusion(get((0, index)), index, size, path, merkle.root_from(size, get))

            def pure_consistency(size: int = size, get: merkle.NodeGetter = get) -> None:
                old = rng.randrange(1, size)
                path = merkle.consistency_proof(old, size, get)
                merkle.verify_consistency(
                    old, size, merkle.root_from(old, get), merkle.root_from(size, get), path
                )

            report(
                results,
                f"{label}, in memory: inclusion (prove+root+verify)",
                sample(pure_inclusion, count, 60),
                count,
            )
            report(
                results,
                f"{label}, in memory: consistency (prove+roots+verify)",
                sample(pure_consistency, count, 60),
                count,
            )

            section(f"{label}: SQLite database through app.log.prove_inclusion / prove_consistency")
            path = Path(tmp) / f"proofs-{size}.db"
            seconds = build_database(path, tree, size)
            nodes = tree.nodes(size)
            results.add(
                f"{label}: fill log_nodes ({nodes:,} rows) and log_head",
                seconds,
                "s",
                note=f"{nodes / seconds:,.0f} rows/s, {path.stat().st_size / 2**20:,.0f} MiB",
            )
            app = App(Store.open(str(path)), Keystore.resolve(Path(tmp) / "keys"))
            counter = StatementCounter(app.store.engine)
            try:
                proof = log_cases.prove_inclusion(app, size - 1)
                if proof.root != root:
                    raise AssertionError("the database path gives another root")
                counter.take()
                db_inclusion = sample(
                    lambda app=app, size=size: log_cases.prove_inclusion(app, rng.randrange(size)),
                    count,
                    args.budget,
                )
                per_proof = counter.take() / max(1, len(db_inclusion))
                report(results, f"{label}, SQLite: prove_inclusion", db_inclusion, count)
                results.note(
                    f"{label}: {per_proof:.0f} SQL statements per prove_inclusion"
                    " (besides the connection's PRAGMAs)"
                )
                db_consistency = sample(
                    lambda app=app, size=size: log_cases.prove_consistency(app, rng.randrange(1, size), size),
                    count,
                    args.budget,
                )
                report(results, f"{label}, SQLite: prove_consistency", db_consistency, count)

                def open_writer(app: App = app) -> None:
                    with app.store.write() as writer:
                        writer.root()  # what the first append of every unit of work does

                report(
                    results,
                    f"{label}, SQLite: store.write() + writer.root()",
                    sample(open_writer, 50, args.budget / 2),
                    50,
                    goal=False,
                )

                # Where the time goes: the same node reads on a connection that stays open.
                with app.store.read() as conn:
                    report(
                        results,
                        f"{label}, SQLite, open connection, node_getter: inclusion",
                        sample(
                            lambda conn=conn, size=size: held_inclusion(
                                conn, size, rng.randrange(size), st.node_getter
                            ),
                            count,
                            args.budget / 2,
                        ),
                        count,
                        goal=False,
                    )
            finally:
                app.close()
                path.unlink(missing_ok=True)
    results.finish(args.json)


if __name__ == "__main__":
    main()
