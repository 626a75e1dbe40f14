"""A draft's text as plain values: title, preamble and an ordered tree of points with stable eIds.

Importers build a `DraftText`; exporters, redlines and answers read it. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from inwriting.errors import InvalidInput


@dataclass(frozen=True)
class Point:
    """One article, paragraph or item.

    `eid` is an Akoma Ntoso style id ("art_4", "art_4__para_2", "art_1__point_i") that importers
    derive from the printed numbering; `label` is the numbering as printed ("Article 4", "2.", "(a)",
    "" when the numbering was inferred); `text` is the point's own text without its children's,
    NFC, paragraphs separated by a blank line; it may be "" (a heading-only article).
    """

    eid: str
    label: str
    text: str
    heading: str | None = None
    children: tuple[Point, ...] = ()


@dataclass(frozen=True)
class DraftText:
    """A draft as imported.

    `preamble` is everything before the first point (paragraphs separated by a blank line).
    `notes` are warnings a user should see (gaps, inferred numbering, articles without text).
    `source_header` holds the fields of a corpus-style header block (`TITLE:`, `DATE:`, `SOURCE:`,
    ...) as (key, value) pairs in file order, values' continuation lines joined by newlines; it is
    metadata about the copy, not text of the draft. `header` gives it as a dict.
    """

    title: str
    preamble: str
    points: tuple[Point, ...]
    notes: tuple[str, ...] = ()
    source_header: tuple[tuple[str, str], ...] = ()

    def walk(self) -> Iterator[Point]:
        """Every point, depth-first, in document order."""
        stack = list(reversed(self.points))
        while stack:
            point = stack.pop()
            yield point
            stack.extend(reversed(point.children))

    def point(self, eid: str) -> Point:
        for point in self.walk():
            if point.eid == eid:
                return point
        raise InvalidInput(f"no point {eid!r} in this draft")

    @property
    def header(self) -> dict[str, str]:
        return dict(self.source_header)


__all__ = ["DraftText", "Point"]
