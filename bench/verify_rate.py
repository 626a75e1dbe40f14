"""How fast a bundle verifies, against how fast libsodium can check Ed25519 signatures on this machine.

(a) bare PyNaCl verify rate (64-byte signature, ~300-byte message) on one thread and on every core;
(b) a bundle of 1,000,000 signed events, made with the record primitives and no database;
(c) `verify_bundle` on it, in a fresh process that does nothing else: events/s, the ratio to the bare
    all-core rate (goal ≥ 0.7) and peak memory, also at 100k events to show memory does not grow.

    .venv/bin/python bench/verify_rate.py [--quick] [--profile] [--keep DIR]
"""

from __future__ import annotations

import cProfile
import hashlib
import io
import json
import os
import pstats
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nacl.signing
import rfc8785

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Results, TreeRssSampler, fmt, parse_args, section, vm_hwm_mib
from inwriting.domain import events as ev
from inwriting.domain.events import Actor, Event
from inwriting.record import merkle
from inwriting.record.bundle import Header, Visible, verify_bundle, write_bundle
from inwriting.record.checkpoint import Checkpoint, sign_checkpoint
from inwriting.record.envelope import SignedEvent, hash_ref
from inwriting.record.keys import EVENT_DOMAIN, SigningKey, b64
from inwriting.record.note import NoteSigner
from inwriting.record.verifier import key_proof_message

ORIGIN = "bench.inwriting.local/log"
PARTIES = ("ua", "ru", "us", "eu", "osce")
GOAL_RATIO = 0.7


# ---- (a) bare Ed25519 -----------------------------------------------------------------------------


def bare_rates(count: int, repeats: int = 3) -> tuple[float, float, int]:
    """Signatures/s checked by VerifyKey.verify on one thread and on os.cpu_count() threads."""
    key = nacl.signing.SigningKey(hashlib.sha256(b"bench bare").digest())
    verify_key = key.verify_key
    messages = [EVENT_DOMAIN + os.urandom(280) for _ in range(count)]  # ~300 bytes like an event
    signatures = [key.sign(m).signature for m in messages]
    threads = os.cpu_count() or 1
    chunk = 512

    def run(start: int) -> None:
        for m, s in zip(messages[start : start + chunk], signatures[start : start + chunk], strict=True):
            verify_key.verify(m, s)

    single, multi = [], []
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, range(0, min(count, 4 * chunk), chunk)))  # warm up the threads
        for _ in range(repeats):
            started = time.perf_counter()
            for m, s in zip(messages, signatures, strict=True):
                verify_key.verify(m, s)
            single.append(count / (time.perf_counter() - started))
            started = time.perf_counter()
            list(pool.map(run, range(0, count, chunk)))
            multi.append(count / (time.perf_counter() - started))
    return sorted(single)[repeats // 2], sorted(multi)[repeats // 2], threads


# ---- (b) a synthetic bundle ----------------------------------------------------------------------


def _seed(name: str) -> bytes:
    return hashlib.sha256(b"inwriting bench key " + name.encode()).digest()


class _Times:
    """Event times that never go backwards: 1000 events per second of a fixed day."""

    base = datetime(2026, 11, 23, tzinfo=UTC)

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, seq: int) -> str:
        second = seq // 1000
        if second != self._second:
            self._second = second
            self._prefix = (self.base + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._prefix}.{seq % 1000:06d}Z"


def _canonical_fast(obj: dict[str, Any]) -> bytes:
    # For ASCII strings and small integers json.dumps with sorted keys is byte-for-byte RFC 8785;
    # the generator checks that against rfc8785 on a sample of events.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def generate_bundle(path: Path, events: int) -> dict[str, float]:
    """Write a bundle of `events` leaves: genesis, parties and their keys, then operator events.

    Every event's `prev` is the hash of the leaf before it, which covers that leaf's signature, so
    the chain is signed strictly in order: there is nothing for a process pool to sign in parallel.
    """
    started = time.perf_counter()
    operator = SigningKey(_seed("operator"))
    op_nacl = nacl.signing.SigningKey(operator.seed)  # sign without re-deriving the key every time
    log_signer = NoteSigner(ORIGIN, _seed("log"))
    frontier = merkle.Frontier()
    times = _Times()
    head = bytes(32)
    spool_path = path.with_name(path.name + ".spool")
    checked = 0

    with open(spool_path, "wb") as spool:

        def put(event_bytes: bytes, signature: bytes) -> None:
            nonlocal head
            spool.write(struct.pack("<I", len(event_bytes)) + event_bytes + signature)
            head = merkle.leaf_hash(signature + event_bytes)
            frontier.append(head)

        def setup_event(type_: ev.EventType, body: dict[str, Any]) -> None:
            seq = frontier.size
            event = Event(
                type=type_,
                id=f"setup-{seq}",
                seq=seq,
                prev=hash_ref(head),
                time=times(seq),
                actor=Actor(ev.OPERATOR, operator.key_id),
                body=body,
            )
            signed = SignedEvent.sign(event, operator)  # the real path: rfc8785 and SigningKey
            put(signed.event_bytes, signed.signature)

        setup_event(
            ev.GENESIS,
            {
                "origin": ORIGIN,
                "log_key": log_signer.vkey,
                "operator": {
                    "key_id": operator.key_id,
                    "public_key": operator.public.b64,
                    "proof": b64(operator.sign(key_proof_message(ev.OPERATOR, operator.key_id))),
                },
            },
        )
        for party in PARTIES:
            setup_event(
                ev.PARTY_REGISTERED,
                {"party": party, "name": f"Party {party}", "kind": "state", "members": []},
            )
            key = SigningKey(_seed(party))
            setup_event(
                ev.KEY_ADDED,
                {
                    "party": party,
                    "key_id": key.key_id,
                    "public_key": key.public.b64,
                    "proof": b64(key.sign(key_proof_message(party, key.key_id))),
                },
            )

        actor = Actor(ev.OPERATOR, operator.key_id).to_json()
        sample = max(1, events // 50)
        for seq in range(frontier.size, events):
            obj = {
                "v": ev.VERSION,
                "type": ev.PROCESS_CREATED,
                "id": f"{seq:08x}-0000-4000-8000-{seq:012x}",
                "seq": seq,
                "prev": hash_ref(head),
                "time": times(seq),
                "track": None,
                "actor": actor,
                "body": {"process": f"p{seq}", "title": f"Benchmark process number {seq}"},
            }
            event_bytes = _canonical_fast(obj)
            if seq % sample == 0 or seq < 100:
                if bytes(rfc8785.dumps(obj)) != event_bytes:
                    raise AssertionError(f"event {seq} is not RFC 8785 canonical")
                checked += 1
            put(event_bytes, op_nacl.sign(EVENT_DOMAIN + event_bytes).signature)
    signed_at = time.perf_counter()

    note = sign_checkpoint(Checkpoint(ORIGIN, frontier.size, frontier.root()), log_signer)
    header = Header(ORIGIN, log_signer.vkey, frontier.size, [note], None, "2026-11-23T00:00:00.000000Z")

    def entries() -> Iterator[Visible]:
        with open(spool_path, "rb") as spool:
            seq = 0
            while True:
                prefix = spool.read(4)
                if not prefix:
                    return
                (length,) = struct.unpack("<I", prefix)
                data = spool.read(length + 64)
                yield Visible(seq, data[:length], data[length:])
                seq += 1

    try:
        written = write_bundle(path, header, entries())
    finally:
        spool_path.unlink(missing_ok=True)
    assert written == events
    return {
        "sign_seconds": signed_at - started,
        "write_seconds": time.perf_counter() - signed_at,
        "bytes": path.stat().st_size,
        "canonical_checked": checked,
    }


# ---- (c) verifying -------------------------------------------------------------------------------


def verify_in_subprocess(path: Path, workers: int | None = None) -> dict[str, Any]:
    """Run verify_bundle in a fresh interpreter that does nothing else; returns its JSON line."""
    command = [sys.executable, __file__, "--verify-only", str(path)]
    if workers is not None:
        command += ["--workers", str(workers)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _verify_only(path: Path, workers: int | None) -> None:
    baseline = vm_hwm_mib()
    with TreeRssSampler() as sampler:
        started = time.perf_counter()
        report = verify_bundle(path, workers=workers)
        seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "events": report.events,
                "size": report.size,
                "peak_rss_mib": vm_hwm_mib(),
                "import_rss_mib": baseline,
                "tree_rss_mib": sampler.peak_mib,
            }
        )
    )


def time_cli(path: Path) -> float | None:
    """Peak RSS (MiB) of `inwriting verify FILE --json` under /usr/bin/time -v, if both exist."""
    cli = Path(sys.executable).with_name("inwriting")
    if not Path("/usr/bin/time").exists() or not cli.exists():
        return None
    proc = subprocess.run(
        ["/usr/bin/time", "-v", str(cli), "verify", str(path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in proc.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1]) / 1024
    return None


def profile(path: Path, top: int = 22) -> str:
    """cProfile of the main thread of verify_bundle (signature checks run on worker threads)."""
    profiler = cProfile.Profile()
    profiler.enable()
    verify_bundle(path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def _find_pyspy() -> str | None:
    found = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if found:
        return found
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else None


def pyspy_profile(path: Path, top: int = 25) -> str | None:
    """Sample a fresh verify (and its worker processes) with py-spy; self and total time per function.

    py-spy is optional: put it on PATH or name it in $PY_SPY (`pip install --target DIR py-spy`).
    """
    spy = _find_pyspy()
    if spy is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "raw.txt"
        proc = subprocess.run(
            [
                spy,
                "record",
                "--subprocesses",
                "--format",
                "raw",
                "--rate",
                "250",
                "--output",
                str(out),
                "--",
                sys.executable,
                __file__,
                "--verify-only",
                str(path),
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0 or not out.exists():
            return f"(py-spy failed: {proc.stderr.strip()[-300:]})"
        self_time: Counter[str] = Counter()
        total_time: Counter[str] = Counter()
        samples = 0
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = [f for f in stack.split(";") if not f.startswith("process ")]
            if not frames:
                continue
            n = int(count)
            samples += n
            self_time[_short(frames[-1])] += n
            for name in {_short(f) for f in frames}:
                total_time[name] += n
    lines = [
        f"{samples} samples over all processes and threads (idle threads excluded)",
        "",
        f"{'self %':>7} {'total %':>8}  function (file)",
    ]
    for name, n in self_time.most_common(top):
        lines.append(f"{100 * n / samples:7.1f} {100 * total_time[name] / samples:8.1f}  {name}")
    lines += ["", "inwriting functions by total time:"]
    ours = [(name, n) for name, n in total_time.most_common() if "inwriting/" in name][:top]
    lines += [f"        {100 * n / samples:8.1f}  {name}" for name, n in ours]
    return "\n".join(lines)


def _short(frame: str) -> str:
    # "func (/path/to/site-packages/pkg/mod.py:12)" -> "func (pkg/mod.py)": one row per function
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("/src/", "/site-packages/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})" if where else name


def main() -> None:
    args = parse_args(
        __doc__.split("\n\n")[0],
        [
            ("--profile", {"action": "store_true", "help": "always print a cProfile of the verify"}),
            ("--verify-only", {"metavar": "BUNDLE", "help": argparse_suppress()}),
            ("--workers", {"type": int, "help": argparse_suppress()}),
            ("--keep", {"metavar": "DIR", "help": "write the bundles to DIR and keep them"}),
        ],
    )
    if args.verify_only:
        _verify_only(Path(args.verify_only), args.workers)
        return
    big, small = (20_000, 5_000) if args.quick else (1_000_000, 100_000)
    results = Results("verify_rate")

    section("(a) bare Ed25519 verify, PyNaCl VerifyKey.verify, 64-byte signature + ~300-byte message")
    bare_count = 5_000 if args.quick else 40_000
    single, multi, threads = bare_rates(bare_count)
    results.add("bare verify, 1 thread", single, "sig/s")
    results.add(
        f"bare verify, {threads} threads (ThreadPoolExecutor)",
        multi,
        "sig/s",
        note=f"{multi / single:.2f}x one thread",
    )

    runs: dict[int, dict[str, Any]] = {}
    serial_rate = 0.0
    with tempfile.TemporaryDirectory(prefix="inwriting-bench-", dir=args.keep) as tmp:
        folder = Path(args.keep or tmp)
        for events in (small, big):
            section(f"(b) generate a bundle of {events:,} events")
            path = folder / f"bundle-{events}.jsonl"
            gen = generate_bundle(path, events)
            print(
                f"  signed in {gen['sign_seconds']:.1f} s, written in {gen['write_seconds']:.1f} s,"
                f" {gen['bytes'] / 2**20:.0f} MiB, {gen['canonical_checked']} events checked against"
                " rfc8785"
            )
            section(f"(c) verify_bundle on {events:,} events (a fresh process, default workers)")
            run = runs[events] = verify_in_subprocess(path)
            rate = run["events"] / run["seconds"]
            results.add(f"verify_bundle {events:,} events: time", run["seconds"], "s")
            results.add(f"verify_bundle {events:,} events: rate", rate, "events/s")
            results.add(
                f"verify_bundle {events:,} events: peak RSS",
                run["peak_rss_mib"],
                "MiB",
                note=f"VmHWM of the verifying process; {run['import_rss_mib']:.0f} MiB after imports",
            )
            results.add(
                f"verify_bundle {events:,} events: peak RSS, process and workers",
                run["tree_rss_mib"],
                "MiB",
                note="sum over the process tree, sampled every 50 ms",
            )
            if events == small:
                serial = verify_in_subprocess(path, workers=1)
                serial_rate = serial["events"] / serial["seconds"]
                results.add(f"verify_bundle {events:,} events, workers=1: rate", serial_rate, "events/s")
                cli = time_cli(path)
                if cli is not None:
                    results.add(
                        f"`inwriting verify --json` {events:,} events: max RSS (/usr/bin/time)", cli, "MiB"
                    )

        section("(a) again: bare Ed25519 verify after the bundles (the machine may be shared)")
        single_after, multi_after, _ = bare_rates(bare_count)
        results.add("bare verify, 1 thread (after)", single_after, "sig/s")
        results.add(f"bare verify, {threads} threads (after)", multi_after, "sig/s")
        reference = max(multi, multi_after)
        results.add(
            f"verify_bundle {small:,} events, workers=1: work per event besides the signature check",
            1e6 / serial_rate - 1e6 / max(single, single_after),
            "µs",
            note="1/serial rate - 1/bare 1-thread rate",
        )
        section(f"(c) ratio to the bare all-core rate (the higher of the two: {fmt(reference)} sig/s)")
        for events, run in runs.items():
            results.add(
                f"verify_bundle {events:,} events: rate / bare all-core rate",
                run["events"] / run["seconds"] / reference,
                "",
                goal=GOAL_RATIO,
            )
        for suffix in (": peak RSS", ": peak RSS, process and workers"):
            sizes = [f for f in results.figures if f.name.endswith(suffix)]
            if len(sizes) == 2:
                results.note(
                    f"{suffix[2:]} at {big:,} vs {small:,} events: {fmt(sizes[1].value)} vs"
                    f" {fmt(sizes[0].value)} MiB (bounded if about equal)"
                )
        ratio = runs[big]["events"] / runs[big]["seconds"] / reference
        if args.profile or not args.quick or ratio < GOAL_RATIO:
            target = folder / f"bundle-{small}.jsonl"
            spy = pyspy_profile(target)
            if spy:
                section(f"profile: verify_bundle on {small:,} events, every process (py-spy)")
                print(spy)
            else:
                print("\n(py-spy not found: set PY_SPY or put py-spy on PATH for a profile of the workers)")
            section(f"profile: verify_bundle on {small:,} events, main process only (cProfile)")
            print(profile(target))
    results.finish(args.json)


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
