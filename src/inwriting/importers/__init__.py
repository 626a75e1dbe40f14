"""Importers turn draft files into `DraftText` values; pure functions over the given bytes or text.

`parse_file` picks the importer by the file name's extension: .txt (and anything unknown) plain
text, .md Markdown, .docx Word, .pdf the PDF's text layer, .xml/.akn Akoma Ntoso.
"""

from __future__ import annotations

from pathlib import PurePath

from inwriting.domain.documents import DraftText
from inwriting.errors import InvalidInput
from inwriting.importers.text import parse_markdown, parse_text

FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".docx": "docx",
    ".pdf": "pdf",
    ".xml": "akn",
    ".akn": "akn",
}


def format_of(name: str) -> str:
    return FORMATS.get(PurePath(name).suffix.lower(), "text")


def parse_file(data: bytes, *, name: str, title: str | None = None) -> DraftText:
    """Parse `data` with the importer its file name calls for; errors name the file."""
    try:
        return _parse(data, name=name, title=title)
    except RecursionError:  # a hostile file nested deeper than any real document
        raise InvalidInput("the file is nested too deeply to be a document", where=name) from None
    except MemoryError:
        raise InvalidInput("the file needs more memory to read than this machine has", where=name) from None


def _parse(data: bytes, *, name: str, title: str | None) -> DraftText:
    fmt = format_of(name)
    if fmt == "markdown":
        return parse_markdown(data, source=name, title=title)
    if fmt == "docx":
        from inwriting.importers.docx import parse_docx

        return parse_docx(data, source=name, title=title)
    if fmt == "pdf":
        from inwriting.importers.pdf import parse_pdf

        return parse_pdf(data, source=name, title=title)
    if fmt == "akn":
        from inwriting.importers.akn import parse_akn

        return parse_akn(data, source=name, title=title)
    return parse_text(data, source=name, title=title)


__all__ = ["FORMATS", "format_of", "parse_file", "parse_markdown", "parse_text"]
