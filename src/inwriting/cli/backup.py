"""`inwriting backup|restore`: the whole record to one file, and back into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inwriting.app import backup as backup_cases
from inwriting.cli.common import (
    DbOption,
    JsonOption,
    app_for,
    done,
    plural,
    progress_bar,
    reports_errors,
    say,
)


@reports_errors
def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The backup file to write (gzip).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the whole record to one file: every event, text, checkpoint and credential.

    One snapshot, so the log may keep growing meanwhile. Private keys are not in it: keep the
    keystore safe apart. The file holds password and token hashes: keep it as safe as the database.
    """
    with app_for(db) as app, progress_bar("backing up", as_json=as_json) as progress:
        report = backup_cases.backup(app, file, progress)
    counts = report.counts
    done(
        as_json,
        report.to_json(),
        f"wrote {file}: {plural(report.size, 'event')}, {plural(counts['blobs'], 'text')},"
        f" {plural(counts['checkpoints'], 'checkpoint')}, {plural(counts['credentials'], 'password')}"
        f" and {plural(counts['api_tokens'], 'token')}; root {report.root}; {report.bytes:,} bytes in"
        f" {report.seconds:.2f} s. Restore it with `inwriting restore {file} --db TARGET`.",
    )


@reports_errors
def restore(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by `inwriting backup`.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Restore a backup into an empty database (SQLite or PostgreSQL, from either).

    The file is checked whole first (a truncated or altered file is refused); then one transaction
    writes the record, rebuilds what derives from it and runs `log verify`, and commits only if that
    passes. A database that already holds a log is refused.
    """
    with progress_bar("restoring", as_json=as_json) as progress:
        report = backup_cases.restore(file, db, progress)
    counts = report.counts
    done(
        as_json,
        report.to_json(),
        f"restored {file} into {report.database}: {plural(report.size, 'event')},"
        f" {plural(counts['blobs'], 'text')}, {plural(counts['checkpoints'], 'checkpoint')},"
        f" {plural(counts['credentials'], 'password')} and {plural(counts['api_tokens'], 'token')};"
        f" verified, root {report.root} ({report.seconds:.2f} s)",
    )
    if not as_json:
        for warning in report.verified.warnings:
            say(warning, label="note", style="yellow")
