"""Akoma Ntoso: `to_akn` then `parse_akn` gives the draft back (corpus and generated drafts), real-world
AKN shapes import sensibly, and hostile or broken XML is refused with InvalidInput naming the line.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from lxml import etree

from inwriting.domain.documents import Amendment, DraftText, Point
from inwriting.errors import InvalidInput
from inwriting.exporters.akn import to_akn
from inwriting.exporters.markdown import to_markdown
from inwriting.importers import parse_file, parse_markdown, parse_text
from inwriting.importers.akn import AKN_NS, parse_akn
from tests.importers.strategies import drafts

CORPUS = sorted(Path("/work/shared/corpus").glob("*.txt"))
A = f"{{{AKN_NS}}}"


def _shape(draft: DraftText) -> list[tuple[str, str, str | None, str, int]]:
    return [(p.eid, p.label, p.heading, p.text, len(p.children)) for p in draft.walk()]


def _akn(body: str, *, doc: str = "act", before_body: str = "", body_tag: str = "body") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<akomaNtoso xmlns="{AKN_NS}">\n<{doc} name="x">\n'
        f"{before_body}<{body_tag}>\n{body}\n</{body_tag}>\n</{doc}>\n</akomaNtoso>\n"
    ).encode()


# --- round trip -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_round_trips(path: Path) -> None:
    draft = parse_text(path.read_bytes(), source=path.name)
    first = draft.walk().__next__()
    draft = dataclasses.replace(
        draft,
        amendments=(
            Amendment(first.eid, "A changed text & <b>more</b>.\n\nSecond paragraph.", "US", "2022-01-26"),
            Amendment(first.eid, "Another proposal."),
        ),
    )
    back = parse_akn(to_akn(draft, date="2021-12-17", author="Russian Federation"), source="x.akn")
    assert back.title == draft.title
    assert back.preamble == draft.preamble
    assert back.source_header == draft.source_header
    assert _shape(back) == _shape(draft)
    assert back.amendments == draft.amendments
    assert back == draft  # notes too: they travel in <proprietary>


def test_corpus_has_three_files() -> None:
    assert len(CORPUS) == 3


def test_line_breaks_empty_headings_and_points_without_text_round_trip() -> None:
    draft = DraftText(
        "T",
        "one\nline two\n\nnext",
        (
            Point("art_1", "Article 1", "", ""),
            Point("art_2", "Article 2", "own\ntext", None, (Point("art_2__point_a", "(a)", "x  y\tz"),)),
            Point("art_3", "Article 3", "", "Heading", (Point("art_3__para_1", "", "inferred"),)),
        ),
    )
    assert parse_akn(to_akn(draft), source="x") == draft


def test_export_shape() -> None:
    draft = DraftText(
        "Title",
        "Pre.",
        (
            Point("art_1", "Article 1", "Intro text.", "Scope", (Point("art_1__para_1", "1.", "P."),)),
            Point("art_2", "Article 2", "Only text."),
        ),
    )
    xml = to_akn(draft, name="t-1", date="2022-01-26")
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n")
    assert xml == to_akn(draft, name="t-1", date="2022-01-26")  # depends on the arguments only
    root = etree.fromstring(xml)
    bill = root.find(f"{A}bill")
    assert bill is not None and bill.get("name") == "t-1"
    art = root.find(f".//{A}article[@eId='art_1']")
    assert art is not None
    assert [etree.QName(c).localname for c in art] == ["num", "heading", "intro", "paragraph"]
    work = root.find(f".//{A}FRBRWork/{A}FRBRthis")
    assert work is not None and work.get("value") == "/akn/un/bill/2022-01-26/t-1/!main"
    assert root.find(f".//{A}FRBRWork/{A}FRBRcountry") is not None
    assert root.findtext(f".//{A}docTitle") == "Title"
    para = root.find(f".//{A}paragraph[@eId='art_1__para_1']/{A}content/{A}p")
    assert para is not None and para.text == "P."


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"name": "has space"}, "name"),
        ({"date": "17 Dec 2021"}, "date"),
        ({"date": "2021-02-30"}, "date"),
        ({"lang": "en"}, "language"),
    ],
)
def test_export_refuses_bad_arguments(kwargs: dict[str, str], word: str) -> None:
    draft = DraftText("T", "", (Point("art_1", "Article 1", "x"),))
    with pytest.raises(InvalidInput, match=word):
        to_akn(draft, **kwargs)


def test_export_refuses_text_xml_cannot_carry() -> None:
    draft = DraftText("T", "", (Point("art_1", "Article 1", "a\x01b"),))
    with pytest.raises(InvalidInput, match="XML"):
        to_akn(draft)


def test_parse_file_dispatches_xml() -> None:
    draft = DraftText("T", "", (Point("art_1", "Article 1", "x"),))
    assert parse_file(to_akn(draft), name="draft.xml") == draft


@settings(max_examples=60, deadline=None)
@given(drafts())
def test_akn_round_trip_property(draft: DraftText) -> None:
    back = parse_akn(to_akn(draft), source="x")
    assert (back.title, back.preamble, back.points) == (draft.title, draft.preamble, draft.points)
    assert back == draft


@settings(max_examples=60, deadline=None)
@given(drafts())
def test_markdown_round_trip_keeps_every_point(draft: DraftText) -> None:
    markdown = to_markdown(draft)
    back = parse_markdown(markdown, source="x.md")
    assert [(p.eid, p.label, p.heading, p.text) for p in back.walk()] == [
        (p.eid, p.label, p.heading, p.text) for p in draft.walk()
    ], markdown


# --- real-world AKN -------------------------------------------------------------------------------

REAL_WORLD = f"""<?xml version="1.0" encoding="UTF-8"?>
<akomaNtoso xmlns="{AKN_NS}">
  <act contains="originalVersion" name="act">
    <meta>
      <identification source="#somebody">
        <FRBRWork>
          <FRBRthis value="/akn/xx/act/2020/3/!main"/>
          <FRBRuri value="/akn/xx/act/2020/3"/>
          <FRBRalias name="short" value="Work alias, not used: docTitle wins"/>
          <FRBRdate date="2020-01-01" name="Generation"/>
          <FRBRauthor href="#parliament"/>
          <FRBRcountry value="xx"/>
        </FRBRWork>
      </identification>
    </meta>
    <preface>
      <p class="title"><docTitle>Sample Act on   Cooperation</docTitle></p>
      <p><docNumber>No. 3 of 2020</docNumber></p>
    </preface>
    <preamble>
      <recitals>
        <recital id="rec_1"><p>WHEREAS the Parties
          wish to <i>cooperate</i>;</p></recital>
      </recitals>
      <formula name="enactingFormula"><p>HAVE AGREED AS FOLLOWS:</p></formula>
    </preamble>
    <body>
      <chapter id="chp_1">
        <num>Chapter I</num>
        <heading>General provisions</heading>
        <article id="art_1">
          <num>Article 1</num>
          <heading>Definitions</heading>
          <paragraph id="art_1__para_1">
            <num>1.</num>
            <list id="art_1__para_1__list_1">
              <intro><p>In this Act:</p></intro>
              <point id="art_1__para_1__list_1__point_a">
                <num>(a)</num>
                <content>
                  <p>"Party" means a State<authorialNote marker="1"><p>See Annex.</p></authorialNote>;</p>
                </content>
              </point>
              <point id="art_1__para_1__list_1__point_b">
                <num>(b)</num>
                <content><p>"Day" means a calendar day.</p></content>
              </point>
              <wrapUp><p>unless the context requires otherwise.</p></wrapUp>
            </list>
          </paragraph>
          <paragraph id="art_1__para_2">
            <num>2.</num>
            <content><p>Terms not defined<br/>keep their meaning.</p></content>
          </paragraph>
        </article>
      </chapter>
      <chapter id="chp_2">
        <num>Chapter II</num>
        <heading>Final provisions</heading>
        <section id="sec_1">
          <num>Section 1</num>
          <heading>Entry</heading>
          <article id="art_2">
            <num>Article 2</num>
            <heading>Entry into force</heading>
            <content><p>This Act enters into force on the day after signature.</p></content>
          </article>
        </section>
      </chapter>
    </body>
    <conclusions>
      <p>Done at Geneva on 1 January 2020.</p>
    </conclusions>
  </act>
</akomaNtoso>
"""


def test_real_world_act_with_chapters_lists_and_id_attributes() -> None:
    draft = parse_akn(REAL_WORLD.encode(), source="act.xml")
    assert draft.title == "Sample Act on   Cooperation"
    assert draft.preamble == "\n\n".join(
        [
            "No. 3 of 2020",
            "WHEREAS the Parties wish to cooperate;",
            "HAVE AGREED AS FOLLOWS:",
            "Done at Geneva on 1 January 2020.",
        ]
    )
    p1 = "art_1__para_1"
    assert _shape(draft) == [
        ("art_1", "Article 1", "Definitions", "", 2),
        (p1, "1.", None, "In this Act:\n\nunless the context requires otherwise.", 2),
        (f"{p1}__list_1__point_a", "(a)", None, '"Party" means a State [note: See Annex.];', 0),
        (f"{p1}__list_1__point_b", "(b)", None, '"Day" means a calendar day.', 0),
        ("art_1__para_2", "2.", None, "Terms not defined\nkeep their meaning.", 0),
        (
            "art_2",
            "Article 2",
            "Entry into force",
            "This Act enters into force on the day after signature.",
            0,
        ),
    ]
    notes = "\n".join(draft.notes)
    assert "chapter 'Chapter I. General provisions' holds art_1: its heading is kept only" in notes
    assert "chapter 'Chapter II. Final provisions' holds art_2:" in notes
    assert "section 'Section 1. Entry' holds art_2:" in notes
    assert f"{p1}: text after its points is kept in its own text" in notes
    assert "conclusions" in notes
    assert "derived" not in notes  # every id fits the convention and is kept
    assert draft.source_header == () and draft.amendments == ()


def test_real_world_statement_with_block_lists_and_no_ids() -> None:
    body = """
    <p>Opening words of the statement.</p>
    <paragraph eId="p1">
      <num>1.</num>
      <content>
        <p>The ministers agree:</p>
        <blockList>
          <listIntroduction>to the following</listIntroduction>
          <item><num>(a)</num><p>first item;</p></item>
          <item><num>(b)</num><p>second item.</p></item>
        </blockList>
      </content>
    </paragraph>
    <paragraph><content><p>Unnumbered.</p></content></paragraph>
    """
    draft = parse_akn(_akn(body, doc="statement", body_tag="mainBody"), source="s.xml", title="Given")
    assert draft.title == "Given"
    assert draft.preamble == "Opening words of the statement."
    assert _shape(draft) == [
        ("para_1", "1.", None, "The ministers agree:\n\nto the following", 2),
        ("para_1__point_a", "(a)", None, "first item;", 0),
        ("para_1__point_b", "(b)", None, "second item.", 0),
        ("para_2", "", None, "Unnumbered.", 0),
    ]
    assert any("derived from their numbering" in n for n in draft.notes)


def test_articles_numbered_in_roman_and_with_marks_derive_ids() -> None:
    body = """
    <article><num>Article IV [number inferred]</num><content><p>x</p></content></article>
    <article><num>Art. 4bis</num><content><p>y</p></content></article>
    """
    draft = parse_akn(_akn(body), source="a.xml")
    assert [p.eid for p in draft.points] == ["art_IV", "art_4bis"]
    assert any("no title found" in n for n in draft.notes)


def test_akn_2_0_namespace_is_read() -> None:
    xml = _akn('<article id="art_1"><num>Article 1</num><content><p>x</p></content></article>')
    xml = xml.replace(AKN_NS.encode(), b"http://www.akomantoso.org/2.0")
    assert _shape(parse_akn(xml, source="old.xml")) == [("art_1", "Article 1", None, "x", 0)]


def test_child_eid_not_under_its_parent_is_derived() -> None:
    body = """<article eId="art_1"><num>Article 1</num>
      <paragraph eId="art_9__para_1"><num>1.</num><content><p>x</p></content></paragraph></article>"""
    draft = parse_akn(_akn(body), source="a.xml")
    assert [p.eid for p in draft.walk()] == ["art_1", "art_1__para_1"]


# --- refusals -------------------------------------------------------------------------------------

XXE = f"""<?xml version="1.0"?>
<!DOCTYPE akomaNtoso [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<akomaNtoso xmlns="{AKN_NS}"><act><body><article eId="art_1"><content><p>&xxe;</p></content>
</article></body></act></akomaNtoso>"""


def _billion_laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE akomaNtoso [\n' + "\n".join(entities) + "\n]>\n"
        f'<akomaNtoso xmlns="{AKN_NS}"><act><body><article eId="art_1"><content><p>&lol9;</p>'
        "</content></article></body></act></akomaNtoso>"
    )


LAUGHS = _billion_laughs()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_dtd_and_entities_are_refused(xml: str, encoding: str) -> None:
    data = xml.replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>')
    started = time.monotonic()
    # the byte scan names the DOCTYPE; in UTF-16 libxml2's amplification guard or our DTD check does
    with pytest.raises(InvalidInput, match=r"(?i)doctype|entity") as err:
        parse_akn(data.encode(encoding), source="evil.xml")
    assert time.monotonic() - started < 2
    assert "passwd" not in str(err.value) and "root:" not in str(err.value)


def test_malformed_xml_names_the_line() -> None:
    data = f'<akomaNtoso xmlns="{AKN_NS}">\n<act>\n<body>\n<p>oops</b>\n</body></act></akomaNtoso>'.encode()
    with pytest.raises(InvalidInput, match="not well-formed XML at line 4") as err:
        parse_akn(data, source="bad.xml")
    assert err.value.where == "bad.xml:4"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "not well-formed"),
        (b"<html><body/></html>", "not Akoma Ntoso"),
        (b'<akomaNtoso xmlns="http://example.com/"><act/></akomaNtoso>', "not Akoma Ntoso"),
        (f'<akomaNtoso xmlns="{AKN_NS}"><judgment/></akomaNtoso>'.encode(), "judgment"),
        (_akn("<p>no points here</p>"), "no articles, paragraphs or points"),
    ],
)
def test_not_a_draft_is_refused(data: bytes, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        parse_akn(data, source="f.xml")


def test_excessive_nesting_is_refused() -> None:
    body = "<point>" * 300 + "<content><p>x</p></content>" + "</point>" * 300
    with pytest.raises(InvalidInput, match="depth"):
        parse_akn(_akn(body), source="deep.xml")


def test_duplicate_eids_are_refused_naming_both_lines() -> None:
    body = (
        '<article eId="art_1"><content><p>a</p></content></article>\n'
        '<article eId="art_1"><content><p>b</p></content></article>'
    )
    with pytest.raises(InvalidInput, match="duplicate eId art_1: lines 5 and 6") as err:
        parse_akn(_akn(body), source="d.xml")
    assert err.value.where == "d.xml:6"


@pytest.mark.parametrize(
    "body",
    [
        '<article eId="art_1"><content><p>safe \u202etxt.exe</p></content></article>',
        '<article eId="art_1"><heading>\u2067x</heading><content><p>a</p></content></article>',
        '<article eId="art_1"><num>Article 1\u202d</num><content><p>a</p></content></article>',
    ],
)
def test_bidi_controls_are_refused(body: str) -> None:
    with pytest.raises(InvalidInput, match="bidi control") as err:
        parse_akn(_akn(body), source="b.xml")
    assert err.value.where == "b.xml:5"


def test_bidi_control_in_header_is_refused() -> None:
    draft = DraftText("T", "", (Point("art_1", "Article 1", "x"),), source_header=(("SOURCE", "a\u202eb"),))
    with pytest.raises(InvalidInput, match="bidi control"):
        parse_akn(to_akn(draft), source="h.xml")


def test_amendment_of_unknown_point_is_refused() -> None:
    draft = DraftText("T", "", (Point("art_1", "Article 1", "x"),), amendments=(Amendment("art_9", "y"),))
    with pytest.raises(InvalidInput, match="art_9"):
        parse_akn(to_akn(draft), source="a.xml")


def test_text_is_nfc_normalised() -> None:
    body = '<article eId="art_1"><content><p>E\u0301tat</p></content></article>'
    assert parse_akn(_akn(body), source="n.xml").points[0].text == "\u00c9tat"
