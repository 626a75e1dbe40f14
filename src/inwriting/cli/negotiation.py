"""`inwriting handover | receipt | answer | status | due | matrix`: hand texts over, answer them
point by point, and see who owes what."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from inwriting.app import negotiation
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
    plural,
    reports_errors,
    say,
    viewer_of,
    write_file,
)
from inwriting.domain.matrix import BY_PARTS, NOT_ADDRESSED, PROPOSED, UNANSWERED
from inwriting.errors import InvalidInput

DateOption = Annotated[
    str | None,
    typer.Option("--date", metavar="YYYY-MM-DD", help="The day it happened (default: today)."),
]
DelegateOption = Annotated[
    str | None, typer.Option("--delegate", metavar="NAME", help="The person acting for the party.")
]


@reports_errors
def handover(
    version: Annotated[str, typer.Argument(metavar="VERSION")],
    to: Annotated[list[str], typer.Option("--to", metavar="PARTY", help="A recipient (repeat for several).")],
    due: Annotated[
        str | None, typer.Option("--due", metavar="YYYY-MM-DD", help="When the written answer is due.")
    ] = None,
    point_by_point: Annotated[
        bool, typer.Option("--point-by-point", help="Demand a written answer on every point.")
    ] = False,
    as_party: Annotated[
        str | None,
        typer.Option(
            "--as", metavar="PARTY", help="The author handing it over (default: the version's author)."
        ),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", metavar="MEETING", help="The meeting it was handed over at.")
    ] = None,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hand a version to counterparties (signed by its author); an alliance's members receive it too."""
    with app_for(db, keystore) as app:
        hid, recorded = negotiation.handover(
            app,
            version,
            to=to,
            due=due,
            point_by_point=point_by_point,
            meeting=at,
            date=date,
            delegate=delegate,
            as_party=as_party,
        )
    demand = "a point-by-point answer" if point_by_point else "an answer"
    due_text = f", {demand} due {due}" if due else (f", {demand} requested" if point_by_point else "")
    done(
        as_json,
        {
            "handover": hid,
            "version": version,
            "to": to,
            "due": due,
            "point_by_point": point_by_point,
            "event": recorded.to_json(),
        },
        f"{hid}: {version} delivered to {', '.join(to)}{due_text} (event {recorded.seq})",
    )


@reports_errors
def receipt(
    version: Annotated[str, typer.Argument(metavar="VERSION")],
    as_party: Annotated[
        str, typer.Option("--as", metavar="PARTY", help="The recipient; signs with its key.")
    ],
    delegate: DelegateOption = None,
    date: DateOption = None,
    handover: Annotated[
        str | None,
        typer.Option(
            "--handover", metavar="ID", help="The hand-over acknowledged (default: the latest open one)."
        ),
    ] = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Acknowledge receipt of a version (signed), so that its delivery and deadline cannot be denied."""
    with app_for(db, keystore) as app:
        rid, recorded = negotiation.receipt(
            app, version, as_party=as_party, delegate=delegate, date=date, handover=handover
        )
    done(
        as_json, {"receipt": rid, "event": recorded.to_json()}, f"{rid}: acknowledged (event {recorded.seq})"
    )


@reports_errors
def answer(
    version: Annotated[str, typer.Argument(metavar="VERSION")],
    as_party: Annotated[
        str | None, typer.Option("--as", metavar="PARTY", help="The answering party; signs with its key.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", metavar="ANSWER.md", help="The answer, point by point.")
    ] = None,
    prose: Annotated[
        Path | None,
        typer.Option("--prose", metavar="FILE", help="An answer received as prose (kept as received)."),
    ] = None,
    template: Annotated[
        bool, typer.Option("--template", help="Write a ready-to-fill answer file listing every point.")
    ] = False,
    out_file: Annotated[
        Path | None, typer.Option("--out", metavar="F", help="With --template: write here, not to stdout.")
    ] = None,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a written answer to a version; points it leaves out are named by `status`."""
    with app_for(db, keystore) as app:
        if template:
            if file is not None or prose is not None:
                raise InvalidInput("--template writes a file to fill in; it takes no --file or --prose")
            text = negotiation.answer_template(app, version, viewer=viewer_of(as_party))
            if out_file is None:
                if as_json:
                    emit_json({"ok": True, "version": version, "template": text})
                else:
                    out.file.write(text)
                return
            write_file(out_file, text.encode("utf-8"))
            done(
                as_json,
                {"version": version, "path": str(out_file)},
                f"wrote an answer template to {out_file}",
            )
            return
        if as_party is None:
            raise InvalidInput("say who answers with --as PARTY")
        if (file is None) == (prose is None):
            raise InvalidInput("give the answer with --file ANSWER.md (point by point) or --prose FILE")
        recorded = negotiation.answer(
            app,
            version,
            as_party=as_party,
            file=file or prose or Path(),
            prose=prose is not None,
            date=date,
            delegate=delegate,
        )
    result = recorded.to_json()
    if as_json:
        emit_json({"ok": True, **result})
        return
    if recorded.form == "prose":
        say(f"{recorded.answer}: answer in prose recorded (event {recorded.event.seq}); it answers no point")
        say(
            f"until its paragraphs are matched to points: inwriting align {recorded.answer},"
            " then align confirm",
            label="note",
            style="yellow",
        )
        return
    say(
        f"{recorded.answer}: {plural(result['positions'], 'position')}, "
        f"{plural(result['proposals'], 'new point')} (event {recorded.event.seq})"
    )
    if result["unanswered"]:
        named = [f"{p['label']} ({p['eid']})" for p in result["unanswered_points"]]
        say(", ".join(named), label="still unanswered", style="yellow")
    else:
        say("every point of the version is now answered", label="complete")


@reports_errors
def status(
    version: Annotated[str, typer.Argument(metavar="VERSION")],
    members: Annotated[bool, typer.Option("--members", help="Show alliance members separately.")] = False,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Per recipient: delivered, acknowledged, answered points with positions, unanswered points, overdue."""
    with app_for(db) as app:
        report = negotiation.status_report(app, version, members=members, viewer=viewer_of(viewer))
    if as_json:
        emit_json({"ok": True, **report})
        return
    if not report["recipients"]:
        say(
            f"no hand-over of {version} concerns {viewer}"
            if viewer
            else f"{version} has not been handed over yet"
        )
        return
    table = Table(
        "recipient",
        "delivered",
        "acknowledged",
        "due",
        "answered",
        "unanswered",
        "state",
        title=cell(f"{report['version']}: {report['title']}"),
    )
    for r in report["recipients"]:
        party = r["party"] + (f" (via {r['through']})" if r["through"] else "")
        due = (r["due"] or "—") + (" point by point" if r["point_by_point"] else "")
        unanswered = ", ".join(u["label"] for u in r["unanswered"])
        state = Text(r["state"], style="bold red" if r["overdue"] else "green" if r["complete"] else "yellow")
        readings = [a["reading"] for a in r["answers"] if a["form"] == "prose"]
        answered = f"{r['answered_points']}/{r['points']}" + (f" ({readings[-1]})" if readings else "")
        table.add_row(
            cell(party),
            cell(r["delivered"]),
            cell(r["acknowledged"] or "not acknowledged"),
            cell(due),
            cell(answered),
            cell(unanswered),
            state,
        )
    out.print(table)


@reports_errors
def due(
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every written answer still owed, soonest due first; overdue ones flagged."""
    with app_for(db) as app:
        owed = negotiation.owed(app, viewer=viewer_of(viewer))
        day = negotiation.today(app)
    rows: list[dict[str, Any]] = [
        {
            "version": o.version,
            "title": o.title,
            "author": o.author,
            "party": o.status.party,
            "due": o.status.demand.due,
            "point_by_point": o.status.demand.point_by_point,
            "delivered": o.status.demand.delivered,
            "acknowledged": o.status.receipt.date if o.status.receipt else None,
            "unanswered": len(o.status.coverage.unanswered),
            "overdue": o.status.overdue,
        }
        for o in owed
    ]
    if as_json:
        emit_json({"ok": True, "today": day, "owed": rows})
        return
    if not rows:
        say("no written answer is owed")
        return
    table = Table("due", "owed by", "to", "version", "unanswered", title=f"answers owed on {day}")
    for r in rows:
        due_text = Text(
            f"{r['due'] or 'no date'}" + (" OVERDUE" if r["overdue"] else ""),
            style="bold red" if r["overdue"] else "",
        )
        table.add_row(
            due_text,
            cell(r["party"]),
            cell(r["author"]),
            cell(r["version"]),
            cell(plural(r["unanswered"], "point")),
        )
    out.print(table)


_STYLE = {
    "accept": "green",
    "noted": "green",
    "defer": "yellow",
    "clarify": "yellow",
    "amend": "yellow",
    "counter": "magenta",
    "reject": "bold red",
    UNANSWERED: "bold white on red",
    PROPOSED: "dim",
    BY_PARTS: "cyan",
}


@reports_errors
def matrix(
    scope: Annotated[str, typer.Argument(metavar="PROCESS|TRACK")],
    csv_file: Annotated[
        Path | None, typer.Option("--csv", metavar="F", help="Write the matrix as CSV.")
    ] = None,
    html_file: Annotated[
        Path | None, typer.Option("--html", metavar="F", help="Write a coloured HTML grid.")
    ] = None,
    members: Annotated[bool, typer.Option("--members", help="Show alliance members separately.")] = False,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Points x parties, each cell a position; unanswered and contested points stand out."""
    with app_for(db) as app:
        m = negotiation.matrix(app, scope, members=members, viewer=viewer_of(viewer))
    if csv_file is not None:
        from inwriting.exporters.matrix_csv import matrix_csv

        write_file(csv_file, matrix_csv(m).encode("utf-8"))
    if html_file is not None:
        from inwriting.exporters.matrix_html import to_matrix_html

        write_file(html_file, to_matrix_html(m, title=scope).encode("utf-8"))
    if as_json:
        emit_json(
            {
                "ok": True,
                "scope": scope,
                "columns": list(m.columns),
                "rows": [
                    {
                        "version": r.version,
                        "eid": r.eid,
                        "label": r.label,
                        "contested": r.contested,
                        "unanswered": r.unanswered,
                        "cells": {
                            p: {"state": c.state, "inherited": c.inherited}
                            for p, c in zip(m.columns, r.cells, strict=True)
                            if c.state != NOT_ADDRESSED
                        },
                    }
                    for r in m.rows
                ],
            }
        )
        return
    for path in (csv_file, html_file):
        if path is not None:
            say(f"wrote {path}")
    if csv_file is not None or html_file is not None:
        return
    if not m.rows:
        say(f"nothing has been handed over in {scope} yet")
        return
    table = Table("version", "point", *m.columns, "", title=cell(f"positions in {scope}"))
    for r in m.rows:
        cells = [Text(c.state + ("*" if c.inherited else ""), style=_STYLE.get(c.state, "")) for c in r.cells]
        flag = Text("contested", style="bold magenta") if r.contested else Text("")
        table.add_row(cell(r.version), cell(r.label), *cells, flag)
    out.print(table)
    say("* taken on the article as a whole; by-parts: every sub-point answered", label="key", style="dim")
