"""Every benchmark, one after another, each in its own process, after the machine's details.

    .venv/bin/python bench/run_all.py [--quick] [--json FILE] [--only NAME ...]

Ends with a Markdown table of every figure that has a goal (as in docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, fmt, parse_args, print_machine, section

BENCHES = (
    "verify_rate",
    "appends",
    "proofs",
    "redline",
    "matrix",
    "docx_import",
    "instrument_pdf",
    "search",
    "alignment",
    "backup",
    "web_load",
)


def code_version() -> str:
    """The commit benchmarked, and whether the work tree differs from it (read-only git calls)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git work tree)"
    changed = len(status.splitlines())
    return f"{commit}" + (f" + {changed} modified files in src/" if changed else " (src/ clean)")


def main() -> None:
    args = parse_args(
        __doc__.split("\n\n")[0],
        [
            (
                "--only",
                {"action": "append", "choices": BENCHES, "help": "run only this benchmark (repeatable)"},
            ),
        ],
    )
    started = time.perf_counter()
    print(
        f"inwriting benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC,"
        f" {'quick (smoke) sizes' if args.quick else 'full sizes'}"
    )
    info = print_machine()
    info["code"] = code_version()
    import inwriting

    info["inwriting imported from"] = str(Path(inwriting.__file__).parent)
    print(f"  {'code':<20} {info['code']}")
    print(f"  {'inwriting from':<20} {info['inwriting imported from']}")
    runs: dict[str, dict[str, object]] = {}
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="inwriting-bench-") as tmp:
        for name in args.only or BENCHES:
            section(f"bench/{name}.py{' --quick' if args.quick else ''}")
            out = Path(tmp) / f"{name}.json"
            command = [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--json", str(out)]
            if args.quick:
                command.append("--quick")
            before = code_version()
            code = subprocess.run(command, env=os.environ.copy()).returncode
            after = code_version()
            if after != before:
                info[f"code during {name}"] = f"{before} -> {after}"
                print(f"!! the code changed while bench/{name}.py ran: {before} -> {after}", flush=True)
            if code != 0 or not out.exists():
                failed.append(name)
                print(f"!! bench/{name}.py failed (exit status {code})", flush=True)
                continue
            runs[name] = json.loads(out.read_text(encoding="utf-8"))

    changed = {key: value for key, value in info.items() if key.startswith("code during")}
    if changed:
        section("warning: the code changed during the run; figures mix versions")
        for key, value in changed.items():
            print(f"  {key}: {value}")
    section("summary: figures with a goal")
    print("| benchmark | figure | value | goal | met |")
    print("| --- | --- | ---: | --- | --- |")
    for name, run in runs.items():
        for figure in run["figures"]:  # type: ignore[attr-defined]
            if figure["goal"] is None:
                continue
            print(
                f"| {name} | {figure['name']} | {fmt(figure['value'])} {figure['unit']} |"
                f" {figure['goal_text']} | {'yes' if figure['met'] else '**no**'} |"
            )
    total = time.perf_counter() - started
    print(f"\nall benchmarks: {total / 60:.1f} min" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "runs": runs, "failed": failed, "seconds": total}, indent=2),
            encoding="utf-8",
        )
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
