"""`inwriting handover | receipt | answer | status | due | matrix | meeting | precondition` through
Typer's runner: the --json documents' shapes, the answer template round trip, the CSV and HTML grids,
human messages on stderr, and errors as one `error:` line (or one envelope with --json)."""

from __future__ import annotations

import csv
import io
import shlex
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli.test_cli import Cli, assert_failed, leaf_count, plain
from tests.storage.test_negotiation import AMEND_4_1, TREATY_EIDS, fill

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
TREATY = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"
AGREEMENT = CORPUS / "draft_agreement_nato_ru_2021-12-17.txt"

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {CORPUS}")

T, A = "t@v1", "a@v1"
STATUS_KEYS = {"ok", "version", "title", "author", "track", "points", "today", "recipients"}
RECIPIENT_KEYS = {
    "party",
    "through",
    "state",
    "handover",
    "handovers",
    "delivered",
    "acknowledged",
    "acknowledged_by",
    "due",
    "point_by_point",
    "answers",
    "answered_points",
    "points",
    "complete",
    "completed_on",
    "overdue",
    "late",
    "answered",
    "unanswered",
}
OWED_KEYS = {
    "version",
    "title",
    "author",
    "party",
    "due",
    "point_by_point",
    "delivered",
    "acknowledged",
    "unanswered",
    "overdue",
}
ANSWER_KEYS = {
    "ok",
    "answer",
    "form",
    "positions",
    "proposals",
    "left_open",
    "unanswered",
    "unanswered_points",
    "complete",
    "event",
}


def today() -> str:
    return datetime.now(UTC).date().isoformat()


@pytest.fixture(scope="module")
def drafted(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built record plus keys for NATO and DE, RU's treaty t@v1 (ru-us) and agreement a@v1 (nrc)."""
    root = tmp_path_factory.mktemp("drafted") / "record"
    shutil.copytree(built, root)
    cli = Cli(root / "inwriting.db", root / "keys")
    cli.ok("key", "new", "NATO")
    cli.ok("key", "new", "DE")
    cli.ok("draft", "import", str(TREATY), "--track", "ru-us", "--as", "RU", "--doc", "t")
    cli.ok("draft", "import", str(AGREEMENT), "--track", "nrc", "--as", "RU", "--doc", "a")
    return root


@pytest.fixture
def c(drafted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    copy = tmp_path / "record"
    shutil.copytree(drafted, copy)
    return Cli(copy / "inwriting.db", copy / "keys")


def act(cli: Cli, *args: str) -> str:
    """Run an act without --json: nothing on stdout, one message line on stderr (returned)."""
    result = cli.ok(*args)
    assert result.stdout == ""
    lines = plain(result.stderr).strip().splitlines()
    assert len(lines) >= 1
    return plain(result.stderr).strip()


def write(cli: Cli, name: str, text: str) -> Path:
    path = cli.db.parent.parent / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- hand-over, receipt, status ------------------------------------------------------------------


def test_handover_receipt_and_status(c: Cli) -> None:
    size = leaf_count(c)
    message = act(
        c, "handover", T, "--to", "US", "--due", "2022-01-20", "--point-by-point", "--date", "2022-01-10"
    )
    assert message == f"t@v1/h1: t@v1 delivered to US, a point-by-point answer due 2022-01-20 (event {size})"
    receipt = c.ok_json("receipt", T, "--as", "US", "--delegate", "J. Sullivan", "--date", "2022-01-11")
    assert set(receipt) == {"ok", "receipt", "event"} and receipt["receipt"] == "t@v1/h1/receipt/US"
    assert (receipt["event"]["type"], receipt["event"]["seq"]) == ("receipt.signed", size + 1)

    status = c.ok_json("status", T)
    assert set(status) == STATUS_KEYS
    assert {k: status[k] for k in ("version", "author", "track", "points", "today")} == {
        "version": T,
        "author": "RU",
        "track": "ru-us",
        "points": 18,
        "today": today(),
    }
    assert status["title"].startswith(
        "Treaty between The United States of America and the Russian Federation"
    )
    [us] = status["recipients"]
    assert set(us) == RECIPIENT_KEYS
    assert us == {
        "party": "US",
        "through": None,
        "state": "overdue",  # 2022-01-20 has long passed
        "handover": "t@v1/h1",
        "handovers": ["t@v1/h1"],
        "delivered": "2022-01-10",
        "acknowledged": "2022-01-11",
        "acknowledged_by": "J. Sullivan",
        "due": "2022-01-20",
        "point_by_point": True,
        "answers": [],
        "answered_points": 0,
        "points": 18,
        "complete": False,
        "completed_on": None,
        "overdue": True,
        "late": False,
        "answered": [],
        "unanswered": [{"eid": f"art_{n}", "label": f"Article {n}"} for n in range(1, 6)]
        + [
            {"eid": "art_6", "label": "Article 6 [number inferred]"},
            {"eid": "art_7", "label": "Article 7 [number inferred]"},
            {"eid": "art_8", "label": "Article 8"},
        ],
    }

    table = c.ok("status", T)
    assert table.stderr == ""
    row = next(line for line in plain(table.stdout).splitlines() if line.lstrip("│ ").startswith("US"))
    for cell in ("2022-01-10", "2022-01-11", "2022-01-20 point by point", "0/18", "overdue"):
        assert cell in row, row


def test_status_of_a_version_not_handed_over(c: Cli) -> None:
    assert c.ok_json("status", T)["recipients"] == []
    result = c.ok("status", T)
    assert result.stdout == "" and plain(result.stderr).strip() == "t@v1 has not been handed over yet"


# ---- answering point by point --------------------------------------------------------------------


def test_template_filled_in_and_answered_in_two_goes(c: Cli) -> None:
    c.ok("handover", T, "--to", "US", "--due", "2022-01-20", "--point-by-point", "--date", "2022-01-10")
    shown = c.ok("answer", T, "--template")
    assert shown.stderr == ""
    template = shown.stdout
    assert template.startswith("# Answer to t@v1: Treaty between The United States of America")
    for eid in TREATY_EIDS:
        assert template.count(f"{{{eid}}}: ?\n") == 1, eid

    out = c.db.parent.parent / "answer.md"
    assert act(c, "answer", T, "--template", "--out", str(out)) == f"wrote an answer template to {out}"
    assert out.read_text(encoding="utf-8") == template
    again = c.ok_json("answer", T, "--template", "--out", str(out))
    assert again == {"ok": True, "version": T, "path": str(out)}

    out.write_text(
        fill(
            template,
            {
                "art_1": "accept",
                "art_2": ("reject", None, "Not for alliances"),
                "art_4__para_1": ("amend", AMEND_4_1, None),
            },
        ),
        encoding="utf-8",
    )
    size = leaf_count(c)
    first = act(c, "answer", T, "--as", "US", "--file", str(out), "--date", "2022-01-15")
    assert first.splitlines() == [
        f"t@v1/answer/US/1: 3 positions, 0 new points (event {size})",
        "still unanswered: Article 3 (art_3), Article 4 para 2 (art_4__para_2), Article 5 (art_5),"
        " Article 6 [number inferred] (art_6), Article 7 [number inferred] (art_7), Article 8 (art_8)",
    ]
    status = c.ok_json("status", T)["recipients"][0]
    assert (status["state"], status["answered_points"], status["complete"]) == ("overdue", 5, False)
    assert [a["eid"] for a in status["answered"]] == [
        "art_1",
        "art_1__point_i",
        "art_1__point_ii",
        "art_2",
        "art_4__para_1",
    ]
    assert status["answered"][3] == {
        "eid": "art_2",
        "label": "Article 2",
        "position": "reject",
        "text": None,
        "reason": "Not for alliances",
        "inherited_from": None,
    }
    assert [u["eid"] for u in status["unanswered"]] == [
        "art_3",
        "art_4__para_2",
        "art_5",
        "art_6",
        "art_7",
        "art_8",
    ]

    rest = write(
        c,
        "rest.md",
        "A covering note: the rest of our answer.\n\n"
        "## Article 3: accept\n\n## Article 4 {art_4__para_2}: reject\n\n## Article 5: defer\n\n"
        "## Article 6 {art_6}: noted\n\n## Article 7 {art_7}: clarify\n> Which infrastructure?\n\n"
        "## Article 8 {art_8}: accept\n\n## New: Article 9\n> Registration with the United Nations.\n",
    )
    second = c.ok_json("answer", T, "--as", "US", "--file", str(rest), "--date", "2022-01-19")
    assert set(second) == ANSWER_KEYS
    assert {k: second[k] for k in ANSWER_KEYS - {"event"}} == {
        "ok": True,
        "answer": "t@v1/answer/US/2",
        "form": "points",
        "positions": 6,
        "proposals": 1,
        "left_open": [],
        "unanswered": [],
        "unanswered_points": [],
        "complete": True,
    }
    assert second["event"]["type"] == "answer.given"
    status = c.ok_json("status", T)["recipients"][0]
    assert {
        k: status[k] for k in ("state", "complete", "completed_on", "overdue", "late", "answered_points")
    } == {
        "state": "complete",
        "complete": True,
        "completed_on": "2022-01-19",
        "overdue": False,
        "late": False,
        "answered_points": 18,
    }
    assert [(a["answer"], a["date"], a["form"]) for a in status["answers"]] == [
        ("t@v1/answer/US/1", "2022-01-15", "points"),
        ("t@v1/answer/US/2", "2022-01-19", "points"),
    ]
    assert status["unanswered"] == []


def test_template_with_json_is_one_document(c: Cli) -> None:
    document = c.ok_json("answer", T, "--template")
    assert document["version"] == T


def test_completing_answer_says_so(c: Cli) -> None:
    c.ok("handover", T, "--to", "US", "--date", "2022-01-10")
    file = write(c, "all.md", "".join(f"## Article {n} {{art_{n}}}: accept\n\n" for n in range(1, 9)))
    message = act(c, "answer", T, "--as", "US", "--file", str(file), "--date", "2022-01-11")
    assert message.splitlines()[1] == "complete: every point of the version is now answered"


def test_prose_answer(c: Cli) -> None:
    c.ok("handover", T, "--to", "US", "--due", "2022-01-20", "--date", "2022-01-10")
    letter = write(c, "letter.txt", "Dear Minister,\n\nArticle 4: no.\n")
    size = leaf_count(c)
    message = act(c, "answer", T, "--as", "US", "--prose", str(letter), "--date", "2022-01-18")
    assert message.splitlines() == [
        f"t@v1/answer/US/1: answer in prose recorded (event {size}); it answers no point",
        "note: until its paragraphs are matched to points: inwriting align t@v1/answer/US/1,"
        " then align confirm",
    ]
    [us] = c.ok_json("status", T)["recipients"]
    assert (us["state"], us["answered_points"], us["overdue"], us["late"]) == ("prose", 0, False, False)
    assert us["answers"] == [
        {
            "answer": "t@v1/answer/US/1",
            "party": "US",
            "date": "2022-01-18",
            "form": "prose",
            "reading": "answered in prose, not confirmed",
            "confirmed_paragraphs": 0,
            "paragraphs": None,
            "confirmed_by": [],
        }
    ]
    assert "0/18 (answered in prose, not confirmed)" in plain(c.ok("status", T).stdout)
    second = c.ok_json("answer", T, "--as", "US", "--prose", str(letter), "--date", "2022-01-19")
    assert {k: second[k] for k in ("answer", "form", "positions", "complete")} == {
        "answer": "t@v1/answer/US/2",
        "form": "prose",
        "positions": 0,
        "complete": False,
    }


def test_a_member_of_the_alliance_answers(c: Cli) -> None:
    c.ok("handover", A, "--to", "NATO", "--due", "2022-02-01", "--point-by-point", "--date", "2022-01-10")
    c.ok("receipt", A, "--as", "DE", "--date", "2022-01-11")
    file = write(c, "de.md", "## Article 1 {art_1}: accept\n")
    message = act(c, "answer", A, "--as", "DE", "--file", str(file), "--date", "2022-01-12")
    inferred = {4, 5, 6, 7}  # the agreement's articles whose numbers the corpus infers
    named = [f"Article {n}{' [number inferred]' if n in inferred else ''} (art_{n})" for n in range(2, 10)]
    assert message.splitlines()[1] == "still unanswered: " + ", ".join(named)

    [nato] = c.ok_json("status", A)["recipients"]
    assert (nato["party"], nato["answers"], nato["acknowledged"]) == ("NATO", [], None)
    recipients = c.ok_json("status", A, "--members")["recipients"]
    assert [(r["party"], r["through"], r["acknowledged"], r["answered_points"]) for r in recipients] == [
        ("NATO", None, None, 0),
        ("US", "NATO", None, 0),
        ("DE", "NATO", "2022-01-11", 5),
        ("PL", "NATO", None, 0),
    ]
    assert "DE (via NATO)" in plain(c.ok("status", A, "--members").stdout)


# ---- due -----------------------------------------------------------------------------------------


def test_due_lists_what_is_owed(c: Cli) -> None:
    empty = c.ok("due")
    assert empty.stdout == "" and plain(empty.stderr).strip() == "no written answer is owed"
    assert c.ok_json("due") == {"ok": True, "today": today(), "owed": []}

    c.ok("handover", T, "--to", "US", "--point-by-point", "--date", "2022-01-10")
    c.ok("handover", A, "--to", "NATO", "--due", "2022-02-01", "--date", "2022-01-10")
    c.ok("receipt", A, "--as", "NATO", "--date", "2022-01-12")
    owed = c.ok_json("due")["owed"]
    assert all(set(o) == OWED_KEYS for o in owed)
    assert owed == [
        {
            "version": A,
            "title": owed[0]["title"],
            "author": "RU",
            "party": "NATO",
            "due": "2022-02-01",
            "point_by_point": False,
            "delivered": "2022-01-10",
            "acknowledged": "2022-01-12",
            "unanswered": 9,
            "overdue": True,
        },
        {
            "version": T,
            "title": owed[1]["title"],
            "author": "RU",
            "party": "US",
            "due": None,
            "point_by_point": True,
            "delivered": "2022-01-10",
            "acknowledged": None,
            "unanswered": 8,
            "overdue": False,
        },
    ]
    assert owed[0]["title"].startswith("Agreement on measures") and owed[1]["title"].startswith("Treaty")
    lines = plain(c.ok("due").stdout).splitlines()
    [nato] = [line for line in lines if "NATO" in line]
    [us] = [line for line in lines if " US " in line]
    assert "2022-02-01 OVERDUE" in nato and "a@v1" in nato and "9 points" in nato
    assert "no date" in us and "OVERDUE" not in us and lines.index(nato) < lines.index(us)


# ---- matrix --------------------------------------------------------------------------------------


def test_matrix_json_csv_and_html(c: Cli) -> None:
    c.ok("handover", T, "--to", "US", "--point-by-point", "--date", "2022-01-10")
    file = write(
        c,
        "us.md",
        "## Article 1: accept\n\n## Article 2: reject\n\n## Article 4 {art_4__para_1}: amend\n> New.\n",
    )
    c.ok("answer", T, "--as", "US", "--file", str(file), "--date", "2022-01-12")

    m = c.ok_json("matrix", "sg")
    assert set(m) == {"ok", "scope", "columns", "rows"}
    assert (m["scope"], m["columns"], len(m["rows"])) == ("sg", ["RU", "US"], 18)
    assert all(set(r) == {"version", "eid", "label", "contested", "unanswered", "cells"} for r in m["rows"])
    rows = {r["eid"]: r for r in m["rows"]}
    assert rows["art_1__point_ii"] == {
        "version": T,
        "eid": "art_1__point_ii",
        "label": "Article 1 ii)",
        "contested": False,
        "unanswered": 0,
        "cells": {
            "RU": {"state": "proposed", "inherited": False},
            "US": {"state": "accept", "inherited": True},
        },
    }
    assert (rows["art_2"]["contested"], rows["art_2"]["cells"]["US"]["state"]) == (True, "reject")
    assert (rows["art_4__para_2"]["unanswered"], rows["art_4__para_2"]["cells"]["US"]["state"]) == (
        1,
        "unanswered",
    )

    grid, page = c.db.parent.parent / "m.csv", c.db.parent.parent / "m.html"
    message = act(c, "matrix", "sg", "--csv", str(grid), "--html", str(page))
    assert message.splitlines() == [f"wrote {grid}", f"wrote {page}"]
    table = list(csv.reader(io.StringIO(grid.read_text(encoding="utf-8"))))
    assert table[0] == ["version", "eid", "point", "RU", "US", "contested", "unanswered"]
    assert table[1] == [T, "art_1", "Article 1", "proposed", "accept", "", "0"]
    assert table[4] == [T, "art_2", "Article 2", "proposed", "reject", "yes", "0"]
    assert [r[1] for r in table[1:]] == list(TREATY_EIDS)
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<title>Positions: sg</title>" in html
    assert '<td class="accept inherited">accept</td>' in html and "Article 2 (contested)" in html

    human = c.ok("matrix", "ru-us")
    assert "positions in ru-us" in plain(human.stdout) and "accept*" in plain(human.stdout)
    assert plain(human.stderr).startswith("key: * taken on the article as a whole")
    nothing = c.ok("matrix", "other")
    assert (
        nothing.stdout == "" and plain(nothing.stderr).strip() == "nothing has been handed over in other yet"
    )


def test_matrix_html_escapes_the_parties_text(c: Cli) -> None:
    draft = write(
        c, "x.txt", "A test text\n\nArticle 1 [<script>alert(1)</script>]\n\nThe Parties shall meet.\n"
    )
    c.ok("draft", "import", str(draft), "--track", "ru-us", "--as", "RU", "--doc", "x")
    c.ok("handover", "x@v1", "--to", "US", "--date", "2022-01-10")
    page = c.db.parent.parent / "x.html"
    c.ok("matrix", "ru-us", "--html", str(page))
    html = page.read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "Article 1 [&lt;script&gt;alert(1)&lt;/script&gt;]" in html
    assert c.ok_json("matrix", "ru-us")["rows"][0]["label"] == "Article 1 [<script>alert(1)</script>]"


# ---- meetings and preconditions ------------------------------------------------------------------


def test_meetings_and_a_handover_at_one(c: Cli) -> None:
    size = leaf_count(c)
    message = act(
        c,
        *shlex.split(
            "meeting add --track ru-us --date 2022-01-10 --place Geneva"
            " --delegate 'S. Ryabkov' --delegate 'W. Sherman' --tabled t@v1"
        ),
    )
    assert message == f"ru-us/2022-01-10: meeting in Geneva recorded (event {size})"
    second = c.ok_json(
        "meeting", "add", "--track", "ru-us", "--date", "2022-01-10", "--place", "Geneva", "--as", "US"
    )
    assert second["meeting"] == "ru-us/2022-01-10-2" and second["event"]["type"] == "meeting.held"
    listed = c.ok_json("meeting", "list", "--track", "ru-us")["meetings"]
    assert listed[0] == {
        "meeting": "ru-us/2022-01-10",
        "track": "ru-us",
        "date": "2022-01-10",
        "place": "Geneva",
        "delegates": ["S. Ryabkov", "W. Sherman"],
        "tabled": [T],
        "event": size,
    }
    assert [m["meeting"] for m in listed] == ["ru-us/2022-01-10", "ru-us/2022-01-10-2"]
    assert "S. Ryabkov; W. Sherman" in plain(c.ok("meeting", "list").stdout)

    handed = c.ok_json("handover", T, "--to", "US", "--at", "ru-us/2022-01-10-2", "--date", "2022-01-10")
    assert set(handed) == {"ok", "handover", "version", "to", "due", "point_by_point", "event"}
    assert (handed["handover"], handed["to"], handed["due"]) == ("t@v1/h1", ["US"], None)
    events = c.ok_json("log", "show", "--from", str(handed["event"]["seq"]))["events"]
    assert events[0]["body"]["meeting"] == "ru-us/2022-01-10-2"
    c.fails(
        "handover",
        T,
        "--to",
        "US",
        "--at",
        "nrc/2022-01-10",
        mentions="meeting nrc/2022-01-10 does not exist",
    )


def test_preconditions(c: Cli) -> None:
    size = leaf_count(c)
    message = act(
        c,
        "precondition",
        "add",
        "--track",
        "ru-us",
        "--as",
        "RU",
        "--text",
        "Guarantees",
        "--date",
        "2022-01-10",
    )
    assert message == f"ru-us/pre/1: recorded (event {size})"
    accepted = c.ok_json(
        "precondition",
        "accept",
        "ru-us/pre/1",
        "--as",
        "US",
        "--reason",
        "As a basis",
        "--date",
        "2022-01-11",
    )
    assert {k: accepted[k] for k in ("precondition", "act", "status")} == {
        "precondition": "ru-us/pre/1",
        "act": "accept",
        "status": "accepted",
    }
    assert act(c, "precondition", "meet", "ru-us/pre/1", "--as", "US", "--date", "2022-01-20") == (
        f"ru-us/pre/1: meet by US; now met (event {size + 2})"
    )
    assert c.fails_json("precondition", "reject", "ru-us/pre/1", "--as", "US")["code"] == "conflict"

    c.ok(
        "precondition",
        "add",
        "--track",
        "ru-us",
        "--as",
        "US",
        "--text",
        "No enlargement",
        "--anticipated",
        "--date",
        "2022-01-05",
    )
    rejected = c.ok_json("precondition", "reject", "ru-us/pre/2", "--as", "US", "--date", "2022-01-05")
    assert rejected["status"] == "rejected in advance"
    c.ok(
        "precondition",
        "add",
        "--track",
        "ru-us",
        "--as",
        "RU",
        "--text",
        "Withdrawal",
        "--date",
        "2022-01-06",
    )
    line = c.fails("precondition", "waive", "ru-us/pre/3", "--as", "US", mentions="only the party that set")
    assert "(RU)" in line
    assert c.fails_json("precondition", "waive", "ru-us/pre/3", "--as", "US")["code"] == "refused"

    listed = c.ok_json("precondition", "list", "--track", "ru-us")["preconditions"]
    assert [(p["precondition"], p["by"], p["anticipated"], p["status"]) for p in listed] == [
        ("ru-us/pre/1", "RU", False, "met"),
        ("ru-us/pre/2", "US", True, "rejected in advance"),
        ("ru-us/pre/3", "RU", False, "open"),
    ]
    assert listed[0]["acts"] == [
        {"act": "accept", "party": "US", "date": "2022-01-11", "reason": "As a basis", "event": size + 1},
        {"act": "meet", "party": "US", "date": "2022-01-20", "reason": None, "event": size + 2},
    ]
    table = plain(c.ok("precondition", "list").stdout)
    assert "US (anticipated)" in table and "2022-01-11 US accept: As a basis" in table


# ---- errors --------------------------------------------------------------------------------------


@pytest.fixture
def handed(c: Cli) -> Cli:
    c.ok("handover", T, "--to", "US", "--due", "2022-01-20", "--point-by-point", "--date", "2022-01-10")
    c.ok("receipt", T, "--as", "US", "--date", "2022-01-11")
    return c


ERRORS: dict[str, tuple[list[str], str, str]] = {
    "handover to an unknown party": (
        ["handover", T, "--to", "ZZ"],
        "party ZZ is not registered",
        "not_found",
    ),
    "due before the handover": (
        ["handover", T, "--to", "US", "--due", "2022-01-01", "--date", "2022-01-10"],
        "the answer cannot be due (2022-01-01) before the hand-over (2022-01-10)",
        "invalid_input",
    ),
    "handover in the future": (
        ["handover", T, "--to", "US", "--date", "2999-01-01"],
        "in the future",
        "invalid_input",
    ),
    "handover of no version": (
        ["handover", "ghost@v1", "--to", "US"],
        "version ghost@v1 does not exist",
        "not_found",
    ),
    # t@v1 is RU's draft, seen by RU and those it was handed to: DE may not learn it exists
    "receipt by a non-recipient": (["receipt", T, "--as", "DE"], "version t@v1 does not exist", "not_found"),
    "duplicate receipt": (
        ["receipt", T, "--as", "US"],
        "US has already acknowledged every hand-over of t@v1",
        "conflict",
    ),
    "answer by a party not handed it": (
        ["answer", T, "--as", "DE", "--file", "{ok}"],
        "version t@v1 does not exist",
        "not_found",
    ),
    "answer without --as": (
        ["answer", T, "--file", "{ok}"],
        "say who answers with --as PARTY",
        "invalid_input",
    ),
    "answer without a file": (["answer", T, "--as", "US"], "give the answer with --file", "invalid_input"),
    "answer with both forms": (
        ["answer", T, "--as", "US", "--file", "{ok}", "--prose", "{ok}"],
        "give the answer with --file",
        "invalid_input",
    ),
    "answer file missing": (
        ["answer", T, "--as", "US", "--file", "{missing}"],
        "no file at",
        "invalid_input",
    ),
    "answer naming an unknown point": (
        ["answer", T, "--as", "US", "--file", "{unknown}"],
        "unknown.md:3: the draft has no point art_99",
        "invalid_input",
    ),
    "malformed answer": (
        ["answer", T, "--as", "US", "--file", "{bad}"],
        "bad.md:3: text under a point must be a '> ' quote",
        "invalid_input",
    ),
    "answer leaving every point open": (
        ["answer", T, "--as", "US", "--file", "{blank}"],
        "blank.md: the answer takes no position",
        "invalid_input",
    ),
    "status of no version": (["status", "ghost@v1"], "version ghost@v1 does not exist", "not_found"),
    "template of no version": (
        ["answer", "ghost@v1", "--template"],
        "version ghost@v1 does not exist",
        "not_found",
    ),
    "matrix of nothing": (["matrix", "nope"], "no track or process named nope", "not_found"),
    "meeting in the future": (
        ["meeting", "add", "--track", "ru-us", "--date", "2999-01-01", "--place", "Geneva"],
        "in the future",
        "invalid_input",
    ),
    "precondition by a non-party": (
        ["precondition", "add", "--track", "ru-us", "--as", "DE", "--text", "X"],
        "DE is not a party to track ru-us",
        "refused",
    ),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors(handed: Cli, case: str) -> None:
    args, message, code = ERRORS[case]
    files = {
        "{ok}": write(handed, "ok.md", "## Article 1: accept\n"),
        "{missing}": handed.db.parent.parent / "missing.md",
        "{unknown}": write(handed, "unknown.md", "## Article 1: accept\n\n## Article 99 {art_99}: accept\n"),
        "{bad}": write(handed, "bad.md", "## Article 1 {art_1}: amend\n\nThe Parties shall talk.\n"),
        "{blank}": write(handed, "blank.md", "## Article 1 {art_1}: ?\n\n## Article 2 {art_2}: ?\n"),
    }
    args = [str(files.get(a, a)) for a in args]
    size = leaf_count(handed)
    handed.fails(*args, mentions=message)
    error = handed.fails_json(*args)
    assert error["code"] == code
    assert leaf_count(handed) == size


def test_an_answer_file_error_names_file_and_line(handed: Cli) -> None:
    bad = write(handed, "bad.md", "# Answer\n\n## Article 1 {art_1}: maybe\n")
    error = handed.fails_json("answer", T, "--as", "US", "--file", str(bad))
    assert error["where"] == "bad.md:3"
    assert error["message"].startswith("unknown position 'maybe' on art_1; use one of accept, amend")
    line = assert_failed(handed.invoke("answer", T, "--as", "US", "--file", str(bad)), "")
    assert line.startswith("error: bad.md:3: unknown position 'maybe'")
