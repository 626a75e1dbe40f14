"""The `inwriting` command: a thin layer over the application services."""

from __future__ import annotations

from typing import Annotated

import typer

from inwriting import __version__
from inwriting.app import setup
from inwriting.cli import logcmds, negotiation, redline, serve
from inwriting.cli.accounts import account_app
from inwriting.cli.alignment import align_app
from inwriting.cli.backup import backup, restore
from inwriting.cli.common import DbOption, JsonOption, KeystoreOption, emit_json, reports_errors, say
from inwriting.cli.disclosure import delegate_app, disclosure_app, publish
from inwriting.cli.drafts import draft_app
from inwriting.cli.instruments import instrument_app, notes_app
from inwriting.cli.register import claim_app, commitment_app, commitments_app, statement_app
from inwriting.cli.registry import key_app, party_app, process_app, track_app
from inwriting.cli.talks import meeting_app, precondition_app
from inwriting.cli.witness import witness_app

app = typer.Typer(
    name="inwriting",
    help="The system of record for written commitments between parties.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(party_app, name="party")
app.add_typer(key_app, name="key")
app.add_typer(process_app, name="process")
app.add_typer(track_app, name="track")
app.add_typer(draft_app, name="draft")
for command in (negotiation.handover, negotiation.receipt, negotiation.answer, negotiation.status):
    app.command(command.__name__)(command)
app.command("due")(negotiation.due)
app.command("redline")(redline.redline)
app.command("matrix")(negotiation.matrix)
app.add_typer(align_app, name="align")
app.add_typer(disclosure_app, name="disclosure")
app.command("publish")(publish)
app.add_typer(delegate_app, name="delegate")
app.add_typer(account_app, name="account")
app.add_typer(meeting_app, name="meeting")
app.add_typer(precondition_app, name="precondition")
app.add_typer(instrument_app, name="instrument")
app.add_typer(notes_app, name="notes")
app.add_typer(commitment_app, name="commitment")
app.add_typer(commitments_app, name="commitments")
app.add_typer(statement_app, name="statement")
app.add_typer(claim_app, name="claim")
app.add_typer(logcmds.log_app, name="log")
app.add_typer(logcmds.prove_app, name="prove")
app.add_typer(witness_app, name="witness")
app.command("checkpoint")(reports_errors(logcmds.checkpoint))
app.command("export")(reports_errors(logcmds.export))
app.command("verify")(reports_errors(logcmds.verify))
app.command("reveal")(reports_errors(logcmds.reveal))
app.command("rebuild")(reports_errors(logcmds.log_rebuild))
app.command("backup")(backup)
app.command("restore")(restore)
app.command("serve")(serve.serve)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"inwriting {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Every proposal, answer and signature as a signed event in an append-only Merkle log."""


@app.command("init")
@reports_errors
def init(
    db: DbOption = None,
    keystore: KeystoreOption = None,
    origin: Annotated[str | None, typer.Option("--origin", help="Log name for checkpoints.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create or migrate the database (default ./inwriting.db) and start the log."""
    result = setup.init(db, keystore, origin=origin)
    if as_json:
        emit_json({"ok": True, **result.to_json()})
        return
    if result.created:
        say(f"created the log {result.origin} in {result.database}")
        say(f"log verifier key (give it to anyone who verifies): {result.log_key}")
        say(f"operator and log private keys: {result.keystore}")
    else:
        say(
            f"database {result.database} is at schema {result.revision}"
            + (
                f" (migrated from {result.revision_before})"
                if result.revision_before != result.revision
                else ""
            )
        )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
