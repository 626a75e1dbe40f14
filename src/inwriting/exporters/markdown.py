"""Render a `DraftText` as Markdown that `parse_markdown` reads back to the same title, preamble,
header and points: `## Article N. Heading`, numbered list items, `(a)` items, line-start escapes.
"""

from __future__ import annotations

import re

from inwriting.domain.documents import DraftText, Point
from inwriting.importers.text import ARTICLE_HEADING, HEADER_START, markdown_escape

_CLOSING_HASHES = re.compile(r"(?:^|\s)#+$")


def to_markdown(draft: DraftText) -> str:
    """The draft as Markdown, blocks separated by blank lines, ending with a newline.

    Round trip holds for drafts an importer can produce. Limits: a title that reads as an article
    heading is written as a `TITLE:` header field; a newline inside a paragraph becomes a space;
    text after a point's first paragraph is written after it but read back as its article's text.
    """
    header = list(draft.source_header)
    title = _title_line(draft)
    if title is None:  # the title cannot be an `#` heading: carry it in the header block instead
        header = [("TITLE", draft.title), *((k, v) for k, v in header if k != "TITLE")]
    blocks: list[str] = []
    if header:
        blocks.append("\n".join(_header_field(key, value) for key, value in header))
    if title:
        blocks.append(title)
    blocks.extend(_paragraphs(draft.preamble))
    for point in draft.points:
        _write(point, blocks, indent="")
    return "\n\n".join(blocks) + "\n"


def _title_line(draft: DraftText) -> str | None:
    """`# Title`, "" when the importer finds the title without one, None when it cannot be written."""
    header_title = draft.header.get("TITLE")
    if header_title is not None and " ".join(header_title.split("\n")) == draft.title:
        return ""
    first = draft.preamble.split("\n\n", 1)[0].replace("\n", " ")
    found = draft.source_header or not HEADER_START.match(first)  # else the line would read as a header
    if header_title is None and first == draft.title and found:
        return ""
    if not draft.title or ARTICLE_HEADING.match(draft.title):
        return None
    return _heading("#", draft.title.replace("\n", " "))


def _heading(hashes: str, content: str) -> str:
    # a trailing run of "#" would be read as a closing sequence: close the heading explicitly
    return f"{hashes} {content} #" if _CLOSING_HASHES.search(content) else f"{hashes} {content}"


def _header_field(key: str, value: str) -> str:
    first, *rest = value.split("\n")
    return f"{key}: {first}".rstrip() + "".join(f"\n  {line}" for line in rest)


def _paragraphs(text: str) -> list[str]:
    return [markdown_escape(p.replace("\n", " ").strip()) for p in text.split("\n\n") if p.strip()]


def _write(point: Point, blocks: list[str], indent: str) -> None:
    if ARTICLE_HEADING.match(point.label):
        blocks.append(_heading("##", point.label + (f". {point.heading}" if point.heading else "")))
        blocks.extend(_paragraphs(point.text))
        child_indent, own = "", 0
    else:
        first, *rest = [p.replace("\n", " ").strip() for p in point.text.split("\n\n")]
        # text after "(a)" continues a Markdown paragraph; after "1." it starts a list item's
        # paragraph, where a leading "#", "-" or "```" would render as structure
        first = markdown_escape(first) if not point.label or point.label[:1].isdigit() else first
        first = f"{point.label} {first}".rstrip()
        own = len(blocks)
        blocks.extend(indent + p for p in (first, *map(markdown_escape, rest)))
        # children of a numbered list item are indented to its content so Markdown nests them
        child_indent = indent or (" " * (len(point.label) + 1) if point.label[:1].isdigit() else "")
    for child in point.children:
        _write(child, blocks, child_indent)
    if point.label[:1].isdigit() and not point.text and point.children:
        # an empty list item followed by a blank line ends there: keep its first child on the next line
        blocks[own] += "\n" + blocks.pop(own + 1)
