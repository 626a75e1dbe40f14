"""Import PDF drafts from their text layer (pypdf, no OCR): pages' text joined, page furniture dropped,
then read by `parse_text`, so structure and eIds match the text importer.

Page furniture is dropped simply: lines that hold only a page number ("7", "- 7 -", "Page 7 of 9"),
and a first or last line that every page repeats (digits aside), unless the grammar reads it as a point.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError

from inwriting.domain.documents import DraftText
from inwriting.errors import InvalidInput
from inwriting.importers.text import ARTICLE_HEADING, MAX_BYTES, parse_text

_PAGE_NUMBER = re.compile(
    r"(?:page\s+)?[-\u2013\u2014]?\s*\d{1,4}\s*[-\u2013\u2014]?(?:\s*(?:of|/)\s*\d{1,4})?", re.I
)
_POINT = re.compile(r"\d{1,3}\.(?:\s|$)|\(?[a-z]{1,6}\)(?:\s|$)")
_LINE_WHERE = re.compile(r"(.*):(\d+)")


def parse_pdf(data: bytes, *, source: str, title: str | None = None) -> DraftText:
    """Parse a PDF draft's text layer; `source` names it in errors, `title` overrides the found title.

    Raises InvalidInput for a file pypdf cannot read, an encrypted PDF (one that opens without a
    password is read), and a PDF without a text layer (a scan: inwriting does no OCR). Paragraph breaks
    are not in a text layer, so unnumbered paragraphs of one article run together; a note says so.
    """
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"the file is {len(data)} bytes; the limit is 20 MB ({MAX_BYTES} bytes)", where=source
        )
    pages = _page_texts(data, source)
    if not any(page.strip() for page in pages):
        raise InvalidInput(
            f"the PDF has no text layer ({len(pages)} page{'s' if len(pages) != 1 else ''} of images only,"
            " a scan?): inwriting does not do OCR; import a text, Word or OCRed PDF copy instead",
            where=source,
        )
    lines, starts = _join(pages)
    try:
        draft = parse_text("\n".join(lines), source=source, title=title)
    except InvalidInput as exc:
        raise _on_page(exc, starts, source) from None
    note = (
        f"read from the PDF's text layer ({len(pages)} pages): a PDF keeps no paragraph breaks, so"
        " unnumbered paragraphs may have run together; check the points against the PDF"
    )
    return replace(draft, notes=(*draft.notes, note))


def text_lines(data: bytes, source: str) -> list[str]:
    """The lines of a PDF's text layer as laid out (a gap between paragraphs reads as a blank line),
    page furniture dropped: for prose answers."""
    return _join(_page_texts(data, source, layout=True))[0]


def _page_texts(data: bytes, source: str, *, layout: bool = False) -> list[str]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            # a PDF that opens with the empty password only restricts printing or copying: read it
            raise InvalidInput(
                "the PDF is encrypted; it needs a password to open: save an unprotected copy and import that",
                where=source,
            )
        if layout:
            return [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
        return [page.extract_text() or "" for page in reader.pages]
    except InvalidInput:
        raise
    except (
        PyPdfError,
        DependencyError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OSError,
        NotImplementedError,  # a stream with a filter pypdf does not know (found by fuzzing)
        ZeroDivisionError,
        OverflowError,
        RecursionError,
    ) as exc:
        # pypdf reports a damaged file through its own errors and, deeper in, through these
        raise InvalidInput(
            f"the file is not a readable PDF: {exc or type(exc).__name__}", where=source
        ) from None


def _join(pages: list[str]) -> tuple[list[str], list[int]]:
    """The lines of all pages without page furniture, and the 1-based line each page starts at."""
    split = [
        [line for line in page.splitlines() if not _PAGE_NUMBER.fullmatch(line.strip())] for page in pages
    ]
    if len(split) >= 2:
        for end in (0, -1):
            if all(page for page in split) and _furniture(
                {_digitless(page[end]) for page in split}, split[0][end]
            ):
                split = [page[1:] if end == 0 else page[:-1] for page in split]
    lines: list[str] = []
    starts: list[int] = []
    for page in split:
        starts.append(len(lines) + 1)
        lines.extend(page)
    return lines, starts


def _digitless(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def _furniture(shapes: set[str], example: str) -> bool:
    """One line shape on every page, which is not a point the grammar would read."""
    line = example.strip()
    return len(shapes) == 1 and bool(line) and not ARTICLE_HEADING.match(line) and not _POINT.match(line)


def _on_page(exc: InvalidInput, starts: list[int], source: str) -> InvalidInput:
    """parse_text's error, its line placed on the PDF page it came from."""
    m = _LINE_WHERE.fullmatch(exc.where or "")
    if not m or m[1] != source:
        return exc
    line = int(m[2])
    page = sum(1 for start in starts if start <= line) or 1
    return InvalidInput(
        f"{exc.message} (line {line} of the extracted text is on page {page})", where=exc.where
    )


__all__ = ["parse_pdf"]
