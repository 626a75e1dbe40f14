"""Render a `DraftText` as a Word file that `parse_docx` reads back to the same title, preamble and
points: typed labels, "Article N. Heading" in Heading 2, and amendments as real Word tracked changes.
"""

from __future__ import annotations

import difflib
import io
import re
from itertools import count
from typing import Any

import docx
from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from inwriting.domain.documents import Amendment, DraftText, Point
from inwriting.errors import InvalidInput
from inwriting.importers.text import ARTICLE_HEADING

_TOKENS = re.compile(r"\n\n|[^\S\n]+|[^\s]+|\n")
# w:date must be an xsd:dateTime or Word refuses the file; an amendment's other dates are left out
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?")
_BREAK = "\n\n"


def to_docx(draft: DraftText) -> bytes:
    """The draft as a .docx file.

    Round trip through `parse_docx` holds for drafts an importer can produce. Limits: the corpus
    header block (`source_header`) is not written; a newline inside a paragraph becomes a line
    break, read back as a space; an amendment's date is kept only when it is an ISO 8601 date-time.
    Raises InvalidInput when an amendment names no point of the draft, or two amend one point (a
    Word file shows one tracked change per place).
    """
    document = docx.Document()
    document.core_properties.title = draft.title
    amendments = _by_eid(draft)
    first = draft.preamble.split(_BREAK, 1)[0]
    if draft.title and draft.title != first:
        # when the title is the preamble's first paragraph the importers find it there
        document.add_paragraph(draft.title.replace("\n", " "), style="Title")
    for paragraph in draft.preamble.split(_BREAK):
        if paragraph.strip():
            document.add_paragraph(paragraph)
    ids = count(1)
    for point in draft.points:
        _write(document, point, amendments, ids)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _by_eid(draft: DraftText) -> dict[str, Amendment]:
    eids = {p.eid for p in draft.walk()}
    found: dict[str, Amendment] = {}
    for amendment in draft.amendments:
        if amendment.eid not in eids:
            raise InvalidInput(f"an amendment names {amendment.eid}, which is no point of this draft")
        if amendment.eid in found:
            raise InvalidInput(
                f"{amendment.eid} has more than one amendment; a Word file can show only one tracked"
                " change in a place: export the amendments one at a time"
            )
        found[amendment.eid] = amendment
    return found


def _write(document: Document, point: Point, amendments: dict[str, Amendment], ids: count[int]) -> None:
    amendment = amendments.get(point.eid)
    if ARTICLE_HEADING.match(point.label):
        document.add_paragraph(
            point.label + (f". {point.heading}" if point.heading else ""), style="Heading 2"
        )
        _text(document, "", point.text, amendment, ids)
    else:
        _text(document, point.label, point.text, amendment, ids)
    for child in point.children:
        _write(document, child, amendments, ids)


def _text(document: Document, label: str, text: str, amendment: Amendment | None, ids: count[int]) -> None:
    """Write a point's own text (paragraphs split at blank lines), the label typed before the first;
    with an amendment, the word-level difference to its text as tracked deletions and insertions."""
    if amendment is None:
        paragraphs = text.split(_BREAK)
        if label:
            paragraphs[0] = f"{label} {paragraphs[0]}".rstrip()
        for paragraph in paragraphs:
            if paragraph:
                document.add_paragraph(paragraph)
        return
    change = {qn("w:author"): amendment.author}
    if _DATETIME.fullmatch(amendment.date):
        change[qn("w:date")] = amendment.date
    old, new = _TOKENS.findall(text), _TOKENS.findall(amendment.text)
    p = document.add_paragraph(f"{label} " if label else "")._p
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("equal", "delete", "replace"):
            p = _tokens(document, p, old[i1:i2], "=" if op == "equal" else "-", change, ids)
        if op in ("insert", "replace"):
            p = _tokens(document, p, new[j1:j2], "+", change, ids)
    if not label and not text:
        _mark(p, "+", change, ids)  # a paragraph that exists only with the amendment accepted
    elif not label and not amendment.text:
        _mark(p, "-", change, ids)


def _tokens(
    document: Document, p: Any, tokens: list[str], kind: str, change: dict[str, str], ids: count[int]
) -> Any:
    """Append `tokens` to paragraph `p` as plain, deleted ("-") or inserted ("+") runs; a paragraph
    break token ends `p` (its mark deleted or inserted with the tokens) and starts the next one."""
    run: list[str] = []
    for token in [*tokens, None]:
        if token is not None and token != _BREAK:
            run.append(token)
            continue
        if run:
            _run(p, "".join(run), kind, change, ids)
            run = []
        if token == _BREAK:
            if kind != "=":
                _mark(p, kind, change, ids)
            p = document.add_paragraph()._p
    return p


def _run(p: Any, text: str, kind: str, change: dict[str, str], ids: count[int]) -> None:
    r = OxmlElement("w:r")
    t = OxmlElement("w:delText" if kind == "-" else "w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    if kind == "=":
        p.append(r)
        return
    wrapper = OxmlElement("w:del" if kind == "-" else "w:ins", {qn("w:id"): str(next(ids)), **change})
    wrapper.append(r)
    p.append(wrapper)


def _mark(p: Any, kind: str, change: dict[str, str], ids: count[int]) -> None:
    """Mark the paragraph mark itself deleted ("-": joins the next paragraph) or inserted ("+")."""
    rpr = OxmlElement("w:rPr")
    rpr.append(OxmlElement("w:del" if kind == "-" else "w:ins", {qn("w:id"): str(next(ids)), **change}))
    p.get_or_add_pPr().append(rpr)


__all__ = ["to_docx"]
