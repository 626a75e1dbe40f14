"""Shared helpers for the benchmarks: arguments, machine details, a scratch PostgreSQL database, figures.

Benchmarks print their figures; they are not timed tests. Each figure may carry a goal, and the line says
whether it is met. `--json FILE` also writes the figures as JSON (run_all.py collects them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

PG_ADMIN_URL = os.environ.get("INWRITING_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent


def parse_args(description: str, extra: Sequence[tuple[str, dict[str, Any]]] = ()) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    for name, options in extra:
        parser.add_argument(name, **options)
    return parser.parse_args()


# ---- figures -------------------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    goal: float | None = None
    higher_is_better: bool = True
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.goal is None:
            return None
        return self.value >= self.goal if self.higher_is_better else self.value < self.goal

    def goal_text(self) -> str:
        if self.goal is None:
            return ""
        return f"{'≥' if self.higher_is_better else '<'} {fmt(self.goal)} {self.unit}".rstrip()

    def line(self) -> str:
        text = f"  {self.name:<58} {fmt(self.value):>12} {self.unit}"
        if self.goal is not None:
            text += f"   goal {self.goal_text()}: {'met' if self.met else 'MISSED'}"
        if self.note:
            text += f"   ({self.note})"
        return text


@dataclass
class Results:
    bench: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def add(
        self,
        name: str,
        value: float,
        unit: str,
        *,
        goal: float | None = None,
        higher_is_better: bool = True,
        note: str = "",
    ) -> Figure:
        figure = Figure(name, value, unit, goal, higher_is_better, note)
        self.figures.append(figure)
        print(figure.line(), flush=True)
        return figure

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def finish(self, path: str | None) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"{self.bench}: done in {elapsed:.1f} s", flush=True)
        if path:
            data = {
                "bench": self.bench,
                "seconds": elapsed,
                "notes": self.notes,
                "figures": [{**asdict(f), "met": f.met, "goal_text": f.goal_text()} for f in self.figures],
            }
            Path(path).write_text(json.dumps(data, indent=2), encoding="utf-8")


def fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def percentiles(samples: Sequence[float]) -> tuple[float, float, float]:
    """Mean, p50 and p99 of `samples`."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.fmean(ordered), statistics.median(ordered), p99


# ---- machine -------------------------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _ram() -> str:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _os() -> str:
    name = platform.system()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                name = line.split("=", 1)[1].strip('"')
    return f"{name}, kernel {platform.release()}"


def _libsodium() -> str:
    import nacl
    import nacl._sodium as sodium  # type: ignore[import-not-found]

    func = getattr(sodium.lib, "sodium_version_string", None)
    if func is not None:
        return f"PyNaCl {nacl.__version__}, libsodium {sodium.ffi.string(func()).decode()}"
    # PyNaCl's wheel links libsodium statically and does not bind sodium_version_string.
    bundled = "libsodium" not in _ldd(Path(sodium.__file__))
    where = "bundled in the PyNaCl wheel" if bundled else "system libsodium"
    return f"PyNaCl {nacl.__version__}, libsodium {where} (PyNaCl does not expose its version)"


def _ldd(path: Path) -> str:
    import subprocess

    try:
        return subprocess.run(["ldd", str(path)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def pg_server_version() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            fsync = conn.execute("SHOW fsync").fetchone()
            sync = conn.execute("SHOW synchronous_commit").fetchone()
        assert row and fsync and sync
        return f"{row[0]} (fsync={fsync[0]}, synchronous_commit={sync[0]})"
    except Exception:
        return None


def machine_info() -> dict[str, str]:
    import sqlalchemy

    try:
        import psycopg

        psycopg_version = psycopg.__version__
    except ImportError:
        psycopg_version = "not installed"
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": _cpu_model(),
        "cores": f"{os.cpu_count()} logical ({affinity} usable by this process)",
        "RAM": _ram(),
        "OS": _os(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL server": pg_server_version() or f"not reachable at {PG_ADMIN_URL}",
        "PyNaCl / libsodium": _libsodium(),
        "SQLAlchemy / psycopg": f"{sqlalchemy.__version__} / {psycopg_version}",
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min, at start)",
    }


def print_machine() -> dict[str, str]:
    info = machine_info()
    section("machine")
    for key, value in info.items():
        print(f"  {key:<20} {value}")
    return info


# ---- databases -----------------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_pg() -> Iterator[str]:
    """A fresh PostgreSQL database for one run, dropped afterwards; yields its URL."""
    import psycopg

    name = f"inwriting_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class StatementCounter:
    """Counts the SQL statements an engine sends (PRAGMAs and BEGIN included)."""

    def __init__(self, engine: Engine) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1

    def take(self) -> int:
        count, self.count = self.count, 0
        return count


class StepClock:
    """Distinct, increasing event times (1 ms apart) without reading the wall clock each time."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def __call__(self) -> datetime:
        self.moment += timedelta(milliseconds=1)
        return self.moment


def maxrss_mib() -> float:
    """ru_maxrss of this process. Beware: after fork+exec Linux carries the parent's peak over, so in a
    child started by a big parent this is not the child's own peak; use vm_hwm_mib() there."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_kib(pid: int | str, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def vm_hwm_mib() -> float:
    """This process's own resident-set high-water mark (VmHWM), which exec resets."""
    return _status_kib("self", "VmHWM") / 1024


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants now (shared pages counted in each)."""
    return _status_kib(pid, "VmRSS") + sum(tree_rss_kib(child) for child in _children(pid))


class TreeRssSampler:
    """Samples the summed RSS of this process and its descendants (worker processes) in a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        import threading

        self.peak_kib = 0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pid = os.getpid()
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, tree_rss_kib(pid))
            self._stop.wait(self._interval)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024


def python() -> str:
    return sys.executable
