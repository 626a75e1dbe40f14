"""`inwriting draft ...`: import a text as a signed version, show it, list its lineage, export it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from inwriting.app import drafts
from inwriting.cli.common import (
    DbOption,
    JsonOption,
    KeystoreOption,
    ViewerOption,
    app_for,
    cell,
    done,
    emit_json,
    out,
    reports_errors,
    say,
    viewer_of,
    write_file,
)
from inwriting.domain.documents import KINDS, draft_to_json

draft_app = typer.Typer(
    help="Drafts: versions of numbered texts, signed by their author.", no_args_is_help=True
)


@draft_app.command("import")
@reports_errors
def draft_import(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="Text (.txt), Markdown (.md), Word (.docx), PDF (.pdf) or Akoma Ntoso (.xml, .akn).",
        ),
    ],
    track: Annotated[str, typer.Option("--track", help="The track it is tabled on.")],
    as_party: Annotated[str, typer.Option("--as", metavar="PARTY", help="The author; signs with its key.")],
    title: Annotated[str | None, typer.Option("--title", help="Title (default: from the file).")] = None,
    kind: Annotated[str, typer.Option("--kind", help="|".join(KINDS))] = "treaty",
    based_on: Annotated[
        str | None, typer.Option("--based-on", metavar="VERSION", help="The version this one builds on.")
    ] = None,
    document: Annotated[
        str | None, typer.Option("--doc", metavar="ID", help="Document id (default: from the file name).")
    ] = None,
    audience: Annotated[
        str,
        typer.Option(
            "--audience",
            help="Who may read it: author (a draft in preparation) | track | parties | public.",
        ),
    ] = "author",
    audience_party: Annotated[
        list[str] | None,
        typer.Option("--audience-party", metavar="PARTY", help="With --audience parties: a reader (repeat)."),
    ] = None,
    delegate: Annotated[
        str | None, typer.Option("--delegate", metavar="ID", help="The delegate acting for the author.")
    ] = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a file's numbered points as the next version of a document."""
    with app_for(db, keystore) as app:
        imported = drafts.import_draft(
            app,
            file,
            track=track,
            as_party=as_party,
            kind=kind,
            title=title,
            based_on=based_on,
            document=document,
            audience=audience,
            audience_parties=audience_party or [],
            delegate=delegate,
        )
    done(
        as_json,
        imported.to_json(),
        f"{imported.version}: {imported.points} points, signed by {as_party} (event {imported.event.seq})",
    )
    if not as_json:
        for note in imported.notes:
            say(note, label="note", style="yellow")


@draft_app.command("show")
@reports_errors
def draft_show(
    version: Annotated[str, typer.Argument(metavar="VERSION", help="e.g. draft-treaty@v1")],
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The points of a version with their labels, headings and text."""
    with app_for(db) as app:
        found, draft = drafts.get_version(app, version, viewer=viewer_of(viewer))
    if as_json:
        emit_json(
            {
                "ok": True,
                "version": found.id,
                "author": found.author,
                "track": found.track,
                "kind": found.kind,
                "based_on": found.based_on,
                "content": found.content,
                **draft_to_json(draft),
            }
        )
        return
    table = Table("id", "label", "text", title=cell(f"{found.id}: {draft.title}"))
    for point in draft.walk():
        heading = f"{point.heading}\n" if point.heading else ""
        table.add_row(cell(point.eid), cell(point.label), cell(heading + point.text))
    out.print(table)
    if draft.amendments:
        changes = Table(
            "id", "proposed text", "by", "date", title="amendments proposed in the file (tracked changes)"
        )
        for a in draft.amendments:
            changes.add_row(cell(a.eid), cell(a.text), cell(a.author), cell(a.date))
        out.print(changes)


@draft_app.command("versions")
@reports_errors
def draft_versions(
    document: Annotated[str, typer.Argument(metavar="DOC", help="A document id.")],
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The document's versions, with the base each was built on (in any track)."""
    with app_for(db) as app:
        versions = drafts.lineage(app, document, viewer=viewer_of(viewer))
    if as_json:
        emit_json(
            {
                "ok": True,
                "document": document,
                "versions": [
                    {
                        "version": v.id,
                        "track": v.track,
                        "author": v.author,
                        "title": v.title,
                        "based_on": v.based_on,
                        "points": len(v.outline),
                        "event": v.created_seq,
                    }
                    for v in versions
                ],
            }
        )
        return
    table = Table("version", "track", "author", "based on", "points", "title", title=document)
    for v in versions:
        table.add_row(
            cell(v.id),
            cell(v.track),
            cell(v.author),
            cell(v.based_on or ""),
            cell(len(v.outline)),
            cell(v.title),
        )
    out.print(table)


@draft_app.command("export")
@reports_errors
def draft_export(
    version: Annotated[str, typer.Argument(metavar="VERSION")],
    out_file: Annotated[Path, typer.Option("--out", metavar="F", help="File to write.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="md | akn (Akoma Ntoso XML) | docx (Word) | html; all but html re-import."
        ),
    ] = "md",
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a version as Markdown, Akoma Ntoso, Word or HTML (`draft import` reads the first three back)."""
    with app_for(db) as app:
        data = drafts.export_version(app, version, fmt, viewer=viewer_of(viewer))
    write_file(out_file, data)
    done(
        as_json,
        {"version": version, "format": fmt, "path": str(out_file), "bytes": len(data)},
        f"wrote {version} to {out_file} ({fmt})",
    )
