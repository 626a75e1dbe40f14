"""Prose answers read as paragraphs: text, Markdown, Word and PDF; what cannot be read is refused
with a clear error before anything is recorded."""

from __future__ import annotations

import io
import re

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inwriting.errors import InvalidInput
from inwriting.importers.prose import MEDIA_TYPES, looks_like_heading, media_type_of, read_prose

TEXT, MARKDOWN, WORD, PDF = (MEDIA_TYPES[k] for k in ("text", "markdown", "docx", "pdf"))


def test_media_types_by_file_name() -> None:
    assert [media_type_of(n) for n in ("a.txt", "a.MD", "a.docx", "a.pdf", "letter")] == [
        TEXT,
        MARKDOWN,
        WORD,
        PDF,
        TEXT,
    ]


def test_text_paragraphs_and_headings() -> None:
    data = b"\xef\xbb\xbfReply of the United States\r\n\r\nWe have studied\r\nthe draft.\r\n\r\n\r\n"
    data += b"On Article 4\n\nNo.\n"
    assert read_prose(data, media_type=TEXT, source="a.txt") == (
        ("Reply of the United States", True),
        ("We have studied the draft.", False),
        ("On Article 4", True),
        ("No.", False),
    )


def test_markdown_reads_headings_lists_and_inline_marks() -> None:
    data = b"# Reply\n\nWe **reject** Article 4.\n\n- first, the *open door*;\n- second, Article 5.\n"
    assert read_prose(data, media_type=MARKDOWN, source="a.md") == (
        ("Reply", True),
        ("We reject Article 4.", False),
        ("first, the open door;", False),
        ("second, Article 5.", False),
    )


def test_word_headings_come_from_styles() -> None:
    document = docx.Document()
    document.add_heading("European security", level=1)
    document.add_paragraph("We reject the proposal as drafted, for the reasons below.")
    document.add_paragraph("")
    buffer = io.BytesIO()
    document.save(buffer)
    assert read_prose(buffer.getvalue(), media_type=WORD, source="a.docx") == (
        ("European security", True),
        ("We reject the proposal as drafted, for the reasons below.", False),
    )


def test_pdf_paragraphs_are_inferred_from_its_lines() -> None:
    from weasyprint import HTML

    long = "We cannot accept the proposal on enlargement as drafted by the other side. " * 6
    html = f"<h1>Reply</h1><p>{long}</p><p>We will return to Article 5 later.</p>"
    blocks = read_prose(HTML(string=html).write_pdf(), media_type=PDF, source="a.pdf")
    assert blocks[0] == ("Reply", True)
    assert blocks[1][0] == long.strip() and not blocks[1][1]
    assert blocks[2] == ("We will return to Article 5 later.", False)


@pytest.mark.parametrize(
    ("data", "media_type", "message"),
    [
        (b"ok\n\nwe \xe2\x80\xae reject\n", TEXT, "bidi control character U+202E"),
        (b"\xff\xfe r\x00", TEXT, "not UTF-8"),
        (b"   \n\n ", TEXT, "empty"),
        (b"\x00\x01binary", TEXT, "control or unassigned character"),
        (b"PK\x03\x04junk", WORD, "not a readable Word document"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 64, WORD, "old Word 97-2003"),
        (b"%PDF-1.4\n%%EOF", PDF, "not a readable PDF"),
        (b"x" * (20 * 1024 * 1024 + 1), TEXT, "the limit is 20 MB"),
    ],
)
def test_unreadable_answers_are_refused_clearly(data: bytes, media_type: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        read_prose(data, media_type=media_type, source="answer")


def test_a_word_document_with_a_bidi_override_is_refused() -> None:
    document = docx.Document()
    document.add_paragraph("We accept \u202eArticle 1\u202c.")
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(InvalidInput, match="bidi control"):
        read_prose(buffer.getvalue(), media_type=WORD, source="a.docx")


words = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=12)
paragraph = st.lists(words, min_size=1, max_size=30).map(" ".join)


@settings(max_examples=200)
@given(st.lists(paragraph, min_size=1, max_size=20))
def test_text_paragraphs_read_back_as_written(paragraphs: list[str]) -> None:
    data = "\n\n".join(paragraphs).encode("utf-8")
    blocks = read_prose(data, media_type=TEXT, source="a.txt")
    import unicodedata

    assert [text for text, _ in blocks] == [unicodedata.normalize("NFC", p) for p in paragraphs]
    assert all(heading == looks_like_heading(text) for text, heading in blocks)


@settings(max_examples=200)
@given(st.binary(max_size=2000), st.sampled_from([TEXT, MARKDOWN, WORD, PDF]))
def test_any_bytes_are_read_or_refused_with_invalid_input(data: bytes, media_type: str) -> None:
    try:
        blocks = read_prose(data, media_type=media_type, source="fuzz")
    except InvalidInput as exc:
        assert str(exc)
    else:
        assert blocks and all(text.strip() == text and text for text, _ in blocks)


def test_markdown_with_raw_html_is_refused() -> None:
    data = b"We accept Article 5.\n\n<div>\nWe reject Article 4 outright.\n</div>\n"
    with pytest.raises(InvalidInput, match="raw HTML at line 3"):
        read_prose(data, media_type=MARKDOWN, source="a.md")


def test_too_many_paragraphs_are_refused_before_reading_them() -> None:
    import time

    data = b"a\n\n" * 2_000_000  # 6 MB of one-letter paragraphs
    started = time.perf_counter()
    for media_type in (TEXT, MARKDOWN):
        with pytest.raises(InvalidInput, match="more than 5000 paragraphs"):
            read_prose(data, media_type=media_type, source="many")
    assert time.perf_counter() - started < 5  # refused at the 5,001st paragraph, not after parsing


def test_blocks_of_no_letter_or_digit_are_layout() -> None:
    data = "We accept.\n\n***\n\n\u200b\n\nWe reject.\n".encode()
    assert read_prose(data, media_type=TEXT, source="a.txt") == (("We accept.", False), ("We reject.", False))
