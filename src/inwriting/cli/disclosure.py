"""`inwriting disclosure ...`, `publish` and `delegate ...`: who sees what, who publishes, who acts."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

import typer
from rich.table import Table

from inwriting.app import delegates as delegate_cases
from inwriting.app import disclosure
from inwriting.cli.common import (
    DbOption,
    JsonOption,
    KeystoreOption,
    app_for,
    cell,
    done,
    emit_json,
    out,
    reports_errors,
)
from inwriting.cli.negotiation import DateOption, DelegateOption
from inwriting.domain.events import PartyId
from inwriting.domain.model import ROLES

disclosure_app = typer.Typer(
    help="Publication of texts: requests not to publish, requests to publish, consents, the story.",
    no_args_is_help=True,
)
delegate_app = typer.Typer(help="People acting for a party, with a title and roles.", no_args_is_help=True)

TextArg = Annotated[str, typer.Argument(metavar="TEXT", help="A version (doc@v1) or an answer id.")]
AsParty = Annotated[str, typer.Option("--as", metavar="PARTY", help="The acting party; signs with its key.")]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", metavar="TEXT", help="Why (kept in the record).")
]


@disclosure_app.command("request-embargo")
@reports_errors
def request_embargo(
    text: TextArg,
    as_party: AsParty,
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why it should not be published.")],
    until: Annotated[str | None, typer.Option("--until", metavar="YYYY-MM-DD", help="Until when.")] = None,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """The text's owner asks that it not be published."""
    with app_for(db, keystore) as app:
        recorded = disclosure.request_embargo(
            app, text, as_party=as_party, reason=reason, until=until, date=date, delegate=delegate
        )
    done(
        as_json, {"text": text, "event": recorded.to_json()}, f"{as_party} asks that {text} not be published"
    )


@disclosure_app.command("request-publication")
@reports_errors
def request_publication(
    text: TextArg,
    as_party: AsParty,
    reason: ReasonOption = None,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask the owner's consent to publish its text."""
    with app_for(db, keystore) as app:
        recorded = disclosure.request_publication(
            app, text, as_party=as_party, reason=reason, date=date, delegate=delegate
        )
    done(as_json, {"text": text, "event": recorded.to_json()}, f"{as_party} asks to publish {text}")


def _answer(consent: bool) -> Any:
    @reports_errors
    def command(
        text: TextArg,
        as_party: AsParty,
        reason: ReasonOption = None,
        date: DateOption = None,
        delegate: DelegateOption = None,
        db: DbOption = None,
        keystore: KeystoreOption = None,
        as_json: JsonOption = False,
    ) -> None:
        with app_for(db, keystore) as app:
            recorded = disclosure.answer_request(
                app, text, as_party=as_party, consent=consent, reason=reason, date=date, delegate=delegate
            )
        word = "consents to" if consent else "refuses"
        done(
            as_json,
            {"text": text, "event": recorded.to_json()},
            f"{as_party} {word} the publication of {text}",
        )

    return command


disclosure_app.command("consent", help="The owner consents to its text's publication.")(_answer(True))
disclosure_app.command("refuse", help="The owner refuses its text's publication.")(_answer(False))


@disclosure_app.command("published-elsewhere")
@reports_errors
def published_elsewhere(
    text: TextArg,
    publisher: Annotated[str, typer.Option("--publisher", metavar="NAME", help="Who published it.")],
    source: Annotated[str, typer.Option("--source", metavar="URL", help="Where (a URL or a citation).")],
    as_party: Annotated[
        str | None,
        typer.Option("--as", metavar="PARTY", help="Who records the fact (default: the operator)."),
    ] = None,
    points: Annotated[
        str | None, typer.Option("--points", metavar="ART_1,ART_4", help="Only these points.")
    ] = None,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that a third party (a newspaper) published the text; inwriting itself publishes nothing."""
    with app_for(db, keystore) as app:
        recorded = disclosure.published_elsewhere(
            app,
            text,
            as_party=as_party,
            publisher=publisher,
            source=source,
            points=_points(points),
            date=date,
            delegate=delegate,
        )
    done(as_json, {"text": text, "event": recorded.to_json()}, f"recorded: {publisher} published {text}")


@disclosure_app.command("show")
@reports_errors
def show(
    text: TextArg,
    viewer: Annotated[
        str | None, typer.Option("--as", metavar="PARTY", help="As this party may see it.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The whole story: audience, hand-overs, requests, consents, refusals and publications."""
    with app_for(db) as app:
        found = disclosure.story(app, text, viewer=PartyId(viewer) if viewer else None).to_json()
    if as_json:
        emit_json({"ok": True, **found})
        return
    audience = found["audience"] + (
        f" ({', '.join(found['audience_parties'])})" if found["audience_parties"] else ""
    )
    out.print(cell(f"{text} by {found['owner']}: audience {audience}; track policy {found['policy']}"))
    if found["handed_to"]:
        out.print(cell(f"handed to: {', '.join(found['handed_to'])}"))
    state = "not published"
    if found["public"]:
        state = (
            "published"
            if not found["published_points"]
            else f"points published: {', '.join(found['published_points'])}"
        )
    out.print(cell(f"{state}; the owner's latest word: {found['owner_stance'] or 'none'}"))
    table = Table("date", "who", "what", "details", title=cell("requests, answers and publications"))
    events = [
        (
            a["date"],
            a["event"],
            a["party"],
            a["kind"],
            (a["reason"] or "") + (f" (until {a['until']})" if a["until"] else ""),
        )
        for a in found["acts"]
    ]
    for p in found["publications"]:
        what = "published elsewhere" if p["elsewhere"] else "published"
        details = ", ".join(
            x
            for x in (
                p["publisher"] or "",
                p["source"] or "",
                f"points {', '.join(p['points'])}" if p["points"] else "",
                "over the owner's objection" if p["over_objection"] else "",
            )
            if x
        )
        events.append((p["date"], p["event"], p["by"], what, details))
    for day, _, who, what, details in sorted(events, key=lambda e: (e[0], e[1])):
        table.add_row(cell(day), cell(who), cell(what), cell(details))
    out.print(table)


def _points(points: str | None) -> list[str]:
    return [p.strip() for p in points.split(",") if p.strip()] if points else []


@reports_errors
def publish(
    text: TextArg,
    as_party: AsParty,
    points: Annotated[
        str | None, typer.Option("--points", metavar="ART_1,ART_4", help="Only these points (default: all).")
    ] = None,
    date: DateOption = None,
    delegate: DelegateOption = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish a text (or chosen points), as the track's policy allows: refused without the owner's
    consent under `consent`; recorded with the owner's objection under `unilateral`."""
    with app_for(db, keystore) as app:
        recorded = disclosure.publish(
            app, text, as_party=as_party, points=_points(points), date=date, delegate=delegate
        )
    what = f"points {points} of {text}" if points else text
    done(
        as_json,
        {"text": text, "points": _points(points), "event": recorded.to_json()},
        f"{as_party} published {what}",
    )


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_name.lower())
    return (words[-1] if words else "delegate")[:40]


@delegate_app.command("add")
@reports_errors
def delegate_add(
    party: Annotated[str, typer.Argument(metavar="PARTY")],
    name: Annotated[str, typer.Option("--name", help="Full name, as it should appear on the record.")],
    title: Annotated[str, typer.Option("--title", help="e.g. 'Deputy Minister of Foreign Affairs'.")],
    role: Annotated[list[str], typer.Option("--role", help=f"One of {', '.join(ROLES)} (repeat).")],
    delegate_id: Annotated[
        str | None,
        typer.Option("--id", metavar="ID", help="Short id used with --delegate (default: from the name)."),
    ] = None,
    as_party: Annotated[
        str | None,
        typer.Option("--as", metavar="PARTY", help="Recorded by PARTY itself (default: the operator)."),
    ] = None,
    acting: Annotated[
        str | None, typer.Option("--delegate", metavar="ID", help="With --as: the admin delegate acting.")
    ] = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Name a person who acts for PARTY; once a party has delegates, its acts name one (--delegate ID)."""
    did = delegate_id or _slug(name)
    with app_for(db, keystore) as app:
        recorded = delegate_cases.add_delegate(
            app, party, delegate=did, name=name, title=title, roles=role, as_party=as_party, acting=acting
        )
    done(
        as_json,
        {"party": party, "delegate": did, "roles": role, "event": recorded.to_json()},
        f"{party}/{did}: {name}, {title} ({', '.join(role)})",
    )


@delegate_app.command("remove")
@reports_errors
def delegate_remove(
    party: Annotated[str, typer.Argument(metavar="PARTY")],
    delegate_id: Annotated[str, typer.Argument(metavar="ID")],
    as_party: Annotated[
        str | None,
        typer.Option("--as", metavar="PARTY", help="Recorded by PARTY itself (default: the operator)."),
    ] = None,
    acting: Annotated[
        str | None, typer.Option("--delegate", metavar="ID", help="With --as: the admin delegate acting.")
    ] = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove a delegate: it may sign nothing more for the party."""
    with app_for(db, keystore) as app:
        recorded = delegate_cases.remove_delegate(app, party, delegate_id, as_party=as_party, acting=acting)
    done(
        as_json,
        {"party": party, "delegate": delegate_id, "event": recorded.to_json()},
        f"{party}/{delegate_id} removed",
    )


@delegate_app.command("list")
@reports_errors
def delegate_list(
    party: Annotated[str | None, typer.Argument(metavar="[PARTY]")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delegates with their titles and roles."""
    with app_for(db) as app:
        found = delegate_cases.delegates(app, party)
    rows: list[dict[str, Any]] = [
        {
            "party": d.party,
            "delegate": d.id,
            "name": d.name,
            "title": d.title,
            "roles": list(d.roles),
            "active": d.removed_seq is None,
        }
        for d in found
    ]
    if as_json:
        emit_json({"ok": True, "delegates": rows})
        return
    table = Table("party", "id", "name", "title", "roles", "active", title=cell("delegates"))
    for r in rows:
        table.add_row(
            cell(r["party"]),
            cell(r["delegate"]),
            cell(r["name"]),
            cell(r["title"]),
            cell(", ".join(r["roles"])),
            cell("yes" if r["active"] else "removed"),
        )
    out.print(table)
