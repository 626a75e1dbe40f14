"""`inwriting log|checkpoint|prove|rebuild|export|reveal|verify`: read, prove and check the record."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from inwriting.app import bundles
from inwriting.app import log as log_cases
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
    plural,
    progress_bar,
    reports_errors,
    say,
)
from inwriting.errors import InvalidInput, InwritingError
from inwriting.record.bundle import verify_bundle
from inwriting.record.reveal import verify_reveal

log_app = typer.Typer(help="Show and verify the signed event log.", no_args_is_help=True)
prove_app = typer.Typer(help="Print RFC 9162 inclusion and consistency proofs.", no_args_is_help=True)


@log_app.command("show")
@reports_errors
def log_show(
    start: Annotated[int, typer.Option("--from", help="First event to show.")] = 0,
    limit: Annotated[int | None, typer.Option("--limit", help="Show at most this many.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The events, in log order."""
    if start < 0:
        raise InvalidInput("--from must not be negative")
    with app_for(db) as app:
        if as_json:
            _stream_json(log_cases.show(app, start, limit))
            return
        table = Table("seq", "time (UTC)", "type", "actor", "track", "what", title="Log")
        for event in log_cases.show(app, start, limit):
            body = event["body"]
            what = ", ".join(f"{k}={v}" for k, v in body.items() if k not in _HIDDEN_FIELDS)
            table.add_row(
                cell(event["seq"]),
                cell(event["time"][:19].replace("T", " ")),
                cell(event["type"]),
                cell(event["actor"]["party"]),
                cell(event["track"]),
                cell(what),
            )
        out.print(table)


_HIDDEN_FIELDS = ("proof", "public_key", "operator")


def _stream_json(events: Iterator[dict[str, Any]]) -> None:
    """One JSON document, streamed without holding the log in memory; "ok" comes last, so that a
    failure half-way still closes the same document (and the exit status says so)."""
    sys.stdout.write('{"events": [')
    try:
        for i, event in enumerate(events):
            sys.stdout.write(("," if i else "") + "\n  " + json.dumps(event, ensure_ascii=False))
    except InwritingError as exc:
        sys.stdout.write(f'\n], "ok": false, "error": {json.dumps(exc.to_dict(), ensure_ascii=False)}}}\n')
        err.print(Text.assemble(("error:", "bold red"), " ", str(exc)))
        raise typer.Exit(1) from None
    sys.stdout.write('\n], "ok": true}\n')


@log_app.command("verify")
@reports_errors
def log_verify(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Check signatures, chain, Merkle nodes, checkpoints and projections."""
    with app_for(db) as app, progress_bar("verifying log", as_json=as_json) as progress:
        report = log_cases.verify(app, progress)
    if as_json:
        emit_json(report.to_json())
        return
    say(
        f"{report.size} events, root {report.root}, {plural(report.checkpoints, 'checkpoint')},"
        f" {report.nodes} Merkle nodes, projections match ({report.seconds:.2f} s)",
        label="ok",
    )
    for warning in report.warnings:
        say(warning, label="note", style="yellow")


@log_app.command("rebuild")
@reports_errors
def log_rebuild(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Recreate every projection table from the log alone."""
    with app_for(db) as app, progress_bar("rebuilding", as_json=as_json) as progress:
        result = log_cases.rebuild(app, progress)
    done(
        as_json,
        {"size": result.size, "root": result.root.hex()},
        f"rebuilt projections from {result.size} events",
    )


def checkpoint(db: DbOption = None, keystore: KeystoreOption = None, as_json: JsonOption = False) -> None:
    """Sign and print a checkpoint (C2SP signed note) for the log as it stands."""
    with app_for(db, keystore) as app:
        cp = log_cases.checkpoint(app)
    if as_json:
        created = cp.created  # also signed in the note, as its `inwriting-created` line
        emit_json({"ok": True, "size": cp.size, "root": cp.root.hex(), "note": cp.note, "created": created})
    else:
        sys.stdout.write(cp.note)


@prove_app.command("inclusion")
@reports_errors
def prove_inclusion(
    index: Annotated[int, typer.Argument(metavar="N", help="The event (leaf index).")],
    size: Annotated[
        int | None, typer.Option("--size", help="Tree size (default: latest checkpoint).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Prove that event N is in the tree of the given size."""
    with app_for(db) as app:
        proof = log_cases.prove_inclusion(app, index, size)
    if as_json:
        emit_json({"ok": True, **proof.to_json()})
        return
    out.print(f"leaf {proof.index} in tree of size {proof.size}")
    out.print(f"leaf hash {proof.leaf_hash.hex()}\nroot      {proof.root.hex()}\naudit path:")
    for h in proof.path:
        out.print(f"  {h.hex()}")
    if proof.checkpoint:
        out.print("signed checkpoint:\n" + proof.checkpoint.rstrip("\n"))


@prove_app.command("consistency")
@reports_errors
def prove_consistency(
    old: Annotated[int, typer.Argument(metavar="OLD", help="The older tree size.")],
    new: Annotated[int, typer.Argument(metavar="NEW", help="The newer tree size.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Prove that the tree of size OLD is a prefix of the tree of size NEW."""
    with app_for(db) as app:
        proof = log_cases.prove_consistency(app, old, new)
    if as_json:
        emit_json({"ok": True, **proof.to_json()})
        return
    out.print(f"consistency {proof.old} -> {proof.new}")
    out.print(f"old root {proof.old_root.hex()}\nnew root {proof.new_root.hex()}\nproof:")
    for h in proof.path:
        out.print(f"  {h.hex()}")


def export(
    bundle: Annotated[Path, typer.Argument(metavar="BUNDLE", help="File to write (.gz to compress).")],
    process: Annotated[str, typer.Option("--process", help="The process to export.")],
    as_party: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="PARTY",
            help="Only what this party may see, with the texts it sees whole (default: everything).",
        ),
    ] = None,
    db: DbOption = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write one file that proves the process's record offline."""
    with app_for(db, keystore) as app:
        report = bundles.export(app, bundle, process, as_party=as_party)
    view = "" if as_party is None else f" as {as_party} sees it, {plural(report.texts, 'text')};"
    done(
        as_json,
        report.to_json(),
        f"wrote {bundle}:{view} {report.events} events in full, {report.hidden} as leaf hashes, checkpoint"
        f" at size {report.checkpoint_size}. Check it anywhere with `inwriting verify {bundle}`.",
    )


def reveal(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The version or answer to reveal.")],
    out_file: Annotated[Path, typer.Option("--out", metavar="FILE", help="The reveal file to write.")],
    as_party: ViewerOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a text with the signed event that committed to it, to check against earlier bundles."""
    with app_for(db) as app:
        written = bundles.reveal(app, out_file, text, as_party=as_party)
    done(
        as_json,
        written.to_json(),
        f"wrote {out_file}: {text}, committed at event {written.seq}. Check it against any bundle of"
        f" the log with `inwriting verify BUNDLE --reveal {out_file}`.",
    )


def verify(
    bundle: Annotated[Path, typer.Argument(metavar="BUNDLE", help="A file written by `inwriting export`.")],
    log_key: Annotated[
        str | None, typer.Option("--log-key", help="Trust only this log verifier key.")
    ] = None,
    reveal_file: Annotated[
        Path | None,
        typer.Option(
            "--reveal",
            metavar="FILE",
            help="Also check a text revealed by `inwriting reveal` against the bundle.",
        ),
    ] = None,
    checkpoint_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            metavar="FILE",
            help="A signed checkpoint of the same log from elsewhere: report a fork if the bundle"
            " contradicts it (repeatable).",
        ),
    ] = None,
    witnesses: Annotated[
        list[str] | None,
        typer.Option(
            "--witness",
            metavar="KEY",
            help="Require this witness's cosignature on the bundle's latest checkpoint (repeatable).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Verify a bundle (and a reveal against it) with no database and no network."""
    given = [(f"checkpoint {path}", _read_text(path)) for path in checkpoint_files or []]
    if reveal_file is not None and (given or witnesses):
        raise InvalidInput("--checkpoint and --witness check the bundle alone: run verify without --reveal")
    with progress_bar(f"verifying {bundle.name}", as_json=as_json) as progress:
        if reveal_file is None:
            report = verify_bundle(
                bundle,
                trusted_log_key=log_key,
                progress=progress,
                checkpoints=given,
                witnesses=witnesses or [],
            )
            revealed = None
        else:
            report, revealed = verify_reveal(bundle, reveal_file, trusted_log_key=log_key, progress=progress)
    if as_json:
        emit_json(report.to_json() | ({} if revealed is None else {"revealed": revealed.to_json()}))
        return
    texts = f", {plural(report.texts, 'text')} verified" if report.texts else ""
    say(
        f"{report.size} leaves ({report.events} events checked, {report.hidden} hidden{texts}),"
        f" {plural(report.checkpoints, 'checkpoint')}, root {report.root}",
        label="ok",
    )
    view = "" if report.party is None else f", as {report.party} sees it"
    say(f"log {report.origin}, key {report.log_key}{view} ({report.seconds:.2f} s)")
    if report.extra_checkpoints:
        say(
            f"{plural(report.extra_checkpoints, 'given checkpoint')} checked against the bundle: no fork",
            label="ok",
        )
    for note in report.beyond:
        say(note, label="note", style="yellow")
    for witness in report.cosigned_by:
        say(f"latest checkpoint cosigned by witness {witness}", label="ok")
    if revealed is not None:
        say(revealed.summary(), label="revealed")
    if log_key is None:
        say(
            "pass --log-key to pin the log's key; without it the bundle vouches for itself",
            label="note",
            style="yellow",
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc
