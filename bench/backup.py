"""Backup and restore of a record of about 10,000 events, on SQLite and PostgreSQL and across them.

The record: four parties, two tracks, 1,000 versions of 50 points (each a stored text of ~9 KB, indexed
for search) and 9,000 small events (process.created), then a checkpoint. For each backend as the source:
`log verify` (for scale), `backup` (seconds, file size, peak memory), then `restore` into an empty
database of the same and of the other backend (seconds, of which the `log verify` it runs, peak
memory). Each step runs in a fresh process that does only that, so its memory figure is its own.

    .venv/bin/python bench/backup.py [--quick] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Results, StepClock, parse_args, pg_server_version, scratch_pg, section, vm_hwm_mib
from appends import batched
from inwriting.app import backup as bk
from inwriting.app import log as log_cases
from inwriting.app import setup
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.storage.store import Store
from search import populate, record_versions

BACKENDS = ("sqlite", "postgresql")


def child(step: str, url: str, file: str) -> None:
    """One step in this process; prints its figures as JSON."""
    before = vm_hwm_mib()
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    if step == "restore":
        report = bk.restore(Path(file), url)
        figures["verify_seconds"] = report.verified.seconds
    else:
        app = App.open(url)
        try:
            if step == "backup":
                figures["bytes"] = bk.backup(app, Path(file)).bytes
            else:
                figures["size"] = log_cases.verify(app).size
        finally:
            app.close()
    figures |= {"seconds": time.perf_counter() - started, "hwm_before": before, "hwm": vm_hwm_mib()}
    print(json.dumps(figures))


def run_child(step: str, url: str, file: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", step, url, str(file)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


@contextmanager
def database(backend: str, tmp: Path, name: str) -> Iterator[str]:
    if backend == "sqlite":
        yield str(tmp / f"{name}.db")
    else:
        with scratch_pg() as url:
            yield url


def size_on_disk(url: str) -> int:
    """Bytes the database takes: the SQLite file and its WAL, or pg_database_size."""
    if "://" not in url:
        return sum(p.stat().st_size for p in Path(url).parent.glob(Path(url).name + "*"))
    store = Store.open(url)
    try:
        with store.read() as conn:
            return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())
    finally:
        store.dispose()


def build(url: str, keys: Path, versions: int, small: int) -> int:
    setup.init(url, str(keys), origin="bench.inwriting.local/backup")
    app = App(Store.open(url), Keystore.resolve(keys), clock=StepClock())
    try:
        populate(app)
        record_versions(app, versions, random.Random(2022))
        batched(app, small, 1000, "p")
        return log_cases.checkpoint(app).size
    finally:
        app.close()


def bench_source(source: str, versions: int, small: int, tmp: Path, results: Results) -> None:
    with database(source, tmp, f"source-{source}") as url:
        started = time.perf_counter()
        events = build(url, tmp / f"keys-{source}", versions, small)
        section(
            f"{source} source: {events:,} events ({versions:,} versions with texts), built in"
            f" {time.perf_counter() - started:.0f} s"
        )
        results.add(f"{source}: database size", size_on_disk(url) / 2**20, "MiB")
        verified = run_child("verify", url, tmp / "unused")
        results.add(f"{source}: log verify (for scale)", verified["seconds"], "s", higher_is_better=False)
        results.add(
            f"{source}: log verify peak memory (VmHWM)", verified["hwm"], "MiB", higher_is_better=False
        )
        file = tmp / f"{source}.iwb"
        written = run_child("backup", url, file)
        results.add(f"{source}: backup", written["seconds"], "s", higher_is_better=False)
        results.add(f"{source}: backup rate", events / written["seconds"], "events/s")
        results.add(f"{source}: backup file (gzip JSON lines)", written["bytes"] / 2**20, "MiB")
        results.add(f"{source}: backup file per event", written["bytes"] / events, "bytes")
        results.add(
            f"{source}: backup peak memory (VmHWM)",
            written["hwm"],
            "MiB",
            higher_is_better=False,
            note=f"{written['hwm_before']:.0f} MiB before the call",
        )
    for target in BACKENDS:
        if target == "postgresql" and pg_server_version() is None:
            continue
        with database(target, tmp, f"target-{source}-{target}") as url:
            restored = run_child("restore", url, file)
            name = f"{source} -> {target}: restore"
            results.add(name, restored["seconds"], "s", higher_is_better=False)
            results.add(
                f"{name}, of which log verify", restored["verify_seconds"], "s", higher_is_better=False
            )
            results.add(f"{name} rate", events / restored["seconds"], "events/s")
            results.add(
                f"{name} peak memory (VmHWM)",
                restored["hwm"],
                "MiB",
                higher_is_better=False,
                note=f"{restored['hwm_before']:.0f} MiB before the call",
            )


def main() -> None:
    args = parse_args(
        __doc__.split("\n\n")[0],
        [
            ("--backend", {"choices": BACKENDS, "help": "one source backend only"}),
            ("--child", {"nargs": 3, "metavar": ("STEP", "URL", "FILE"), "help": "internal: run one step"}),
        ],
    )
    if args.child:
        child(*args.child)
        return
    versions, small = (100, 900) if args.quick else (1000, 9000)
    results = Results("backup")
    for source in [args.backend] if args.backend else BACKENDS:
        if source == "postgresql" and pg_server_version() is None:
            results.note("PostgreSQL does not answer at 127.0.0.1:5432; skipped")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            bench_source(source, versions, small, Path(tmp), results)
    results.finish(args.json)


if __name__ == "__main__":
    main()
