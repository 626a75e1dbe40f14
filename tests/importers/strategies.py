"""Hypothesis strategies for drafts shaped as the importers produce them (articles, paragraphs, items).

Round-trip tests (export then import) draw from `drafts()`; texts mix Latin, Cyrillic and punctuation
but never start with something an importer would read as numbering.
"""

from __future__ import annotations

from hypothesis import strategies as st

from inwriting.domain.documents import DraftText, Point

_WORDS = st.sampled_from(
    [
        "the",
        "Parties",
        "shall",
        "not",
        "deploy",
        "forces",
        "security",
        "guarantees",
        "Article",
        "NATO",
        "«quoted»",
        "l'État",
        "Договор",
        "сторон",
        "über",
        "§",
        "1997,",
        "(see",
        "above);",
        "e.g.",
        "—",
        "&",
        "<b>",
        "x<y",
        '"a"',
    ]
)
_LEAD = st.sampled_from(["The", "Each", "Nothing", "Договор", "In", "États", "Such"])


@st.composite
def sentences(draw: st.DrawFn, max_words: int = 12) -> str:
    words = draw(st.lists(_WORDS, min_size=0, max_size=max_words))
    return " ".join([draw(_LEAD), *words]) + "."


@st.composite
def _items(draw: st.DrawFn, parent: str) -> tuple[Point, ...]:
    count = draw(st.integers(0, 3))
    letters = "abcdefgh"[:count]
    return tuple(Point(f"{parent}__point_{c}", f"({c})", draw(sentences())) for c in letters)


@st.composite
def _article(draw: st.DrawFn, number: int) -> Point:
    eid = f"art_{number}"
    headings = st.sampled_from(["Scope", "Definitions", "Final clauses", "Гарантии"])
    heading = draw(st.one_of(st.none(), headings))
    paras = draw(st.integers(0, 3))
    if paras == 0:
        return Point(eid, f"Article {number}", draw(sentences()), heading)
    children = tuple(
        Point(f"{eid}__para_{n}", f"{n}.", draw(sentences()), None, draw(_items(f"{eid}__para_{n}")))
        for n in range(1, paras + 1)
    )
    return Point(eid, f"Article {number}", "", heading, children)


@st.composite
def drafts(draw: st.DrawFn, max_articles: int = 6) -> DraftText:
    """A titled draft with a preamble and 1..max_articles articles numbered from 1."""
    count = draw(st.integers(1, max_articles))
    title = draw(st.sampled_from(["Treaty on Security Guarantees", "Agreement on Measures", "Note verbale"]))
    preamble = "\n\n".join(draw(st.lists(sentences(), min_size=0, max_size=3)))
    points = tuple(draw(_article(n)) for n in range(1, count + 1))
    return DraftText(title, preamble, points)
