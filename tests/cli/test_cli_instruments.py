"""`inwriting instrument | notes | commitment(s) | statement | claim` through Typer's runner, on SQLite
and PostgreSQL: a treaty from agreed text to entry into force and withdrawal, the depositary's status
table, a PDF and a proof checked offline, an exchange of notes refused where the notes differ, and the
commitment register (offers, statements, claims) as each party may see it."""

from __future__ import annotations

import base64
import io
import json
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pypdf import PdfReader
from typer.testing import Result

from inwriting.cli.main import app
from tests.cli.test_cli import Cli, assert_failed, build, describe, leaf_count, one_json, plain, runner
from tests.conftest import PG_ADMIN_URL, PG_UNAVAILABLE
from tests.importers.test_pdf import SMALL_TREATY, make_pdf

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
TREATY = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"
NOTES = CORPUS / "notes_roosevelt_litvinov_1933-11-16.txt"

pytestmark = pytest.mark.skipif(not NOTES.exists(), reason=f"the corpus is not at {CORPUS}")

T = "t@v1"  # RU's draft treaty, for the ru-us track: RU and US read it whole
NOTE_RU, NOTE_US, NOTE_US_ALT = "note-ru@v1", "note-us@v1", "note-us-alt@v1"  # ALT: one word differs
ARTICLES = [f"art_{n}" for n in range(1, 9)]
SIGNERS = [("RU", "S. Ryabkov", "2022-01-10"), ("US", "W. Sherman", "2022-01-11")]
NEW = f"instrument new --from {T} --as RU --id sg --date 2022-01-05"
EXCHANGE = (
    "--date 1933-11-16 --place Washington --signatory 'RU=Maxim Litvinov' --signatory 'US=F. D. Roosevelt'"
)
DIFFERENCE = (
    'point 1 (para_1): note A says "To respect scrupulously the indisputable" where note B says'
    ' "To respect strictly the indisputable"'
)


@dataclass(frozen=True)
class At(Cli):
    """`Cli` on a database named by URL (a SQLite file or a PostgreSQL database); `db` stays a path
    in the test's directory. `run`, `json`, `act` and `refused` take a command as one shell-quoted line."""

    url: str = ""

    def invoke(self, *args: str) -> Result:
        env = {"INWRITING_DATABASE_URL": self.url, "INWRITING_KEYSTORE": str(self.keys), "COLUMNS": "200"}
        return runner.invoke(app, list(args), env=env)

    def run(self, line: str) -> Result:
        return self.ok(*shlex.split(line))

    def json(self, line: str) -> Any:
        return self.ok_json(*shlex.split(line))

    def act(self, line: str) -> str:
        """An act without --json: nothing on stdout, its message on stderr (returned)."""
        result = self.run(line)
        assert result.stdout == "", describe(result)
        return plain(result.stderr).strip()

    def refused(self, line: str, says: str, code: str) -> str:
        """Exit 1 with one `error:` line that says `says`, and with --json one envelope with that
        explanation and `code` (the caller checks that nothing was written)."""
        args = shlex.split(line)
        error_line = assert_failed(self.invoke(*args), says)
        result = self.invoke(*args, "--json")
        assert_failed(result, says)
        envelope = one_json(result)
        assert envelope["ok"] is False and envelope["error"]["code"] == code, envelope
        assert envelope["error"]["message"] in error_line
        return error_line


def offline(*args: str) -> Result:
    """Run with no database and no keystore, neither given nor in the environment."""
    env = {"INWRITING_DATABASE_URL": None, "INWRITING_KEYSTORE": None, "COLUMNS": "200"}
    return runner.invoke(app, list(args), env=env)


# ---- one populated record per backend, copied for each test ---------------------------------------


def note(*, alternative: bool = False) -> str:
    """A note of Litvinov's two engagements as the corpus has them; the alternative reply says
    "strictly" where the note says "scrupulously"."""
    lines = NOTES.read_text(encoding="utf-8").splitlines()
    engagements = [next(line for line in lines if line.startswith(f"{n}. To ")) for n in (1, 2)]
    text = "TITLE: Non-interference\n\nIt will be the fixed policy of the Government:\n\n"
    text += "\n\n".join(engagements) + "\n"
    assert "respect scrupulously" in text
    return text.replace("respect scrupulously", "respect strictly") if alternative else text


def populate(cli: At, root: Path) -> None:
    """test_cli's record (RU, US, DE, PL, NATO; keys for RU and US; the ru-us track), a key for DE,
    RU's treaty t@v1 and three notes on the ru-us track: RU's, US's same reply and US's other reply."""
    build(cli)
    cli.run("key new DE")
    cli.run(f"draft import {TREATY} --track ru-us --as RU --doc t --audience track")
    for doc, author, alternative in (
        ("note-ru", "RU", False),
        ("note-us", "US", False),
        ("note-us-alt", "US", True),
    ):
        file = root / f"{doc}.txt"
        file.write_text(note(alternative=alternative), encoding="utf-8")
        cli.run(f"draft import {file} --track ru-us --as {author} --doc {doc} --kind note --audience track")


def pg(statement: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(statement)


def pg_url(name: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


@dataclass(frozen=True)
class Base:
    backend: str
    root: Path  # the keystore and, on SQLite, the database file
    template: str  # on PostgreSQL: the database each test's copy is made from


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def base(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Base]:
    root = tmp_path_factory.mktemp(f"instruments-{request.param}")
    if request.param == "sqlite":
        populate(At(root / "inwriting.db", root / "keys", str(root / "inwriting.db")), root)
        yield Base("sqlite", root, "")
        return
    if PG_UNAVAILABLE:
        pytest.skip(PG_UNAVAILABLE)
    name = f"inwriting_test_{uuid.uuid4().hex[:12]}"
    pg(f'CREATE DATABASE "{name}"')
    try:
        populate(At(root / "inwriting.db", root / "keys", pg_url(name)), root)
        yield Base("postgresql", root, name)
    finally:
        pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def c(base: Base, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[At]:
    monkeypatch.chdir(tmp_path)  # a command that ignored the URL would show up as ./inwriting.db
    copy = tmp_path / "record"
    shutil.copytree(base.root, copy)
    if base.backend == "sqlite":
        yield At(copy / "inwriting.db", copy / "keys", str(copy / "inwriting.db"))
        return
    name = f"inwriting_test_{uuid.uuid4().hex[:12]}"
    pg(f'CREATE DATABASE "{name}" TEMPLATE "{base.template}"')
    try:
        yield At(copy / "inwriting.db", copy / "keys", pg_url(name))
    finally:
        pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---- helpers ---------------------------------------------------------------------------------------


def keys(cli: At) -> dict[str, str]:
    """Each party's first key id."""
    return {p["id"]: p["keys"][0]["key_id"] for p in cli.json("party list")["parties"] if p["keys"]}


def sign_both(cli: At) -> None:
    for party, who, day in SIGNERS:
        cli.run(f"instrument sign sg --as {party} --delegate '{who}' --place Geneva --date {day}")


def concluded(cli: At) -> str:
    """An agreement `sg` signed by both (no ratification needed); its text hash."""
    text_hash = str(cli.json(f"{NEW} --kind agreement --no-ratification")["text_hash"])
    sign_both(cli)
    return text_hash


def rows(cli: At, iid: str = "sg") -> dict[str, dict[str, Any]]:
    return {r["party"]: r for r in cli.json(f"instrument show {iid}")["parties"]}


def register(cli: At, line: str = "") -> dict[str, dict[str, Any]]:
    """`commitments list --json`, by id."""
    return {x["id"]: x for x in cli.json(f"commitments list {line}")["commitments"]}


def statuses(cli: At, obligor: str) -> set[str]:
    return {x["status"] for x in register(cli, "--instrument sg").values() if x["obligor"] == obligor}


# ---- a treaty's life -------------------------------------------------------------------------------


def test_treaty_from_agreed_text_to_withdrawal(c: At) -> None:
    key = keys(c)
    made = c.json(f"{NEW} --kind treaty")
    assert set(made) == {"ok", "instrument", "text_hash", "event"}
    assert made["instrument"] == "sg" and made["text_hash"].startswith("sha256:")
    assert made["event"]["type"] == "instrument.created"
    assert c.json("instrument show sg")["status"] == "agreed text"
    for party, who, day in SIGNERS:
        signed = c.json(f"instrument sign sg --as {party} --delegate '{who}' --place Geneva --date {day}")
        assert signed["event"]["type"] == "instrument.signed"
        assert (signed["key_id"], signed["text_hash"]) == (key[party], made["text_hash"])
    assert c.json("instrument show sg")["status"] == "signed, awaiting ratification"

    size = leaf_count(c)
    enter = "instrument enter-into-force sg --as RU --date 2022-02-01"
    needs = "sg needs 2 ratifications by 2022-02-01 to enter into force; it has 0 (none)"
    assert c.refused(enter, needs, "refused") == f"error: {needs}"
    c.run("instrument ratify sg --as RU --date 2022-01-20")
    c.refused(
        enter, "needs 2 ratifications by 2022-02-01 to enter into force; it has 1 (RU 2022-01-20)", "refused"
    )
    assert leaf_count(c) == size + 1  # the ratification only
    c.run("instrument ratify sg --as US --date 2022-01-25")
    entered = c.json(enter)
    assert (entered["in_force"], entered["event"]["type"]) == ("2022-02-01", "instrument.entered_into_force")

    shown = c.json("instrument show sg")
    assert {
        k: shown[k] for k in ("kind", "track", "sources", "text_hash", "status", "agreed", "in_force")
    } == {
        "kind": "treaty",
        "track": "ru-us",
        "sources": [T],
        "text_hash": made["text_hash"],
        "status": "in force",
        "agreed": "2022-01-05",
        "in_force": "2022-02-01",
    }
    assert (shown["ratification"], shown["required"]) == (True, 2)
    assert [p["eid"] for p in shown["points"] if p["parent"] is None] == ARTICLES
    by_party = {r["party"]: r for r in shown["parties"]}
    assert list(by_party) == ["RU", "US"]
    for (party, who, day), ratified in zip(SIGNERS, ("2022-01-20", "2022-01-25"), strict=True):
        row = by_party[party]
        signature = row.pop("signed")
        assert len(base64.b64decode(signature.pop("signature"), validate=True)) == 64
        assert signature == {"date": day, "place": "Geneva", "signatory": who, "key_id": key[party]}
        assert row == {
            "party": party,
            "name": {"RU": "Russian Federation", "US": "United States of America"}[party],
            "status": "in force",
            "initialled": None,
            "ratified": ratified,
            "in_force": "2022-02-01",
            "reservations": [],
            "suspended": None,
            "withdrawn": None,
        }

    # Each article is now a binding commitment of each party toward the other, in the signed words.
    listed = register(c, "--party RU")
    mine = [x for x in listed.values() if x["obligor"] == "RU"]
    assert [x["id"] for x in mine] == [f"sg/{a}/RU" for a in ARTICLES]
    for commitment, article in zip(mine, ARTICLES, strict=True):
        assert {k: commitment[k] for k in ("beneficiaries", "form", "source", "date", "point", "status")} == {
            "beneficiaries": ["US"],
            "form": "binding",
            "source": f"sg#{article}",
            "date": "2022-02-01",
            "point": article,
            "status": "in effect",
        }
    [art_3] = [p for p in c.json(f"draft show {T}")["points"] if p["eid"] == "art_3"]
    assert mine[2]["text"] == art_3["text"] and art_3["children"] == []
    owed_to_ru = sorted(x["id"] for x in listed.values() if x["obligor"] == "US")
    assert owed_to_ru == sorted(f"sg/{a}/US" for a in ARTICLES)  # received, so in RU's register too

    c.act("instrument suspend sg --as RU --reason 'Under review' --date 2022-02-10")
    assert statuses(c, "RU") == {"suspended"} and statuses(c, "US") == {"in effect"}
    assert (rows(c)["RU"]["status"], rows(c)["RU"]["suspended"]) == ("suspended", "2022-02-10")
    c.refused("instrument suspend sg --as RU --reason Again", "RU suspended sg on 2022-02-10", "conflict")
    c.run("instrument resume sg --as RU --reason 'Review done' --date 2022-02-20")
    assert statuses(c, "RU") == {"in effect"}

    message = c.act("instrument withdraw sg --as RU --reason 'Changed circumstances' --date 2022-03-01")
    assert message.startswith("sg: RU withdrew (event ")
    assert message.endswith("; its commitments under it end")
    ended = [x for x in register(c, "--party RU").values() if x["obligor"] == "RU"]
    assert {x["status"] for x in ended} == {"withdrawn"}
    assert all(x["ended"] == {"date": "2022-03-01", "reason": "RU withdrew from sg"} for x in ended)
    ru = rows(c)["RU"]
    assert (ru["status"], ru["in_force"]) == ("withdrawn", None)
    assert ru["withdrawn"] == {"date": "2022-03-01", "reason": "Changed circumstances"}
    size = leaf_count(c)
    c.refused("instrument resume sg --as RU --reason Back", "RU withdrew from sg on 2022-03-01", "refused")
    assert leaf_count(c) == size


def test_the_order_of_acts_is_kept(c: At) -> None:
    c.run(f"{NEW} --kind treaty")
    size = leaf_count(c)
    c.refused("instrument ratify sg --as RU", "RU has not signed sg", "refused")
    reserve = "instrument reserve sg --as US --point art_4 --text None"
    c.refused(reserve, "US makes reservations when it signs or ratifies; it has not signed sg", "refused")
    c.refused(
        "instrument sign sg --as US --delegate X --place Geneva --date 2022-01-04",
        "2022-01-04 is before the instrument's text was agreed (2022-01-05)",
        "invalid_input",
    )
    c.refused(
        "instrument sign sg --as DE --delegate X --place Berlin", "instrument sg does not exist", "not_found"
    )
    assert leaf_count(c) == size
    sign_both(c)
    c.refused(
        "instrument sign sg --as RU --delegate X --place Geneva",
        "RU already signed sg on 2022-01-10",
        "conflict",
    )
    c.refused(
        "instrument ratify sg --as RU --date 2022-01-09",
        "ratification (2022-01-09) cannot come before RU's signature (2022-01-10)",
        "refused",
    )
    c.refused(reserve.replace("art_4", "art_99"), "sg has no point art_99", "not_found")
    assert leaf_count(c) == size + 2


def test_a_party_bound_by_signature_after_entry_into_force_gets_its_commitments(c: At) -> None:
    c.run(f"{NEW} --kind memorandum --required 1")
    c.run("instrument sign sg --as RU --delegate A --place Geneva --date 2022-01-10")
    c.run("instrument enter-into-force sg --as RU --date 2022-01-10")
    c.run("instrument sign sg --as US --delegate B --place Geneva --date 2022-01-12")
    assert rows(c)["US"]["in_force"] == "2022-01-12"
    owed = [x for x in register(c, "--instrument sg").values() if x["obligor"] == "US"]
    assert [(x["id"], x["date"], x["status"]) for x in owed] == [
        (f"sg/{a}/US", "2022-01-12", "in effect") for a in ARTICLES
    ]


def test_show_prints_a_status_table_per_participant(c: At) -> None:
    key = keys(c)
    made = c.act(f"{NEW} --kind agreement --no-ratification")
    assert made.startswith("sg: agreement between RU, US fixed at sha256:")
    c.run("instrument initial sg --as RU --delegate 'S. Ryabkov' --date 2022-01-06")
    for (party, who, day), status in zip(SIGNERS, ("open for signature", "concluded"), strict=True):
        said = c.act(f"instrument sign sg --as {party} --delegate '{who}' --place Geneva --date {day}")
        assert said.startswith(f"sg: signed for {party} by {who} with key {key[party]} (event ")
        assert said.endswith(f"; status: {status}")
    reserved = c.act("instrument reserve sg --as US --point art_4 --text 'Not on allies' --date 2022-01-11")
    assert reserved.startswith("sg: reservation by US on art_4 (event ")

    result = c.run("instrument show sg")
    assert result.stderr == ""
    lines = plain(result.stdout).splitlines()
    assert lines[0].startswith("Treaty between The United States of America and the Russian Federation")
    assert lines[1].startswith("sg · agreement · text agreed 2022-01-05 · sha256:")
    assert lines[2] == "Status: concluded. Entry into force needs 2 of 2 parties bound by signature."
    header = next(line for line in lines if "Participant" in line)
    for column in ("Initialled", "Signature", "Ratification", "In force", "Status", "Notes"):
        assert column in header
    ru = next(line for line in lines if "Russian Federation (RU)" in line)
    for cell in ("2022-01-06", "2022-01-10, Geneva (S. Ryabkov)", "not required", "signed"):
        assert cell in ru, ru
    us = next(line for line in lines if "United States of America (US)" in line)
    for cell in ("2022-01-11, Geneva (W. Sherman)", "not required", "reservation on art_4: Not on allies"):
        assert cell in us, us

    entered = c.act("instrument enter-into-force sg --as US --date 2022-01-12")
    assert entered.startswith("sg: in force since 2022-01-12 (event ")
    assert "Status: in force since 2022-01-12." in plain(c.run("instrument show sg").stdout)
    assert c.json("instrument list")["instruments"] == [
        {
            "instrument": "sg",
            "kind": "agreement",
            "title": c.json("instrument show sg")["title"],
            "parties": ["RU", "US"],
            "status": "in force",
            "in_force": "2022-01-12",
        }
    ]
    assert "in force since 2022-01-12" in plain(c.run("instrument list").stdout)


# ---- PDF and proof, checked offline ----------------------------------------------------------------


def test_pdf_verifies_offline_with_no_database(
    c: At, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = keys(c)
    text_hash = concluded(c)
    pdf = tmp_path / "sg.pdf"
    message = c.act(f"instrument pdf sg --out {pdf}")
    assert message.startswith(f"wrote {pdf} (") and message.endswith(" bytes)")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and not pdf.with_name("sg.pdf.partial").exists()
    printed = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)
    for text in ("S. Ryabkov", "W. Sherman", key["RU"], key["US"]):
        assert text in printed, text

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = offline("instrument", "verify", str(pdf), "--json")
    assert result.exit_code == 0, describe(result)
    report = one_json(result)
    assert report["ok"] is True and report["instrument"] == "sg"
    assert report["text_hash"] == report["computed_hash"] == text_hash
    assert [(s["party"], s["signatory"], s["key_id"], s["ok"]) for s in report["signatures"]] == [
        ("RU", "S. Ryabkov", key["RU"], True),
        ("US", "W. Sherman", key["US"], True),
    ]
    human = offline("instrument", "verify", str(pdf))
    assert human.exit_code == 0 and human.stdout == "", describe(human)
    assert f"ok: sg: the text hashes to {text_hash} and all 2 signatures verify" in plain(human.stderr)
    assert list(elsewhere.iterdir()) == []  # no database, no keystore appeared


def test_a_changed_character_fails_every_signature(c: At, tmp_path: Path) -> None:
    key = keys(c)
    concluded(c)
    proof = tmp_path / "p.json"
    assert c.json(f"instrument proof sg --out {proof}") == {"ok": True, "path": str(proof), "signatures": 2}
    assert offline("instrument", "verify", str(proof)).exit_code == 0

    document = json.loads(proof.read_text(encoding="utf-8"))
    text = document["text"]
    at = text.index("shall cooperate")
    document["text"] = text[:at] + "S" + text[at + 1 :]  # "Shall": one character
    proof.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    result = offline("instrument", "verify", str(proof))
    assert result.exit_code == 1 and result.stdout == "", describe(result)
    assert "Traceback" not in result.output
    lines = plain(result.stderr).strip().splitlines()
    assert sum("FAILS" in line for line in lines) == 2  # the table: one row per signature
    assert lines[-1].startswith("error: instrument sg: the text does not hash to "), lines
    assert "2 of 2 signatures fail" in lines[-1]
    assert f"RU (S. Ryabkov, 2022-01-10, key {key['RU']})" in lines[-1]
    assert f"US (W. Sherman, 2022-01-11, key {key['US']})" in lines[-1]
    result = offline("instrument", "verify", str(proof), "--json")
    assert result.exit_code == 1, describe(result)
    report = one_json(result)
    assert report["ok"] is False and report["computed_hash"] != report["text_hash"]
    assert [s["ok"] for s in report["signatures"]] == [False, False]

    document["text"] = text  # the text intact, US's signature replaced by RU's: only US's fails
    document["signatures"][1]["signature"] = document["signatures"][0]["signature"]
    proof.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    error = plain(offline("instrument", "verify", str(proof)).stderr).strip().splitlines()[-1]
    assert error.startswith("error: instrument sg: 1 of 2 signatures do not verify: US (W. Sherman"), error


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("absent.json", None, "no file at"),
        ("garbage.bin", bytes(range(256)) * 4, "not an instrument proof"),
        ("empty.json", b"", "not an instrument proof"),
        ("list.json", b"[]\n", "not an instrument proof (format inwriting-instrument/v1)"),
        ("partial.json", b'{"format": "inwriting-instrument/v1"}', "malformed instrument proof"),
        ("other.pdf", make_pdf(SMALL_TREATY), "the PDF has no instrument-proof.json attachment"),
    ],
)
def test_verify_refuses_what_is_not_a_proof(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes | None, says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    line = assert_failed(offline("instrument", "verify", str(path)), says)
    result = offline("instrument", "verify", str(path), "--json")
    assert_failed(result, says)
    envelope = one_json(result)
    assert envelope["ok"] is False and envelope["error"]["code"] == "invalid_input"
    assert envelope["error"]["message"] in line
    assert [p.name for p in tmp_path.iterdir()] == ([name] if content is not None else [])


def test_a_damaged_pdf_gives_one_error_line(tmp_path: Path) -> None:
    # pypdf warns about a damaged file through `logging`; pytest's log capture would hide such a
    # line from the runner's stderr, so the command runs in a process of its own.
    path = tmp_path / "cut.pdf"
    path.write_bytes(make_pdf(SMALL_TREATY)[:300])
    command = [sys.executable, "-m", "inwriting.cli.main", "instrument", "verify", str(path)]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "error: the file is not a readable PDF" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# ---- exchanges of notes ----------------------------------------------------------------------------


def test_notes_that_differ_by_one_word_are_not_exchanged(c: At) -> None:
    size = leaf_count(c)
    line = f"notes exchange {NOTE_RU} {NOTE_US_ALT} {EXCHANGE}"
    result = c.invoke(*shlex.split(line))
    assert result.exit_code == 1 and result.stdout == "", describe(result)
    lines = [text.strip() for text in plain(result.stderr).strip().splitlines()]
    assert lines == [f"error: the notes {NOTE_RU} and {NOTE_US_ALT} differ on 1 point(s):", DIFFERENCE]

    result = c.invoke(*shlex.split(line), "--json")
    assert result.exit_code == 1, describe(result)
    document = one_json(result)  # one JSON document, whatever the outcome
    assert document["ok"] is False and document["error"]["code"] == "refused"
    comparison = document["comparison"]
    assert (comparison["same"], comparison["points"]) == (False, 2)
    [only] = comparison["differences"]
    assert (only["eid"], only["label"], only["kind"], only["summary"]) == (
        "para_1",
        "1.",
        "text differs",
        DIFFERENCE,
    )
    assert ["delete", "scrupulously"] in only["diff"] and ["insert", "strictly"] in only["diff"]
    assert leaf_count(c) == size
    assert c.json("instrument list")["instruments"] == []

    compared = c.invoke("notes", "compare", NOTE_RU, NOTE_US_ALT, "--json")
    assert compared.exit_code == 1, describe(compared)
    assert one_json(compared)["differences"][0]["eid"] == "para_1"
    human = c.invoke("notes", "compare", NOTE_RU, NOTE_US_ALT)
    assert human.exit_code == 1 and plain(human.stdout).strip() == DIFFERENCE, describe(human)
    assert plain(human.stderr).strip() == "notes: 1 difference(s)"
    assert c.act(f"notes compare {NOTE_RU} {NOTE_US}") == "notes: same operative text on all 2 points"
    assert c.json(f"notes compare {NOTE_RU} {NOTE_US}")["same"] is True


def test_notes_with_the_same_text_are_an_instrument_in_force(c: At) -> None:
    size = leaf_count(c)
    done = c.json(f"notes exchange {NOTE_RU} {NOTE_US} {EXCHANGE}")
    assert (done["instrument"], done["signed_by"], done["awaiting_signature"], done["in_force"]) == (
        "note-ru-exchange",
        ["RU", "US"],
        [],
        "1933-11-16",
    )
    assert done["comparison"] == {"same": True, "points": 2, "differences": []}
    assert [(e["seq"], e["type"]) for e in done["events"]] == [
        (size, "instrument.created"),
        (size + 1, "instrument.signed"),
        (size + 2, "instrument.signed"),
        (size + 3, "instrument.entered_into_force"),
    ]
    shown = c.json("instrument show note-ru-exchange")
    assert (shown["kind"], shown["status"], shown["in_force"], shown["sources"], shown["title"]) == (
        "exchange-of-notes",
        "in force",
        "1933-11-16",
        [NOTE_RU, NOTE_US],
        "Non-interference",
    )
    assert [(r["status"], r["signed"]["signatory"], r["signed"]["place"]) for r in shown["parties"]] == [
        ("in force", "Maxim Litvinov", "Washington"),
        ("in force", "F. D. Roosevelt", "Washington"),
    ]
    assert "note-ru-exchange · exchange-of-notes" in c.run("instrument show note-ru-exchange").stdout
    owed = register(c, "--instrument note-ru-exchange")
    assert sorted(owed) == [f"note-ru-exchange/para_{n}/{p}" for n in (1, 2) for p in ("RU", "US")]
    again = f"notes exchange {NOTE_RU} {NOTE_US} {EXCHANGE}"
    c.refused(again, "instrument note-ru-exchange already exists", "conflict")


def test_notes_exchange_human_messages(c: At) -> None:
    message = c.act(f"notes exchange {NOTE_RU} {NOTE_US} {EXCHANGE} --id nonint")
    assert message.splitlines() == [
        "same text: the notes match on all 2 points",
        "nonint: exchange of notes recorded; signed by RU, US",
        "nonint: in force since 1933-11-16",
    ]
    both = f"notes exchange {NOTE_US} {NOTE_US} {EXCHANGE}"
    c.refused(both, "both notes are by US; an exchange is a note from each side", "refused")


# ---- the commitment register -----------------------------------------------------------------------

STATEMENT = (
    "statement record --speaker 'S. Ryabkov, Deputy Foreign Minister' --party RU --date 2018-10-12"
    " --medium interview --source https://example.org/2018-10-12"
    " --quote 'Our offer of written guarantees of non-interference stands at any time.'"
)
OFFER = (  # recorded by the operator, from the statement
    "commitment record --party RU --to US --form spoken --text 'Written guarantees, at any time.'"
    " --source https://example.org/2018-10-12 --date 2018-10-12 --offer standing --statement RU/statement/1"
)
PRIVATE = (  # recorded by RU itself, for the talks on the ru-us track
    "commitment record --party RU --to US --form written --text 'No forces within 30 km of the line.'"
    " --source 'Geneva meeting record' --date 2018-06 --as RU --track ru-us"
)


def test_offers_statements_and_who_sees_them(c: At) -> None:
    stated = c.json(STATEMENT)
    assert stated["statement"] == "RU/statement/1" and stated["event"]["type"] == "statement.recorded"
    [listed] = c.json("statement list")["statements"]
    assert (listed["id"], listed["date"], listed["party"]) == ("RU/statement/1", "2018-10-12", "RU")
    assert "stands at any time" in plain(c.run("statement list").stdout)
    offer = c.json(OFFER)["commitment"]
    private = c.json(PRIVATE)["commitment"]
    assert (offer, private) == ("@operator/commitment/1", "RU/commitment/1")  # numbered per recorder

    seen_by_de = register(c, "--as DE")
    assert list(seen_by_de) == [offer]  # from a public statement; the meeting record is not public
    shown = seen_by_de[offer]
    assert (shown["status"], shown["public"], shown["source_kind"], shown["statement"]) == (
        "standing offer",
        True,
        "statement",
        "RU/statement/1",
    )
    seen_by_us = register(c, "--as US")
    assert list(seen_by_us) == [offer, private]
    assert (seen_by_us[private]["status"], seen_by_us[private]["date"]) == ("in effect", "2018-06")
    size = leaf_count(c)
    c.refused(f"commitment show {private} --as DE", f"commitment {private} does not exist", "not_found")
    human = plain(c.run(f"commitment show {offer}").stdout)
    assert "status: standing offer" in human and "Written guarantees, at any time." in human

    decline = f"commitment decline {offer}"
    c.refused(f"{decline} --as DE", "only a party the offer was made to (US) declines it", "refused")
    not_an_offer = f"{private} is an undertaking, not an offer; there is nothing to decline"
    c.refused(f"commitment decline {private} --as US", not_an_offer, "refused")
    c.refused(
        "commitment record --party RU --to US --form binding --text t --source s --as US",
        "only RU (or the operator) records a binding commitment of RU",
        "refused",
    )
    assert leaf_count(c) == size
    c.run(f"{decline} --as US --reason 'Not needed' --date 2018-11")
    declined = c.json(f"commitment show {offer}")
    assert declined["status"] == "declined offer"
    assert declined["declined"] == {"by": "US", "date": "2018-11", "reason": "Not needed"}
    c.refused(f"{decline} --as US", f"{offer} is already declined offer", "conflict")
    assert "declined offer" in plain(c.run("commitments list").stdout)

    withdraw = f"commitment withdraw {private} --reason Superseded"
    c.refused(f"{withdraw} --as US", f"only RU, who made it, withdraws {private}", "refused")
    c.run(f"{withdraw} --as RU --date 2019")
    assert c.json(f"commitment show {private}")["ended"] == {"date": "2019", "reason": "Superseded"}


def test_a_claim_from_filing_to_findings(c: At) -> None:
    made = c.json(f"{PRIVATE} --public")["commitment"]  # public, so that DE can assess a claim on it
    file = f"claim file --commitment {made} --evidence https://example.org/img --text 'Seen at 10 km.'"
    size = leaf_count(c)
    c.refused(f"{file} --as RU", f"RU made {made}; a claim that it was broken is another party's", "refused")
    predates = "the claim (2018-01) cannot predate the commitment (2018-06)"
    c.refused(f"{file} --as US --date 2018-01", predates, "invalid_input")
    assert leaf_count(c) == size
    filed = c.json(f"{file} --as US --date 2019-03")
    claim = filed["claim"]
    assert claim == "US/claim/1" and filed["event"]["type"] == "claim.filed"
    [listed] = c.json("claim list --as PL")["claims"]
    assert (listed["status"], listed["date"], listed["evidence"]) == (
        "not yet assessed",
        "2019-03",
        ["https://example.org/img"],
    )
    assert c.json(f"commitment show {made}")["status"] == "not yet assessed"

    c.refused(f"claim answer {claim} --as RU --answer deny", "to deny, say why (text)", "invalid_input")
    only_ru = f"only RU, the party said to have broken it, answers {claim}"
    c.refused(f"claim answer {claim} --as US --answer admit", only_ru, "refused")
    c.run(f"claim answer {claim} --as RU --answer deny --text 'An exercise, now over.'")
    assert c.json("claim list")["claims"][0]["status"] == "disputed"
    assert c.json(f"commitment show {made}")["status"] == "disputed"

    assess = f"claim assess {claim} --finding"
    c.refused(
        f"{assess} fine --as US",
        "finding must be one of kept, broken, no-action; got 'fine'",
        "invalid_input",
    )
    c.refused(
        f"{assess} kept --as RU",
        f"RU is said to have broken it: it answers {claim}; others assess it",
        "refused",
    )
    for party in ("US", "DE"):
        said = c.act(f"{assess} no-action --as {party}")
        assert said.startswith(f"{claim}: {party} finds no-action (event ")
    [assessed] = c.json("claim list")["claims"]
    assert assessed["status"] == "no action"
    assert [(a["kind"], a["value"], a["party"]) for a in assessed["acts"]] == [
        ("answer", "deny", "RU"),
        ("finding", "no-action", "US"),
        ("finding", "no-action", "DE"),
    ]
    assert f"claim {claim} by US (2019-03): no action" in c.run(f"commitment show {made}").stdout
    assert "no action" in plain(c.run("claim list").stdout)

    c.refused(f"claim withdraw {claim} --as RU", f"only US, who filed {claim}, withdraws it", "refused")
    c.run(f"claim withdraw {claim} --as US")
    assert c.json("claim list")["claims"][0]["status"] == "withdrawn"
    assert c.json(f"commitment show {made}")["status"] == "in effect"


def test_dates_to_the_month_or_year_and_no_other_form(c: At) -> None:
    record = "commitment record --party RU --to US --form written --source s"
    for when in ("2018-06", "2018", "2018-06-30"):
        made = c.json(f"{record} --text 'Said in {when}.' --date {when}")
        assert c.json(f"commitment show {made['commitment']}")["date"] == when
    size = leaf_count(c)
    c.refused(
        f"{record} --text t --date 'June 2018'",
        "date must be written YYYY-MM-DD, YYYY-MM or YYYY; got 'June 2018'",
        "invalid_input",
    )
    c.refused(f"{record} --text t --date 2018-13", "date 2018-13 is not a real date", "invalid_input")
    c.refused(f"{record} --text t --date 2999", "date 2999 is in the future", "invalid_input")
    c.refused(
        "statement record --speaker X --party RU --date 'June 2018' --medium tv --source s --quote q",
        "date must be written YYYY-MM-DD, YYYY-MM or YYYY; got 'June 2018'",
        "invalid_input",
    )
    assert leaf_count(c) == size


# ---- bad input and outsiders -----------------------------------------------------------------------


def test_unknown_instruments_and_bad_options_are_refused(c: At, tmp_path: Path) -> None:
    size = leaf_count(c)
    for line in (
        "instrument show nope",
        "instrument sign nope --as RU --delegate X --place Geneva",
        "instrument ratify nope --as RU",
        "instrument withdraw nope --as RU --reason r",
        f"instrument proof nope --out {tmp_path / 'nope.json'}",
    ):
        c.refused(line, "instrument nope does not exist", "not_found")
    assert not (tmp_path / "nope.json").exists()

    kinds = "treaty, agreement, exchange-of-notes, memorandum, joint-statement, protocol"
    c.refused(f"{NEW} --kind nonsense", f"kind must be one of {kinds}; got 'nonsense'", "invalid_input")
    for bad in ("bad", "=RU", "art_1="):
        c.refused(
            f"{NEW} --kind treaty --obligor {bad}",
            f"--obligor {bad!r}: write EID=PARTY",
            code="invalid_input",
        )
    c.refused(
        f"{NEW} --kind treaty --obligor art_99=RU",
        "the instrument has no top-level point art_99",
        "not_found",
    )
    c.refused(
        f"{NEW} --kind treaty --obligor art_1=DE",
        "the obligors of art_1 must be parties to the instrument",
        "invalid_input",
    )
    c.refused(f"{NEW} --kind treaty --required 3", "required must be a number from 1 to 2", "invalid_input")
    c.refused(f"{NEW} --kind treaty --id 'Not An Id'", "instrument id 'Not An Id' must be", "invalid_input")
    c.refused(f"{NEW} --kind treaty --from ghost@v1", "version ghost@v1 does not exist", "not_found")
    c.refused(f"{NEW} --kind treaty --as DE", f"version {T} does not exist", "not_found")

    record = "commitment record --party RU --to US --form written --source s --text"
    c.refused(
        f"{record} 'We shall \u202enot\u202c withdraw.'",
        "commitment text contains a bidi control U+202E",
        "invalid_input",
    )
    c.refused(
        f"{record} t --form oral",
        "form must be one of spoken, written, signed, binding; got 'oral'",
        "invalid_input",
    )
    assert leaf_count(c) == size
    assert c.json("commitments list")["commitments"] == []


def test_a_draft_not_read_whole_by_both_is_no_instrument(c: At) -> None:
    c.run(f"draft import {TREATY} --track ru-us --as RU --doc own")  # for RU's eyes only
    c.refused(
        "instrument new --from own@v1 --kind treaty --as RU",
        "US cannot read own@v1 whole; hand it over before it becomes an instrument",
        "refused",
    )


def test_an_outsider_is_told_the_instrument_does_not_exist(c: At, tmp_path: Path) -> None:
    concluded(c)
    out = tmp_path / "de.pdf"
    for line in (
        "instrument show sg --as DE",
        f"instrument pdf sg --as DE --out {out}",
        f"instrument proof sg --as DE --out {out}",
    ):
        error = c.refused(line, "instrument sg does not exist", "not_found")
        assert error == "error: instrument sg does not exist"  # worded as for an id never used
    assert not out.exists() and not out.with_name("de.pdf.partial").exists()
    assert c.json("instrument list --as DE")["instruments"] == []
    assert [i["instrument"] for i in c.json("instrument list --as US")["instruments"]] == ["sg"]
    c.run("instrument enter-into-force sg --as RU --date 2022-01-12")
    assert c.json("instrument show sg --as US")["status"] == "in force"
    assert register(c, "--as DE") == {} and len(register(c, "--as US")) == 2 * len(ARTICLES)
