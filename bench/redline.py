"""Redline time for two 1,000-article versions of a draft (about 1 MB each; goal < 250 ms).

The second version changes 2% of the words (replaced, deleted or inserted), inserts one article and
removes another 20 articles later (so the 20 between are renumbered), and swaps two articles (moved).
Times `redline()` and `carry_eids()` (median of several runs) and checks the matching found every
renumbered article rather than reporting it removed and added.

    .venv/bin/python bench/redline.py [--quick] [--runs N]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Results, parse_args, section
from inwriting.domain.documents import DraftText, Point
from inwriting.domain.redline import carry_eids, redline

GOAL_MS = 250.0
WORDS = """\
the parties shall not deploy forces armaments territory security guarantees treaty agreement
provisions obligations cooperation consultations mutual respect sovereignty integrity party other
states international organization military alliance coalition exercises notification information
exchange measures confidence building mechanism dialogue disputes settlement peaceful means
accordance charter united nations principles law undertake refrain threat use force against any
manner inconsistent purposes including framework within outside national areas where such could
perceived as its with exception deployment heavy bombers surface warships equipped nuclear
conventional weapons missiles ground launched intermediate shorter range capable reaching each of in
on to by for from this that which be may at least one all their is are has have been into force date
signature ratification instruments exchanged depositary period years withdrawal notice written
amendment annex protocol integral part hereof competent authorities designate points contact hotline
emergency incidents sea air prevention dangerous activities vicinity borders kilometres zone agreed
limits reductions verification inspections observers invited report annually commission
"""
VOCABULARY = WORDS.split()


def sentence(rng: random.Random) -> list[str]:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(10, 20))]
    words[0] = words[0].capitalize()
    words[-1] += rng.choice(".;.")
    return words


def paragraph(rng: random.Random) -> list[str]:
    return [w for _ in range(rng.randint(2, 4)) for w in sentence(rng)]


def make_articles(rng: random.Random, count: int) -> list[tuple[str, list[list[str]]]]:
    """Headings and paragraphs as word lists (about 330 bytes a paragraph, 3 paragraphs an article)."""
    return [
        (" ".join(rng.choice(VOCABULARY) for _ in range(3)).capitalize(), [paragraph(rng) for _ in range(3)])
        for _ in range(count)
    ]


def edit_words(rng: random.Random, words: list[str], rate: float) -> tuple[list[str], int]:
    """Change about `rate` of the words: replace (60%), delete (20%) or insert after (20%)."""
    out, changed = [], 0
    for word in words:
        if rng.random() >= rate:
            out.append(word)
            continue
        changed += 1
        roll = rng.random()
        if roll < 0.6:
            out.append(rng.choice(VOCABULARY))
        elif roll < 0.8:
            out.extend([word, rng.choice(VOCABULARY)])
    return out, changed


def build(articles: list[tuple[str, list[list[str]]]], title: str) -> DraftText:
    points = []
    for number, (heading, paras) in enumerate(articles, 1):
        eid = f"art_{number}"
        children = tuple(
            Point(f"{eid}__para_{n}", f"{n}.", " ".join(words)) for n, words in enumerate(paras, 1)
        )
        points.append(Point(eid, f"Article {number}", "", heading, children))
    return DraftText(
        title, "The Parties, desiring to strengthen security, have agreed as follows:", tuple(points)
    )


def versions(count: int, seed: int = 2021) -> tuple[DraftText, DraftText, int, int]:
    """Old and new versions; returns them with the number of words and of changed words."""
    rng = random.Random(seed)
    old = make_articles(rng, count)
    new, total, changed = [], 0, 0
    for heading, paras in old:
        edited = []
        for words in paras:
            out, n = edit_words(rng, words, 0.02)
            edited.append(out)
            total, changed = total + len(words), changed + n
        new.append((heading, edited))
    at = count * 2 // 5
    new.insert(at, make_articles(rng, 1)[0])  # articles at+1 .. at+20 are renumbered,
    del new[at + 21]  # and the old article at+21 is removed
    swap = count * 7 // 10
    new[swap], new[swap + 1] = new[swap + 1], new[swap]
    return build(old, "Treaty on measures"), build(new, "Treaty on measures"), total, changed


def median_ms(func: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), samples


def main() -> None:
    args = parse_args(
        __doc__.split("\n\n")[0], [("--runs", {"type": int, "default": 7, "help": "timed runs per figure"})]
    )
    count = 100 if args.quick else 1000
    results = Results("redline")
    section(f"two versions of {count:,} articles")
    old, new, total, changed = versions(count)
    size = sum(len(p.text.encode()) + len((p.heading or "").encode()) for p in new.walk())
    results.add("size of the new version (points' text)", size / 1e6, "MB")
    results.add("words changed", 100 * changed / total, "%")
    ms, samples = median_ms(lambda: redline(old, new), args.runs)
    results.add(
        f"redline(), {count:,} articles (median of {args.runs})",
        ms,
        "ms",
        goal=GOAL_MS if not args.quick else None,
        higher_is_better=False,
        note=f"min {min(samples):.0f}, max {max(samples):.0f}",
    )
    ms, samples = median_ms(lambda: carry_eids(old, new), args.runs)
    results.add(f"carry_eids(), {count:,} articles (median of {args.runs})", ms, "ms", higher_is_better=False)
    r = redline(old, new)
    s = r.summary
    results.note(
        f"summary: {s.unchanged} unchanged, {s.changed} changed, {s.added} added, {s.removed} removed,"
        f" {s.moved} moved, {s.renumbered} renumbered"
    )
    articles = [c for c in r.points if c.depth == 0]
    renumbered = sum(c.renumbered and c.old_label != c.new_label for c in articles)
    results.add("articles shown renumbered (20 expected, +2 for the swap)", renumbered, "articles")
    added = sum(c.status == "added" for c in articles)
    removed = sum(c.status == "removed" for c in articles)
    results.add("articles shown added + removed (1 + 1 expected)", added + removed, "articles")
    results.finish(args.json)


if __name__ == "__main__":
    main()
