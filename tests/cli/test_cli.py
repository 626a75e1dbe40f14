"""The `inwriting` command end to end through Typer's runner, on real SQLite files in tmp_path.

What a user relies on: exit 0 on success and 1 on failure, exactly one JSON document on stdout with
--json (an {ok: false, error} envelope when it fails), a one-line `error:` on stderr and no traceback,
and proofs, checkpoints and bundles that check out with the record module's own verifiers.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from inwriting.cli.main import app
from inwriting.record import merkle
from inwriting.record.note import NoteSigner

ORIGIN = "test.inwriting.local/log"
SIZE = 12  # events in the built record: genesis, 5 parties, 2 keys, 2 processes, 2 tracks
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

runner = CliRunner()


def plain(text: str) -> str:
    # The Rich consoles pick a colour system when first imported; under `pytest -s` on a terminal
    # that may be colour, so compare text without escape codes.
    return ANSI.sub("", text)


def describe(result: Result) -> str:
    return f"exit {result.exit_code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def one_json(result: Result) -> Any:
    """Exactly one JSON document on stdout (json.loads refuses trailing data)."""
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"stdout is not one JSON document ({exc})\n{describe(result)}") from None


@dataclass(frozen=True)
class Cli:
    """Runs `inwriting` against one database file and keystore, given through the environment."""

    db: Path
    keys: Path

    def invoke(self, *args: str) -> Result:
        # COLUMNS: Rich wraps table cells at the console width; wide, so whole names can be found.
        env = {"INWRITING_DATABASE_URL": str(self.db), "INWRITING_KEYSTORE": str(self.keys), "COLUMNS": "200"}
        return runner.invoke(app, list(args), env=env)

    def ok(self, *args: str) -> Result:
        result = self.invoke(*args)
        assert result.exit_code == 0, describe(result)
        assert result.exception is None, describe(result)
        return result

    def ok_json(self, *args: str) -> Any:
        document = one_json(self.ok(*args, "--json"))
        assert document["ok"] is True, document
        return document

    def fails(self, *args: str, mentions: str = "") -> str:
        """Exit 1 with one `error:` line (returned); with --json also one {ok: false} envelope."""
        result = self.invoke(*args)
        error_line = assert_failed(result, mentions)
        result = self.invoke(*args, "--json")
        assert_failed(result, mentions)
        envelope = one_json(result)
        assert envelope["ok"] is False, envelope
        assert set(envelope["error"]) >= {"code", "message"}, envelope
        assert envelope["error"]["code"] and envelope["error"]["message"], envelope
        assert envelope["error"]["message"] in error_line  # the same explanation both ways
        return error_line

    def fails_json(self, *args: str) -> dict[str, Any]:
        result = self.invoke(*args, "--json")
        assert_failed(result, "")
        envelope = one_json(result)
        assert envelope["ok"] is False
        error: dict[str, Any] = envelope["error"]
        return error


def assert_failed(result: Result, mentions: str) -> str:
    assert result.exit_code == 1, describe(result)
    # Our error path ends in typer.Exit(1); anything else escaping is a crash.
    assert isinstance(result.exception, SystemExit), describe(result)
    assert "Traceback" not in result.output, describe(result)
    lines = plain(result.stderr).strip().splitlines()
    assert len(lines) == 1, describe(result)
    assert lines[0].startswith("error: "), describe(result)
    assert mentions in lines[0], describe(result)
    return lines[0]


def leaf_count(cli: Cli) -> int:
    return int(cli.ok_json("log", "verify")["size"])


# ---- a populated record, built once through the CLI and copied for each test ---------------------


def build(cli: Cli) -> None:
    cli.ok("init", "--origin", ORIGIN)
    for party, name in [
        ("RU", "Russian Federation"),
        ("US", "United States of America"),
        ("DE", "Federal Republic of Germany"),
        ("PL", "Republic of Poland"),
    ]:
        cli.ok("party", "add", party, "--name", name)
    cli.ok(
        *shlex.split(
            "party add NATO --name 'North Atlantic Treaty Organization' --kind alliance"
            " --member US --member DE --member PL"
        )
    )
    cli.ok("key", "new", "RU")
    cli.ok("key", "new", "US")
    cli.ok("process", "new", "sg", "--title", "Security guarantees")
    cli.ok(*shlex.split("track new ru-us --process sg --forum 'Bilateral, Geneva' --party RU --party US"))
    cli.ok("process", "new", "other", "--title", "Another process")
    cli.ok(
        *shlex.split("track new nrc --process other --forum 'NATO-Russia Council' --party RU --party NATO")
    )
    cli.ok("checkpoint")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built")
    build(Cli(root / "inwriting.db", root / "keys"))
    return root


@pytest.fixture
def cli(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)  # a command that ignored --db would show up as ./inwriting.db
    copy = tmp_path / "record"
    shutil.copytree(built, copy)
    return Cli(copy / "inwriting.db", copy / "keys")


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    return Cli(tmp_path / "fresh.db", tmp_path / "fresh-keys")


# ---- init ----------------------------------------------------------------------------------------


def test_init_creates_once_with_explicit_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db, keys = tmp_path / "explicit.db", tmp_path / "explicit-keys"
    args = ["--db", str(db), "--keystore", str(keys)]
    env = {
        "INWRITING_DATABASE_URL": str(tmp_path / "not-this.db"),
        "INWRITING_KEYSTORE": str(tmp_path / "nk"),
    }

    first = runner.invoke(app, ["init", *args, "--origin", ORIGIN], env=env)
    assert first.exit_code == 0, describe(first)
    assert first.stdout == ""  # human messages go to stderr
    assert f"created the log {ORIGIN}" in plain(first.stderr)
    assert db.is_file() and (keys / "@operator").is_dir() and (keys / "@log").is_dir()

    second = runner.invoke(app, ["init", *args], env=env)
    assert second.exit_code == 0, describe(second)
    assert "created" not in plain(second.stderr)
    assert "is at schema" in plain(second.stderr)

    again = runner.invoke(app, ["init", *args, "--json"], env=env)
    assert again.exit_code == 0, describe(again)
    document = one_json(again)
    assert document["ok"] is True and document["created"] is False
    assert document["origin"] == ORIGIN and document["log_key"].startswith(ORIGIN + "+")
    assert not (tmp_path / "not-this.db").exists()  # the flags win over the environment


def test_init_json_reports_the_new_log(fresh: Cli) -> None:
    document = fresh.ok_json("init", "--origin", ORIGIN)
    assert document["created"] is True
    assert document["origin"] == ORIGIN
    assert fresh.ok_json("log", "verify")["size"] == 1  # the genesis event


def test_init_refuses_to_change_the_origin(cli: Cli) -> None:
    cli.fails("init", "--origin", "elsewhere.example/log", mentions=ORIGIN)


# ---- parties and keys ----------------------------------------------------------------------------


def test_party_list_json_shows_alliance_members_and_keys(cli: Cli) -> None:
    parties = {p["id"]: p for p in cli.ok_json("party", "list")["parties"]}
    assert list(parties) == ["RU", "US", "DE", "PL", "NATO"]
    assert parties["NATO"]["kind"] == "alliance"
    assert parties["NATO"]["members"] == ["US", "DE", "PL"]
    assert parties["PL"]["kind"] == "state" and parties["PL"]["keys"] == []
    assert [k["revoked_seq"] for k in parties["RU"]["keys"]] == [None]


def test_party_list_table(cli: Cli) -> None:
    result = cli.ok("party", "list")
    for text in ("Parties", "NATO", "North Atlantic Treaty Organization", "alliance"):
        assert text in plain(result.stdout)


def test_party_add_json_names_the_event(cli: Cli) -> None:
    size = leaf_count(cli)
    document = cli.ok_json("party", "add", "FR", "--name", "French Republic")
    assert document["party"] == "FR"
    assert document["event"]["seq"] == size
    assert document["event"]["type"] == "party.registered"
    assert document["event"]["leaf_hash"].startswith("sha256:")


def test_duplicate_party_is_refused(cli: Cli) -> None:
    size = leaf_count(cli)
    line = cli.fails("party", "add", "RU", "--name", "Russia again", mentions="RU")
    assert "already" in line
    assert cli.fails_json("party", "add", "RU", "--name", "Russia again")["code"] == "conflict"
    assert leaf_count(cli) == size  # nothing was appended


def test_bidi_override_in_a_party_name_is_refused(cli: Cli) -> None:
    spoof = "Republic of \u202eairotciV"
    cli.fails("party", "add", "XX", "--name", spoof, mentions="U+202E")
    assert cli.fails_json("party", "add", "XX", "--name", spoof)["code"] == "invalid_input"
    assert "XX" not in [p["id"] for p in cli.ok_json("party", "list")["parties"]]


def test_key_new_keeps_the_private_key_in_the_keystore(cli: Cli) -> None:
    document = cli.ok_json("key", "new", "DE")
    assert document["party"] == "DE" and document["key_id"].startswith("ed25519:")
    assert document["event"]["type"] == "key.added"
    keyfile = Path(document["keystore_file"])
    assert keyfile.is_file() and keyfile.is_relative_to(cli.keys)
    assert keyfile.stat().st_mode & 0o077 == 0  # readable by the owner only
    assert json.loads(keyfile.read_text(encoding="utf-8"))["key_id"] == document["key_id"]
    human = cli.ok("key", "new", "DE")
    assert "added for DE" in plain(human.stderr)


def test_key_new_for_an_unknown_party_is_refused_and_leaves_no_key(cli: Cli) -> None:
    size = leaf_count(cli)
    cli.fails("key", "new", "ZZ", mentions="ZZ")
    assert not (cli.keys / "ZZ").exists()
    assert leaf_count(cli) == size


def test_key_revoke(cli: Cli) -> None:
    [ru] = [p for p in cli.ok_json("party", "list")["parties"] if p["id"] == "RU"]
    key_id = ru["keys"][0]["key_id"]
    result = cli.ok("key", "revoke", "RU", key_id, "--reason", "compromised")
    assert f"key {key_id} of RU revoked" in plain(result.stderr)
    [ru] = [p for p in cli.ok_json("party", "list")["parties"] if p["id"] == "RU"]
    assert ru["keys"][0]["revoked_seq"] is not None
    assert ru["keys"][0]["revoked_reason"] == "compromised"
    cli.fails("key", "revoke", "RU", key_id, mentions=key_id)  # not twice


# ---- processes and tracks ------------------------------------------------------------------------


def test_process_list_json_shows_tracks_and_parties(cli: Cli) -> None:
    processes = {p["id"]: p for p in cli.ok_json("process", "list")["processes"]}
    assert processes["sg"]["title"] == "Security guarantees"
    [track] = processes["sg"]["tracks"]
    assert track == {"id": "ru-us", "forum": "Bilateral, Geneva", "parties": ["RU", "US"], "status": "open"}
    assert [t["parties"] for t in processes["other"]["tracks"]] == [["RU", "NATO"]]


def test_process_new_and_track_new_with_repeated_parties(cli: Cli) -> None:
    assert cli.ok_json("process", "new", "arms", "--title", "Arms control")["process"] == "arms"
    created = cli.ok_json(
        *shlex.split(
            "track new p5 --process arms --forum 'Five powers, Vienna' --party RU --party US --party DE"
        )
    )
    assert created["track"] == "p5" and created["event"]["type"] == "track.created"
    [arms] = [p for p in cli.ok_json("process", "list")["processes"] if p["id"] == "arms"]
    assert arms["tracks"][0]["parties"] == ["RU", "US", "DE"]
    table = plain(cli.ok("process", "list").stdout)
    assert "Arms control" in table and "p5" in table


def test_track_in_an_unknown_process_is_refused(cli: Cli) -> None:
    cli.fails("track", "new", "t", "--process", "nope", "--forum", "F", "--party", "RU", "--party", "US")


# ---- log show, verify, rebuild -------------------------------------------------------------------


def test_log_show_json(cli: Cli) -> None:
    events = cli.ok_json("log", "show")["events"]
    assert [e["seq"] for e in events] == list(range(leaf_count(cli)))
    assert events[0]["type"] == "log.genesis"
    assert events[1]["body"]["party"] == "RU"
    assert all(e["leaf_hash"].startswith("sha256:") for e in events)


def test_log_show_from_and_limit(cli: Cli) -> None:
    events = cli.ok_json("log", "show", "--from", "2", "--limit", "3")["events"]
    assert [e["seq"] for e in events] == [2, 3, 4]
    assert cli.ok_json("log", "show", "--from", "1000")["events"] == []


def test_log_show_table(cli: Cli) -> None:
    table = plain(cli.ok("log", "show", "--limit", "3").stdout)
    assert "party.registered" in table and "Russian Federation" in table


def test_log_verify(cli: Cli) -> None:
    report = cli.ok_json("log", "verify")
    assert report["size"] == SIZE
    assert report["checkpoints"] == 1 and report["latest_checkpoint"] == SIZE and report["uncovered"] == 0
    assert report["warnings"] == []
    human = cli.ok("log", "verify")
    assert human.stdout == ""
    assert plain(human.stderr).startswith(f"ok: {SIZE} events, root {report['root']}")


def test_log_verify_notes_events_after_the_checkpoint(cli: Cli) -> None:
    cli.ok("party", "add", "FR", "--name", "French Republic")
    report = cli.ok_json("log", "verify")
    assert report["uncovered"] == 1
    [warning] = report["warnings"]
    assert "after the latest checkpoint" in warning


@pytest.mark.parametrize("command", [["log", "rebuild"], ["rebuild"]])
def test_rebuild(cli: Cli, command: list[str]) -> None:
    before = cli.ok_json("log", "verify")
    rebuilt = cli.ok_json(*command)
    assert (rebuilt["size"], rebuilt["root"]) == (before["size"], before["root"])
    assert f"rebuilt projections from {SIZE} events" in plain(cli.ok(*command).stderr)
    assert cli.ok_json("log", "verify")["root"] == before["root"]
    assert len(cli.ok_json("party", "list")["parties"]) == 5


def test_tampered_event_is_named_by_log_verify(cli: Cli) -> None:
    with sqlite3.connect(cli.db) as conn:
        (data,) = conn.execute("SELECT event_bytes FROM log_entries WHERE seq = 6").fetchone()
        changed = bytearray(data)
        changed[len(changed) // 2] ^= 0x01
        conn.execute("UPDATE log_entries SET event_bytes = ? WHERE seq = 6", (bytes(changed),))
    conn.close()
    cli.fails("log", "verify", mentions="event 6")
    error = cli.fails_json("log", "verify")
    assert error["code"] == "verification_failed"
    assert error["where"] == "event 6"


# ---- checkpoints and proofs ----------------------------------------------------------------------


def test_checkpoint_prints_a_signed_note(cli: Cli) -> None:
    note = cli.ok("checkpoint").stdout
    origin, size, root_b64, created, blank, signature, end = note.split("\n")
    assert (origin, size, blank, end) == (ORIGIN, str(SIZE), "", "")
    assert signature.startswith(f"— {ORIGIN} ")
    document = cli.ok_json("checkpoint")
    assert created == f"inwriting-created {document['created']}"  # signed, so `log verify` holds it
    assert document["size"] == SIZE
    assert document["note"] == note
    assert base64.b64decode(root_b64).hex() == document["root"] == cli.ok_json("log", "verify")["root"]


def test_checkpoint_follows_the_log(cli: Cli) -> None:
    cli.ok("party", "add", "FR", "--name", "French Republic")
    document = cli.ok_json("checkpoint")
    assert document["size"] == SIZE + 1
    assert cli.ok_json("log", "verify")["checkpoints"] == 2


def test_inclusion_proof_verifies_against_the_checkpoint(cli: Cli) -> None:
    checkpoint = cli.ok_json("checkpoint")
    for index in (0, 6, SIZE - 1):
        proof = cli.ok_json("prove", "inclusion", str(index))
        assert (proof["index"], proof["size"]) == (index, checkpoint["size"])
        assert proof["root"] == checkpoint["root"]
        assert proof["checkpoint"] == checkpoint["note"]
        merkle.verify_inclusion(
            bytes.fromhex(proof["leaf_hash"]),
            index,
            checkpoint["size"],
            [bytes.fromhex(h) for h in proof["path"]],
            bytes.fromhex(checkpoint["root"]),
        )
    event = cli.ok_json("log", "show", "--from", "6", "--limit", "1")["events"][0]
    assert event["leaf_hash"] == "sha256:" + cli.ok_json("prove", "inclusion", "6")["leaf_hash"]
    human = plain(cli.ok("prove", "inclusion", "6").stdout)
    assert f"leaf 6 in tree of size {SIZE}" in human and "signed checkpoint:" in human


def test_inclusion_in_an_older_tree_and_consistency_with_the_checkpoint(cli: Cli) -> None:
    checkpoint = cli.ok_json("checkpoint")
    old = cli.ok_json("prove", "inclusion", "3", "--size", "7")
    assert old["size"] == 7 and old["checkpoint"] is None
    path = [bytes.fromhex(h) for h in old["path"]]
    merkle.verify_inclusion(bytes.fromhex(old["leaf_hash"]), 3, 7, path, bytes.fromhex(old["root"]))

    consistency = cli.ok_json("prove", "consistency", "7", str(SIZE))
    assert (consistency["old"], consistency["new"]) == (7, SIZE)
    assert consistency["old_root"] == old["root"]
    assert consistency["new_root"] == checkpoint["root"]
    merkle.verify_consistency(
        7,
        SIZE,
        bytes.fromhex(old["root"]),
        bytes.fromhex(checkpoint["root"]),
        [bytes.fromhex(h) for h in consistency["path"]],
    )
    assert f"consistency 7 -> {SIZE}" in plain(cli.ok("prove", "consistency", "7", str(SIZE)).stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["prove", "inclusion", str(SIZE)],
        ["prove", "inclusion", "2", "--size", "99"],
        ["prove", "consistency", "9", "3"],
        ["prove", "consistency", "3", "99"],
    ],
)
def test_proofs_outside_the_log_are_refused(cli: Cli, args: Sequence[str]) -> None:
    cli.fails(*args)


# ---- bundles -------------------------------------------------------------------------------------


@pytest.fixture
def bundle(cli: Cli) -> Path:
    path = cli.db.parent / "sg.bundle"
    report = cli.ok_json("export", str(path), "--process", "sg")
    assert report["process"] == "sg" and report["size"] == SIZE
    assert report["events"] + report["hidden"] == SIZE and report["hidden"] > 0
    assert path.is_file()
    return path


def log_key(cli: Cli) -> str:
    return str(cli.ok_json("init")["log_key"])


def test_export_human_message(cli: Cli) -> None:
    path = cli.db.parent / "sg.bundle.gz"
    result = cli.ok("export", str(path), "--process", "sg")
    assert result.stdout == ""
    assert f"wrote {path}" in plain(result.stderr)
    assert path.read_bytes()[:2] == b"\x1f\x8b"  # .gz compresses


def test_export_of_an_unknown_process_is_refused(cli: Cli) -> None:
    path = cli.db.parent / "nope.bundle"
    cli.fails("export", str(path), "--process", "nope", mentions="nope")
    assert not path.exists()


def test_verify_bundle(cli: Cli, bundle: Path) -> None:
    report = cli.ok_json("verify", str(bundle))
    assert report["size"] == SIZE
    assert report["root"].removeprefix("sha256:") == cli.ok_json("log", "verify")["root"]
    human = plain(cli.ok("verify", str(bundle)).stderr)
    assert human.startswith(f"ok: {SIZE} leaves") and "--log-key" in human


def test_verify_bundle_with_the_right_log_key(cli: Cli, bundle: Path) -> None:
    key = log_key(cli)
    report = cli.ok_json("verify", str(bundle), "--log-key", key)
    assert report["log_key"] == key
    assert "--log-key" not in plain(cli.ok("verify", str(bundle), "--log-key", key).stderr)


def test_verify_bundle_with_a_wrong_log_key_fails(cli: Cli, bundle: Path) -> None:
    impostor = NoteSigner(ORIGIN, bytes(range(32))).vkey  # same log name, another key
    assert impostor != log_key(cli)
    cli.fails("verify", str(bundle), "--log-key", impostor)
    assert cli.fails_json("verify", str(bundle), "--log-key", impostor)["code"] == "verification_failed"


def test_verify_tampered_bundle_fails(cli: Cli, bundle: Path) -> None:
    text = bundle.read_text(encoding="utf-8")
    assert "Security guarantees" in text
    bundle.write_text(text.replace("Security guarantees", "Security guarantees!", 1), encoding="utf-8")
    cli.fails("verify", str(bundle))
    assert cli.fails_json("verify", str(bundle))["code"] == "verification_failed"


def test_verify_missing_bundle_fails(cli: Cli) -> None:
    cli.fails("verify", str(cli.db.parent / "absent.bundle"), mentions="absent.bundle")


# ---- no database ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["party", "list"],
        ["party", "add", "RU", "--name", "Russian Federation"],
        ["key", "new", "RU"],
        ["process", "list"],
        ["log", "show"],
        ["log", "verify"],
        ["rebuild"],
        ["checkpoint"],
        ["prove", "inclusion", "0"],
        ["export", "out.bundle", "--process", "sg"],
    ],
)
def test_commands_on_a_missing_database_fail_without_creating_it(fresh: Cli, args: list[str]) -> None:
    fresh.fails(*args, mentions="inwriting init")
    assert not fresh.db.exists() and not fresh.keys.exists()
    assert not Path(f"{fresh.db}-wal").exists()
    assert not (fresh.db.parent / "inwriting.db").exists()
    assert not (fresh.db.parent / "out.bundle").exists()


# ---- known bugs (strict: these start failing once fixed; then drop the marker) -------------------


def test_square_brackets_in_a_name_are_printed_as_text(cli: Cli) -> None:
    result = cli.invoke("party", "add", "FR", "--name", "République [/] française")
    assert result.exit_code == 0, describe(result)
    assert "[/]" in cli.ok("party", "list").stdout


def test_square_brackets_in_an_error_message_are_printed_as_text(cli: Cli) -> None:
    cli.fails("key", "new", "[/]")


def test_log_show_json_failure_is_one_document(cli: Cli) -> None:
    assert cli.fails_json("log", "show", "--from", "-1")["code"] == "invalid_input"


def test_a_file_that_is_not_a_database_gives_an_error(fresh: Cli) -> None:
    fresh.db.write_text("not a database\n", encoding="utf-8")
    fresh.fails("party", "list")


def test_init_in_a_missing_directory_gives_an_error(fresh: Cli, tmp_path: Path) -> None:
    missing = Cli(tmp_path / "no" / "such" / "dir.db", fresh.keys)
    missing.fails("init")
