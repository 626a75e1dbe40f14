"""Mixed load on the JSON API over loopback: 70% reads, 30% writes at a fixed rate, on SQLite and
PostgreSQL (goals: p99 < 50 ms and no errors).

`inwriting serve` runs in its own process on a fresh record (two parties, the two 2021 drafts of the
corpus handed from one to the other and partly answered). The load is an open loop: every request is
sent at its planned time whether or not earlier ones have finished, and its latency counts from that
time, so queueing counts. The RSS of the server's processes (the supervisor and each worker, read
from /proc) is sampled every `--rss-every` seconds, and p50/p99, errors and RSS are printed per window
of `--window` seconds (by planned send time), for runs long enough to show growth or a queue building.

    .venv/bin/python bench/web_load.py [--quick] [--duration S] [--rate R] [--backend sqlite|postgresql]
        [--workers N] [--threads N] [--window S] [--rss-every S]
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    PG_ADMIN_URL,
    ROOT,
    Figure,
    Results,
    fmt,
    parse_args,
    pg_server_version,
    scratch_pg,
    section,
    tree_rss_kib,
)
from _common import _children as children
from _common import _status_kib as status_kib
from inwriting.app import accounts, delegates, drafts, negotiation, registry, setup
from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.domain.events import PartyId
from inwriting.storage.store import Store

GOAL_P99_MS = 50.0
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SERVER = ROOT / ".venv" / "bin" / "inwriting"
RSS_EVERY = [5.0]  # seconds between RSS samples, from --rss-every
WINDOW = [60.0]  # seconds of planned send time a line of the over-time table covers, from --window
TIMEOUT = 10.0  # a request not answered this long after it is sent is an error
CONNECTIONS = 1000  # at most this many requests in flight on their own connections (see `load`)

PROCESS, TRACK = "security-guarantees", "ru-us"
TREATY, AGREEMENT = "ru-us-treaty@v1", "ru-nato-agreement@v1"
PARTIES = {"RU": "ryabkov", "US": "donfried"}  # party -> the delegate whose token it uses
ROLES = ["drafter", "negotiator", "signatory"]
QUERIES = ["security guarantees", "nuclear weapons", "armed forces territory", "consultations", "NATO"]


@dataclass(frozen=True)
class Op:
    """One kind of request in the mix: `weight` in 100, `path` as the OpenAPI names it."""

    name: str
    method: str
    path: str
    weight: int
    write: bool = False


# Reads, 70 in 100: the cheap /me, whole texts (12 KB), the status, due and matrix computations (the
# heaviest), search, and lists that grow with the writes below (so a long run sees them grow), and the
# latest signed checkpoint (a read; one is signed at set-up). Writes, 30 in 100: one signed event each,
# repeatable without end (meeting dates spread over the past year, as a record of past talks).
MIX = [
    Op("me", "GET", "/me", 10),
    Op("version", "GET", "/versions/{version}", 12),
    Op("status", "GET", "/versions/{version}/status", 10),
    Op("due", "GET", "/due", 8),
    Op("matrix", "GET", "/matrix/{scope}", 8),
    Op("search", "GET", "/search", 8),
    Op("commitments", "GET", "/commitments", 5),
    Op("meetings", "GET", "/meetings", 3),
    Op("preconditions", "GET", "/preconditions", 3),
    Op("checkpoint", "GET", "/checkpoints/latest", 3),
    Op("add precondition", "POST", "/preconditions", 10, write=True),
    Op("add commitment", "POST", "/commitments", 10, write=True),
    Op("add meeting", "POST", "/meetings", 10, write=True),
]


# ---- the record --------------------------------------------------------------------------------------


def populate(url: str, keys: Path) -> dict[str, str]:
    """A fresh record through the service layer; returns an API token secret per party."""
    setup.init(url, str(keys), origin="bench.inwriting.local/web-load")
    app = App(Store.open(url), Keystore.resolve(keys))
    try:
        registry.register_party(app, "RU", "Russian Federation", "state", [])
        registry.register_party(app, "US", "United States of America", "state", [])
        for party in PARTIES:
            registry.new_key(app, party)
        registry.new_process(app, PROCESS, "Russian proposals on security guarantees, 2021-2022")
        registry.new_track(app, TRACK, PROCESS, "Bilateral Russia-US talks, Geneva", list(PARTIES))
        for party, delegate in PARTIES.items():
            delegates.add_delegate(
                app, party, delegate=delegate, name=delegate.title(), title="Delegate", roles=ROLES
            )
        for name, version, kind in (
            ("draft_treaty_us_ru_2021-12-17.txt", TREATY, "treaty"),
            ("draft_agreement_nato_ru_2021-12-17.txt", AGREEMENT, "agreement"),
        ):
            drafts.import_draft(
                app,
                CORPUS / name,
                track=TRACK,
                as_party="RU",
                kind=kind,
                document=version.split("@")[0],
                delegate=PARTIES["RU"],
            )
            negotiation.handover(
                app, version, to=["US"], point_by_point=True, date="2021-12-15", delegate=PARTIES["RU"]
            )
            negotiation.receipt(app, version, as_party="US", delegate=PARTIES["US"], date="2021-12-15")
        _partial_answer(app, keys.parent / "answer.md")
        log_cases.checkpoint(app)  # so that GET /checkpoints/latest has one to show
        return {party: accounts.issue_token(app, party, d).secret for party, d in PARTIES.items()}
    finally:
        app.close()


def _partial_answer(app: App, path: Path) -> None:
    """US answers the first half of the treaty's points, so status and matrix have positions to show."""
    template = negotiation.answer_template(app, TREATY, viewer=PartyId("US"))
    lines = template.splitlines()
    positions = ("accept", "reject", "defer", "noted")
    holes = [i for i, line in enumerate(lines) if line.startswith("## ") and line.endswith(": ?")]
    for n, i in enumerate(holes[: len(holes) // 2]):
        lines[i] = lines[i][:-1] + positions[n % len(positions)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    negotiation.answer(app, TREATY, as_party="US", file=path, date="2022-01-26", delegate=PARTIES["US"])


@contextlib.contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(tmp / "inwriting.db")
    else:
        with scratch_pg() as url:
            yield url


# ---- the server ----------------------------------------------------------------------------------


WORKERS = [1]  # server worker processes, from --workers
THREADS: list[int | None] = [None]  # requests a worker works on at once, from --threads


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(
    url: str, keys: Path, log: Path, workers: int = 1
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`inwriting serve` in its own process (with `workers` worker processes); yields it and its API's
    base URL once it answers."""
    port = free_port()
    command = [str(SERVER), "serve", "--db", url, "--keystore", str(keys), "--host", "127.0.0.1"]
    command += ["--workers", str(workers)]
    if THREADS[0] is not None:
        command += ["--threads", str(THREADS[0])]
    with log.open("wb") as out:
        proc = subprocess.Popen([*command, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited ({proc.returncode}): {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer in 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield proc, base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def runqueue_wait_s(pid: int | str) -> float:
    """Time the process's threads spent runnable but waiting for a CPU (summed over its threads):
    on a shared machine, the share of the figures that is the machine's, not the code's."""
    total = 0
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int((task / "schedstat").read_text().split()[1])
    return total / 1e9


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def tree(pid: int) -> list[int]:
    """A process and all its descendants (the server's supervisor and its worker processes)."""
    return [pid, *(p for child in children(pid) for p in tree(child))]


def tree_cpu_seconds(pid: int) -> float:
    return sum(cpu_seconds(p) for p in tree(pid))


def tree_runqueue_wait_s(pid: int) -> float:
    return sum(runqueue_wait_s(p) for p in tree(pid))


def role(pid: int) -> str:
    """supervisor, worker or helper (multiprocessing's resource tracker), from the command line."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if "resource_tracker" in command:
        return "helper"
    return "worker" if "multiprocessing" in command else "supervisor"


def rss_by_process(pid: int) -> dict[int, int]:
    """VmRSS (KiB) of each process of the server's tree now."""
    return {p: status_kib(p, "VmRSS") for p in tree(pid)}


# ---- requests ------------------------------------------------------------------------------------


class Requests:
    """Builds each request of the mix: for which party, to which URL, with which body."""

    def __init__(self, tokens: dict[str, str], seed: int) -> None:
        self._headers = {p: {"Authorization": f"Bearer {s}"} for p, s in tokens.items()}
        self._rng = random.Random(seed)
        self._today = datetime.now(UTC).date()
        self.sent = Counter[str]()

    def headers(self, party: str) -> dict[str, str]:
        return self._headers[party]

    def build(self, op: Op, party: str) -> dict[str, Any]:
        rng, n = self._rng, self.sent[op.name]
        self.sent[op.name] += 1
        other = next(p for p in PARTIES if p != party)
        url = op.path
        params: dict[str, str] = {}
        body: dict[str, Any] | None = None
        if "{version}" in op.path:
            url = url.replace("{version}", rng.choice((TREATY, AGREEMENT)))
        url = url.replace("{scope}", PROCESS)
        if op.name == "search":
            params = {"q": rng.choice(QUERIES), "limit": "20"}
        elif op.name in ("meetings", "preconditions"):
            params = {"track": TRACK}
        elif op.name == "add precondition":
            body = {
                "track": TRACK,
                "text": f"{party} asks, before round {n}, for a written answer on every point.",
                "version": rng.choice((TREATY, None)),
            }
        elif op.name == "add commitment":
            body = {
                "party": party,
                "to": [other],
                "text": f"{party} undertakes to answer {other}'s proposals in writing (round {n}).",
                "form": "spoken",
                "source": f"Remarks to the press after round {n} of the talks",
                "source_kind": "other",
                "track": TRACK,
            }
        elif op.name == "add meeting":
            day = self._today - timedelta(days=rng.randrange(365))
            body = {"track": TRACK, "date": day.isoformat(), "place": "Geneva", "delegates": [], "tabled": []}
        return {
            "method": op.method,
            "url": url,
            "params": params,
            "json": body,
            "headers": self._headers[party],
        }


@dataclass
class Outcome:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # op -> ms
    by_fifth: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))  # 0..4 -> ms
    by_window: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))  # window -> ms
    errors_by_window: Counter[int] = field(default_factory=Counter)
    # (seconds into the run, {pid: VmRSS KiB}, 1-min load average) every RSS_EVERY s
    rss_samples: list[tuple[float, dict[int, int], float]] = field(default_factory=list)
    roles: dict[int, str] = field(default_factory=dict)  # pid -> supervisor | worker | helper
    in_flight: int = 0  # requests sent and not yet answered
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)  # (op, status) -> count
    first_error: dict[tuple[str, str], str] = field(default_factory=dict)  # (op, status) -> a body
    lag_ms: list[float] = field(default_factory=list)  # how late the client sent each request
    rss_kib: list[tuple[float, int]] = field(default_factory=list)  # (seconds into the run, VmRSS)
    sent: int = 0
    sending_s: float = 0.0
    total_s: float = 0.0
    events: int = 0  # log size after the run less before it (warm-up excluded)
    cpu_s: float = 0.0  # the server's CPU time during the run
    server_wait_s: float = 0.0  # the server's threads runnable but without a CPU
    client_wait_s: float = 0.0  # the same for this process (the load generator)
    warm_up: list[str] = field(default_factory=list)  # what the warm-up found amiss


async def fire(
    session: aiohttp.ClientSession,
    base: str,
    op: Op,
    request: dict[str, Any],
    planned: float,
    slots: tuple[int, int],
    out: Outcome,
) -> None:
    """One request; its latency is filed under its fifth of the run and its window (`slots`)."""
    fifth, window = slots
    loop = asyncio.get_running_loop()
    out.lag_ms.append((loop.time() - planned) * 1000)
    out.in_flight += 1
    failure = None
    try:
        async with asyncio.timeout(TIMEOUT):
            async with session.request(
                request["method"],
                base + request["url"],
                params=request["params"],
                json=request["json"],
                headers=request["headers"],
            ) as response:
                body = await response.read()
        if not 200 <= response.status < 300:
            failure = (f"HTTP {response.status}", body[:400].decode(errors="replace"))
    except TimeoutError:
        failure = ("timeout", f"no answer within {TIMEOUT:.0f} s of sending")
    except aiohttp.ClientError as exc:
        failure = (type(exc).__name__, str(exc)[:400])
    elapsed = (loop.time() - planned) * 1000
    out.in_flight -= 1
    out.latencies[op.name].append(elapsed)
    out.by_fifth[fifth].append(elapsed)
    out.by_window[window].append(elapsed)
    if failure:
        out.errors_by_window[window] += 1
        key = (op.name, failure[0])
        out.errors[key] += 1
        out.first_error.setdefault(key, failure[1])


async def sample_rss(pid: int, started: float, out: Outcome, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while True:
        at = max(0.0, loop.time() - started)
        out.rss_kib.append((at, tree_rss_kib(pid)))
        by_pid = rss_by_process(pid)
        for p in by_pid:
            out.roles.setdefault(p, role(p))
        out.rss_samples.append((at, by_pid, os.getloadavg()[0]))
        answered = sum(map(len, out.by_window.values()))
        print(  # progress, so that a long run can be watched (and stopped if it runs away)
            f"  .. {at:.0f} s: {answered:,} answered, {sum(out.errors.values()):,} errors,"
            f" {out.in_flight:,} in flight, server RSS {_mib(sum(by_pid.values()))} MiB,"
            f" load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RSS_EVERY[0])
            return


async def load(
    base: str, pid: int, mix: list[Op], tokens: dict[str, str], rate: float, duration: float
) -> Outcome:
    """Send `rate` requests a second for `duration` seconds, each at its planned time."""
    rng = random.Random(2021)
    requests = Requests(tokens, seed=2022)
    count = round(rate * duration)
    ops = rng.choices(mix, weights=[op.weight for op in mix], k=count)
    parties = rng.choices(list(PARTIES), k=count)
    out = Outcome()
    # The measured requests go out through aiohttp, whose client costs a fraction of httpx's per
    # request: on this 2-core machine the load generator shares the CPUs with the server, and with
    # httpx it took nearly half a core at 200 req/s, so its cost showed up as the server's queueing.
    # (httpx, with one pool of 1,000 connections, was worse: its pool scans every queued request
    # against every connection, which turned a queue of a few hundred requests into a generator
    # bound to its own CPU.) httpx still serves the warm-up and the log size, outside the figures.
    # Idle connections are let go after 2 s, before uvicorn closes them at 5 s: reusing one just as
    # the server closes it is HTTP/1.1's keep-alive race, a reset that a POST must not retry (seen:
    # 10 resets in a 10-minute run with aiohttp's default of 15 s).
    connector = aiohttp.TCPConnector(limit=CONNECTIONS, limit_per_host=0, keepalive_timeout=2.0)
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(connector=connector))
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=TIMEOUT))
        for op in mix:  # warm up: each kind once per party (first-use imports), not counted
            for party in PARTIES:
                response = await client.request(**requests.build(op, party))
                if not 200 <= response.status_code < 300:
                    out.warm_up.append(
                        f"warm-up: {op.method} /api/v1{op.path} as {party}: HTTP {response.status_code}"
                        f" {response.text[:400]!r}"
                    )
        hits = await client.get("/search", params={"q": "security"}, headers=requests.headers("RU"))
        if hits.status_code == 200 and not hits.json()["hits"]:
            out.warm_up.append(
                "GET /search?q=security finds nothing in the corpus drafts (is the index filled on"
                " import?): the search figures are those of a search that finds nothing"
            )
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        size, cpu = await log_size(client, tokens["RU"]), tree_cpu_seconds(pid)
        server_wait, client_wait = tree_runqueue_wait_s(pid), runqueue_wait_s("self")
        started = loop.time() + 0.1
        sampler = asyncio.create_task(sample_rss(pid, started, out, stop))
        tasks = set()
        for i, (op, party) in enumerate(zip(ops, parties, strict=True)):
            planned = started + i / rate
            delay = planned - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            request = requests.build(op, party)
            slots = (5 * i // count, int(i / rate // WINDOW[0]))
            task = asyncio.create_task(fire(session, base, op, request, planned, slots, out))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        out.sent, out.sending_s = count, loop.time() - started
        while tasks:
            await asyncio.gather(*tasks)
        out.total_s = loop.time() - started
        out.cpu_s = tree_cpu_seconds(pid) - cpu
        out.server_wait_s = tree_runqueue_wait_s(pid) - server_wait
        out.client_wait_s = runqueue_wait_s("self") - client_wait
        stop.set()
        await sampler
        out.rss_kib.append((loop.time() - started, tree_rss_kib(pid)))
        out.rss_samples.append((loop.time() - started, rss_by_process(pid), os.getloadavg()[0]))
        out.events = await log_size(client, tokens["RU"]) - size
    return out


def check_routes(base: str, mix: list[Op]) -> list[Op]:
    """The ops whose route the server's OpenAPI lists; the others are reported and left out."""
    paths = httpx.get(f"{base}/openapi.json", timeout=10).json()["paths"]
    found = [op for op in mix if op.method.lower() in paths.get(op.path, {})]
    for op in mix:
        if op not in found:
            print(f"  !! {op.method} /api/v1{op.path} is not in the OpenAPI; left out of the mix", flush=True)
    return found


async def log_size(client: httpx.AsyncClient, token: str) -> int:
    """The log's size as `GET /log` reports it (no checkpoint is signed for it)."""
    response = await client.get("/log", params={"limit": "1"}, headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return int(response.json()["size"])


# ---- figures -------------------------------------------------------------------------------------


@dataclass
class ZeroGoal(Figure):
    """A figure whose goal is exactly zero (Figure's goals are strict bounds)."""

    @property
    def met(self) -> bool | None:
        return self.value == 0

    def goal_text(self) -> str:
        return f"= 0 {self.unit}".rstrip()


def quantile(ordered: list[float], q: float) -> float:
    """The nearest-rank quantile of sorted samples (as `_common.percentiles` takes p99)."""
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def latency_figures(results: Results, label: str, samples: list[float], *, goal: bool = False) -> None:
    ordered = sorted(samples)
    q = {name: quantile(ordered, x) for name, x in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))}
    results.add(f"{label}: p50 latency ({len(ordered):,} requests)", q["p50"], "ms", higher_is_better=False)
    results.add(f"{label}: p90 latency", q["p90"], "ms", higher_is_better=False)
    results.add(
        f"{label}: p99 latency",
        q["p99"],
        "ms",
        goal=GOAL_P99_MS if goal else None,
        higher_is_better=False,
    )
    results.add(f"{label}: max latency", ordered[-1] if ordered else 0.0, "ms", higher_is_better=False)


def report(results: Results, backend: str, mix: list[Op], out: Outcome) -> None:
    by_op = {op.name: op for op in mix}
    for text in out.warm_up:
        results.note(f"{backend}: {text}")
    reads = [ms for name, v in out.latencies.items() if not by_op[name].write for ms in v]
    writes = [ms for name, v in out.latencies.items() if by_op[name].write for ms in v]
    done = len(reads) + len(writes)
    results.add(f"{backend}: requests sent", out.sent, "requests")
    results.add(f"{backend}: achieved rate (sent / sending time)", out.sent / out.sending_s, "req/s")
    results.add(f"{backend}: completed rate (answered / time to last answer)", done / out.total_s, "req/s")
    errors = sum(out.errors.values())
    figure = ZeroGoal(f"{backend}: errors (non-2xx, timeouts, exceptions)", errors, "errors", goal=0)
    results.figures.append(figure)
    print(figure.line(), flush=True)
    for (name, status), n in sorted(out.errors.items(), key=lambda kv: -kv[1]):
        op = by_op[name]
        results.note(
            f"{backend}: {n} x {op.method} /api/v1{op.path} ({name}): {status};"
            f" first body: {out.first_error[name, status]!r}"
        )
    latency_figures(results, f"{backend}: reads", reads)
    latency_figures(results, f"{backend}: writes", writes)
    latency_figures(results, f"{backend}: all", reads + writes, goal=True)
    first, last = (sorted(out.by_fifth[n]) for n in (0, 4))
    for name, q in (("p50", 0.5), ("p99", 0.99)):
        results.add(
            f"{backend}: all: {name} latency, last fifth of the run",
            quantile(last, q),
            "ms",
            higher_is_better=False,
            note=f"first fifth {fmt(quantile(first, q))} ms",
        )
    lag = sorted(out.lag_ms)
    results.add(
        f"{backend}: client send lag p99 (load generator behind plan)",
        quantile(lag, 0.99),
        "ms",
        higher_is_better=False,
        note=f"max {fmt(lag[-1] if lag else 0)} ms",
    )
    ok_writes = len(writes) - sum(n for (name, _), n in out.errors.items() if by_op[name].write)
    results.add(
        f"{backend}: events appended (log size after - before)",
        out.events,
        "events",
        note=f"{ok_writes:,} writes answered 2xx",
    )
    results.add(f"{backend}: server CPU, mean over the run", 100 * out.cpu_s / out.total_s, "% of one core")
    results.add(
        f"{backend}: server threads runnable but waiting for a CPU",
        100 * out.server_wait_s / out.total_s,
        "% of the run",
        note="summed over threads; high means a busy machine",
    )
    results.add(
        f"{backend}: load generator runnable but waiting for a CPU",
        100 * out.client_wait_s / out.total_s,
        "% of the run",
    )
    rss = [kib / 1024 for _, kib in out.rss_kib]
    if rss:
        results.add(f"{backend}: server RSS, first sample", rss[0], "MiB")
        results.add(f"{backend}: server RSS, last sample", rss[-1], "MiB")
        results.add(f"{backend}: server RSS, max", max(rss), "MiB")
        results.add(f"{backend}: server RSS growth, first to last", 100 * (rss[-1] / rss[0] - 1), "%")
        step = max(1, len(out.rss_kib) // 40)
        shown = ", ".join(f"{s:.0f}s {kib / 1024:.0f}" for s, kib in out.rss_kib[::step])
        results.note(f"{backend}: server RSS (MiB) every {RSS_EVERY[0] * step:.0f} s: {shown}")
    over_time(results, backend, out)
    heads = ("p50 ms", "p90 ms", "p99 ms", "max ms")
    print(f"  {'request':<20} {'count':>7} {'errors':>7} " + " ".join(f"{h:>8}" for h in heads))
    for op in mix:
        ordered = sorted(out.latencies.get(op.name, []))
        failed = sum(n for (name, _), n in out.errors.items() if name == op.name)
        cells = [
            quantile(ordered, 0.5),
            quantile(ordered, 0.9),
            quantile(ordered, 0.99),
            ordered[-1] if ordered else 0,
        ]
        print(f"  {op.name:<20} {len(ordered):>7,} {failed:>7,} " + " ".join(f"{fmt(c):>8}" for c in cells))


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def over_time(results: Results, backend: str, out: Outcome) -> None:
    """p50/p99, errors, RSS of each server process and the load average per window; and the growth of
    the workers' RSS from the first window to the last (the memory goal: < 10 %)."""
    width = WINDOW[0]
    workers = [p for p, r in sorted(out.roles.items()) if r == "worker"] or [
        p for p, r in sorted(out.roles.items()) if r == "supervisor"
    ]
    others = [p for p, r in sorted(out.roles.items()) if p not in workers and r != "gone"]
    names = [f"w{n} {p}" for n, p in enumerate(workers, 1)] + [f"{out.roles[p][:5]} {p}" for p in others]
    print(f"\n  over time ({backend}; windows of {width:.0f} s by planned send time; RSS in MiB, the")
    print("  last sample in the window; load = 1-min load average then)")
    heads = ["window", "requests", "errors", "p50 ms", "p99 ms", *names, "workers", "load"]
    print("  " + " | ".join(heads))
    rows = []
    for w in sorted(out.by_window):
        ordered = sorted(out.by_window[w])
        inside = [x for x in out.rss_samples if w * width <= x[0] < (w + 1) * width] or out.rss_samples[-1:]
        _, rss, load_avg = inside[-1] if inside else (0.0, {}, 0.0)
        minutes = f"{w * width / 60:g}-{(w + 1) * width / 60:g} min"
        cells = [
            minutes if width % 60 == 0 else f"{w * width:.0f}-{(w + 1) * width:.0f} s",
            f"{len(ordered):,}",
            f"{out.errors_by_window[w]:,}",
            fmt(quantile(ordered, 0.5)),
            fmt(quantile(ordered, 0.99)),
            *(_mib(rss.get(p, 0)) for p in workers + others),
            _mib(sum(rss.get(p, 0) for p in workers)),
            f"{load_avg:.2f}",
        ]
        rows.append(cells)
        print("  " + " | ".join(cells), flush=True)
    results.note(
        f"{backend}: over time (window, requests, errors, p50, p99, RSS {' '.join(names)}, workers, load):"
        + "; ".join(" ".join(r) for r in rows)
    )
    samples = [(at, sum(rss.get(p, 0) for p in workers)) for at, rss, _ in out.rss_samples]
    if len(samples) >= 2 and samples[0][1]:
        first = sorted(k for at, k in samples if at < width) or [samples[0][1]]
        end = out.rss_samples[-1][0]
        last = sorted(k for at, k in samples if at >= end - width) or [samples[-1][1]]
        start_kib, end_kib = first[len(first) // 2], last[len(last) // 2]
        results.add(
            f"{backend}: workers' RSS growth, median of the first window to median of the last",
            100 * (end_kib / start_kib - 1),
            "%",
            goal=10.0,
            higher_is_better=False,
            note=f"{_mib(start_kib)} -> {_mib(end_kib)} MiB; max {_mib(max(k for _, k in samples))} MiB",
        )
        results.add(
            f"{backend}: workers' RSS growth, first sample to last",
            100 * (samples[-1][1] / samples[0][1] - 1),
            "%",
            note=f"{_mib(samples[0][1])} -> {_mib(samples[-1][1])} MiB",
        )


def run_backend(results: Results, backend: str, rate: float, duration: float) -> None:
    section(f"{backend}: {fmt(rate)} req/s for {fmt(duration)} s, open loop, 70% reads / 30% writes")
    with tempfile.TemporaryDirectory(prefix=f"inwriting-web-load-{backend}-") as name:
        tmp = Path(name)
        with database(backend, tmp) as url:
            keys = tmp / "keys"
            started = time.perf_counter()
            tokens = populate(url, keys)
            print(f"  record populated through the service layer in {time.perf_counter() - started:.1f} s")
            with server(url, keys, tmp / "server.log", WORKERS[0]) as (proc, base):
                mix = check_routes(base, MIX)
                load_before = os.getloadavg()[0]
                out = asyncio.run(load(base, proc.pid, mix, tokens, rate, duration))
                load_after = os.getloadavg()[0]
            tail = (tmp / "server.log").read_text(errors="replace").strip().splitlines()[1:]
        report(results, backend, mix, out)
        results.note(
            f"{backend}: 1-min load average {load_before:.2f} before the load, {load_after:.2f} after"
            f" ({os.cpu_count()} logical CPUs; the load generator shares them with the server)"
        )
        if tail:  # the first line is serve's banner; anything after it is the server complaining
            results.note(
                f"{backend}: the server wrote {len(tail)} lines to its log; last: {tail[-1][:300]!r}"
            )


def main() -> None:
    args = parse_args(
        __doc__.split("\n\n")[0].replace("\n", " "),
        [
            ("--duration", {"type": float, "help": "seconds of load per backend (default 60; --quick: 10)"}),
            ("--rate", {"type": float, "default": 200.0, "help": "requests a second (default 200)"}),
            ("--backend", {"action": "append", "choices": ("sqlite", "postgresql"), "help": "repeatable"}),
            ("--workers", {"type": int, "default": 1, "help": "server worker processes (default 1)"}),
            ("--threads", {"type": int, "help": "serve --threads (default: serve's)"}),
            ("--window", {"type": float, "default": 60.0, "help": "seconds a line over time covers (60)"}),
            ("--rss-every", {"type": float, "default": 5.0, "help": "seconds between RSS samples (5)"}),
        ],
    )
    WORKERS[0], WINDOW[0], RSS_EVERY[0] = args.workers, args.window, args.rss_every
    THREADS[0] = args.threads
    if args.workers > 1:
        print(f"server: {args.workers} worker processes (RSS is read for each process of the server)")
    duration = args.duration or (10.0 if args.quick else 60.0)
    results = Results("web_load")
    mix_text = ", ".join(f"{op.method} {op.path} {op.weight}%" for op in MIX)
    print(f"mix: {mix_text}; each request as RU or US (one token each), chosen at random")
    for backend in args.backend or ("sqlite", "postgresql"):
        if backend == "postgresql" and pg_server_version() is None:
            section("postgresql")
            results.note(f"postgresql skipped: no server answers at {PG_ADMIN_URL}")
            continue
        run_backend(results, backend, args.rate, duration)
    results.finish(args.json)


if __name__ == "__main__":
    main()
