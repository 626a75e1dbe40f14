"""`inwriting instrument ...` and `inwriting notes ...`: agreed text made binding, and its status."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from inwriting.app import instruments
from inwriting.app.instruments import InstrumentView, NotesDiffer
from inwriting.cli.common import (
    DbOption,
    JsonOption,
    KeystoreOption,
    ViewerOption,
    app_for,
    cell,
    done,
    emit_json,
    err,
    out,
    reports_errors,
    say,
    viewer_of,
    write_file,
)
from inwriting.cli.negotiation import DateOption, DelegateOption
from inwriting.domain.register import INSTRUMENT_KINDS
from inwriting.errors import InvalidInput, VerificationError
from inwriting.record import instrument as inst

instrument_app = typer.Typer(
    help="Instruments: agreed text fixed by its hash; initials, signatures, ratifications, reservations,"
    " entry into force, suspension and withdrawal per party.",
    no_args_is_help=True,
)
notes_app = typer.Typer(
    help="Exchanges of notes: two letters of the same operative text.", no_args_is_help=True
)

AsOption = Annotated[str, typer.Option("--as", metavar="PARTY", help="The party acting; it signs the event.")]
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="The instrument's id.")]


@instrument_app.command("new")
@reports_errors
def instrument_new(
    version: Annotated[str, typer.Option("--from", metavar="VERSION", help="The agreed version.")],
    kind: Annotated[str, typer.Option("--kind", metavar="KIND", help=" | ".join(INSTRUMENT_KINDS))],
    as_party: AsOption,
    party: Annotated[
        list[str] | None,
        typer.Option("--party", metavar="PARTY", help="A party it binds (repeat; default: the track's)."),
    ] = None,
    instrument_id: Annotated[
        str | None, typer.Option("--id", metavar="ID", help="Its id (default: from the document and kind).")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Its title (default: the version's).")] = None,
    ratification: Annotated[
        bool | None,
        typer.Option(
            "--ratification/--no-ratification",
            help="Each party must ratify after signing (default: yes for treaties, agreements, protocols).",
        ),
    ] = None,
    required: Annotated[
        int | None,
        typer.Option("--required", metavar="N", help="Parties bound before entry into force (default: all)."),
    ] = None,
    obligor: Annotated[
        list[str] | None,
        typer.Option(
            "--obligor",
            metavar="EID=PARTY[,PARTY]",
            help="Who a point obliges (repeat; default: every party is bound by every point).",
        ),
    ] = None,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fix a version's text as an instrument: its hash is what every party will sign."""
    obligors: dict[str, list[str]] = {}
    for item in obligor or []:
        point, sep, who = item.partition("=")
        if not sep or not point or not who:
            raise InvalidInput(f"--obligor {item!r}: write EID=PARTY[,PARTY]")
        obligors[point] = [p for p in who.split(",") if p]
    with app_for(db, keystore) as app:
        iid, recorded = instruments.create(
            app,
            version=version,
            kind=kind,
            as_party=as_party,
            parties=party or [],
            instrument=instrument_id,
            title=title,
            ratification=ratification,
            required=required,
            obligors=obligors,
            date=date,
            delegate=delegate,
        )
        view = instruments.show(app, iid, viewer=viewer_of(as_party))
    done(
        as_json,
        {"instrument": iid, "text_hash": view.instrument.content, "event": recorded.to_json()},
        f"{iid}: {kind} between {', '.join(view.instrument.parties)} fixed at {view.instrument.content}"
        f" (event {recorded.seq})",
    )


@instrument_app.command("initial")
@reports_errors
def instrument_initial(
    instrument: IdArgument,
    as_party: AsOption,
    delegate: DelegateOption = None,
    date: DateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The party's negotiator initials the agreed text (before signature)."""
    with app_for(db, keystore) as app:
        recorded = instruments.initial(app, instrument, as_party=as_party, delegate=delegate, date=date)
    done(
        as_json,
        {"event": recorded.to_json()},
        f"{instrument}: initialled by {as_party} (event {recorded.seq})",
    )


@instrument_app.command("sign")
@reports_errors
def instrument_sign(
    instrument: IdArgument,
    as_party: AsOption,
    delegate: Annotated[str, typer.Option("--delegate", metavar="NAME", help="The signatory.")],
    place: Annotated[str, typer.Option("--place", metavar="P", help="Where it was signed.")],
    date: DateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign: an Ed25519 signature by the party's key over the instrument's text hash."""
    with app_for(db, keystore) as app:
        recorded = instruments.sign(
            app, instrument, as_party=as_party, delegate=delegate, place=place, date=date
        )
        view = instruments.show(app, instrument, viewer=viewer_of(as_party))
    signed = next(r.signed for r in view.rows if r.party == as_party)
    key_id = signed.key_id if signed else None
    done(
        as_json,
        {"event": recorded.to_json(), "key_id": key_id, "text_hash": view.instrument.content},
        f"{instrument}: signed for {as_party} by {signed.signatory if signed else delegate} with key {key_id}"
        f" (event {recorded.seq}); status: {view.instrument.status}",
    )


@instrument_app.command("ratify")
@reports_errors
def instrument_ratify(
    instrument: IdArgument,
    as_party: AsOption,
    delegate: DelegateOption = None,
    date: DateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record the party's ratification (only after its signature)."""
    with app_for(db, keystore) as app:
        recorded = instruments.ratify(app, instrument, as_party=as_party, date=date, delegate=delegate)
    done(
        as_json, {"event": recorded.to_json()}, f"{instrument}: ratified by {as_party} (event {recorded.seq})"
    )


@instrument_app.command("reserve")
@reports_errors
def instrument_reserve(
    instrument: IdArgument,
    as_party: AsOption,
    point: Annotated[str, typer.Option("--point", metavar="EID", help="The point it concerns (art_3).")],
    text: Annotated[str, typer.Option("--text", metavar="TEXT", help="The reservation, as made.")],
    declaration: Annotated[
        bool, typer.Option("--declaration", help="An interpretative declaration, not a reservation.")
    ] = False,
    delegate: DelegateOption = None,
    date: DateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a reservation (or declaration) on one point, made at signature or ratification."""
    with app_for(db, keystore) as app:
        recorded = instruments.reserve(
            app,
            instrument,
            as_party=as_party,
            point=point,
            text=text,
            declaration=declaration,
            date=date,
            delegate=delegate,
        )
    what = "declaration" if declaration else "reservation"
    done(
        as_json,
        {"event": recorded.to_json()},
        f"{instrument}: {what} by {as_party} on {point} (event {recorded.seq})",
    )


@instrument_app.command("enter-into-force")
@reports_errors
def instrument_enter_into_force(
    instrument: IdArgument,
    as_party: AsOption,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record entry into force (refused before the required ratifications); its points become
    commitments of their obligors."""
    with app_for(db, keystore) as app:
        recorded = instruments.enter_into_force(
            app, instrument, as_party=as_party, date=date, delegate=delegate
        )
        view = instruments.show(app, instrument, viewer=viewer_of(as_party))
    done(
        as_json,
        {"event": recorded.to_json(), "in_force": view.instrument.in_force},
        f"{instrument}: in force since {view.instrument.in_force} (event {recorded.seq})",
    )


ReasonOption = Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why (kept in the record).")]


@instrument_app.command("suspend")
@reports_errors
def instrument_suspend(
    instrument: IdArgument,
    as_party: AsOption,
    reason: ReasonOption,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The party suspends the instrument's operation for itself; its commitments show suspended."""
    with app_for(db, keystore) as app:
        recorded = instruments.suspend(
            app, instrument, as_party=as_party, reason=reason, date=date, delegate=delegate
        )
    done(
        as_json,
        {"event": recorded.to_json()},
        f"{instrument}: suspended by {as_party} (event {recorded.seq})",
    )


@instrument_app.command("resume")
@reports_errors
def instrument_resume(
    instrument: IdArgument,
    as_party: AsOption,
    reason: ReasonOption,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The party ends its suspension."""
    with app_for(db, keystore) as app:
        recorded = instruments.suspend(
            app, instrument, as_party=as_party, reason=reason, resume=True, date=date, delegate=delegate
        )
    done(
        as_json, {"event": recorded.to_json()}, f"{instrument}: resumed by {as_party} (event {recorded.seq})"
    )


@instrument_app.command("withdraw")
@reports_errors
def instrument_withdraw(
    instrument: IdArgument,
    as_party: AsOption,
    reason: ReasonOption,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The party withdraws; its commitments under the instrument end that day."""
    with app_for(db, keystore) as app:
        recorded = instruments.withdraw(
            app, instrument, as_party=as_party, reason=reason, date=date, delegate=delegate
        )
    done(
        as_json,
        {"event": recorded.to_json()},
        f"{instrument}: {as_party} withdrew (event {recorded.seq}); its commitments under it end",
    )


@instrument_app.command("show")
@reports_errors
def instrument_show(
    instrument: IdArgument,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Status per party and overall, as a treaty depositary shows it."""
    with app_for(db) as app:
        view = instruments.show(app, instrument, viewer=viewer_of(viewer))
    if as_json:
        emit_json({"ok": True, **view.to_json()})
        return
    print_status(view)


def print_status(view: InstrumentView) -> None:
    i = view.instrument
    out.print(f"{i.title}", style="bold", highlight=False, markup=False)
    out.print(f"{i.id} · {i.kind} · text agreed {i.date} · {i.content}", highlight=False, markup=False)
    needs = "ratification" if i.ratification else "signature"
    status = i.status + (f" since {i.in_force}" if i.in_force else "")
    out.print(
        f"Status: {status}. Entry into force needs {i.required} of {len(i.parties)} parties"
        f" bound by {needs}.",
        highlight=False,
        markup=False,
    )
    table = Table("Participant", "Initialled", "Signature", "Ratification", "In force", "Status", "Notes")
    for r in view.rows:
        notes = [
            f"{x.act}d on {x.point}: {x.text}"
            if x.act == "declare"
            else f"reservation on {x.point}: {x.text}"
            for x in r.reservations
        ]
        if r.suspended:
            notes.append(f"suspended {r.suspended}")
        if r.withdrawn:
            notes.append(f"withdrew {r.withdrawn.date}: {r.withdrawn.text}")
        signed = f"{r.signed.date}, {r.signed.place} ({r.signed.signatory})" if r.signed else ""
        table.add_row(
            cell(f"{r.name} ({r.party})"),
            cell(r.initialled),
            cell(signed),
            cell(r.ratified if i.ratification else "not required"),
            cell(r.in_force),
            cell(r.status),
            cell("; ".join(notes)),
        )
    out.print(table)


@instrument_app.command("list")
@reports_errors
def instrument_list(viewer: ViewerOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every instrument the viewer may see."""
    with app_for(db) as app:
        found = instruments.listing(app, viewer=viewer_of(viewer))
    rows: list[dict[str, Any]] = [
        {
            "instrument": i.id,
            "kind": i.kind,
            "title": i.title,
            "parties": list(i.parties),
            "status": i.status,
            "in_force": i.in_force,
        }
        for i in found
    ]
    if as_json:
        emit_json({"ok": True, "instruments": rows})
        return
    table = Table("id", "kind", "parties", "status", "title", title="instruments")
    for r in rows:
        status = r["status"] + (f" since {r['in_force']}" if r["in_force"] else "")
        table.add_row(
            cell(r["instrument"]),
            cell(r["kind"]),
            cell(", ".join(r["parties"])),
            cell(status),
            cell(r["title"]),
        )
    out.print(table)


OutOption = Annotated[Path, typer.Option("--out", metavar="FILE", help="Where to write it.")]


@instrument_app.command("pdf")
@reports_errors
def instrument_pdf(
    instrument: IdArgument,
    out_path: OutOption,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The text with a signature block per party, each key id and the text hash; the PDF embeds the
    proof, so `inwriting instrument verify F.pdf` checks it offline."""
    with app_for(db) as app:
        data = instruments.pdf(app, instrument, viewer=viewer_of(viewer))
    write_file(out_path, data)
    done(as_json, {"path": str(out_path), "bytes": len(data)}, f"wrote {out_path} ({len(data):,} bytes)")


@instrument_app.command("proof")
@reports_errors
def instrument_proof(
    instrument: IdArgument,
    out_path: OutOption,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the proof (salted text, signatures, public keys) as JSON, for `instrument verify`."""
    with app_for(db) as app:
        proof = instruments.proof(app, instrument, viewer=viewer_of(viewer))
    data = proof.dumps()
    write_file(out_path, data)
    done(
        as_json,
        {"path": str(out_path), "signatures": len(proof.signatures)},
        f"wrote {out_path} ({len(proof.signatures)} signatures)",
    )


@instrument_app.command("verify")
@reports_errors
def instrument_verify(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="An instrument PDF or proof JSON.")],
    as_json: JsonOption = False,
) -> None:
    """Check an instrument's signatures offline (no server, no network): the text must hash to what
    every party signed, and every signature must verify with the key it names."""
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory, not an instrument PDF or proof")
    if not path.is_file():
        raise InvalidInput(f"no file at {path}")
    if path.stat().st_size > inst.MAX_PROOF:
        raise InvalidInput(f"{path} is larger than {inst.MAX_PROOF >> 20} MB; not an instrument proof")
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        from inwriting.exporters.instrument_pdf import read_pdf_proof  # WeasyPrint not needed to read

        logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # a damaged file gets our one error line
        proof = read_pdf_proof(data)
    else:
        proof = inst.load_proof(data)
    report = inst.check_proof(proof)
    if as_json and report.ok:
        emit_json({"ok": True, **report.to_json()})
        return
    if as_json:
        try:
            inst.verify_proof(proof)
        except VerificationError as exc:
            emit_json(
                {
                    "ok": False,
                    "error": exc.to_dict(),
                    **{k: v for k, v in report.to_json().items() if k != "ok"},
                }
            )
            err.print(Text.assemble(("error:", "bold red"), " ", str(exc)), highlight=False)
            raise typer.Exit(1) from None
    table = Table("party", "signatory", "date", "key", "signature")
    for s in report.signatures:
        table.add_row(
            cell(s.party), cell(s.signatory), cell(s.date), cell(s.key_id), cell("ok" if s.ok else "FAILS")
        )
    err.print(table)
    inst.verify_proof(proof)  # raises, naming every signature that fails
    say(
        f"{proof.instrument}: the text hashes to {report.text_hash} and all"
        f" {len(report.signatures)} signatures verify; compare their key ids with the parties' keys"
        " in the log (`inwriting verify BUNDLE`)",
        label="ok",
    )


@notes_app.command("exchange")
@reports_errors
def notes_exchange(
    note_a: Annotated[str, typer.Argument(metavar="NOTE_A", help="The first note (a version).")],
    note_b: Annotated[str, typer.Argument(metavar="NOTE_B", help="The reply (a version).")],
    date: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="The reply's date.")],
    place: Annotated[str, typer.Option("--place", metavar="P", help="Where the notes were exchanged.")],
    signatory: Annotated[
        list[str] | None,
        typer.Option("--signatory", metavar="PARTY=NAME", help="Who signed each note (repeat)."),
    ] = None,
    as_party: Annotated[
        str | None,
        typer.Option("--as", metavar="PARTY", help="The party recording it (default: the reply's)."),
    ] = None,
    instrument_id: Annotated[
        str | None, typer.Option("--id", metavar="ID", help="The instrument's id.")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Its title (default: note A's).")] = None,
    in_force: Annotated[
        bool,
        typer.Option("--in-force/--not-in-force", help="In force on the reply's date once both have signed."),
    ] = True,
    delegate: Annotated[
        str | None,
        typer.Option("--delegate", metavar="ID", help="Who records it for --as (default: its signatory)."),
    ] = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check that two notes carry the same operative text point by point; say exactly where they
    differ, or record the exchange as an instrument concluded on the reply's date."""
    names: dict[str, str] = {}
    for item in signatory or []:
        party, sep, name = item.partition("=")
        if not sep or not party or not name:
            raise InvalidInput(f"--signatory {item!r}: write PARTY=NAME")
        names[party] = name
    with app_for(db, keystore) as app:
        try:
            result = instruments.exchange(
                app,
                note_a,
                note_b,
                date=date,
                place=place,
                signatories=names,
                as_party=as_party,
                instrument=instrument_id,
                title=title,
                enter_into_force=in_force,
                delegate=delegate,
            )
        except NotesDiffer as exc:  # one error line, then every difference; one JSON document
            if as_json:
                emit_json({"ok": False, "error": exc.to_dict(), "comparison": exc.comparison.to_json()})
            count = len(exc.comparison.differences)
            err.print(
                Text.assemble(
                    ("error:", "bold red"), f" the notes {note_a} and {note_b} differ on {count} point(s):"
                ),
                highlight=False,
            )
            for d in exc.comparison.differences:
                err.print(f"  {d.summary}", highlight=False, markup=False)
            raise typer.Exit(1) from None
    if as_json:
        emit_json({"ok": True, **result.to_json()})
        return
    say(f"the notes match on all {result.comparison.points} points", label="same text")
    say(
        f"{result.instrument}: exchange of notes recorded;"
        f" signed by {', '.join(result.signed_by) or 'nobody yet'}"
    )
    for party in result.awaiting:
        say(f"{party} must still sign: inwriting instrument sign {result.instrument} --as {party} ...")
    if result.in_force:
        say(f"{result.instrument}: in force since {result.in_force}")


@notes_app.command("compare")
@reports_errors
def notes_compare(
    note_a: Annotated[str, typer.Argument(metavar="NOTE_A")],
    note_b: Annotated[str, typer.Argument(metavar="NOTE_B")],
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Only the check: where the two notes' operative texts differ (exit 1 if they do)."""
    with app_for(db) as app:
        comparison = instruments.compare(app, note_a, note_b, viewer=viewer_of(viewer))
    if as_json:
        emit_json({"ok": comparison.same, **comparison.to_json()})
    else:
        for d in comparison.differences:
            out.print(d.summary, highlight=False, markup=False)
        say(
            f"same operative text on all {comparison.points} points"
            if comparison.same
            else f"{len(comparison.differences)} difference(s)",
            label="notes",
        )
    if not comparison.same:
        raise typer.Exit(1)
