"""`inwriting meeting ...` and `inwriting precondition ...`: the talks around the texts."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from inwriting.app import talks
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
    viewer_of,
)
from inwriting.cli.negotiation import DateOption, DelegateOption

meeting_app = typer.Typer(
    help="Meetings held on a track: date, place, delegates, texts tabled.", no_args_is_help=True
)
precondition_app = typer.Typer(
    help="Preconditions: set by a party, accepted or rejected (even in advance), met or waived.",
    no_args_is_help=True,
)


@meeting_app.command("add")
@reports_errors
def meeting_add(
    track: Annotated[str, typer.Option("--track", metavar="ID", help="The track it belongs to.")],
    date: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="The day it was held.")],
    place: Annotated[str, typer.Option("--place", metavar="P", help="Where (e.g. Geneva).")],
    delegate: Annotated[
        list[str] | None, typer.Option("--delegate", metavar="NAME", help="A delegate present (repeat).")
    ] = None,
    tabled: Annotated[
        list[str] | None,
        typer.Option("--tabled", metavar="VERSION", help="A version put on the table (repeat)."),
    ] = None,
    as_party: Annotated[
        str | None,
        typer.Option("--as", metavar="PARTY", help="Record as this party (default: the operator)."),
    ] = None,
    acting: Annotated[
        str | None, typer.Option("--acting", metavar="ID", help="With --as: the delegate recording it.")
    ] = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a meeting (id TRACK/DATE); hand-overs can then say `--at TRACK/DATE`."""
    with app_for(db, keystore) as app:
        mid, recorded = talks.add_meeting(
            app,
            track=track,
            date=date,
            place=place,
            delegates=delegate or [],
            tabled=tabled or [],
            as_party=as_party,
            acting=acting,
        )
    done(
        as_json,
        {"meeting": mid, "event": recorded.to_json()},
        f"{mid}: meeting in {place} recorded (event {recorded.seq})",
    )


@meeting_app.command("list")
@reports_errors
def meeting_list(
    track: Annotated[str | None, typer.Option("--track", metavar="ID")] = None,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Meetings in date order."""
    with app_for(db) as app:
        found = talks.meetings(app, track, viewer=viewer_of(viewer))
    rows: list[dict[str, Any]] = [
        {
            "meeting": m.id,
            "track": m.track,
            "date": m.date,
            "place": m.place,
            "delegates": list(m.delegates),
            "tabled": list(m.tabled),
            "event": m.seq,
        }
        for m in found
    ]
    if as_json:
        emit_json({"ok": True, "meetings": rows})
        return
    table = Table("date", "track", "place", "delegates", "tabled", title="meetings")
    for r in rows:
        table.add_row(
            cell(r["date"]),
            cell(r["track"]),
            cell(r["place"]),
            cell("; ".join(r["delegates"])),
            cell(", ".join(r["tabled"])),
        )
    out.print(table)


ReasonOption = Annotated[
    str | None, typer.Option("--reason", metavar="TEXT", help="Why (kept in the record).")
]


@precondition_app.command("add")
@reports_errors
def precondition_add(
    track: Annotated[str, typer.Option("--track", metavar="ID")],
    as_party: Annotated[str, typer.Option("--as", metavar="PARTY", help="The party that sets it; signs.")],
    text: Annotated[str, typer.Option("--text", metavar="TEXT", help="The condition, as stated.")],
    version: Annotated[
        str | None, typer.Option("--version", metavar="VERSION", help="The text it attaches to, if any.")
    ] = None,
    delegate: DelegateOption = None,
    anticipated: Annotated[
        bool,
        typer.Option(
            "--anticipated", help="Not set by this party but expected from others (to reject in advance)."
        ),
    ] = False,
    date: DateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """State a precondition on a track (id TRACK/pre/N)."""
    with app_for(db, keystore) as app:
        pid, recorded = talks.add_precondition(
            app,
            track=track,
            as_party=as_party,
            text=text,
            version=version,
            date=date,
            anticipated=anticipated,
        )
    done(
        as_json, {"precondition": pid, "event": recorded.to_json()}, f"{pid}: recorded (event {recorded.seq})"
    )


def _act(act: str, help_text: str) -> None:
    @precondition_app.command(act, help=help_text)
    @reports_errors
    def command(
        precondition: Annotated[str, typer.Argument(metavar="ID", help="e.g. ru-us/pre/1")],
        as_party: Annotated[str, typer.Option("--as", metavar="PARTY", help="Who acts; signs with its key.")],
        reason: ReasonOption = None,
        date: DateOption = None,
        delegate: DelegateOption = None,
        db: DbOption = None,
        keystore: KeystoreOption = None,
        as_json: JsonOption = False,
    ) -> None:
        with app_for(db, keystore) as app:
            recorded = talks.answer_precondition(
                app, precondition, act=act, as_party=as_party, reason=reason, date=date
            )
            found = [p for p in talks.preconditions(app) if p.id == precondition]
        state = found[0].status if found else act
        done(
            as_json,
            {"precondition": precondition, "act": act, "status": state, "event": recorded.to_json()},
            f"{precondition}: {act} by {as_party}; now {state} (event {recorded.seq})",
        )


_act("accept", "Accept another party's precondition.")
_act("reject", "Reject a precondition (also one recorded with --anticipated: rejected in advance).")
_act("meet", "Record that a precondition has been met.")
_act("waive", "Waive a precondition you set.")


@precondition_app.command("list")
@reports_errors
def precondition_list(
    track: Annotated[str | None, typer.Option("--track", metavar="ID")] = None,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Preconditions with their status and every answer to them."""
    with app_for(db) as app:
        found = talks.preconditions(app, track, viewer=viewer_of(viewer))
    rows: list[dict[str, Any]] = [
        {
            "precondition": p.id,
            "track": p.track,
            "by": p.by,
            "text": p.text,
            "version": p.version,
            "date": p.date,
            "anticipated": p.anticipated,
            "status": p.status,
            "acts": [
                {"act": a.act, "party": a.party, "date": a.date, "reason": a.reason, "event": a.seq}
                for a in p.acts
            ],
        }
        for p in found
    ]
    if as_json:
        emit_json({"ok": True, "preconditions": rows})
        return
    table = Table("id", "by", "date", "text", "status", "answers", title="preconditions")
    for r in rows:
        acts = "\n".join(
            f"{a['date']} {a['party']} {a['act']}" + (f": {a['reason']}" if a["reason"] else "")
            for a in r["acts"]
        )
        by = f"{r['by']} (anticipated)" if r["anticipated"] else r["by"]
        table.add_row(
            cell(r["precondition"]), cell(by), cell(r["date"]), cell(r["text"]), cell(r["status"]), cell(acts)
        )
    out.print(table)
