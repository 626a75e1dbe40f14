"""`inwriting redline OLD NEW`: what changed between two versions, point by point and word by word."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from inwriting.app import drafts
from inwriting.cli.common import (
    DbOption,
    JsonOption,
    ViewerOption,
    app_for,
    emit_json,
    out,
    reports_errors,
    say,
    viewer_of,
    write_file,
)
from inwriting.domain.redline import PointChange, WordDiff, redline_to_json

_BADGE = {"added": "bold green", "removed": "bold red", "changed": "yellow", "unchanged": "dim"}


def _words(words: tuple[WordDiff, ...], *, marks: bool) -> Text:
    """Changed words in colour on a terminal; without colour (piped, NO_COLOR) as [-old-]{+new+}."""
    text = Text()
    for piece in words:
        style = {"insert": "green underline", "delete": "red strike"}.get(piece.op, "")
        if marks and piece.op != "equal":
            opening, closing = ("{+", "+}") if piece.op == "insert" else ("[-", "-]")
            text.append(opening + piece.text + closing, style=style)
        else:
            text.append(piece.text, style=style)
    return text


def _line(change: PointChange) -> Text:
    label = change.new_label if change.new_label is not None else change.old_label
    eid = change.new_eid or change.old_eid or ""
    flags = (
        [change.status] + (["moved"] if change.moved else []) + (["renumbered"] if change.renumbered else [])
    )
    head = Text.assemble(
        ("  " * change.depth), (f"{label or eid} ", "bold"), (f"[{', '.join(flags)}]", _BADGE[change.status])
    )
    if change.renumbered and change.old_label != change.new_label:
        head.append(f" (was {change.old_label})", style="cyan")
    return head


@reports_errors
def redline(
    old: Annotated[str, typer.Argument(metavar="OLD", help="The earlier version, e.g. doc@v1.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="The later version, e.g. doc@v2.")],
    html_file: Annotated[
        Path | None, typer.Option("--html", metavar="F", help="Write an HTML redline.")
    ] = None,
    docx_file: Annotated[
        Path | None, typer.Option("--docx", metavar="F", help="Write a Word file with tracked changes.")
    ] = None,
    all_points: Annotated[bool, typer.Option("--all", help="Also list unchanged points.")] = False,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Per point: added, removed, moved or renumbered, and the changed words inside it."""
    with app_for(db) as app:
        result = drafts.compare(app, old, new, viewer=viewer_of(viewer))
    if html_file is not None:
        from inwriting.exporters.redline_html import to_redline_html

        write_file(html_file, to_redline_html(result, old_version=old, new_version=new).encode("utf-8"))
    if docx_file is not None:
        from inwriting.exporters.redline_docx import to_redline_docx

        write_file(docx_file, to_redline_docx(result, old_version=old, new_version=new))
    if as_json:
        emit_json({"ok": True, **redline_to_json(result), "old_version": old, "new_version": new})
        return
    for path in (html_file, docx_file):
        if path is not None:
            say(f"wrote {path}")
    s = result.summary
    say(
        f"{old} -> {new}: {s.changed} changed, {s.added} added, {s.removed} removed, {s.moved} moved,"
        f" {s.renumbered} renumbered, {s.unchanged} unchanged"
    )
    if html_file is not None or docx_file is not None:
        return
    for change in result.points:
        if change.status == "unchanged" and not (change.moved or change.renumbered) and not all_points:
            continue
        out.print(_line(change))
        if change.status != "unchanged" or (all_points and change.words):
            body = _words(change.words, marks=not out.is_terminal or out.no_color)
            body.pad_left(2 * change.depth + 4)
            out.print(body)
