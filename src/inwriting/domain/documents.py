"""A draft's text as plain values: title, preamble and an ordered tree of points with stable eIds.

Importers build a `DraftText`; exporters, redlines and answers read it. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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
class Amendment:
    """A change proposed inside the file itself (a Word tracked change), kept apart from the text.

    `eid` names the point it amends; `text` is the point's own text as it would read with the change
    accepted; `author` and `date` are what the file says of the change ("" when it says nothing).
    """

    eid: str
    text: str
    author: str = ""
    date: str = ""


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
    amendments: tuple[Amendment, ...] = ()

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


__all__ = ["Amendment", "DraftText", "Point"]


KINDS = ("treaty", "agreement", "note", "non-paper", "statement")


def point_to_json(point: Point) -> dict[str, Any]:
    return {
        "eid": point.eid,
        "label": point.label,
        "heading": point.heading,
        "text": point.text,
        "children": [point_to_json(c) for c in point.children],
    }


def draft_to_json(draft: DraftText) -> dict[str, Any]:
    """The stored form of a version's text (canonicalised and hashed by the record layer)."""
    return {
        "title": draft.title,
        "preamble": draft.preamble,
        "points": [point_to_json(p) for p in draft.points],
        "notes": list(draft.notes),
        "source_header": [list(kv) for kv in draft.source_header],
        "amendments": [
            {"eid": a.eid, "text": a.text, "author": a.author, "date": a.date} for a in draft.amendments
        ],
    }


def _point_from_json(obj: Any) -> Point:
    return Point(
        str(obj["eid"]),
        str(obj["label"]),
        str(obj["text"]),
        None if obj["heading"] is None else str(obj["heading"]),
        tuple(_point_from_json(c) for c in obj["children"]),
    )


def draft_from_json(obj: Any) -> DraftText:
    try:
        return DraftText(
            str(obj["title"]),
            str(obj["preamble"]),
            tuple(_point_from_json(p) for p in obj["points"]),
            tuple(str(n) for n in obj["notes"]),
            tuple((str(k), str(v)) for k, v in obj["source_header"]),
            tuple(
                Amendment(str(a["eid"]), str(a["text"]), str(a["author"]), str(a["date"]))
                for a in obj.get("amendments", [])
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"malformed draft text: {exc}") from exc


def outline(draft: DraftText) -> list[dict[str, str]]:
    """The points' ids and labels in document order: what an event records of a version's structure."""
    return [{"eid": p.eid, "label": p.label} for p in draft.walk()]
