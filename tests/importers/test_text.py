"""Text and Markdown importers and the Markdown exporter: the three corpus texts, bad input, the
grammar's corner cases, and property tests that export then import keeps every point."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inwriting.domain.documents import DraftText, Point
from inwriting.domain.text import BIDI_CONTROLS
from inwriting.errors import InvalidInput
from inwriting.exporters.markdown import to_markdown
from inwriting.importers.text import MAX_BYTES, parse_markdown, parse_text

CORPUS = Path("/work/shared/corpus")
US_RU = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"
NATO_RU = CORPUS / "draft_agreement_nato_ru_2021-12-17.txt"
NOTES_1933 = CORPUS / "notes_roosevelt_litvinov_1933-11-16.txt"

# Expected structures, written by reading the files before the parser existed: (eid, label) in
# document order, each with the reason it is there.
US_RU_POINTS = [
    ("art_1", "Article 1"),  # heading line; its one unnumbered paragraph is the article's text
    ("art_1__point_i", "i)"),  # first item "i)" is roman, as printed by source [B]
    ("art_1__point_ii", "ii)"),  # "ii)" continues the roman list
    ("art_2", "Article 2"),  # one paragraph: the article's own text
    ("art_3", "Article 3"),  # one paragraph
    ("art_4", "Article 4"),  # two unnumbered paragraphs -> numbering inferred
    ("art_4__para_1", ""),
    ("art_4__para_2", ""),
    ("art_5", "Article 5"),  # two paragraphs plus a [GAP] paragraph -> three inferred paragraphs
    ("art_5__para_1", ""),
    ("art_5__para_2", ""),
    ("art_5__para_3", ""),
    ("art_6", "Article 6 [number inferred]"),  # editorial mark kept in the label; one paragraph
    ("art_7", "Article 7 [number inferred]"),  # [GAP], one paragraph, [GAP] -> three inferred
    ("art_7__para_1", ""),
    ("art_7__para_2", ""),
    ("art_7__para_3", ""),
    ("art_8", "Article 8"),  # only a [GAP] paragraph: the article's own text
]
US_RU_GAPS = ["preamble", "art_5__para_3", "art_7__para_1", "art_7__para_3", "art_8"]

NATO_RU_POINTS = [
    ("art_1", "Article 1"),  # four unnumbered paragraphs (source [A] drops the numbers)
    ("art_1__para_1", ""),
    ("art_1__para_2", ""),
    ("art_1__para_3", ""),
    ("art_1__para_4", ""),
    ("art_2", "Article 2"),  # three unnumbered paragraphs
    ("art_2__para_1", ""),
    ("art_2__para_2", ""),
    ("art_2__para_3", ""),
    ("art_3", "Article 3"),  # paragraph 1 and the cut-off start of paragraph 2
    ("art_3__para_1", ""),
    ("art_3__para_2", ""),
    ("art_4", "Article 4 [number inferred]"),  # [GAP], one sentence, [GAP]
    ("art_4__para_1", ""),
    ("art_4__para_2", ""),
    ("art_4__para_3", ""),
    ("art_5", "Article 5 [number inferred]"),  # a clause opening with [GAP], then [GAP]
    ("art_5__para_1", ""),
    ("art_5__para_2", ""),
    ("art_6", "Article 6 [number inferred]"),  # one sentence: the article's own text
    ("art_7", "Article 7 [number inferred]"),  # [GAP] clause, one passage, [GAP]
    ("art_7__para_1", ""),
    ("art_7__para_2", ""),
    ("art_7__para_3", ""),
    ("art_8", "Article 8"),  # [GAP] only
    ("art_9", "Article 9"),  # [GAP] only
]
NATO_RU_GAPS = [
    "art_3__para_2",
    "art_4__para_1",
    "art_4__para_3",
    "art_5__para_1",
    "art_5__para_2",
    "art_7__para_1",
    "art_7__para_3",
    "art_8",
    "art_9",
]

NOTES_1933_POINTS = [
    ("para_1", "1."),  # no "Article" headings: Litvinov's numbered engagements are the points
    ("para_2", "2."),  # cut mid-sentence by a [GAP]
    ("para_3", "3."),  # "[GAP: not available]"
    ("para_4", "4."),  # "[GAP: not available]"
]
NOTES_1933_GAPS = ["preamble", "para_2", "para_3", "para_4"]

HEADER_KEYS = ("TITLE", "DATE", "AUTHOR PARTY", "AUTHOR PARTIES", "SOURCE", "COMPLETENESS", "GAP NOTES")


def _eids(draft: DraftText) -> list[tuple[str, str]]:
    return [(p.eid, p.label) for p in draft.walk()]


def _gap_notes(draft: DraftText) -> list[str]:
    return [n for n in draft.notes if "[GAP: ...]" in n]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _body_lines(path: Path) -> list[str]:
    """The source lines that are neither header nor blank."""
    lines = path.read_text(encoding="utf-8").split("\n")
    end = lines.index("")
    return [line for line in lines[end:] if line.strip()]


def _rendered(draft: DraftText) -> str:
    parts = [draft.preamble]
    for p in draft.walk():
        parts.append(" ".join(x for x in (p.label, p.heading or "", p.text) if x))
    return _squash("\n".join(parts))


@pytest.mark.parametrize(
    ("path", "expected", "gaps"),
    [
        (US_RU, US_RU_POINTS, US_RU_GAPS),
        (NATO_RU, NATO_RU_POINTS, NATO_RU_GAPS),
        (NOTES_1933, NOTES_1933_POINTS, NOTES_1933_GAPS),
    ],
    ids=["us_ru", "nato_ru", "notes_1933"],
)
def test_corpus_structure_gaps_and_no_text_lost(
    path: Path, expected: list[tuple[str, str]], gaps: list[str]
) -> None:
    draft = parse_text(path.read_bytes(), source=path.name)
    assert _eids(draft) == expected
    gap_notes = _gap_notes(draft)
    assert len(gap_notes) == len(gaps), gap_notes
    for where, note in zip(gaps, gap_notes, strict=True):
        assert f"({where})" in note or note.startswith(where), (where, note)
    rendered = _rendered(draft)
    for line in _body_lines(path):
        assert _squash(line) in rendered, line
    # the header is metadata, not draft text
    assert "COMPLETENESS" not in rendered
    assert draft.header["COMPLETENESS"].startswith("PARTIAL")
    assert {key.split(" (")[0] for key in draft.header} <= set(HEADER_KEYS)


def test_corpus_us_ru_details() -> None:
    draft = parse_text(US_RU.read_bytes(), source=US_RU.name)
    assert draft.title == (
        "Treaty between The United States of America and the Russian Federation on security guarantees"
        " (Draft; unofficial translation)"
    )
    assert draft.preamble.startswith("TREATY BETWEEN THE UNITED STATES OF AMERICA")
    assert draft.preamble.endswith("is not available]")
    art1 = draft.point("art_1")
    assert art1.text.endswith("and to these ends:")
    assert art1.heading is None
    assert draft.point("art_1__point_ii").text.startswith("shall not implement security measures")
    assert draft.point("art_6").text.endswith("national territory of the other Party[.]")
    assert draft.point("art_8").text == "[GAP: Article 8 (entry into force / final clauses) not available]"
    assert any("art_4" in n and "inferred" in n for n in draft.notes)
    assert any("Article 6 [number inferred]" in n and "editorial mark" in n for n in draft.notes)
    assert list(draft.header)[:5] == ["TITLE", "DATE", "AUTHOR PARTY", "SOURCE", "COMPLETENESS"]
    assert draft.header["SOURCE"].split("\n")[1].startswith("[A] https://nowarnonato.blogspot.com/")


def test_corpus_nato_ru_details() -> None:
    draft = parse_text(NATO_RU.read_bytes(), source=NATO_RU.name)
    assert draft.title.startswith("Agreement on measures to ensure the security of The Russian Federation")
    assert draft.point("art_3__para_2").text == (
        "The Parties shall maintain dialogue and intera"
        "[GAP: the available copy ends here; the rest of Article 3 is not available]"
    )
    assert draft.point("art_1").text == ""
    assert draft.header["GAP NOTES (press paraphrase, NOT document text)"].startswith("Art. 4 - TASS")
    assert "GAP NOTES" not in draft.preamble


def test_corpus_notes_1933_details() -> None:
    draft = parse_text(NOTES_1933.read_bytes(), source=NOTES_1933.name)
    assert draft.header["AUTHOR PARTIES"].startswith("(1) Maxim M. Litvinov")
    assert draft.preamble.startswith("(1) THE SOVIET COMMISSAR")
    # Roosevelt's note follows the last numbered engagement: it has no point to go to, so it is
    # kept in the preamble and the notes say so.
    assert draft.preamble.endswith("Franklin D. Roosevelt")
    assert any("kept in the preamble" in n for n in draft.notes)
    assert draft.point("para_3").text == "[GAP: not available]"


@pytest.mark.parametrize("path", [US_RU, NATO_RU, NOTES_1933], ids=["us_ru", "nato_ru", "notes_1933"])
def test_corpus_markdown_round_trip(path: Path) -> None:
    draft = parse_text(path.read_bytes(), source=path.name)
    again = parse_markdown(to_markdown(draft))
    assert again.points == draft.points
    assert (again.title, again.preamble, again.source_header) == (
        draft.title,
        draft.preamble,
        draft.source_header,
    )
    assert _gap_notes(again) == _gap_notes(draft)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \n\r\n\t\n", ""])
def test_empty_file(data: bytes | str) -> None:
    with pytest.raises(InvalidInput, match="the file is empty") as err:
        parse_text(data, source="x.txt")
    assert err.value.where == "x.txt:1"


def test_no_points() -> None:
    with pytest.raises(InvalidInput, match=r"no articles or numbered points found") as err:
        parse_text(b"A letter.\n\nIt says things (in prose) and\nnothing is numbered.\n", source="p.txt")
    assert err.value.where == "p.txt"


def test_header_only_has_no_points() -> None:
    with pytest.raises(InvalidInput, match="no articles or numbered points found"):
        parse_text("TITLE: x\nDATE: y\n\n")


def test_not_utf8_names_the_byte_offset_and_line() -> None:
    data = b"Title\n\nArticle 1\n\nfa\xe7ade\n"
    with pytest.raises(InvalidInput) as err:
        parse_text(data, source="l1.txt")
    assert err.value.message == "not UTF-8: byte 0xE7 at byte offset 20 cannot be decoded"
    assert err.value.where == "l1.txt:5"


@pytest.mark.parametrize("ch", sorted(BIDI_CONTROLS))
def test_bidi_controls_are_refused_with_line_and_column(ch: str) -> None:
    text = f"Title\n\nArticle 1\n\nThe Parties {ch}shall\n"
    with pytest.raises(InvalidInput) as err:
        parse_text(text.encode(), source="b.txt")
    assert err.value.message.startswith(f"bidi control character U+{ord(ch):04X} (")
    assert "at line 5, column 13" in err.value.message
    assert err.value.where == "b.txt:5"


@pytest.mark.parametrize(
    ("ch", "name"),
    [("\x00", "U+0000"), ("\x07", "U+0007"), ("\r", "U+000D"), ("\x1b", "U+001B"), ("\x85", "U+0085")],
)
def test_control_characters_are_refused(ch: str, name: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_text(f"Title\n\nArticle 1\nab{ch}c\n".encode(), source="c.txt")
    assert err.value.message == f"control or unassigned character {name} at line 4, column 3"
    assert err.value.where == "c.txt:4"


def test_too_large_is_refused_before_parsing() -> None:
    data = b"\xff" * (MAX_BYTES + 1)  # not even UTF-8: the size check must come first
    with pytest.raises(InvalidInput) as err:
        parse_text(data, source="big.txt")
    assert err.value.message == f"the file is {MAX_BYTES + 1} bytes; the limit is 20 MB ({MAX_BYTES} bytes)"
    assert MAX_BYTES == 20 * 1024 * 1024


def test_too_large_str_is_refused() -> None:
    with pytest.raises(InvalidInput, match="the limit is 20 MB"):
        parse_markdown("é" * (MAX_BYTES // 2 + 1))


def test_duplicate_article_names_both_lines() -> None:
    text = "T\n\nArticle 1\n\nx\n\nArticle 2\n\ny\n\nArt. 1\n\nz\n"
    with pytest.raises(InvalidInput) as err:
        parse_text(text, source="d.txt")
    assert err.value.message == "duplicate art_1 (Art. 1): lines 3 and 11"
    assert err.value.where == "d.txt:11"


def test_duplicate_paragraph_names_both_lines() -> None:
    text = "T\n\nArticle 1\n\n1. x\n\n2. y\n\n1. z\n"
    with pytest.raises(InvalidInput) as err:
        parse_text(text)
    assert err.value.message == "duplicate art_1__para_1 (1.): lines 5 and 9"
    assert err.value.where == "<text>:9"


def test_given_title_is_checked() -> None:
    with pytest.raises(InvalidInput, match="title contains a bidi control"):
        parse_text("Article 1\n\nx\n", title="A\u202eB")


# --- grammar -----------------------------------------------------------------------------------


def test_heading_forms_and_numbered_paragraphs() -> None:
    text = (
        "Some Agreement\n\nThe Parties agree:\n\n"
        "ARTICLE 1\n\n1. first\n\n2. second\n"
        "Art. 2 - Scope\n\nonly text\n\n"
        "Article 3. Definitions\n\n"
        "Article 10bis: Final clauses\n"
        "1. wrapped over\n   two lines\n(a) an item\n(b) another\n   continued\n"
        "2. next\n"
    )
    d = parse_text(text)
    assert d.title == "Some Agreement"
    assert d.preamble == "Some Agreement\n\nThe Parties agree:"
    assert [(p.eid, p.label, p.heading, p.text) for p in d.walk()] == [
        ("art_1", "ARTICLE 1", None, ""),
        ("art_1__para_1", "1.", None, "first"),
        ("art_1__para_2", "2.", None, "second"),
        ("art_2", "Art. 2", "Scope", "only text"),
        ("art_3", "Article 3", "Definitions", ""),
        ("art_10bis", "Article 10bis", "Final clauses", ""),
        ("art_10bis__para_1", "1.", None, "wrapped over two lines"),
        ("art_10bis__para_1__point_a", "(a)", None, "an item"),
        ("art_10bis__para_1__point_b", "(b)", None, "another continued"),
        ("art_10bis__para_2", "2.", None, "next"),
    ]
    assert "Article 3 has no text" in d.notes


def test_heading_on_the_next_line_in_text() -> None:
    d = parse_text("T\n\nArticle 1\nDefinitions\n\nIn this Treaty words mean things.\n")
    assert d.point("art_1").heading == "Definitions"
    assert d.point("art_1").text == "In this Treaty words mean things."
    # a first line of wrapped text is not a heading
    d = parse_text("T\n\nArticle 1\nThe Parties shall\ncooperate.\n")
    assert d.point("art_1").heading is None
    assert d.point("art_1").text == "The Parties shall cooperate."


def test_roman_and_letter_items() -> None:
    items = "".join(f"({c}) item {c}\n" for c in "abcdefghij")
    d = parse_text(f"T\n\nArticle 1\n\nIntro:\n{items}")
    assert [p.eid for p in d.point("art_1").children] == [f"art_1__point_{c}" for c in "abcdefghij"]
    d = parse_text("T\n\nArticle 1\n\n(a) x\n(i) one\n(ii) two\n(iii) three\n(iv) four\n(v) five\n(b) y\n")
    assert [p.eid for p in d.walk()] == [
        "art_1",
        "art_1__point_a",
        *[f"art_1__point_a__point_{r}" for r in ("i", "ii", "iii", "iv", "v")],
        "art_1__point_b",
    ]
    # "v)" with no roman "iv)" before it is a letter, so a following "(i)" nests under it
    d = parse_text("T\n\nArticle 1\n\nv) vee\n(i) sub\nx) ex\n")
    assert [p.eid for p in d.walk()] == [
        "art_1",
        "art_1__point_v",
        "art_1__point_v__point_i",
        "art_1__point_x",
    ]


def test_unnumbered_text_after_points_goes_to_the_article_with_a_note() -> None:
    d = parse_text("T\n\nArticle 1\n\n1. one\n\n2. two\n\nA closing sentence.\n")
    assert d.point("art_1").text == "A closing sentence."
    assert any(n.startswith("Article 1: unnumbered text at line 9") for n in d.notes)


def test_several_unnumbered_paragraphs_beside_numbered_ones_stay_article_text() -> None:
    d = parse_text("T\n\nArticle 1\n\nIntro.\n\nMore intro.\n\n1. one\n\n2. two\n")
    assert d.point("art_1").text == "Intro.\n\nMore intro."
    assert [p.eid for p in d.walk()] == ["art_1", "art_1__para_1", "art_1__para_2"]
    assert not any("inferred" in n for n in d.notes)


def test_crlf_bom_nfc_and_trailing_spaces() -> None:
    raw = "\ufeffTitle  \r\n\r\nArticle 1   \r\n\r\nCafe\u0301 au lait  \r\n"
    d = parse_text(raw.encode("utf-8"))
    assert d.title == "Title"
    assert d.point("art_1").text == "Café au lait"
    assert unicodedata.is_normalized("NFC", d.point("art_1").text)
    assert d.point("art_1").label == "Article 1"


def test_title_override_and_missing_title() -> None:
    d = parse_text("Article 1\n\nx\n")
    assert d.title == ""
    assert any("no title" in n for n in d.notes)
    d = parse_text("Article 1\n\nx\n", title="Given")
    assert (d.title, d.notes) == ("Given", ())


def test_markdown_headings_lists_bullets_and_escapes() -> None:
    md = (
        "# The Treaty\n\nThe Parties,\n\n1\\. is not a point\n\n"
        "## Article 1. Scope ##\n\nIntro:\n\n1. First\n   - (a) bullet item\n   - b) another\n2. Second\n\n"
        "## Article 2\n\n### Not an article\n\nText\n"
    )
    d = parse_markdown(md)
    assert d.title == "The Treaty"
    assert d.preamble == "The Parties,\n\n1. is not a point"
    assert [(p.eid, p.label, p.text) for p in d.walk()] == [
        ("art_1", "Article 1", "Intro:"),
        ("art_1__para_1", "1.", "First"),
        ("art_1__para_1__point_a", "(a)", "bullet item"),
        ("art_1__para_1__point_b", "b)", "another"),
        ("art_1__para_2", "2.", "Second"),
        ("art_2", "Article 2", ""),
        ("art_2__para_1", "", "### Not an article"),
        ("art_2__para_2", "", "Text"),
    ]
    assert d.point("art_1").heading == "Scope"
    # plain "Article 1" lines are text in Markdown: only ATX headings make articles
    with pytest.raises(InvalidInput, match="no articles or numbered points found"):
        parse_markdown("T\n\nArticle 1\n\nx\n")


def test_markdown_takes_headings_only_from_the_heading_line() -> None:
    d = parse_markdown("# T\n\n## Article 1\nDefinitions\n\nText\n")
    assert d.point("art_1").heading is None
    assert [p.text for p in d.point("art_1").children] == ["Definitions", "Text"]


@pytest.mark.parametrize("heading", ["C#", "Notes #", "Notes ##", "#"])
def test_headings_and_titles_ending_in_hashes_round_trip(heading: str) -> None:
    draft = DraftText(f"Draft {heading}", "", (Point("art_1", "Article 1", "x", heading),))
    md = to_markdown(draft)
    again = parse_markdown(md)
    assert (again.title, again.points) == (draft.title, draft.points), md


def test_title_that_reads_as_an_article_goes_to_the_header() -> None:
    draft = DraftText("Article 5", "Some preamble.", (Point("art_5", "Article 5", "x"),))
    again = parse_markdown(to_markdown(draft))
    assert (again.title, again.preamble, again.points) == (draft.title, draft.preamble, draft.points)
    assert again.source_header == (("TITLE", "Article 5"),)


def test_walk_and_point() -> None:
    d = parse_text("T\n\nArticle 1\n\n1. a\n(a) b\n\nArticle 2\n\nc\n")
    assert [p.eid for p in d.walk()] == ["art_1", "art_1__para_1", "art_1__para_1__point_a", "art_2"]
    with pytest.raises(InvalidInput, match="no point 'art_9'"):
        d.point("art_9")


# --- properties --------------------------------------------------------------------------------

_EXCLUDED = "".join(BIDI_CONTROLS) + "\ufeff\\"
_CHARS = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp", "Mn", "Mc", "Me"),
    exclude_characters=_EXCLUDED,
)
# Lines that the grammar would read as structure (in either format), and texts that start with a
# combining mark (NFC could join them to whatever precedes), are left out.
_STRUCTURAL = re.compile(
    r"(#|\(|[-*+]\s|\d{1,3}\.(\s|$)|[a-z]{1,6}\)|(Article|ARTICLE)\s|(Art|ART)\.|"
    r"(TITLE|DATE|AUTHOR|SOURCE|COMPLETENESS)\b)"
)


def _clean(s: str) -> str:
    return unicodedata.normalize("NFC", s).strip()


_texts = st.text(_CHARS, min_size=1, max_size=40).map(_clean).filter(bool)
_safe = _texts.filter(lambda s: not _STRUCTURAL.match(s) and "[GAP" not in s)
# for Markdown only: texts that do look like structure, to exercise the exporter's escapes
_PREFIXES = ("1. ", "(a) ", "ii) ", "# ", "- (b) ", "12.", "Article 3", "x)", "```", "> ", "---", "1) ")
_PREFIXES += ("[x]: ", "<p>", "***", "~~~")
_tricky = st.one_of(
    _safe,
    st.tuples(st.sampled_from(_PREFIXES), _safe).map(lambda t: t[0] + t[1]),
)


@st.composite
def _items(draw: st.DrawFn, parent: str, texts: st.SearchStrategy[str]) -> list[Point]:
    kind = draw(st.sampled_from(["none", "letters", "roman"]))
    if kind == "none":
        return []
    romans = ["i", "ii", "iii", "iv", "v", "vi"]
    n = draw(st.integers(1, 10 if kind == "letters" else 6))
    tokens = [chr(ord("a") + k) for k in range(n)] if kind == "letters" else romans[:n]
    out = []
    for tok in tokens:
        eid = f"{parent}__point_{tok}"
        label = draw(st.sampled_from([f"({tok})", f"{tok})"]))
        kids: list[Point] = []
        # under "(h)" a following "(i)" is the letter i, so (h) gets no roman items
        if kind == "letters" and tok != "h" and draw(st.booleans()):
            m = draw(st.integers(1, 3))
            kids = [
                Point(f"{eid}__point_{r}", draw(st.sampled_from([f"({r})", f"{r})"])), draw(texts))
                for r in romans[:m]
            ]
        out.append(Point(eid, label, draw(st.one_of(st.just(""), texts)), None, tuple(kids)))
    return out


@st.composite
def _article(draw: st.DrawFn, num: int, texts: st.SearchStrategy[str]) -> Point:
    eid = f"art_{num}"
    label = draw(st.sampled_from([f"Article {num}", f"ARTICLE {num}", f"Art. {num}"]))
    heading = draw(st.one_of(st.none(), _safe))
    kind = draw(st.sampled_from(["text", "numbered", "inferred", "items"]))
    text = draw(st.one_of(st.just(""), texts))
    children: list[Point] = []
    if kind == "numbered":
        if text and draw(st.booleans()):  # several unnumbered paragraphs beside numbered ones
            text += "\n\n" + draw(texts)
        for n in sorted(draw(st.sets(st.integers(1, 60), min_size=1, max_size=4))):
            peid = f"{eid}__para_{n}"
            kids = draw(_items(peid, texts))
            children.append(Point(peid, f"{n}.", draw(st.one_of(st.just(""), texts)), None, tuple(kids)))
    elif kind == "inferred":
        text = ""
        for k in range(1, draw(st.integers(2, 4)) + 1):
            peid = f"{eid}__para_{k}"
            children.append(Point(peid, "", draw(texts), None, tuple(draw(_items(peid, texts)))))
    elif kind == "items":
        children = draw(_items(eid, texts))
    return Point(eid, label, text, heading, tuple(children))


@st.composite
def _drafts(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> DraftText:
    title = draw(_safe.filter(lambda s: not s.startswith(("Article", "ARTICLE", "Art."))))
    preamble = "\n\n".join(draw(st.lists(texts, max_size=3)))
    nums = draw(st.lists(st.integers(1, 400), min_size=1, max_size=5, unique=True))
    points = tuple(draw(_article(n, texts)) for n in nums)
    header: tuple[tuple[str, str], ...] = ()
    if draw(st.booleans()):
        header_title = draw(st.one_of(st.just(title), _safe))
        source = "\n".join(draw(st.lists(_safe, min_size=1, max_size=3)))
        header = (("TITLE", header_title), ("DATE", draw(_safe)), ("SOURCE", source))
    return DraftText(title, preamble, points, (), header)


def _same(a: DraftText, b: DraftText) -> None:
    assert a.points == b.points
    assert (a.title, a.preamble, a.source_header) == (b.title, b.preamble, b.source_header)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_drafts(_tricky))
def test_markdown_round_trip(draft: DraftText) -> None:
    md = to_markdown(draft)
    _same(parse_markdown(md), draft)
    assert to_markdown(parse_markdown(md)) == md


def _plain(draft: DraftText) -> str:
    """A plain-text rendering, as someone would type it."""
    out = [draft.title, draft.preamble]
    for art in draft.points:
        out.append(art.label + (f". {art.heading}" if art.heading else ""))
        out.append(art.text)
        stack = list(reversed(art.children))
        while stack:
            p = stack.pop()
            out.append(f"{p.label} {p.text}".strip())
            stack.extend(reversed(p.children))
    return "\n\n".join(x for x in out if x) + "\n"


@settings(max_examples=200, deadline=None)
@given(_drafts(_safe))
def test_plain_text_rendering_keeps_every_point(draft: DraftText) -> None:
    parsed = parse_text(_plain(draft))
    assert parsed.points == draft.points
    assert parsed.title == draft.title


_words = st.lists(st.from_regex(r"[a-zé]{1,8}", fullmatch=True), min_size=1, max_size=8).map(" ".join)


@settings(max_examples=100, deadline=None)
@given(_drafts(_words), st.sampled_from(["\n", "\r\n"]))
def test_line_wrapping_is_joined(draft: DraftText, eol: str) -> None:
    """Wrapping every paragraph at each space (with indented continuations) keeps the same points."""
    wrapped = "\n".join(
        line if line.startswith(("Article", "ARTICLE", "Art.")) else line.replace(" ", "  \n   ")
        for line in _plain(draft).split("\n")
    )
    parsed = parse_text(wrapped.replace("\n", eol).encode())
    assert parsed.points == draft.points


def _count_numbered(draft: DraftText) -> int:
    return sum(p.label[:1].isdigit() for p in draft.walk())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_drafts(_tricky))
def test_exported_markdown_renders_as_its_structure(draft: DraftText) -> None:
    """Rendered by a CommonMark parser, the export has one <h2> per article, one <li> per numbered
    paragraph, and no code block, quote or rule that text happened to start with."""
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").render(to_markdown(draft))
    assert html.count("<h2>") == len(draft.points)
    assert html.count("<li>") == _count_numbered(draft)
    for tag in ("<pre>", "<blockquote>", "<hr />", "<h3>", "<ul>"):
        assert tag not in html
