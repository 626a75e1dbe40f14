"""Importers turn draft files into `DraftText` values; pure functions over the given bytes or text."""

from inwriting.importers.text import parse_markdown, parse_text

__all__ = ["parse_markdown", "parse_text"]
