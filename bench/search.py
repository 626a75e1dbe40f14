"""Full-text search: index 1,000 versions of 50 points each and time queries, on SQLite and PostgreSQL.

Versions are recorded 100 to a unit of work (as `drafts.import_draft` records one: blob, then event),
alternately on two tracks, so that US sees half of them, RU all, and PL none. Figures: the time to
record them (which includes indexing each as it is appended, once the recorder calls
`storage.search.index_event`), the time to index them all again (`reindex`, what `inwriting rebuild`
does), and the p50/p99 of `app.search.search` per viewer over a mix of queries (one frequent word, a
rare word, two and three words, six words, a word found nowhere).

    .venv/bin/python bench/search.py [--quick] [--backend sqlite|postgresql] [--rounds N]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Results, StepClock, parse_args, percentiles, pg_server_version, scratch_pg, section
from inwriting.app import registry, setup
from inwriting.app.context import App
from inwriting.app.drafts import MEDIA_TYPE
from inwriting.app.keystore import Keystore
from inwriting.app.recorder import record_in
from inwriting.app.search import search
from inwriting.domain import events as ev
from inwriting.domain.documents import DraftText, Point, draft_to_json, outline
from inwriting.domain.events import PartyId
from inwriting.record.blob import blob_hash, new_salt
from inwriting.record.canonical import canonical
from inwriting.storage import search as index
from inwriting.storage.store import Store
from redline import VOCABULARY, paragraph

ARTICLES, PARAGRAPHS = 10, 4  # 10 articles of 4 paragraphs: 50 points a version
RARE = "zirconium"  # put into one point in a hundred
GOAL_P50_MS = 50.0
QUERIES = (
    "parties",
    RARE,
    "nuclear weapons",
    "heavy bombers territory",
    "the parties shall not deploy forces",
    "xylophone",
)
VIEWERS: tuple[tuple[str, PartyId | None], ...] = (
    ("the operator (sees all)", None),
    ("RU (sees all, by authorship)", PartyId("RU")),
    ("US (sees half: one track)", PartyId("US")),
    ("PL (sees none)", PartyId("PL")),
)


@contextmanager
def open_app(backend: str, tmp: Path) -> Iterator[App]:
    with _database(backend, tmp) as url:
        keys = tmp / f"keys-{backend}"
        setup.init(url, str(keys), origin=f"bench.inwriting.local/search-{backend}")
        app = App(Store.open(url), Keystore.resolve(keys), clock=StepClock())
        try:
            yield app
        finally:
            app.close()


@contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(tmp / "search.db")
    else:
        with scratch_pg() as url:
            yield url


def draft(rng: random.Random, number: int) -> DraftText:
    points = []
    for a in range(1, ARTICLES + 1):
        eid = f"art_{a}"
        children = []
        for n in range(1, PARAGRAPHS + 1):
            words = paragraph(rng)
            if rng.random() < 0.01:
                words.insert(rng.randrange(len(words)), RARE)
            children.append(Point(f"{eid}__para_{n}", f"{n}.", " ".join(words)))
        heading = " ".join(rng.choice(VOCABULARY) for _ in range(3)).capitalize()
        points.append(Point(eid, f"Article {a}", "", heading, tuple(children)))
    title = f"Treaty on measures, draft {number}"
    return DraftText(title, " ".join(paragraph(rng)), tuple(points))


def populate(app: App) -> None:
    for party in ("RU", "US", "DE", "PL"):
        registry.register_party(app, party, f"Party {party}")
    registry.new_key(app, "RU")
    registry.new_process(app, "p", "Benchmark talks")
    registry.new_track(app, "ru-us", "p", "Bilateral", ["RU", "US"])
    registry.new_track(app, "ru-de", "p", "Bilateral", ["RU", "DE"])


def record_versions(app: App, count: int, rng: random.Random) -> float:
    """Seconds to record `count` versions, 100 to a unit of work."""
    started = time.perf_counter()
    for start in range(0, count, 100):
        with app.store.write() as writer:
            for number in range(start, min(count, start + 100)):
                text = draft(rng, number)
                content = canonical(draft_to_json(text))
                salt = new_salt()
                digest = blob_hash(salt, content)
                writer.add_blob(digest, salt, MEDIA_TYPE, content)
                body = {
                    "document": f"d{number}",
                    "version": f"d{number}@v1",
                    "kind": "treaty",
                    "title": text.title,
                    "based_on": None,
                    "content": digest,
                    "outline": outline(text),
                    "audience": "track",
                    "audience_parties": [],
                }
                track = "ru-us" if number % 2 == 0 else "ru-de"
                record_in(app, writer, PartyId("RU"), ev.VERSION_CREATED, body, track=track)
    return time.perf_counter() - started


def bench_backend(backend: str, count: int, rounds: int, results: Results) -> None:
    section(f"{backend}: {count:,} versions of {ARTICLES * (PARAGRAPHS + 1)} points")
    rng = random.Random(2022)
    with tempfile.TemporaryDirectory() as tmp, open_app(backend, Path(tmp)) as app:
        populate(app)
        seconds = record_versions(app, count, rng)
        with app.store.read() as conn:
            live_rows = index.count(conn)
        hooked = live_rows > 0
        results.add(
            f"{backend}: record {count:,} versions (100 a unit of work)",
            seconds,
            "s",
            higher_is_better=False,
            note="indexed as appended" if hooked else "the recorder does not index yet",
        )
        with app.store.engine.begin() as conn:
            started = time.perf_counter()
            rows = index.reindex(conn)
            reindex_s = time.perf_counter() - started
        results.add(
            f"{backend}: reindex {count:,} versions ({rows:,} rows)", reindex_s, "s", higher_is_better=False
        )
        results.add(f"{backend}: reindex rate", rows / reindex_s, "rows/s")
        if hooked and live_rows != rows:
            results.note(f"{backend}: {live_rows} rows indexed on append, {rows} by reindex")
        for name, viewer in VIEWERS:
            samples: list[float] = []
            found = 0
            for _ in range(rounds):
                for query in QUERIES:
                    started = time.perf_counter()
                    hits = search(app, query, viewer=viewer, limit=50)
                    samples.append((time.perf_counter() - started) * 1000)
                    found += len(hits)
            _, p50, p99 = percentiles(samples)
            results.add(
                f"{backend}: query p50, {name}",
                p50,
                "ms",
                goal=GOAL_P50_MS if viewer != PartyId("PL") else None,
                higher_is_better=False,
                note=f"{len(samples)} queries, {found / len(samples):.0f} hits each",
            )
            results.add(f"{backend}: query p99, {name}", p99, "ms", higher_is_better=False)
        slowest = []
        for query in QUERIES:
            started = time.perf_counter()
            search(app, query, viewer=PartyId("US"), limit=50)
            slowest.append(((time.perf_counter() - started) * 1000, query))
        ms, query = max(slowest)
        results.note(f"{backend}: slowest query for US: {query!r} in {ms:.0f} ms")


def main() -> None:
    args = parse_args(
        __doc__.split("\n\n")[0],
        [
            ("--backend", {"choices": ["sqlite", "postgresql"], "help": "one backend only"}),
            ("--rounds", {"type": int, "default": 20, "help": "rounds of the query mix per viewer"}),
        ],
    )
    count = 100 if args.quick else 1000
    rounds = 3 if args.quick else args.rounds
    results = Results("search")
    backends = [args.backend] if args.backend else ["sqlite", "postgresql"]
    for backend in backends:
        if backend == "postgresql" and pg_server_version() is None:
            results.note("PostgreSQL does not answer at 127.0.0.1:5432; skipped")
            continue
        bench_backend(backend, count, rounds, results)
    results.finish(args.json)


if __name__ == "__main__":
    main()
