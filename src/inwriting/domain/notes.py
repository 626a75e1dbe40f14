"""An exchange of notes: two letters whose operative points must read the same, compared point by point.

`compare_notes` says where two notes' points differ, each difference with one line a user reads. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from inwriting.domain.documents import DraftText, Point
from inwriting.domain.redline import WordDiff, word_diff
from inwriting.errors import InvalidInput

Kind = Literal["missing in B", "missing in A", "text differs", "label differs", "heading differs"]

_CONTEXT = 3  # pieces between spaces quoted each side of a change: about two words
_SHOWN = 3  # changes named in a summary; the rest are counted
_QUOTE_WORDS = 12  # a longer quote keeps its first and last words


@dataclass(frozen=True)
class NoteDifference:
    """One way a point differs. `label` is as printed in note A (in B for a point only there);
    `a_text` and `b_text` are the point's own text in each note, None where it is missing; `words`
    is the word diff A→B of the text ("text differs") or of the heading ("heading differs")."""

    eid: str
    label: str
    kind: Kind
    a_text: str | None
    b_text: str | None
    words: tuple[WordDiff, ...] = ()
    b_label: str = ""  # the label in note B, for "label differs"

    @property
    def summary(self) -> str:
        name = f"{_name(self.label)} ({self.eid})"
        if self.kind == "missing in B":
            return f"{name} is in note A but not in note B"
        if self.kind == "missing in A":
            return f"{name} is in note B but not in note A"
        if self.kind == "label differs":
            return f'{name} is numbered "{self.label}" in note A but "{self.b_label}" in note B'
        changes = [f"note A says {_quote(a)} where note B says {_quote(b)}" for a, b in _changes(self.words)]
        more = f"; and {len(changes) - _SHOWN} more" if len(changes) > _SHOWN else ""
        where = f"{name}, heading" if self.kind == "heading differs" else name
        return f"{where}: {'; '.join(changes[:_SHOWN])}{more}"


@dataclass(frozen=True)
class NotesComparison:
    """`points` counts the distinct eIds looked at across both notes."""

    differences: tuple[NoteDifference, ...]
    points: int

    @property
    def same(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {
            "same": self.same,
            "points": self.points,
            "differences": [
                {
                    "eid": d.eid,
                    "label": d.label,
                    "kind": d.kind,
                    "summary": d.summary,
                    "a_text": d.a_text,
                    "b_text": d.b_text,
                    "diff": [[w.op, w.text] for w in d.words],
                }
                for d in self.differences
            ],
        }


def compare_notes(a: DraftText, b: DraftText) -> NotesComparison:
    """Compare the points of note A and note B, matched by eId at every depth.

    Only the points are compared: the title and preamble (salutation, opening and closing sentences)
    are each letter's own framing and differ by design. Texts, labels and headings are compared after
    collapsing runs of whitespace; case, punctuation and quotation marks all count. Differences come
    in note A's point order, then the points only in note B, in B's order.
    """
    in_a, in_b = _by_eid(a, "A"), _by_eid(b, "B")
    found: list[NoteDifference] = []
    for eid, p in in_a.items():
        q = in_b.get(eid)
        if q is None:
            found.append(NoteDifference(eid, p.label, "missing in B", p.text, None))
            continue
        if _norm(p.label) != _norm(q.label):
            found.append(NoteDifference(eid, p.label, "label differs", p.text, q.text, b_label=q.label))
        heading_a, heading_b = _norm(p.heading or ""), _norm(q.heading or "")
        if heading_a != heading_b:
            words = word_diff(heading_a, heading_b)
            found.append(NoteDifference(eid, p.label, "heading differs", p.text, q.text, words))
        if _norm(p.text) != _norm(q.text):
            words = word_diff(_norm(p.text), _norm(q.text))
            found.append(NoteDifference(eid, p.label, "text differs", p.text, q.text, words))
    found += [
        NoteDifference(e, q.label, "missing in A", None, q.text) for e, q in in_b.items() if e not in in_a
    ]
    return NotesComparison(tuple(found), len(in_a.keys() | in_b.keys()))


def _by_eid(draft: DraftText, which: str) -> dict[str, Point]:
    points: dict[str, Point] = {}
    for point in draft.walk():
        if point.eid in points:
            raise InvalidInput(f"note {which} has two points with the eId {point.eid!r}")
        points[point.eid] = point
    return points


def _norm(text: str) -> str:
    return " ".join(text.split())


def _name(label: str) -> str:
    """A label that is a word ("Article 2") as printed; a bare number or letter ("3.", "(a)") as
    "point 3", "point (a)"."""
    if not label:
        return "unnumbered point"
    return label if label[0].isalpha() else f"point {label.removesuffix('.')}"


def _changes(words: tuple[WordDiff, ...]) -> list[tuple[str, str]]:
    """Each run of deletions and insertions as (A's words, B's words), with the words around it."""
    runs: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        if words[i].op == "equal":
            i += 1
            continue
        start = i
        while i < len(words) and words[i].op != "equal":
            i += 1
        run = words[start:i]
        # The texts were normalised, so words are separated by single spaces.
        before = " ".join(words[start - 1].text.split(" ")[-_CONTEXT:]) if start else ""
        after = " ".join(words[i].text.split(" ")[:_CONTEXT]) if i < len(words) else ""
        old = "".join(w.text for w in run if w.op == "delete")
        new = "".join(w.text for w in run if w.op == "insert")
        runs.append(((before + old + after).strip(), (before + new + after).strip()))
    return runs


def _quote(text: str) -> str:
    if not text:
        return "nothing"
    words = text.split(" ")
    if len(words) > _QUOTE_WORDS:
        half = _QUOTE_WORDS // 2
        text = " ".join([*words[:half], "…", *words[-half:]])
    return f'"{text}"'


__all__ = ["NoteDifference", "NotesComparison", "compare_notes"]
