"""Read an answer received as prose into paragraphs: plain text or Markdown (blank lines part them),
Word (.docx, its paragraphs) or PDF (its text layer, where paragraph breaks are inferred).

A block is `(text, is_heading)`: the answer's own headings ("On European security") address no
point themselves but name what the paragraphs under them are about. The bytes are checked as the
draft importers check them (size, encoding, bidi controls), so a prose answer that cannot be read is
refused before anything is recorded.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePath

from markdown_it import MarkdownIt
from markdown_it.token import Token

from inwriting.domain.negotiation import MAX_PARAGRAPHS
from inwriting.errors import InvalidInput
from inwriting.importers.text import MAX_BYTES, decode_text
from inwriting.record.canonical import canonical

Block = tuple[str, bool]

MEDIA_TYPES = {
    "text": "text/plain",
    "markdown": "text/markdown",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".docx": "docx", ".pdf": "pdf"}
READER = "prose/1"  # how bytes become paragraphs; a confirmed reading names it (see `reading_of`)
_BREAKS = re.compile(r"\n(?:[ \t]*\n)+")
_SPACE = re.compile(r"\s+")
_HEADING_END = re.compile(r"[.!?;,]\s*$")


def media_type_of(name: str) -> str:
    """The media type a prose answer is stored under, by its file name (.txt and others: text)."""
    return MEDIA_TYPES[_SUFFIXES.get(PurePath(name).suffix.lower(), "text")]


def read_prose(data: bytes, *, media_type: str, source: str) -> tuple[Block, ...]:
    """The paragraphs of a prose answer stored as `media_type`; InvalidInput names what is wrong."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"the file is {len(data)} bytes; the limit is 20 MB ({MAX_BYTES} bytes)", where=source
        )
    if media_type == MEDIA_TYPES["docx"]:
        blocks = _docx(data, source)
    elif media_type == MEDIA_TYPES["pdf"]:
        blocks = _pdf(data, source)
    elif media_type == MEDIA_TYPES["markdown"]:
        blocks = _markdown(_within_limit(decode_text(data, source), source), source)
    else:
        blocks = _text(_within_limit(decode_text(data, source), source))
    blocks = [(unicodedata.normalize("NFC", _SPACE.sub(" ", text).strip()), h) for text, h in blocks]
    # a block of no letter or digit ("***", a lone zero-width space) is layout, not a paragraph
    blocks = [(text, heading) for text, heading in blocks if any(ch.isalnum() for ch in text)]
    if not blocks:
        raise InvalidInput("the answer holds no text to read", where=source)
    if len(blocks) > MAX_PARAGRAPHS:
        raise InvalidInput(
            f"the answer has {len(blocks)} paragraphs; the limit is {MAX_PARAGRAPHS}", where=source
        )
    return tuple(blocks)


def reading_of(blocks: tuple[Block, ...]) -> str:
    """The digest a confirmation signs: which words paragraph N is, as this reader read them."""
    document = {"reader": READER, "paragraphs": [[text, heading] for text, heading in blocks]}
    return "sha256:" + hashlib.sha256(canonical(document)).hexdigest()


def _within_limit(text: str, source: str) -> str:
    """Refuse a text of more paragraphs than the limit before reading it (a hostile file of millions
    of one-word paragraphs would otherwise cost minutes and gigabytes)."""
    for count, _ in enumerate(_BREAKS.finditer(text), 2):
        if count > MAX_PARAGRAPHS:
            raise InvalidInput(
                f"the answer has more than {MAX_PARAGRAPHS} paragraphs; that is the limit", where=source
            )
    return text


def looks_like_heading(text: str) -> bool:
    """A one-line block of at most 25 words that ends without a sentence's punctuation ("On Article 4",
    "A. Rule of law: court backlogs (recommendations 30-31, 54-57)")."""
    words = text.split()
    return (
        0 < len(words) <= 25
        and len(text) <= 200
        and "\n" not in text.strip()
        and not _HEADING_END.search(text)
    )


def _text(text: str) -> list[Block]:
    blocks = [b.strip() for b in re.split(r"\n[ \t]*\n", text)]
    return [(b, looks_like_heading(b)) for b in blocks if b]


def _markdown(text: str, source: str) -> list[Block]:
    tokens = MarkdownIt("commonmark").parse(text)
    blocks: list[Block] = []
    heading = False
    for token in tokens:
        if token.type == "html_block":  # words no reader of the rendered answer sees, or markup
            line = token.map[0] + 1 if token.map else 1
            raise InvalidInput(
                f"the Markdown holds raw HTML at line {line}: remove it, or give the answer as plain text",
                where=f"{source}:{line}",
            )
        if token.type == "heading_open":
            heading = True
        elif token.type == "heading_close":
            heading = False
        elif token.type == "inline":
            words = _inline_text(token)
            blocks.append((words, heading or looks_like_heading(words)))
        elif token.type in ("fence", "code_block"):
            blocks.append((token.content, False))
    return blocks


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _docx(data: bytes, source: str) -> list[Block]:
    from inwriting.importers.docx import open_docx

    document = open_docx(data, source)
    blocks: list[Block] = []
    for paragraph in document.paragraphs:
        text = paragraph.text
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        heading = style.startswith(("Heading", "Title")) or (
            style != "List Paragraph" and looks_like_heading(text)
        )
        blocks.append((text, heading))
    decode_text("\n".join(text for text, _ in blocks), source)  # refuses bidi and control characters
    return blocks


def _pdf(data: bytes, source: str) -> list[Block]:
    """The text layer as laid out: a gap between paragraphs reads as a blank line. A PDF set with no
    gaps keeps only lines: there a paragraph ends at a line that ends a sentence well short of the
    full width of the text."""
    from inwriting.importers.pdf import text_lines

    lines = [line.strip() for line in text_lines(data, source)]
    if not any(lines):
        raise InvalidInput(
            "the PDF has no text layer (a scan?): inwriting does not do OCR; give a text or Word copy",
            where=source,
        )
    text = decode_text("\n".join(lines), source)
    lines = text.split("\n")
    if any(not line for line in lines[1:-1]):
        return _text(text)
    width = max(len(line) for line in lines)
    blocks: list[Block] = []
    current: list[str] = []
    for line in lines:
        if not current and looks_like_heading(line) and len(line) < 0.6 * width:
            blocks.append((line, True))
            continue
        current.append(line)
        if line and line[-1] in ".!?:" and len(line) < 0.85 * width:
            blocks.append((" ".join(current), False))
            current = []
    if current:
        blocks.append((" ".join(current), False))
    return blocks
