"""PDF importer: a small treaty and the corpus through a text-only PDF, page furniture dropped,
encrypted, scanned and broken files refused.

The PDFs are written here by a tiny generator (one Helvetica line per Tj, WinAnsi text): no PDF
library that writes text is installed, and this keeps the tests offline and exact.
"""

from __future__ import annotations

import io
import random
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from inwriting.errors import InvalidInput
from inwriting.importers import parse_file
from inwriting.importers.pdf import parse_pdf

US_RU = Path("/work/shared/corpus/draft_treaty_us_ru_2021-12-17.txt")


def make_pdf(pages: list[list[str]], *, text: bool = True) -> bytes:
    """A PDF with one page per list, one line of text per string, top to bottom (or, with text=False,
    pages holding only a drawn rectangle, as a scan's image would)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = len(objects) + 2 * len(pages) + 1
    kids = []
    for lines in pages:
        ops = [b"BT /F1 10 Tf 12 TL 50 780 Td"]
        for line in lines:
            escaped = (
                line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            )
            ops.append(b"(" + escaped + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops) if text else b"0.5 g 50 50 500 700 re f"
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 842]"
                b" /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_id, font, content)
            )
        )
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)


def _encrypt(data: bytes, user: str, owner: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


SMALL_TREATY = [
    [
        "DRAFT - NOT FOR CIRCULATION",
        "Treaty on Open Skies Cooperation",
        "The Parties, desiring to build confidence,",
        "have agreed as follows:",
        "Article 1. Scope",
        "1. This Treaty applies to observation flights over the",
        "territory of the Parties.",
        "2. Each Party shall give notice (see Article 3).",
        "Article 2. Definitions",
        "(a) \u201cobserved Party\u201d means the Party over whose territory",
        "- 1 -",
    ],
    [
        "DRAFT - NOT FOR CIRCULATION",
        "a flight is made;",
        "(b) \u201cobserving Party\u201d means the Party that makes it.",
        "Article 3. Notice",
        "Notice shall be given seventy-two hours in advance.",
        "Article 4. Entry into force",
        "This Treaty enters into force on signature.",
        "Page 2 of 2",
    ],
]


def test_small_treaty_finds_every_article_and_drops_page_furniture() -> None:
    draft = parse_pdf(make_pdf(SMALL_TREATY), source="open_skies.pdf")
    assert draft.title == "Treaty on Open Skies Cooperation"
    assert [(p.eid, p.label, p.heading) for p in draft.points] == [
        ("art_1", "Article 1", "Scope"),
        ("art_2", "Article 2", "Definitions"),
        ("art_3", "Article 3", "Notice"),
        ("art_4", "Article 4", "Entry into force"),
    ]
    assert (
        draft.point("art_1__para_1").text
        == "This Treaty applies to observation flights over the territory of the Parties."
    )
    # the item runs on over the page break; the header and the page numbers are gone
    assert draft.point("art_2__point_a").text == (
        "\u201cobserved Party\u201d means the Party over whose territory a flight is made;"
    )
    everything = draft.preamble + " ".join(p.text for p in draft.walk())
    assert "DRAFT - NOT" not in everything
    assert "- 1 -" not in everything and "Page 2" not in everything
    assert any("PDF's text layer" in note for note in draft.notes)


def test_corpus_through_pdf_finds_every_article() -> None:
    body = US_RU.read_text(encoding="utf-8").split("\n\n", 1)[1]  # the header block is not in the PDF
    lines = [wrapped for line in body.splitlines() for wrapped in textwrap.wrap(line, 95)]
    pages = [[*lines[i : i + 40], str(i // 40 + 1)] for i in range(0, len(lines), 40)]
    draft = parse_pdf(make_pdf(pages), source="us_ru.pdf")
    assert len(pages) > 1
    assert [p.label for p in draft.points] == [
        *(f"Article {n}" for n in range(1, 6)),
        "Article 6 [number inferred]",
        "Article 7 [number inferred]",
        "Article 8",
    ]
    assert [p.eid for p in draft.point("art_1").children] == ["art_1__point_i", "art_1__point_ii"]
    assert (
        draft.title
        == "TREATY BETWEEN THE UNITED STATES OF AMERICA AND THE RUSSIAN FEDERATION ON SECURITY GUARANTEES"
    )


def test_a_line_every_page_starts_with_is_kept_when_it_is_a_point() -> None:
    pages = [
        ["Article 1", "Text one.", "1"],
        ["Article 2", "Text two.", "2"],
        ["Article 3", "Text three.", "3"],
    ]
    draft = parse_pdf(make_pdf(pages), source="a.pdf")
    assert [p.eid for p in draft.points] == ["art_1", "art_2", "art_3"]
    assert draft.point("art_3").text == "Text three."


def test_parse_file_dispatches_on_the_pdf_extension() -> None:
    data = make_pdf(SMALL_TREATY)
    assert parse_file(data, name="treaty.PDF") == parse_pdf(data, source="treaty.PDF")


def test_pdf_that_opens_without_a_password_is_read() -> None:
    data = _encrypt(make_pdf(SMALL_TREATY), user="", owner="owner-secret")
    assert [p.eid for p in parse_pdf(data, source="restricted.pdf").points][-1] == "art_4"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _encrypt(make_pdf(SMALL_TREATY), user="secret", owner="owner"),
            "the PDF is encrypted; it needs a password",
        ),
        (make_pdf([["x"], ["y"]], text=False), r"no text layer \(2 pages of images only, a scan\?\).*OCR"),
        (random.Random(3).randbytes(2000), "not a readable PDF"),
        (make_pdf(SMALL_TREATY)[:800], "not a readable PDF"),
        (US_RU.read_bytes(), "not a readable PDF"),
        (b"%PDF" + bytes(20 * 1024 * 1024), "the limit is 20 MB"),
    ],
    ids=["encrypted", "scanned", "random", "truncated", "text-file", "too-big"],
)
def test_pdfs_that_cannot_be_read_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        parse_pdf(data, source="bad.pdf")
    assert info.value.where == "bad.pdf"


def test_text_without_points_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no articles or numbered points found"):
        parse_pdf(make_pdf([["A letter.", "Yours sincerely"]]), source="letter.pdf")


def test_errors_from_the_text_name_the_page() -> None:
    data = make_pdf([["Article 1", "Text."], ["Article 2", "More.", "Article 1", "Again."]])
    with pytest.raises(InvalidInput, match=r"duplicate art_1.*line 5 of the extracted text is on page 2"):
        parse_pdf(data, source="dup.pdf")
