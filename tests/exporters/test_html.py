"""The HTML page: parties' text is always escaped, every point is there under its eId, amendments sit
beside their point. Pages are read back with lxml's HTML parser rather than matched as strings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from lxml import html as lxml_html

from inwriting.domain.documents import Amendment, DraftText, Point
from inwriting.errors import InvalidInput
from inwriting.exporters.html import to_html
from inwriting.importers import parse_text
from tests.importers.strategies import drafts

CORPUS = sorted(Path("/work/shared/corpus").glob("*.txt"))
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def _page(draft: DraftText, **kwargs: str) -> lxml_html.HtmlElement:
    return _parse(to_html(draft, **kwargs))


def _parse(text: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(text)


def _hostile_draft() -> DraftText:
    return DraftText(
        HOSTILE,
        f"Preamble {HOSTILE}\n\nSecond & last.",
        (
            Point(
                "art_1",
                "Article 1",
                f"Own {HOSTILE}",
                f"Heading {HOSTILE}",
                (
                    Point(
                        "art_1__para_1",
                        "1.",
                        f"Para {HOSTILE}",
                        None,
                        (Point("art_1__para_1__point_a", "(a)", "A & B"),),
                    ),
                ),
            ),
            Point("art_2", "Article 2", "Line one\nline two"),
        ),
        notes=(f"note {HOSTILE}",),
        source_header=(("SOURCE", f"src {HOSTILE}\nsecond line"),),
        amendments=(Amendment("art_1__para_1", f"Amended {HOSTILE}", f"US {HOSTILE}", "2022-01-26"),),
    )


def test_text_is_never_markup() -> None:
    out = to_html(_hostile_draft(), version=f"v1 {HOSTILE}")
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "&amp; &lt;img" in out
    page = _parse(out)
    assert page.xpath("//script") == [] and page.xpath("//img") == []
    # what the reader sees is exactly the parties' text
    assert page.findtext(".//h1") == HOSTILE
    assert page.findtext(".//title") == f"{HOSTILE} (v1 {HOSTILE})"
    assert HOSTILE in page.get_element_by_id("art_1__para_1").text_content()


def test_ids_text_and_amendments() -> None:
    page = _page(_hostile_draft())
    assert page.get("lang") == "en"
    assert [a.get("id") for a in page.xpath("//main/article")] == ["art_1", "art_2"]
    for eid in ("art_1", "art_1__para_1", "art_1__para_1__point_a", "art_2"):
        assert page.get_element_by_id(eid) is not None
    assert page.xpath("//a[@href='#art_1__para_1']")
    # the amendment stands beside its own point, not inside a child's
    para = page.get_element_by_id("art_1__para_1")
    aside = para.xpath("./div[contains(@class, 'amended')]/aside[@class='amendment']")
    assert len(aside) == 1
    assert f"Amended {HOSTILE}" in aside[0].text_content()
    assert f"by US {HOSTILE}, 2022-01-26" in aside[0].text_content()
    assert not page.get_element_by_id("art_1__para_1__point_a").xpath(".//aside")
    # a line break inside a paragraph is a <br>; header values keep theirs too
    assert page.get_element_by_id("art_2").xpath(".//p/br")
    assert "second line" in page.xpath("//dl[@class='source']/dd")[0].text_content()
    assert f"note {HOSTILE}" in page.xpath("//footer")[0].text_content()


def test_lang_and_version() -> None:
    draft = DraftText("T", "", (Point("art_1", "Article 1", "x"),))
    page = _page(draft, version="process/track/doc@v3", lang="ru")
    assert page.get("lang") == "ru"
    assert "process/track/doc@v3" in page.findtext(".//p[@class='version']")
    with pytest.raises(InvalidInput, match="language"):
        to_html(draft, lang='en" onload="x')


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_every_point_present(path: Path) -> None:
    draft = parse_text(path.read_bytes(), source=path.name)
    page = _page(draft)
    for point in draft.walk():
        element = page.get_element_by_id(point.eid)
        own = element.xpath("./div[contains(@class, 'own')]/div[@class='text']")
        shown = own[0].text_content() if own else ""
        for paragraph in point.text.split("\n\n"):
            assert paragraph in shown, point.eid
        if point.label:
            assert point.label in element.text_content()


@settings(max_examples=40, deadline=None)
@given(drafts())
def test_generated_drafts_every_point_present(draft: DraftText) -> None:
    page = _page(draft)
    assert page.findtext(".//h1") == draft.title
    for point in draft.walk():
        assert point.text in page.get_element_by_id(point.eid).text_content()
