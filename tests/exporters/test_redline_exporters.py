"""Redline exporters: the HTML page escapes every text and marks each change; the Word document's
tracked changes, accepted all, give the new version and, rejected all, the old one (checked by
applying them to document.xml here, as Word would)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime

from docx import Document
from hypothesis import given, settings
from lxml import etree
from lxml import html as lxml_html

from inwriting.domain.documents import DraftText, Point
from inwriting.domain.redline import Redline, redline
from inwriting.exporters.redline_docx import to_redline_docx
from inwriting.exporters.redline_html import to_redline_html
from tests.domain.test_redline import BODY, draft, edited
from tests.importers.strategies import drafts

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
DATE = datetime(2021, 12, 17, 12, 0, tzinfo=UTC)


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


# ---- HTML -----------------------------------------------------------------------------------------


def css(element: lxml_html.HtmlElement, path: str) -> list[lxml_html.HtmlElement]:
    """Elements by a small path: "section.point" or "section.point .label del" style, via XPath."""
    xpath = "."
    for step in path.split():
        tag, _, classes = step.partition(".")
        xpath += f"//{tag or '*'}" + "".join(
            f"[contains(concat(' ', normalize-space(@class), ' '), ' {c} ')]" for c in classes.split(".") if c
        )
    found: list[lxml_html.HtmlElement] = element.xpath(xpath)
    return found


def page(r: Redline, old_version: str = "v1", new_version: str = "v2") -> lxml_html.HtmlElement:
    text = to_redline_html(r, old_version=old_version, new_version=new_version)
    assert text.startswith("<!DOCTYPE html>")
    return lxml_html.fromstring(text)


def test_html_marks_words_and_badges() -> None:
    old = draft("scope", "notify", "third", "force")
    new = draft("scope", "hotline", "bases", "third", "force")
    fair = replace(new.points[0], text=new.points[0].text.replace("equal", "fair"))
    new = replace(new, points=(fair, *new.points[1:]))
    root = page(redline(old, new))
    sections = css(root, "section.point")
    assert len(sections) == 8  # 7 new points and the removed Article 2
    first = sections[0]
    assert [e.text for e in css(first, "del")] == ["equal"]
    assert [e.text for e in css(first, "ins")] == ["fair"]
    assert css(first, ".badge")[0].text == "changed"
    badges = [[b.text for b in css(s, ".badge")] for s in sections]
    assert badges == [
        ["changed"],
        ["removed"],  # Article 2, after its predecessor in the old version
        ["added"],
        ["added"],
        ["renumbered"],  # Article 3 -> Article 4
        ["renumbered"],  # its paragraphs keep their labels, but their eIds follow the article's
        ["renumbered"],
        ["renumbered"],  # Article 4 -> Article 5
    ]
    renumbered = sections[4]
    assert [e.text for e in css(renumbered, ".label del")] == ["Article 3"]
    assert [e.text for e in css(renumbered, ".label ins")] == ["Article 4"]
    summary = " ".join(s.text for s in css(root, ".summary span"))
    assert summary == "4 unchanged 1 changed 2 added 1 removed 0 moved 4 renumbered"


def test_html_shows_moves() -> None:
    r = redline(draft("scope", "notify", "bases"), draft("bases", "scope", "notify"))
    root = page(r)
    assert [b.text for b in css(root, "section .badge.moved")] == ["moved"]


def test_html_never_reads_text_as_markup() -> None:
    old = DraftText(HOSTILE, HOSTILE, (Point("art_1", "Article 1", HOSTILE, HOSTILE),))
    new = DraftText(HOSTILE + " x", HOSTILE, (Point("art_1", "Article 1 <i>", "<b>" + HOSTILE, "h"),))
    text = to_redline_html(redline(old, new), old_version="<v1>", new_version='v2"&')
    root = lxml_html.fromstring(text)
    assert root.xpath("//script | //img | //b | //i") == []
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert css(root, ".versions strong")[0].text == "<v1>"
    assert css(root, "section.point .text")[0].text_content() == "<b>" + HOSTILE
    assert [e.text for e in css(root, "section.point .label ins")] == ["Article 1 <i>"]


@settings(max_examples=30, deadline=None)
@given(edited())
def test_html_pieces_add_up_to_each_version(pair: tuple[DraftText, DraftText]) -> None:
    old, new = pair
    r = redline(old, new)
    sections = css(page(r), "section.point")
    assert len(sections) == len(r.points)
    for section, change in zip(sections, r.points, strict=True):
        body = css(section, ".text")
        inserted = "".join(e.text_content() for e in css(section, ".text ins"))
        deleted = "".join(e.text_content() for e in css(section, ".text del"))
        assert inserted == "".join(x.text for x in change.words if x.op == "insert")
        assert deleted == "".join(x.text for x in change.words if x.op == "delete")
        assert (body[0].text_content() if body else "") == "".join(x.text for x in change.words)


# ---- Word -----------------------------------------------------------------------------------------


def printed(d: DraftText) -> list[str]:
    """The paragraphs of a version as the Word redline lays it out (see redline_docx's docstring)."""
    paragraphs = d.title.split("\n\n")
    if d.preamble:
        paragraphs += d.preamble.split("\n\n")
    for p in d.walk():
        label, heading, text = p.label, p.heading or "", p.text
        line = " ".join(x for x in (label, heading) if x)
        if text and line:
            line += "\n" if heading else " "
        paragraphs += (line + text).split("\n\n")
    return paragraphs


def resolve(docx: bytes, *, accept: bool) -> list[str]:
    """Accept (drop w:del, unwrap w:ins) or reject (drop w:ins, unwrap w:del) every tracked change in
    document.xml and return the body's paragraphs as text; a paragraph whose mark is dropped joins
    the next one, as in Word."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    drop, keep = ("del", "ins") if accept else ("ins", "del")
    body = root.find(w("body"))
    assert body is not None
    paragraphs = list(body.iter(w("p")))  # held, so that lxml keeps one proxy per element
    joined = [p.find(f"{w('pPr')}/{w('rPr')}/{w(drop)}") is not None for p in paragraphs]
    for element in list(body.iter(w(drop))):
        element.getparent().remove(element)
    for element in list(body.iter(w(keep))):
        parent = element.getparent()
        if parent.tag == w("rPr"):
            parent.remove(element)
            continue
        at = parent.index(element)
        for child in reversed(list(element)):
            parent.insert(at, child)
        parent.remove(element)
    for element in body.iter(w("delText")):
        element.tag = w("t")
    texts, pending = [], ""
    for p, join in zip(paragraphs, joined, strict=True):
        text = pending + "".join(e.text or "" if e.tag == w("t") else "\n" for e in p.iter(w("t"), w("br")))
        if join:
            pending = text
            continue
        texts.append(text)
        pending = ""
    assert pending == ""
    return texts


def check_tracked(old: DraftText, new: DraftText) -> bytes:
    data = to_redline_docx(redline(old, new), old_version="v1", new_version="v2", author="Ivanov", date=DATE)
    assert resolve(data, accept=True) == printed(new)
    assert resolve(data, accept=False) == printed(old)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    changes = [*root.iter(w("ins")), *root.iter(w("del"))]
    assert all(c.get(w("author")) == "Ivanov" and c.get(w("date")) == "2021-12-17T12:00:00Z" for c in changes)
    ids = [c.get(w("id")) for c in changes]
    assert len(set(ids)) == len(ids) and None not in ids
    return data


def test_docx_tracked_changes_accept_and_reject() -> None:
    old = draft("scope", "notify", "third", "force")
    new = draft("scope", "hotline", "third", "bases", "force")
    new = replace(new, points=(replace(new.points[0], heading="Scope"), *new.points[1:]))
    data = check_tracked(old, new)
    assert Document(io.BytesIO(data)).paragraphs[0].style.name == "Title"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    # A renumbered label is deleted and inserted whole; a removed point's text is w:delText.
    deleted = ["".join(d.itertext()) for d in root.iter(w("del"))]
    inserted = ["".join(i.itertext()) for i in root.iter(w("ins"))]
    assert "Article 4" in deleted and "Article 5" in inserted
    assert f"Article 2 {BODY['notify']}" in deleted
    assert root.find(f".//{w('del')}/{w('r')}/{w('t')}") is None


def test_docx_moved_article_reads_right_both_ways() -> None:
    check_tracked(draft("scope", "notify", "third", "bases"), draft("bases", "scope", "third", "notify"))


def test_docx_preamble_and_paragraph_breaks() -> None:
    old = DraftText("T", "", (Point("art_1", "Article 1", "one\n\ntwo"),))
    new = DraftText("T", "We agree.\n\nReally.", (Point("art_1", "Article 1", "one\n\nthree\n\ntwo", "H"),))
    check_tracked(old, new)
    check_tracked(new, old)


@settings(max_examples=30, deadline=None)
@given(edited())
def test_docx_accept_gives_new_and_reject_gives_old(pair: tuple[DraftText, DraftText]) -> None:
    check_tracked(*pair)


@settings(max_examples=20, deadline=None)
@given(drafts(), drafts())
def test_docx_unrelated_drafts(old: DraftText, new: DraftText) -> None:
    check_tracked(old, new)
