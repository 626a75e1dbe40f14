"""`inwriting party|key|process|track ...`: who negotiates, with which keys, where."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from inwriting.app import registry
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
    say,
)

party_app = typer.Typer(
    help="Register and list parties (states, alliances, organisations, companies).", no_args_is_help=True
)
key_app = typer.Typer(help="Create and revoke parties' Ed25519 signing keys.", no_args_is_help=True)
process_app = typer.Typer(help="Create negotiation processes.", no_args_is_help=True)
track_app = typer.Typer(
    help="Create tracks (bilateral, alliance, multilateral forum) within a process.", no_args_is_help=True
)


@party_app.command("add")
@reports_errors
def party_add(
    party_id: Annotated[str, typer.Argument(metavar="ID", help="Short id, e.g. RU, US, NATO.")],
    name: Annotated[str, typer.Option("--name", help="Full name as it appears in texts.")],
    kind: Annotated[str, typer.Option("--kind", help="state|alliance|organisation|company|person")] = "state",
    member: Annotated[
        list[str] | None, typer.Option("--member", metavar="PARTY", help="A member party (repeat).")
    ] = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a party (signed by the instance operator)."""
    with app_for(db, keystore) as app:
        recorded = registry.register_party(app, party_id, name, kind, member or [])
    done(
        as_json,
        {"party": party_id, "event": recorded.to_json()},
        f"registered {party_id} ({name}, {kind}) as event {recorded.seq}",
    )


@party_app.command("list")
@reports_errors
def party_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List parties with their members and keys."""
    with app_for(db) as app:
        views = registry.list_parties(app)
    if as_json:
        emit_json({"ok": True, "parties": [v.to_json() for v in views]})
        return
    table = Table("id", "name", "kind", "members", "active keys", title="Parties")
    for v in views:
        active = [k["key_id"] for k in v.keys if k["revoked_seq"] is None]
        table.add_row(
            cell(v.party.id),
            cell(v.party.name),
            cell(v.party.kind),
            cell(", ".join(v.party.members)),
            cell("\n".join(active)),
        )
    out.print(table)


@key_app.command("new")
@reports_errors
def key_new(
    party: Annotated[str, typer.Argument(help="The party the key signs for.")],
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Generate an Ed25519 key; the private key stays in the local keystore."""
    with app_for(db, keystore) as app:
        new = registry.new_key(app, party)
    done(
        as_json,
        new.to_json(),
        f"key {new.key_id} added for {party} (event {new.event.seq}); private key in {new.keystore_file}",
    )


@key_app.command("revoke")
@reports_errors
def key_revoke(
    party: Annotated[str, typer.Argument(help="The party that holds the key.")],
    key_id: Annotated[str, typer.Argument(help="The key id, e.g. ed25519:0123456789abcdef.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the log).")] = "revoked",
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a key: events it signs from now on are refused."""
    with app_for(db, keystore) as app:
        recorded = registry.revoke_key(app, party, key_id, reason)
    done(
        as_json,
        {"party": party, "key_id": key_id, "event": recorded.to_json()},
        f"key {key_id} of {party} revoked (event {recorded.seq})",
    )


@process_app.command("new")
@reports_errors
def process_new(
    process_id: Annotated[str, typer.Argument(metavar="ID", help="Short id, e.g. security-guarantees.")],
    title: Annotated[str, typer.Option("--title", help="What the process is about.")],
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a process that groups tracks."""
    with app_for(db, keystore) as app:
        recorded = registry.new_process(app, process_id, title)
    done(
        as_json,
        {"process": process_id, "event": recorded.to_json()},
        f"process {process_id} created (event {recorded.seq})",
    )


@process_app.command("list")
@reports_errors
def process_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List processes and their tracks."""
    with app_for(db) as app:
        rows = registry.list_processes(app)
    if as_json:
        emit_json(
            {
                "ok": True,
                "processes": [
                    {
                        "id": p.id,
                        "title": p.title,
                        "tracks": [
                            {"id": t.id, "forum": t.forum, "parties": list(t.parties), "status": t.status}
                            for t in tracks
                        ],
                    }
                    for p, tracks in rows
                ],
            }
        )
        return
    table = Table("process", "track", "forum", "parties", title="Processes")
    for p, tracks in rows:
        table.add_row(cell(f"{p.id}\n{p.title}"), "", "", "")
        for t in tracks:
            table.add_row("", cell(t.id), cell(t.forum), cell(", ".join(t.parties)))
    out.print(table)


@track_app.command("new")
@reports_errors
def track_new(
    track_id: Annotated[str, typer.Argument(metavar="ID", help="Short id, e.g. ru-us.")],
    process: Annotated[str, typer.Option("--process", help="The process it belongs to.")],
    forum: Annotated[str, typer.Option("--forum", help="e.g. 'Bilateral talks, Geneva'.")],
    party: Annotated[
        list[str],
        typer.Option("--party", metavar="PARTY", help="A party to the track (repeat, two or more)."),
    ],
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            help="Publishing another party's text: consent (needs its consent) | unilateral (objection kept)",
        ),
    ] = "consent",
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a track (negotiation) with its forum, parties and publication policy."""
    with app_for(db, keystore) as app:
        recorded = registry.new_track(app, track_id, process, forum, party, policy)
    if as_json:
        emit_json({"ok": True, "track": track_id, "policy": policy, "event": recorded.to_json()})
    else:
        say(f"track {track_id} created in {process}, publication policy {policy} (event {recorded.seq})")


@track_app.command("policy")
@reports_errors
def track_policy(
    track_id: Annotated[str, typer.Argument(metavar="ID")],
    policy: Annotated[str, typer.Argument(metavar="consent|unilateral")],
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change whether publishing another party's text on this track needs its consent."""
    with app_for(db, keystore) as app:
        recorded = registry.set_track_policy(app, track_id, policy)
    done(
        as_json,
        {"track": track_id, "policy": policy, "event": recorded.to_json()},
        f"track {track_id}: policy {policy}",
    )
