"""`matrix` for 193 parties x 1,000 points (goal < 300 ms), on a real SQLite record.

One party tables a 1,000-point draft (250 articles of 3 paragraphs) on a track of 193 parties and
hands it over point by point; the other 192 answer through the service layer, each leaving about a
tenth of the points open and some answering whole articles. Then `app.negotiation.matrix` (load the
hand-overs, answers and text, compute every recipient's coverage and the grid) is timed end to end,
and the pure grid computation on its own.

    .venv/bin/python bench/matrix.py [--quick]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Results, parse_args, section
from inwriting.app import drafts, negotiation, registry, setup
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.domain.matrix import VersionColumns, build_matrix
from inwriting.domain.model import POSITIONS
from inwriting.storage.store import Store

GOAL_MS = 300.0


def draft_text(articles: int) -> str:
    rng = random.Random(7)
    words = ["parties", "shall", "security", "measures", "territory", "forces", "consult", "notify", "agree"]
    lines = ["Treaty for the benchmark", ""]
    for a in range(1, articles + 1):
        lines.append(f"Article {a}")
        for p in range(1, 4):
            lines.append(f"{p}. " + " ".join(rng.choice(words) for _ in range(30)) + ".")
        lines.append("")
    return "\n".join(lines)


def answer_text(rng: random.Random, articles: int) -> str:
    blocks = ["# Answer"]
    for a in range(1, articles + 1):
        if rng.random() < 0.1:
            continue  # left open
        if rng.random() < 0.3:
            blocks.append(f"## {{art_{a}}}: {rng.choice(['accept', 'reject', 'noted', 'defer'])}")
            continue
        for p in range(1, 4):
            position = rng.choice(POSITIONS)
            blocks.append(f"## {{art_{a}__para_{p}}}: {position}")
            if position in ("amend", "counter", "clarify"):
                blocks.append("> Some words of text.")
    return "\n\n".join(blocks) + "\n"


def main() -> None:
    args = parse_args(__doc__ or "", [])
    parties, articles = (20, 50) if args.quick else (193, 250)
    results = Results("matrix")
    section(f"matrix: {parties} parties x {articles * 4} points")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db, keys = str(root / "m.db"), str(root / "keys")
        setup.init(db, keys, origin="bench.inwriting.local/matrix")
        app = App(Store.open(db), Keystore.resolve(keys))
        started = time.perf_counter()
        names = [f"P{i:03d}" for i in range(parties)]
        for name in names:
            registry.register_party(app, name, f"State {name}")
            registry.new_key(app, name)
        registry.new_process(app, "bench", "Benchmark process")
        registry.new_track(app, "all", "bench", "Plenary", names)
        (root / "draft.txt").write_text(draft_text(articles), encoding="utf-8")
        imported = drafts.import_draft(app, root / "draft.txt", track="all", as_party=names[0], document="d")
        negotiation.handover(
            app, imported.version, to=names[1:], point_by_point=True, due="2026-01-31", date="2026-01-01"
        )
        rng = random.Random(11)
        for name in names[1:]:
            path = root / f"{name}.md"
            path.write_text(answer_text(rng, articles), encoding="utf-8")
            negotiation.answer(app, imported.version, as_party=name, file=path, date="2026-01-20")
        results.note(
            f"set-up: {parties} parties, {parties - 1} answers in {time.perf_counter() - started:.1f} s"
        )
        samples, grid = [], None
        for _ in range(7):
            t0 = time.perf_counter()
            grid = negotiation.matrix(app, "all")
            samples.append((time.perf_counter() - t0) * 1000)
        assert grid is not None
        cells = sum(len(r.cells) for r in grid.rows)
        results.add(
            f"matrix {len(grid.columns)} parties x {len(grid.rows)} points (median of 7)",
            statistics.median(samples),
            "ms",
            goal=GOAL_MS,
            higher_is_better=False,
            note=f"{cells:,} cells, end to end from the database",
        )
        statuses = negotiation._statuses(app, [imported.version], members=False)
        parts = [VersionColumns(v.id, v.author, outline, s) for v, outline, s in statuses]
        pure = []
        for _ in range(7):
            t0 = time.perf_counter()
            build_matrix(parts)
            pure.append((time.perf_counter() - t0) * 1000)
        results.add(
            "grid alone (coverage already computed)", statistics.median(pure), "ms", higher_is_better=False
        )
        app.close()
    results.finish(args.json)


if __name__ == "__main__":
    main()
