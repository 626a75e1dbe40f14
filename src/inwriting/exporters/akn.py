"""Render a `DraftText` as Akoma Ntoso 3.0 XML that `parse_akn` reads back to the same draft.

Points become article / paragraph / point elements under their eIds; header fields, notes and
amendments, which AKN has no element for, travel in `<meta><proprietary>` under our own namespace.
"""

from __future__ import annotations

import re
from datetime import date as _date

from lxml import etree

from inwriting.domain.documents import DraftText, Point
from inwriting.domain.text import check_text
from inwriting.errors import InvalidInput
from inwriting.importers.akn import AKN_NS, INWRITING_NS

# The element for a point, by the prefix of its eId's last part (AKN naming convention); anything
# else (items, unknown kinds) is a `point`, which the schema allows at every level.
ELEMENT_OF = {
    "art": "article",
    "sec": "section",
    "subsec": "subsection",
    "para": "paragraph",
    "subpara": "subparagraph",
    "clause": "clause",
    "subclause": "subclause",
    "rule": "rule",
    "subrule": "subrule",
    "point": "point",
    "indent": "indent",
    "al": "alinea",
    "level": "level",
}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LANG = re.compile(r"[a-z]{3}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_A = f"{{{AKN_NS}}}"
_IW = f"{{{INWRITING_NS}}}"


def to_akn(
    draft: DraftText,
    *,
    name: str = "draft",
    author: str | None = None,
    date: str | None = None,
    lang: str = "eng",
) -> bytes:
    """The draft as an AKN `<bill>`: UTF-8 with an XML declaration, pretty printed.

    A `bill` because a negotiated draft is a proposed normative text not yet in force, and `bill`
    (like `act`) has the `<body>` of articles and paragraphs; `doc` would put them in a `mainBody`.
    `name` names the document in its FRBR URIs (`/akn/un/bill/<date>/<name>`); `date` (YYYY-MM-DD)
    dates them; without it they carry 0001-01-01 named "undated", because the output depends only
    on the arguments and never on the clock. `author` is the work's author; `lang` the expression's
    ISO 639-2 language. Round trip holds for drafts an importer produces (paragraphs trimmed, none
    empty). Raises InvalidInput for a malformed `name`, `date`, `lang` or `author`, or for text
    holding characters XML cannot carry.
    """
    if not _NAME.fullmatch(name):
        raise InvalidInput(f"AKN name {name!r} must be 1-64 letters, digits, '.', '_' or '-'")
    if date is not None and not _is_date(date):
        raise InvalidInput(f"date {date!r} must be a calendar date written YYYY-MM-DD")
    if not _LANG.fullmatch(lang):
        raise InvalidInput(f"language {lang!r} must be a three-letter ISO 639-2 code such as 'eng'")
    author = None if author is None else check_text(author, what="author")
    try:
        return _document(draft, name=name, author=author, date=date, lang=lang)
    except ValueError as exc:  # lxml refuses characters XML cannot carry (NUL, control characters)
        raise InvalidInput(f"the draft cannot be written as XML: {exc}") from None


def _document(draft: DraftText, *, name: str, author: str | None, date: str | None, lang: str) -> bytes:
    # lxml takes the None key as the default namespace; lxml-stubs 0.5 types the map as str -> str
    nsmap = {None: AKN_NS, "iw": INWRITING_NS}
    root = etree.Element(f"{_A}akomaNtoso", nsmap=nsmap)  # type: ignore[arg-type]
    bill = _sub(root, "bill", name=name)
    _meta(_sub(bill, "meta"), draft, name=name, author=author, date=date, lang=lang)
    preface = _sub(bill, "preface")
    _sub(_sub(preface, "p", **{"class": "title"}), "docTitle").text = draft.title
    if draft.preamble:
        _blocks(_sub(bill, "preamble"), draft.preamble)
    body = _sub(bill, "body")
    for point in draft.points:
        _point(body, point)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _is_date(value: str) -> bool:
    try:
        return bool(_DATE.fullmatch(value)) and _date.fromisoformat(value) is not None
    except ValueError:
        return False


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{_A}{tag}", attrs)


def _meta(
    meta: etree._Element, draft: DraftText, *, name: str, author: str | None, date: str | None, lang: str
) -> None:
    # FRBRcountry is required, but a draft negotiated between parties belongs to no one party's
    # country: "un" stands for the international sphere.
    work = f"/akn/un/bill/{date or '0001-01-01'}/{name}"
    when = {"date": date or "0001-01-01", "name": "draft" if date else "undated"}
    ident = _sub(meta, "identification", source="#inwriting")
    for level, this, uri in (
        ("FRBRWork", f"{work}/!main", work),
        ("FRBRExpression", f"{work}/{lang}@/!main", f"{work}/{lang}@"),
        ("FRBRManifestation", f"{work}/{lang}@/!main.xml", f"{work}/{lang}@.akn"),
    ):
        frbr = _sub(ident, level)
        _sub(frbr, "FRBRthis", value=this)
        _sub(frbr, "FRBRuri", value=uri)
        if level == "FRBRWork" and draft.title:
            _sub(frbr, "FRBRalias", name="title", value=draft.title)
        _sub(frbr, "FRBRdate", **when)
        _sub(frbr, "FRBRauthor", href="#inwriting" if level == "FRBRManifestation" else "#author")
        if level == "FRBRWork":
            _sub(frbr, "FRBRcountry", value="un")
        if level == "FRBRExpression":
            _sub(frbr, "FRBRlanguage", language=lang)
    refs = _sub(meta, "references", source="#inwriting")
    _sub(
        refs, "TLCOrganization", eId="inwriting", href="/ontology/organization/inwriting", showAs="inwriting"
    )
    slug = re.sub(r"[^a-z0-9]+", "-", (author or "").lower()).strip("-") or "unknown"
    _sub(
        refs,
        "TLCOrganization",
        eId="author",
        href=f"/ontology/organization/{slug}",
        showAs=author or "unknown",
    )
    if not (draft.source_header or draft.notes or draft.amendments):
        return
    prop = _sub(meta, "proprietary", source="#inwriting")
    if draft.source_header:
        header = etree.SubElement(prop, f"{_IW}header")
        for key, value in draft.source_header:
            etree.SubElement(header, f"{_IW}field", name=key).text = value
    if draft.notes:
        notes = etree.SubElement(prop, f"{_IW}notes")
        for note in draft.notes:
            etree.SubElement(notes, f"{_IW}note").text = note
    if draft.amendments:
        amendments = etree.SubElement(prop, f"{_IW}amendments")
        for a in draft.amendments:
            etree.SubElement(
                amendments, f"{_IW}amendment", eid=a.eid, author=a.author, date=a.date
            ).text = a.text


def _point(parent: etree._Element, point: Point) -> None:
    kind = point.eid.rsplit("__", 1)[-1].split("_", 1)[0]
    el = _sub(parent, ELEMENT_OF.get(kind, "point"), eId=point.eid)
    if point.label:
        _sub(el, "num").text = point.label
    if point.heading is not None:
        _sub(el, "heading").text = point.heading
    if not point.children:
        _blocks(_sub(el, "content"), point.text)  # content is required even when there is no text
        return
    if point.text:  # a point with children keeps its own text in <intro>, as the schema requires
        _blocks(_sub(el, "intro"), point.text)
    for child in point.children:
        _point(el, child)


def _blocks(parent: etree._Element, text: str) -> None:
    """One `<p>` per paragraph; a line break inside a paragraph is a `<br/>`."""
    paragraphs = [p for p in text.split("\n\n") if p] or [""]
    for paragraph in paragraphs:
        p = _sub(parent, "p")
        first, *rest = paragraph.split("\n")
        p.text = first
        for line in rest:
            _sub(p, "br").tail = line


__all__ = ["ELEMENT_OF", "to_akn"]
