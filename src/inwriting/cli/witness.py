"""`inwriting witness init|add|cosign|attach`: cosign another log's checkpoints (C2SP tlog-cosignature)
only when they extend what this witness cosigned before, and keep cosignatures with the log's own."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from inwriting.app import witness as witness_cases
from inwriting.cli.common import (
    DbOption,
    JsonOption,
    KeystoreOption,
    app_for,
    done,
    emit_json,
    reports_errors,
    say,
)
from inwriting.errors import InvalidInput

witness_app = typer.Typer(
    help="Cosign logs' checkpoints as a witness, refusing forks (C2SP tlog-cosignature).",
    no_args_is_help=True,
)


def _read(path: Path) -> str:
    try:
        return sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc


@witness_app.command("init")
@reports_errors
def witness_init(
    name: Annotated[
        str, typer.Option("--name", help="The witness's name, a schema-less URL (witness.example.org/w1).")
    ],
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create this witness's Ed25519 key in the keystore and print its verifier key."""
    key = witness_cases.init(keystore, name)
    if as_json:
        emit_json({"ok": True, "name": key.name, "witness_key": key.vkey})
        return
    say(f"witness {key.name} created; its key (give it to whoever checks cosignatures):")
    sys.stdout.write(key.vkey + "\n")


def _is_url(text: str) -> bool:
    return text.strip().lower().startswith(("http://", "https://"))


@witness_app.command("add")
@reports_errors
def witness_add(
    log: Annotated[
        str,
        typer.Argument(
            metavar="URL|KEY",
            help=(
                "The log's server (http(s)://host:port; its key is read from GET /api/v1/public/log),"
                " or the log's verifier key as `inwriting init` prints it."
            ),
        ),
    ],
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Trust a log: cosign its checkpoints from now on.

    Given a URL, the key is the one the server serves: trust on first use. Compare the key printed
    here with the one the log's operator publishes."""
    if not _is_url(log):
        origin, added = witness_cases.add_log(keystore, log)
        done(
            as_json,
            {"origin": origin, "added": added},
            f"this witness {'now trusts' if added else 'already trusted'} the log {origin}",
        )
        return
    found, added = witness_cases.add_log_at(keystore, log)
    url = witness_cases.server_url(log)
    if as_json:
        emit_json({"ok": True, "origin": found.origin, "added": added, "url": url, "log_key": found.log_key})
        return
    say(f"this witness {'now trusts' if added else 'already trusted'} the log {found.origin} at {url}")
    say("its key, as the server gave it (compare it with the one its operator publishes):", label="note")
    sys.stdout.write(found.log_key + "\n")


@witness_app.command("cosign")
@reports_errors
def witness_cosign(
    checkpoint: Annotated[
        Path | None,
        typer.Argument(
            metavar="[CHECKPOINT_FILE]",
            help="The log's signed checkpoint ('-': stdin); with --url and no file, the server's newest.",
            show_default=False,
        ),
    ] = None,
    proof: Annotated[
        Path | None,
        typer.Option(
            "--proof",
            metavar="PROOF_FILE",
            help="Consistency proof from the last cosigned size (`prove consistency OLD NEW --json`).",
        ),
    ] = None,
    log_db: Annotated[
        str | None,
        typer.Option("--db", metavar="LOGDB", help="Read the consistency proof from the log's database."),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            metavar="URL",
            help="Read the checkpoint (unless a file is given) and the proof from the log's server.",
        ),
    ] = None,
    keystore: KeystoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cosign a checkpoint if it extends the last one this witness cosigned; print the cosigned note."""
    if sum(x is not None for x in (proof, log_db, url)) > 1:
        raise InvalidInput("give one of --proof, --db and --url")
    if checkpoint is None and url is None:
        raise InvalidInput("give a CHECKPOINT_FILE, or --url URL to cosign the server's newest checkpoint")
    if checkpoint is None and url is not None:
        result = witness_cases.cosign_at(keystore, url)
    else:
        assert checkpoint is not None
        server = None if url is None else witness_cases.server_url(url)
        source = witness_cases.ProofSource(None if proof is None else _read(proof), log_db, server)
        result = witness_cases.cosign(keystore, _read(checkpoint), source)
    if as_json:
        emit_json({"ok": True, **result.to_json()})
        return
    sys.stdout.write(result.note)
    before = "first checkpoint seen" if result.previous is None else f"extends size {result.previous[0]}"
    say(f"cosigned {result.origin} at size {result.size} ({before})", label="ok")


@witness_app.command("attach")
@reports_errors
def witness_attach(
    cosigned: Annotated[
        Path, typer.Argument(metavar="COSIGNED_FILE", help="A checkpoint as `witness cosign` printed it.")
    ],
    witness_key: Annotated[
        str, typer.Option("--witness", metavar="KEY", help="The witness's key, as `witness init` printed it.")
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keep a witness's cosignature with this log's checkpoint, so that bundles carry it."""
    with app_for(db) as app:
        result = witness_cases.attach(app, _read(cosigned), witness_key)
    done(
        as_json,
        result.to_json(),
        f"kept the cosignature of {result.witness} on the checkpoint at size {result.size}",
    )
