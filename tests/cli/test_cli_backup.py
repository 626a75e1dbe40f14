"""`inwriting backup` and `inwriting restore` through Typer's runner: one JSON document with --json,
messages on stderr without it, a restored database that verifies with the original's root (SQLite to
PostgreSQL and back), and refusals (a target holding a log, a damaged or missing file) as one error line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import Cli, leaf_count, plain
from tests.conftest import fresh_pg_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_pg_database() as url:
        yield url


def test_backup_and_restore_with_json(cli: Cli, fresh: Cli, tmp_path: Path) -> None:
    original = cli.ok_json("log", "verify")
    file = tmp_path / "record.iwb"

    written = cli.ok_json("backup", str(file))
    assert (written["size"], written["root"]) == (original["size"], original["root"])
    assert written["counts"] == {
        "events": original["size"],
        "blobs": 0,
        "checkpoints": 1,
        "credentials": 0,
        "api_tokens": 0,
    }
    assert written["path"] == str(file) and written["bytes"] == file.stat().st_size

    restored = fresh.ok_json("restore", str(file))
    assert (restored["size"], restored["root"], restored["counts"]) == (
        written["size"],
        written["root"],
        written["counts"],
    )
    assert restored["verified"]["ok"] is True and restored["verified"]["root"] == original["root"]
    assert restored["database"].endswith(str(fresh.db))
    assert fresh.ok_json("log", "verify")["root"] == original["root"]
    assert fresh.ok_json("party", "list") == cli.ok_json("party", "list")


def test_human_messages_go_to_stderr(cli: Cli, fresh: Cli, tmp_path: Path) -> None:
    file = tmp_path / "record.iwb"
    result = cli.ok("backup", str(file))
    assert result.stdout == ""
    assert plain(result.stderr).startswith(f"wrote {file}: {leaf_count(cli)} events, 0 texts, 1 checkpoint,")
    result = fresh.ok("restore", str(file))
    assert result.stdout == ""
    assert f"restored {file} into sqlite:///" in plain(result.stderr)
    assert "verified, root" in plain(result.stderr)


def test_sqlite_to_postgresql_and_back(cli: Cli, fresh: Cli, tmp_path: Path, pg_url: str) -> None:
    root = cli.ok_json("log", "verify")["root"]
    cli.ok("backup", str(tmp_path / "one.iwb"))
    # --db names the target; the environment still names the SQLite source and must lose
    assert cli.ok_json("restore", str(tmp_path / "one.iwb"), "--db", pg_url)["root"] == root
    assert cli.ok_json("log", "verify", "--db", pg_url)["root"] == root
    cli.ok("backup", str(tmp_path / "two.iwb"), "--db", pg_url)
    assert fresh.ok_json("restore", str(tmp_path / "two.iwb"))["root"] == root
    assert fresh.ok_json("log", "verify")["root"] == root


def test_restore_refuses_a_database_that_holds_a_log(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "record.iwb"
    cli.ok("backup", str(file))
    size = leaf_count(cli)
    line = cli.fails("restore", str(file), mentions="already holds a log of")
    assert "restore only into an empty database" in line
    assert cli.fails_json("restore", str(file))["code"] == "conflict"
    assert leaf_count(cli) == size


def test_a_damaged_or_missing_file_is_refused_and_writes_nothing(
    cli: Cli, fresh: Cli, tmp_path: Path
) -> None:
    file = tmp_path / "record.iwb"
    cli.ok("backup", str(file))
    cut = tmp_path / "cut.iwb"
    cut.write_bytes(file.read_bytes()[:-40])
    fresh.fails("restore", str(cut), mentions="truncated")
    assert fresh.fails_json("restore", str(cut))["code"] == "verification_failed"
    fresh.fails("restore", str(tmp_path / "nothing.iwb"), mentions="no backup at")
    fresh.fails("restore", str(tmp_path), mentions="no backup at")
    assert not fresh.db.exists()


def test_backup_refuses_a_directory_and_an_uninitialised_database(
    cli: Cli, fresh: Cli, tmp_path: Path
) -> None:
    cli.fails("backup", str(tmp_path), mentions="is a directory")
    fresh.fails("backup", str(tmp_path / "b.iwb"), mentions="no inwriting database")
    assert not (tmp_path / "b.iwb").exists()
