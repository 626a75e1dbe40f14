"""Word importer and exporter: the corpus through .docx, Word's automatic numbering, tracked changes as
amendments, files that are not drafts, and a property test that export then import keeps every point.

Test files are made here with python-docx; numbering definitions and tracked changes are written
into them through lxml, as Word writes them.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from inwriting.domain.documents import Amendment, DraftText, Point
from inwriting.errors import InvalidInput
from inwriting.exporters.docx import to_docx
from inwriting.importers import docx as docx_importer
from inwriting.importers import parse_file
from inwriting.importers.docx import parse_docx
from inwriting.importers.text import MAX_BYTES, parse_text
from tests.importers.strategies import drafts, sentences

US_RU = Path("/work/shared/corpus/draft_treaty_us_ru_2021-12-17.txt")
ALICE = ("Alice", "2021-12-20T10:00:00Z")
BOB = ("Bob", "2021-12-21T09:30:00Z")

Part = str | tuple[str, str, tuple[str, str]]  # plain text, or (w:ins | w:del | ..., text, (author, date))


def _outline(draft: DraftText) -> list[tuple[str, str]]:
    return [(p.eid, p.label) for p in draft.walk()]


def _save(document: Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _para(
    document: Document, *parts: Part, style: str | None = None, num: tuple[str, int] | None = None
) -> None:
    """A paragraph of plain and tracked runs; `num` = (numId, level) numbers it as a Word list item."""
    p = document.add_paragraph(style=style)._p
    if num is not None:
        ppr = p.get_or_add_pPr()
        numpr = etree.SubElement(ppr, qn("w:numPr"))
        etree.SubElement(numpr, qn("w:ilvl")).set(qn("w:val"), str(num[1]))
        etree.SubElement(numpr, qn("w:numId")).set(qn("w:val"), num[0])
    for part in parts:
        if isinstance(part, str):
            _run(p, part, "w:t")
            continue
        tag, text, (author, date) = part
        change = etree.SubElement(p, qn(tag))
        change.set(qn("w:id"), str(random.randrange(1, 10**6)))
        change.set(qn("w:author"), author)
        change.set(qn("w:date"), date)
        _run(change, text, "w:delText" if tag in ("w:del", "w:moveFrom") else "w:t")


def _run(parent: etree._Element, text: str, tag: str) -> None:
    t = etree.SubElement(etree.SubElement(parent, qn("w:r")), qn(tag))
    t.set(qn("xml:space"), "preserve")
    t.text = text


def _mark(document: Document, tag: str, who: tuple[str, str]) -> None:
    """Track the last paragraph's mark as inserted (w:ins) or deleted (w:del)."""
    rpr = etree.SubElement(document.paragraphs[-1]._p.get_or_add_pPr(), qn("w:rPr"))
    etree.SubElement(rpr, qn(tag), {qn("w:id"): "9", qn("w:author"): who[0], qn("w:date"): who[1]})


def _list(document: Document, levels: list[tuple[str, str]], restarts: int = 0) -> list[str]:
    """A multi-level list definition (numFmt, lvlText per level) and 1 + `restarts` w:num instances of
    it, the extra ones restarting level 0 at 1 as Word's "Restart numbering" does; returns the numIds."""
    numbering = document.part.numbering_part.element
    abstract_id = str(100 + len(numbering.findall(qn("w:abstractNum"))))
    abstract = etree.Element(qn("w:abstractNum"), {qn("w:abstractNumId"): abstract_id})
    for ilvl, (fmt, text) in enumerate(levels):
        lvl = etree.SubElement(abstract, qn("w:lvl"), {qn("w:ilvl"): str(ilvl)})
        etree.SubElement(lvl, qn("w:start"), {qn("w:val"): "1"})
        etree.SubElement(lvl, qn("w:numFmt"), {qn("w:val"): fmt})
        etree.SubElement(lvl, qn("w:lvlText"), {qn("w:val"): text})
    numbering.insert(0, abstract)  # abstractNum elements come before num elements
    ids = []
    for i in range(1 + restarts):
        num_id = str(200 + len(numbering.findall(qn("w:num"))))
        num = etree.SubElement(numbering, qn("w:num"), {qn("w:numId"): num_id})
        etree.SubElement(num, qn("w:abstractNumId"), {qn("w:val"): abstract_id})
        if i:
            override = etree.SubElement(num, qn("w:lvlOverride"), {qn("w:ilvl"): "0"})
            etree.SubElement(override, qn("w:startOverride"), {qn("w:val"): "1"})
        ids.append(num_id)
    return ids


# ---- the corpus and round trips -------------------------------------------------------------------


def test_corpus_through_docx_keeps_title_preamble_points_and_notes() -> None:
    draft = parse_text(US_RU.read_bytes(), source=US_RU.name)
    again = parse_docx(to_docx(draft), source="us_ru.docx")
    assert again.points == draft.points
    assert (again.title, again.preamble) == (draft.title, draft.preamble)
    assert again.notes == draft.notes
    assert again.amendments == ()


def test_exported_file_uses_word_styles_and_sets_the_title_property() -> None:
    draft = parse_text(US_RU.read_bytes(), source=US_RU.name)
    document = docx.Document(io.BytesIO(to_docx(draft)))
    assert document.core_properties.title == draft.title
    assert (document.paragraphs[0].style.name, document.paragraphs[0].text) == ("Title", draft.title)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert headings[:2] == ["Article 1", "Article 2"]
    assert headings[5] == "Article 6 [number inferred]"
    assert "i) shall not undertake actions" in "\n".join(p.text for p in document.paragraphs)


def test_parse_file_dispatches_on_the_docx_extension() -> None:
    data = to_docx(parse_text(US_RU.read_bytes(), source=US_RU.name))
    assert parse_file(data, name="Draft.DOCX") == parse_docx(data, source="Draft.DOCX")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drafts())
def test_export_then_import_keeps_every_point(draft: DraftText) -> None:
    again = parse_docx(to_docx(draft), source="d.docx")
    assert (again.title, again.preamble) == (draft.title, draft.preamble)
    assert again.points == draft.points


@st.composite
def _amended(draw: st.DrawFn) -> DraftText:
    """A draft with amendments on some points that carry text: new sentences, words dropped or added."""
    draft = draw(drafts(max_articles=4))
    points = [p for p in draft.walk() if p.text]
    chosen = draw(st.lists(st.sampled_from(points), unique_by=lambda p: p.eid, max_size=3))
    amendments = []
    for point in chosen:
        text = draw(
            st.one_of(
                sentences(),
                st.just(point.text.rsplit(" ", 1)[0] + "."),
                st.just(f"{point.text} {draw(sentences())}"),
                st.just("" if point.label else point.text),  # a numbered point emptied
            )
        )
        author = draw(st.sampled_from(["Alice", "Bob", "Алиса", ""]))
        date = draw(st.sampled_from(["2021-12-20T10:00:00Z", "2022-01-10T08:15:00+03:00", ""]))
        if text != point.text:
            amendments.append(Amendment(point.eid, text, author, date))
    order = [p.eid for p in draft.walk()]
    return replace(draft, amendments=tuple(sorted(amendments, key=lambda a: order.index(a.eid))))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_amended())
def test_amendments_round_trip_as_tracked_changes(draft: DraftText) -> None:
    again = parse_docx(to_docx(draft), source="d.docx")
    assert again.points == draft.points
    assert again.amendments == draft.amendments


def test_exporter_refuses_amendments_it_cannot_place() -> None:
    draft = DraftText("T", "", (Point("art_1", "Article 1", "Text."),))
    with pytest.raises(InvalidInput, match="art_9"):
        to_docx(replace(draft, amendments=(Amendment("art_9", "x"),)))
    with pytest.raises(InvalidInput, match="more than one amendment"):
        to_docx(replace(draft, amendments=(Amendment("art_1", "A."), Amendment("art_1", "B."))))


# ---- Word numbering and styles --------------------------------------------------------------------

TYPED = """Treaty on Numbering

Article 1. Scope

1. The Parties shall cooperate.

(a) in good faith;

(b) without delay:

i) by notes;

ii) by meetings.

2. Nothing here binds third States.

Article 2

1. This Treaty enters into force on signature.

2. It may be denounced.
"""


def test_auto_numbered_paragraphs_read_as_their_printed_labels() -> None:
    document = docx.Document()
    first, second = _list(document, [("decimal", "%1."), ("lowerLetter", "(%2)"), ("lowerRoman", "%3)")], 1)
    _para(document, "Treaty on Numbering", style="Title")
    _para(document, "Article 1. Scope", style="Heading 2")
    _para(document, "The Parties shall cooperate.", num=(first, 0))
    _para(document, "in good faith;", num=(first, 1))
    _para(document, "without delay:", num=(first, 1))
    _para(document, "by notes;", num=(first, 2))
    _para(document, "by meetings.", num=(first, 2))
    _para(document, "Nothing here binds third States.", num=(first, 0))
    _para(document, "Article 2", style="Heading 2")
    _para(document, "This Treaty enters into force on signature.", num=(second, 0))
    _para(document, "It may be denounced.", num=(second, 0))
    draft = parse_docx(_save(document), source="numbered.docx")
    typed = parse_text(TYPED, source="numbered.txt")
    assert (draft.title, draft.points, draft.notes) == (typed.title, typed.points, typed.notes)
    assert _outline(draft)[:6] == [
        ("art_1", "Article 1"),
        ("art_1__para_1", "1."),
        ("art_1__para_1__point_a", "(a)"),
        ("art_1__para_1__point_b", "(b)"),
        ("art_1__para_1__point_b__point_i", "i)"),
        ("art_1__para_1__point_b__point_ii", "ii)"),
    ]


def test_a_list_that_is_not_restarted_continues_across_articles() -> None:
    document = docx.Document()
    (num,) = _list(document, [("decimal", "%1.")])
    for article in (1, 2):
        _para(document, f"Article {article}", style="Heading 2")
        _para(document, "First.", num=(num, 0))
        _para(document, "Second.", num=(num, 0))
    draft = parse_docx(_save(document), source="n.docx")
    assert [p.label for p in draft.point("art_2").children] == ["3.", "4."]  # as Word prints them


def test_numbering_carried_by_a_heading_style_gives_article_headings() -> None:
    document = docx.Document()
    (articles,) = _list(document, [("upperRoman", "Article %1")])
    (paras,) = _list(document, [("decimal", "%1.%1.")])
    style = document.styles.add_style("Article Heading", 1)
    style.base_style = document.styles["Heading 2"]
    numpr = etree.SubElement(style.element.get_or_add_pPr(), qn("w:numPr"))
    etree.SubElement(numpr, qn("w:numId"), {qn("w:val"): articles})
    _para(document, "Agreement", style="Title")
    _para(document, "Definitions", style="Article Heading")
    _para(document, "Terms have their usual meaning.", num=(paras, 0))
    _para(document, "Final clauses", style="Article Heading")
    draft = parse_docx(_save(document), source="styled.docx")
    assert _outline(draft) == [("art_1", "Article 1"), ("art_1__para_1", "1."), ("art_2", "Article 2")]
    assert draft.point("art_2").heading == "Final clauses"
    assert any('"Article I" as "Article 1"' in n and '"1.1." as "1."' in n for n in draft.notes)


def test_typed_article_heading_without_separator_in_a_heading_style() -> None:
    document = docx.Document()
    _para(document, "Article 3 Verification", style="Heading 1")
    _para(document, "Each Party shall verify.")
    draft = parse_docx(_save(document), source="h.docx")
    assert (draft.point("art_3").heading, draft.point("art_3").text) == (
        "Verification",
        "Each Party shall verify.",
    )


def test_table_cells_are_read_in_order_with_a_note() -> None:
    document = docx.Document()
    _para(document, "Protocol", style="Title")
    table = document.add_table(rows=2, cols=1)
    table.cell(0, 0).text = "Article 1"
    table.cell(1, 0).text = "The Parties agree."
    _para(document, "Article 2")
    _para(document, "Done in two copies.")
    draft = parse_docx(_save(document), source="t.docx")
    assert draft.point("art_1").text == "The Parties agree."
    assert draft.point("art_2").text == "Done in two copies."
    assert any("1 table" in n for n in draft.notes)


def test_hidden_text_is_left_out_with_a_note() -> None:
    document = docx.Document()
    _para(document, "Article 1")
    paragraph = document.add_paragraph("The Parties agree.")
    paragraph.add_run(" And a secret.").font.hidden = True
    draft = parse_docx(_save(document), source="h.docx")
    assert draft.point("art_1").text == "The Parties agree."
    assert any("hidden text" in n and "paragraph" in n for n in draft.notes)


# ---- tracked changes ------------------------------------------------------------------------------


def _tracked() -> Document:
    document = docx.Document()
    _para(document, "Treaty", style="Title")
    _para(document, "Article 1")
    _para(
        document,
        "1. The Parties shall ",
        ("w:del", "not ", ALICE),
        "deploy forces",
        ("w:ins", " anywhere", ALICE),
        ".",
    )
    _para(document, "2. Each Party ", ("w:ins", "may", BOB), ("w:del", "shall", ALICE), " notify the other.")
    _para(document, "3. Unchanged text.")
    _para(document, "Article 2")
    _para(document, "This Treaty ", ("w:moveFrom", "of unlimited duration ", BOB), "enters into force.")
    _para(document, "Article 3")
    _para(document, "It is ", ("w:moveTo", "of unlimited duration ", BOB), "open for signature.")
    return document


def test_tracked_changes_stay_out_of_the_text_and_become_amendments() -> None:
    draft = parse_docx(_save(_tracked()), source="tracked.docx")
    # the points read as the text stood before the proposal: deletions in, insertions out
    assert draft.point("art_1__para_1").text == "The Parties shall not deploy forces."
    assert draft.point("art_1__para_2").text == "Each Party shall notify the other."
    assert draft.point("art_2").text == "This Treaty of unlimited duration enters into force."
    assert draft.point("art_3").text == "It is open for signature."
    assert draft.amendments == (
        Amendment("art_1__para_1", "The Parties shall deploy forces anywhere.", "Alice", ALICE[1]),
        Amendment("art_1__para_2", "Each Party may notify the other.", "Bob, Alice", BOB[1]),
        Amendment("art_2", "This Treaty enters into force.", "Bob", BOB[1]),
        Amendment("art_3", "It is of unlimited duration open for signature.", "Bob", BOB[1]),
    )


def test_tracked_paragraphs_added_or_deleted_whole() -> None:
    document = _tracked()
    _para(document, "Article 4")
    _para(document, "1. Kept.")
    _para(document, ("w:del", "2. Struck out.", ALICE))
    _mark(document, "w:del", ALICE)
    _para(document, ("w:ins", "3. Brand new.", BOB))
    _mark(document, "w:ins", BOB)
    _para(document, "4. Last.")
    draft = parse_docx(_save(document), source="tracked.docx")
    assert [p.eid for p in draft.point("art_4").children] == [
        "art_4__para_1",
        "art_4__para_2",
        "art_4__para_4",
    ]
    assert Amendment("art_4__para_2", "", "Alice", ALICE[1]) in draft.amendments
    assert any("delete this point" in n and "art_4__para_2" in n for n in draft.notes)
    assert any("add points art_4__para_3" in n for n in draft.notes)


def test_a_deleted_paragraph_mark_joins_the_paragraphs_in_the_amendment() -> None:
    document = docx.Document()
    _para(document, "Article 1")
    _para(document, "1. The Parties agree", ("w:ins", " that", ALICE))
    _mark(document, "w:del", ALICE)
    _para(document, ("w:del", "Something.", ALICE), ("w:ins", " nothing binds them.", ALICE))
    draft = parse_docx(_save(document), source="j.docx")
    assert draft.point("art_1__para_1").text == "The Parties agree"
    assert draft.point("art_1").text == "Something."  # unnumbered text after a point: the article's own
    assert draft.amendments == (
        Amendment("art_1", "", "Alice", ALICE[1]),
        Amendment("art_1__para_1", "The Parties agree that nothing binds them.", "Alice", ALICE[1]),
    )


def test_a_tracked_numbering_change_is_read_as_before_and_after() -> None:
    document = docx.Document()
    (num,) = _list(document, [("decimal", "%1.")])
    _para(document, "Article 1")
    _para(document, "The Parties agree.", num=(num, 0))
    # Word records "numbering switched on" as the old paragraph properties in a w:pPrChange
    ppr = document.paragraphs[-1]._p.get_or_add_pPr()
    change = etree.SubElement(
        ppr, qn("w:pPrChange"), {qn("w:id"): "5", qn("w:author"): BOB[0], qn("w:date"): BOB[1]}
    )
    etree.SubElement(change, qn("w:pPr"))
    draft = parse_docx(_save(document), source="f.docx")
    assert _outline(draft) == [("art_1", "Article 1")]
    assert draft.point("art_1").text == "The Parties agree."
    assert draft.amendments == (Amendment("art_1", "", "Bob", BOB[1]),)
    assert any("add points art_1__para_1" in n for n in draft.notes)


def test_changes_that_leave_the_draft_unreadable_are_refused_not_dropped() -> None:
    document = docx.Document()
    _para(document, "Article 1")
    _para(document, "1. First.")
    _para(document, "2. Second.", ("w:ins", "", BOB))
    _para(document, ("w:ins", "2. A second paragraph 2.", BOB))
    with pytest.raises(
        InvalidInput, match=r"tracked changes accepted.*duplicate art_1__para_2.*paragraphs 3 and 4"
    ):
        parse_docx(_save(document), source="dup.docx")


# ---- refused files --------------------------------------------------------------------------------


def _zip(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name.replace("__", "/"), data)
    return out.getvalue()


GOOD = to_docx(DraftText("T", "", (Point("art_1", "Article 1", "Text."),)))
OLE = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (GOOD[: len(GOOD) // 2], "not a readable Word document"),
        (random.Random(7).randbytes(4096), "not a readable Word document"),
        (US_RU.read_bytes(), "not a readable Word document: File is not a zip file"),
        (_zip(notes__readme_txt=b"hello"), "not a readable Word document"),
        (_zip(word__document_xml=b"<w:document"), "not a readable Word document"),
        (OLE + "EncryptedPackage".encode("utf-16-le") + bytes(64), "password-protected"),
        (OLE, r"old Word 97-2003 \(.doc\)"),
        (b"", "the file is empty"),
        (b"PK" + bytes(MAX_BYTES), "the limit is 20 MB"),
    ],
    ids=["truncated", "random", "text", "zip", "no-package", "encrypted", "doc", "empty", "too-big"],
)
def test_files_that_are_not_readable_docx_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        parse_docx(data, source="bad.docx")
    assert info.value.where == "bad.docx"


def test_zip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # a real 32 MB bomb would slow the suite: lower the limit instead
    monkeypatch.setattr(docx_importer, "MAX_UNPACKED", 10_000)
    with pytest.raises(InvalidInput, match=r"unpacks to \d+ bytes; the limit is 32 MB"):
        parse_docx(GOOD, source="bomb.docx")


def test_empty_documents_are_refused() -> None:
    with pytest.raises(InvalidInput, match="has no text"):
        parse_docx(_save(docx.Document()), source="e.docx")
    blank = docx.Document()
    _para(blank, "  ")
    _para(blank, "")
    with pytest.raises(InvalidInput, match="has no text"):
        parse_docx(_save(blank), source="e.docx")
    titled = docx.Document()
    _para(titled, "Only a title", style="Title")
    with pytest.raises(InvalidInput, match="no text besides its title"):
        parse_docx(_save(titled), source="e.docx")
    prose = docx.Document()
    _para(prose, "A letter without numbered points.")
    with pytest.raises(InvalidInput, match="no articles or numbered points found"):
        parse_docx(_save(prose), source="e.docx")


@pytest.mark.parametrize("tracked", [False, True], ids=["text", "tracked-insertion"])
def test_bidi_control_is_refused_naming_the_paragraph(tracked: bool) -> None:
    document = docx.Document()
    _para(document, "Article 1")
    _para(document, "The Parties agree.")
    evil = "pay 100 \u202e00 USD"
    _para(document, "1. They ", ("w:ins", evil, BOB) if tracked else evil)
    with pytest.raises(InvalidInput, match=r"U\+202E \(RIGHT-TO-LEFT OVERRIDE\) in paragraph 3") as info:
        parse_docx(_save(document), source="bidi.docx")
    assert info.value.where == "bidi.docx, paragraph 3"


def test_text_parser_errors_name_paragraphs_not_lines() -> None:
    document = docx.Document()
    _para(document, "Treaty", style="Title")
    _para(document, "Article 1")
    _para(document, "")
    _para(document, "Text.")
    _para(document, "Article 1")
    with pytest.raises(InvalidInput, match=r"duplicate art_1 \(Article 1\): paragraphs 2 and 5") as info:
        parse_docx(_save(document), source="dup.docx")
    assert info.value.where == "dup.docx, paragraph 5"


def test_a_numbering_start_beyond_any_treaty_does_not_blow_up_labels() -> None:
    from inwriting.importers.docx_numbering import MAX_NUMBER, _format, _int

    assert _int("2000000000", 1) == 1 and _int(str(MAX_NUMBER), 1) == MAX_NUMBER
    assert _format("lowerLetter", 2_000_000_000) == "" and _format("lowerRoman", 10**9) == ""
    assert _format("lowerLetter", 27) == "aa"
