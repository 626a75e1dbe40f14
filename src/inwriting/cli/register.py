"""`inwriting commitment(s) ...`, `inwriting statement ...` and `inwriting claim ...`: the register of
what each party undertook, what its officials said, and claims that a commitment was broken."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from inwriting.app import register
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
from inwriting.cli.negotiation import DelegateOption
from inwriting.domain.register import CLAIM_ANSWERS, FINDINGS, FORMS, OFFERS, SOURCE_KINDS

commitment_app = typer.Typer(
    help="Commitments: what a party undertook or offered, in the form it took (spoken … binding).",
    no_args_is_help=True,
)
commitments_app = typer.Typer(help="The commitment register.", no_args_is_help=True)
statement_app = typer.Typer(
    help="Public statements by officials, quoted from their source.", no_args_is_help=True
)
claim_app = typer.Typer(
    help="Claims that a commitment was broken: evidence, the obligor's answer, parties' findings.",
    no_args_is_help=True,
)

WhenOption = Annotated[
    str | None,
    typer.Option("--date", metavar="YYYY[-MM[-DD]]", help="When (to the day, month or year; default today)."),
]
AsOption = Annotated[str, typer.Option("--as", metavar="PARTY", help="The party acting; it signs the event.")]
RecorderOption = Annotated[
    str | None,
    typer.Option("--as", metavar="PARTY", help="The party recording it (default: the instance operator)."),
]
TrackOption = Annotated[
    str | None, typer.Option("--track", metavar="ID", help="The talks it belongs to (for bundles).")
]


@commitment_app.command("record")
@reports_errors
def commitment_record(
    party: Annotated[str, typer.Option("--party", metavar="PARTY", help="Who made the commitment.")],
    to: Annotated[list[str], typer.Option("--to", metavar="PARTY", help="Toward whom (repeat).")],
    text: Annotated[
        str, typer.Option("--text", metavar="TEXT", help="What was undertaken, as said or written.")
    ],
    form: Annotated[str, typer.Option("--form", metavar="FORM", help=" | ".join(FORMS))],
    source: Annotated[
        str, typer.Option("--source", metavar="URL|CITATION", help="Where it can be read or heard.")
    ],
    source_kind: Annotated[
        str,
        typer.Option(
            "--source-kind", metavar="KIND", help=" | ".join(k for k in SOURCE_KINDS if k != "instrument")
        ),
    ] = "other",
    date: WhenOption = None,
    offer: Annotated[
        str | None,
        typer.Option("--offer", metavar="KIND", help=f"An offer, not an undertaking: {' | '.join(OFFERS)}."),
    ] = None,
    statement: Annotated[
        str | None, typer.Option("--statement", metavar="ID", help="The statement it was made in.")
    ] = None,
    meeting: Annotated[
        str | None, typer.Option("--meeting", metavar="ID", help="The meeting it was made at.")
    ] = None,
    public: Annotated[
        bool | None,
        typer.Option("--public/--private", help="Seen by everyone (default: if from a statement)."),
    ] = None,
    track: TrackOption = None,
    as_party: RecorderOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a commitment (or an offer) from a statement, a meeting record or a note."""
    with app_for(db, keystore) as app:
        cid, recorded = register.record_commitment(
            app,
            party=party,
            to=to,
            text=text,
            form=form,
            source=source,
            source_kind=source_kind,
            date=date,
            as_party=as_party,
            offer=offer,
            statement=statement,
            meeting=meeting,
            public=public,
            track=track,
            delegate=delegate,
        )
    what = f"{offer} offer" if offer else "commitment"
    done(
        as_json,
        {"commitment": cid, "event": recorded.to_json()},
        f"{cid}: {form} {what} of {party} toward {', '.join(to)} (event {recorded.seq})",
    )


@commitment_app.command("decline")
@reports_errors
def commitment_decline(
    commitment: Annotated[str, typer.Argument(metavar="ID")],
    as_party: AsOption,
    reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT")] = None,
    date: WhenOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """A party the offer was made to declines it."""
    with app_for(db, keystore) as app:
        recorded = register.decline(
            app, commitment, as_party=as_party, reason=reason, date=date, delegate=delegate
        )
    done(
        as_json, {"event": recorded.to_json()}, f"{commitment}: declined by {as_party} (event {recorded.seq})"
    )


@commitment_app.command("withdraw")
@reports_errors
def commitment_withdraw(
    commitment: Annotated[str, typer.Argument(metavar="ID")],
    as_party: AsOption,
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT")],
    date: WhenOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The obligor withdraws its commitment or offer."""
    with app_for(db, keystore) as app:
        recorded = register.withdraw(
            app, commitment, as_party=as_party, reason=reason, date=date, delegate=delegate
        )
    done(
        as_json,
        {"event": recorded.to_json()},
        f"{commitment}: withdrawn by {as_party} (event {recorded.seq})",
    )


@commitment_app.command("show")
@reports_errors
def commitment_show(
    commitment: Annotated[str, typer.Argument(metavar="ID")],
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """One commitment: its text, source, status and claims."""
    with app_for(db) as app:
        view = register.commitment(app, commitment, viewer=viewer_of(viewer))
    doc = view.to_json()
    if as_json:
        emit_json({"ok": True, **doc})
        return
    for key in ("id", "obligor", "beneficiaries", "form", "source", "date", "status"):
        value = doc[key]
        out.print(
            f"{key}: {', '.join(value) if isinstance(value, list) else value}", highlight=False, markup=False
        )
    out.print(view.text, highlight=False, markup=False)
    for claim in doc["claims"]:
        out.print(f"claim {claim['id']} by {claim['by']} ({claim['date']}): {claim['status']}", markup=False)


@commitments_app.command("list")
@reports_errors
def commitments_list(
    party: Annotated[
        str | None, typer.Option("--party", metavar="PARTY", help="Only those it made or received.")
    ] = None,
    instrument: Annotated[str | None, typer.Option("--instrument", metavar="ID")] = None,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The register: every commitment the viewer may see, with its form, source and status."""
    with app_for(db) as app:
        found = register.commitments(app, viewer=viewer_of(viewer), party=party, instrument=instrument)
    if as_json:
        emit_json({"ok": True, "commitments": [v.to_json() for v in found]})
        return
    table = Table("id", "by", "toward", "form", "date", "status", "text", title="commitments")
    for v in found:
        c = v.commitment
        short = v.text if len(v.text) <= 90 else v.text[:87] + "…"
        table.add_row(
            cell(c.id),
            cell(c.obligor),
            cell(", ".join(c.beneficiaries)),
            cell(c.form),
            cell(c.date),
            cell(v.status),
            cell(short),
        )
    out.print(table)


commitment_app.command("list")(commitments_list)


@statement_app.command("record")
@reports_errors
def statement_record(
    speaker: Annotated[str, typer.Option("--speaker", metavar="NAME", help="Who spoke (name and title).")],
    party: Annotated[str, typer.Option("--party", metavar="PARTY", help="For whom.")],
    date: Annotated[str, typer.Option("--date", metavar="YYYY[-MM[-DD]]")],
    medium: Annotated[str, typer.Option("--medium", metavar="M", help="Press conference, interview, note …")],
    source: Annotated[str, typer.Option("--source", metavar="URL|CITATION")],
    quote: Annotated[str, typer.Option("--quote", metavar="TEXT", help="The words, as published.")],
    point: Annotated[
        list[str] | None,
        typer.Option("--point", metavar="VERSION#EID", help="A published point it concerns (repeat)."),
    ] = None,
    track: TrackOption = None,
    as_party: RecorderOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a public statement; commitments can then be recorded from it (`--statement ID`)."""
    with app_for(db, keystore) as app:
        sid, recorded = register.record_statement(
            app,
            speaker=speaker,
            party=party,
            date=date,
            medium=medium,
            source=source,
            quote=quote,
            points=point or [],
            as_party=as_party,
            track=track,
            delegate=delegate,
        )
    done(
        as_json,
        {"statement": sid, "event": recorded.to_json()},
        f"{sid}: statement recorded (event {recorded.seq})",
    )


@statement_app.command("list")
@reports_errors
def statement_list(
    party: Annotated[str | None, typer.Option("--party", metavar="PARTY")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every statement (they are public)."""
    with app_for(db) as app:
        found = register.statements(app, party=party)
    if as_json:
        emit_json({"ok": True, "statements": [register.statement_json(s) for s in found]})
        return
    table = Table("id", "date", "speaker", "medium", "quote", "source", title="statements")
    for s in found:
        table.add_row(
            cell(s.id), cell(s.date), cell(s.speaker), cell(s.medium), cell(s.quote), cell(s.source)
        )
    out.print(table)


@claim_app.command("file")
@reports_errors
def claim_file(
    commitment: Annotated[
        str, typer.Option("--commitment", metavar="ID", help="The commitment said broken.")
    ],
    as_party: AsOption,
    evidence: Annotated[list[str], typer.Option("--evidence", metavar="TEXT|URL", help="Evidence (repeat).")],
    text: Annotated[str, typer.Option("--text", metavar="TEXT", help="What was broken, and how.")],
    date: WhenOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Claim that a commitment was broken; it stays "not yet assessed" until answered or assessed."""
    with app_for(db, keystore) as app:
        cid, recorded = register.file_claim(
            app, commitment, as_party=as_party, text=text, evidence=evidence, date=date, delegate=delegate
        )
    done(as_json, {"claim": cid, "event": recorded.to_json()}, f"{cid}: claim filed (event {recorded.seq})")


@claim_app.command("answer")
@reports_errors
def claim_answer(
    claim: Annotated[str, typer.Argument(metavar="ID")],
    as_party: AsOption,
    answer: Annotated[str, typer.Option("--answer", metavar="A", help=" | ".join(CLAIM_ANSWERS))],
    text: Annotated[str | None, typer.Option("--text", metavar="TEXT", help="Why.")] = None,
    date: WhenOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The obligor admits, denies or explains."""
    with app_for(db, keystore) as app:
        recorded = register.answer_claim(
            app, claim, as_party=as_party, answer=answer, text=text, date=date, delegate=delegate
        )
    done(
        as_json, {"event": recorded.to_json()}, f"{claim}: {as_party} answers {answer} (event {recorded.seq})"
    )


@claim_app.command("assess")
@reports_errors
def claim_assess(
    claim: Annotated[str, typer.Argument(metavar="ID")],
    as_party: AsOption,
    finding: Annotated[str, typer.Option("--finding", metavar="F", help=" | ".join(FINDINGS))],
    text: Annotated[str | None, typer.Option("--text", metavar="TEXT", help="Why.")] = None,
    date: WhenOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """A party's finding: kept, broken or no-action (parties that disagree make it "disputed")."""
    with app_for(db, keystore) as app:
        recorded = register.assess_claim(
            app, claim, as_party=as_party, finding=finding, text=text, date=date, delegate=delegate
        )
    done(
        as_json, {"event": recorded.to_json()}, f"{claim}: {as_party} finds {finding} (event {recorded.seq})"
    )


@claim_app.command("withdraw")
@reports_errors
def claim_withdraw(
    claim: Annotated[str, typer.Argument(metavar="ID")],
    as_party: AsOption,
    text: Annotated[str | None, typer.Option("--text", metavar="TEXT", help="Why.")] = None,
    date: WhenOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The claimant withdraws its claim."""
    with app_for(db, keystore) as app:
        recorded = register.withdraw_claim(
            app, claim, as_party=as_party, text=text, date=date, delegate=delegate
        )
    done(as_json, {"event": recorded.to_json()}, f"{claim}: withdrawn (event {recorded.seq})")


@claim_app.command("list")
@reports_errors
def claim_list(
    commitment: Annotated[str | None, typer.Option("--commitment", metavar="ID")] = None,
    viewer: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Claims the viewer may see, with their status."""
    with app_for(db) as app:
        found = register.claims(app, viewer=viewer_of(viewer), commitment=commitment)
    if as_json:
        emit_json({"ok": True, "claims": [register.claim_json(c) for c in found]})
        return
    table = Table("id", "commitment", "by", "date", "status", "claim", title="claims")
    for c in found:
        table.add_row(cell(c.id), cell(c.commitment), cell(c.by), cell(c.date), cell(c.status), cell(c.text))
    out.print(table)
