"""Render a `Redline` as a Word document whose changes are real tracked changes (`w:ins`/`w:del`):
"accept all" in Word gives the new version's text, "reject all" the old version's.

Layout: the title, the preamble, then one paragraph per point: "label heading", a line break, text
(or "label text" when there is no heading); a blank line in a text starts a new paragraph.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.text.paragraph import Paragraph
from lxml import etree

from inwriting.domain.redline import Op, PointChange, Redline, WordDiff, interleave

_TAG: dict[Op, str] = {"insert": "w:ins", "delete": "w:del"}


def to_redline_docx(
    r: Redline,
    *,
    old_version: str,
    new_version: str,
    author: str = "inwriting",
    date: datetime | None = None,
) -> bytes:
    """The redline as .docx bytes; every change is tracked as made by `author` at `date` (now)."""
    document = Document()
    props = document.core_properties
    props.title = r.new_title
    props.subject = f"Redline {old_version} → {new_version}"
    props.author = author
    document.sections[0].header.paragraphs[0].text = f"Redline: {old_version} → {new_version}"
    writer = _Writer(document, author, (date or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    writer.open("Title", 0)
    writer.write(_pieces(r.title_words))
    old_preamble, new_preamble = _side(r.preamble_words, "insert"), _side(r.preamble_words, "delete")
    if old_preamble or new_preamble:
        writer.next("equal" if old_preamble and new_preamble else _whole(old_preamble), "Normal", 0)
        writer.write(_pieces(r.preamble_words))
    for side, change in interleave(r):
        if side == "both":
            writer.next("equal", "Normal", change.depth)
            writer.write(_pair(change))
        elif side == "old":
            writer.next("delete", "Normal", change.depth)
            writer.write([("delete", _render(change, "insert"))])
        else:
            writer.next("insert", "Normal", change.depth)
            writer.write([("insert", _render(change, "delete"))])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _whole(old: str) -> Op:
    return "delete" if old else "insert"


def _side(words: tuple[WordDiff, ...], drop: Op) -> str:
    """The old text (drop="insert") or the new text (drop="delete") of a diff."""
    return "".join(w.text for w in words if w.op != drop)


def _pieces(words: tuple[WordDiff, ...]) -> list[tuple[Op, str]]:
    return [(w.op, w.text) for w in words]


def _join(label: str, heading: str, text: str) -> tuple[str, str]:
    """The separators of a point's paragraph: before the heading, and before the text."""
    before_heading = " " if label and heading else ""
    before_text = ("\n" if heading else " ") if text and (label or heading) else ""
    return before_heading, before_text


def _render(c: PointChange, drop: Op) -> str:
    """One side of a point as printed: "label heading\\ntext" or "label text"."""
    label = (c.old_label if drop == "insert" else c.new_label) or ""
    heading, text = _side(c.heading_words, drop), _side(c.words, drop)
    before_heading, before_text = _join(label, heading, text)
    return f"{label}{before_heading}{heading}{before_text}{text}"


def _pair(c: PointChange) -> list[tuple[Op, str]]:
    """A matched point as pieces whose old side is `_render(c, "insert")` and new side
    `_render(c, "delete")`: a changed label is deleted and inserted whole."""
    old_label, new_label = c.old_label or "", c.new_label or ""
    old_sep = _join(old_label, _side(c.heading_words, "insert"), _side(c.words, "insert"))
    new_sep = _join(new_label, _side(c.heading_words, "delete"), _side(c.words, "delete"))
    pieces: list[tuple[Op, str]] = []
    for old, new, diff in (
        (old_label, new_label, ()),
        (old_sep[0], new_sep[0], c.heading_words),
        (old_sep[1], new_sep[1], c.words),
    ):
        if old == new:
            pieces.append(("equal", old))
        else:
            pieces += [("delete", old), ("insert", new)]
        pieces += _pieces(diff)
    return pieces


class _Writer:
    """Appends paragraphs and runs; a tracked paragraph mark carries a whole added or removed point."""

    def __init__(self, document: DocumentObject, author: str, stamp: str) -> None:
        self.document, self.author, self.stamp = document, author, stamp
        self.ids = 0
        self.paragraph: Paragraph | None = None
        self.style, self.depth = "Normal", 0

    def open(self, style: str, depth: int) -> None:
        self.paragraph = self.document.add_paragraph(style=None if style == "Normal" else style)
        self.style, self.depth = style, depth
        if depth:
            self.paragraph.paragraph_format.left_indent = Cm(0.8 * depth)

    def next(self, mark: Op, style: str, depth: int) -> None:
        """End the open paragraph and start another. A point added (or removed) whole marks the mark
        *before* it as inserted (deleted): rejecting (accepting) then joins the empty paragraph left
        to the one before, so no blank paragraph remains and the document's last mark stays plain."""
        if mark != "equal" and self.paragraph is not None:
            p_pr = self.paragraph._p.get_or_add_pPr()
            r_pr = OxmlElement("w:rPr")
            r_pr.append(self._change(mark))
            p_pr.append(r_pr)
        self.open(style, depth)

    def write(self, pieces: list[tuple[Op, str]]) -> None:
        merged: list[tuple[Op, str]] = []
        for op, text in pieces:
            if merged and merged[-1][0] == op:
                merged[-1] = (op, merged[-1][1] + text)
            elif text:
                merged.append((op, text))
        for op, text in merged:
            for k, part in enumerate(text.split("\n\n")):
                if k:
                    self.next(op, self.style, self.depth)
                if part:
                    self._run(op, part)

    def _change(self, op: Op) -> etree._Element:
        self.ids += 1
        element = OxmlElement(_TAG[op])
        element.set(qn("w:id"), str(self.ids))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), self.stamp)
        return element

    def _run(self, op: Op, text: str) -> None:
        assert self.paragraph is not None
        run = OxmlElement("w:r")
        for k, line in enumerate(text.split("\n")):
            if k:
                run.append(OxmlElement("w:br"))
            if line:
                t = OxmlElement("w:delText" if op == "delete" else "w:t")
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                t.text = line
                run.append(t)
        if op == "equal":
            self.paragraph._p.append(run)
        else:
            change = self._change(op)
            change.append(run)
            self.paragraph._p.append(change)


__all__ = ["to_redline_docx"]
