"""Exporters render a `DraftText` in a file format that the matching importer reads back."""

from inwriting.exporters.markdown import to_markdown

__all__ = ["to_markdown"]
