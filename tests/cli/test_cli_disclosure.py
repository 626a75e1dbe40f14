"""`inwriting disclosure ... | publish | delegate ... | track new --policy | track policy`, audiences on
`draft import`, and `--as PARTY` on reads, through Typer's runner: the --json documents, the human
lines, the refusal that says why a text may not be published, and an unseen text answered exactly as
a text that does not exist."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import ORIGIN, Cli, assert_failed, leaf_count, one_json, plain

T, U, P, PUB = "t@v1", "u@v1", "p@v1", "pub@v1"
A, B = "t@v1/answer/US/1", "u@v1/answer/US/1"  # US's answers to t (policy consent) and u (unilateral)
GHOST = "ghost@v1"
EVENT_KEYS = {"seq", "id", "type", "time", "leaf_hash"}
STORY_KEYS = {
    "ok",
    "text",
    "owner",
    "audience",
    "audience_parties",
    "handed_to",
    "policy",
    "public",
    "published_points",
    "owner_stance",
    "you_see",
    "acts",
    "publications",
}
SECRET = "The tsecondcode article must never leak."


def draft(name: str) -> str:
    return (
        f"TITLE: The {name} text\n\nTHE {name.upper()} TEXT\n\nThe {name}preamblecode preamble.\n\n"
        f"Article 1\n\nThe {name}publishedcode article may be read by all.\n\n"
        f"Article 2\n\nThe {name}secondcode article must never leak.\n"
    )


def build(cli: Cli, root: Path) -> None:
    """RU, US, DE, PL and NATO (members: DE), each with a key; tracks ru-us (policy consent) and uni
    (unilateral); RU's t on ru-us and u on uni, each for its eyes only, handed to US and answered;
    p for US and DE; pub for everyone."""
    cli.ok("init", "--origin", ORIGIN)
    for party in ("RU", "US", "DE", "PL"):
        cli.ok("party", "add", party, "--name", f"Party {party}")
    cli.ok(
        *shlex.split("party add NATO --name 'North Atlantic Treaty Organization' --kind alliance --member DE")
    )
    for party in ("RU", "US", "DE", "PL", "NATO"):
        cli.ok("key", "new", party)
    cli.ok("process", "new", "sg", "--title", "Security guarantees")
    cli.ok(*shlex.split("track new ru-us --process sg --forum 'Bilateral, Geneva' --party RU --party US"))
    cli.ok(
        *shlex.split("track new uni --process sg --forum Vienna --party RU --party US --policy unilateral")
    )
    for doc, track in (("t", "ru-us"), ("u", "uni")):
        file = root / f"{doc}.txt"
        file.write_text(draft(doc), encoding="utf-8")
        cli.ok("draft", "import", str(file), "--track", track, "--as", "RU", "--doc", doc)
        cli.ok("handover", f"{doc}@v1", "--to", "US", "--date", "2022-01-10")
        answer = root / f"{doc}-answer.md"
        answer.write_text("## Article 1 {art_1}: reject\n\nReason: Not acceptable.\n", encoding="utf-8")
        cli.ok("answer", f"{doc}@v1", "--as", "US", "--file", str(answer), "--date", "2022-01-12")
    for doc, audience in (
        ("p", ["--audience", "parties", "--audience-party", "US", "--audience-party", "DE"]),
    ):
        file = root / f"{doc}.txt"
        file.write_text(draft(doc), encoding="utf-8")
        cli.ok("draft", "import", str(file), "--track", "ru-us", "--as", "RU", "--doc", doc, *audience)
    file = root / "pub.txt"
    file.write_text(draft("pub"), encoding="utf-8")
    cli.ok(
        "draft", "import", str(file), "--track", "ru-us", "--as", "RU", "--doc", "pub", "--audience", "public"
    )


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("disclosure")
    build(Cli(root / "inwriting.db", root / "keys"), root)
    return root


@pytest.fixture
def c(record: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    copy = tmp_path / "record"
    shutil.copytree(record, copy)
    return Cli(copy / "inwriting.db", copy / "keys")


def act(cli: Cli, *args: str) -> str:
    """An act without --json: nothing on stdout, its message on stderr (returned)."""
    result = cli.ok(*args)
    assert result.stdout == ""
    return plain(result.stderr).strip()


def recorded(cli: Cli, *args: str, event: str) -> dict[str, Any]:
    """An act with --json: one document naming the event it recorded, which is the log's last."""
    size = leaf_count(cli)
    document: dict[str, Any] = cli.ok_json(*args)
    assert set(document["event"]) == EVENT_KEYS
    assert (document["event"]["type"], document["event"]["seq"]) == (event, size)
    return document


def refused(cli: Cli, *args: str, says: str, code: str) -> str:
    """Exit 1 with one `error:` line (and one envelope with --json); nothing written."""
    size = leaf_count(cli)
    line = cli.fails(*args, mentions=says)
    assert cli.fails_json(*args)["code"] == code
    assert leaf_count(cli) == size
    return line


def story(cli: Cli, text: str, *viewer: str) -> dict[str, Any]:
    document: dict[str, Any] = cli.ok_json("disclosure", "show", text, *viewer)
    assert set(document) == STORY_KEYS
    return document


# ---- tracks and their policy ---------------------------------------------------------------------------


def test_track_policy_on_creation_and_after(c: Cli) -> None:
    created = recorded(
        c,
        *shlex.split("track new open --process sg --forum Vienna --party RU --party US --policy unilateral"),
        event="track.created",
    )
    assert {k: created[k] for k in ("ok", "track", "policy")} == {
        "ok": True,
        "track": "open",
        "policy": "unilateral",
    }
    message = act(c, *shlex.split("track new closed --process sg --forum Vienna --party RU --party US"))
    assert message.startswith("track closed created in sg, publication policy consent (event ")

    changed = recorded(c, "track", "policy", "ru-us", "unilateral", event="track.policy_set")
    assert set(changed) == {"ok", "track", "policy", "event"}
    assert (changed["track"], changed["policy"]) == ("ru-us", "unilateral")
    assert story(c, A)["policy"] == "unilateral"
    assert act(c, "track", "policy", "ru-us", "consent") == "track ru-us: policy consent"
    assert story(c, A)["policy"] == "consent"

    refused(
        c,
        "track",
        "policy",
        "ru-us",
        "open",
        says="policy must be one of consent, unilateral",
        code="invalid_input",
    )
    refused(c, "track", "policy", "nowhere", "consent", says="track nowhere does not exist", code="not_found")
    refused(
        c,
        *shlex.split("track new bad --process sg --forum X --party RU --party US --policy open"),
        says="policy must be one of consent, unilateral; got 'open'",
        code="invalid_input",
    )


# ---- audiences ------------------------------------------------------------------------------------------


def test_draft_import_audiences(c: Cli, tmp_path: Path) -> None:
    file = tmp_path / "n.txt"
    file.write_text(draft("n"), encoding="utf-8")
    imported = c.ok_json("draft", "import", str(file), "--track", "ru-us", "--as", "RU", "--doc", "n")
    assert imported["version"] == "n@v1" and imported["points"] == 2
    assert story(c, "n@v1")["audience"] == "author"  # a draft in preparation, by default
    for viewer in ("US", "DE", "NATO", "PL"):
        c.fails("draft", "show", "n@v1", "--as", viewer, mentions="version n@v1 does not exist")
    assert c.ok_json("draft", "show", "n@v1", "--as", "RU")["version"] == "n@v1"

    told = story(c, P)
    assert (told["audience"], told["audience_parties"]) == ("parties", ["US", "DE"])
    for viewer in ("RU", "US", "DE"):
        shown = c.ok_json("draft", "show", P, "--as", viewer)
        assert [p["eid"] for p in shown["points"]] == ["art_1", "art_2"]
    for viewer in ("NATO", "PL"):
        c.fails("draft", "show", P, "--as", viewer, mentions=f"version {P} does not exist")
    assert story(c, PUB)["audience"] == "public"
    assert c.ok_json("draft", "show", PUB, "--as", "PL")["points"][1]["text"] == (
        "The pubsecondcode article must never leak."
    )
    tracked = c.ok_json(
        "draft", "import", str(file), "--track", "ru-us", "--as", "RU", "--doc", "n", "--audience", "track"
    )
    assert tracked["version"] == "n@v2"
    assert c.ok_json("draft", "show", "n@v2", "--as", "US")["version"] == "n@v2"
    versions = c.ok_json("draft", "versions", "n", "--as", "US")["versions"]
    assert [v["version"] for v in versions] == ["n@v2"]

    base = ("draft", "import", str(file), "--track", "ru-us", "--as", "RU", "--doc", "m")
    refused(
        c,
        *base,
        "--audience",
        "bogus",
        says="audience must be one of author, track, parties, public",
        code="invalid_input",
    )
    refused(
        c,
        *base,
        "--audience",
        "parties",
        says="an audience of named parties names them",
        code="invalid_input",
    )
    refused(
        c,
        *base,
        "--audience-party",
        "US",
        says="an audience of named parties names them",
        code="invalid_input",
    )
    refused(
        c,
        *base,
        "--audience",
        "parties",
        "--audience-party",
        "XX",
        says="party XX is not registered",
        code="not_found",
    )


# ---- an unseen text is a text that does not exist --------------------------------------------------------


READS = {
    "draft show": ["draft", "show", "{v}", "--as", "{p}"],
    "draft versions": ["draft", "versions", "{doc}", "--as", "{p}"],
    "draft export": ["draft", "export", "{v}", "--out", "{out}", "--as", "{p}"],
    "redline": ["redline", PUB, "{v}", "--as", "{p}"],
    "answer template": ["answer", "{v}", "--template", "--as", "{p}"],
    "status": ["status", "{v}", "--as", "{p}"],
    "disclosure show": ["disclosure", "show", "{v}", "--as", "{p}"],
    "disclosure show (answer)": ["disclosure", "show", "{a}", "--as", "{p}"],
}


@pytest.mark.parametrize("viewer", ["PL", "NATO", "DE"])
@pytest.mark.parametrize("command", list(READS))
def test_an_unseen_text_reads_as_one_that_does_not_exist(
    c: Cli, tmp_path: Path, command: str, viewer: str
) -> None:
    def run(version: str, answer: str, *, as_json: bool) -> Any:
        values = {"{v}": version, "{doc}": version.split("@")[0], "{a}": answer, "{p}": viewer}
        values["{out}"] = str(tmp_path / "out.md")
        args = [values.get(a, a) for a in READS[command]]
        result = c.invoke(*args, *(["--json"] if as_json else []))
        line = assert_failed(result, "")
        return one_json(result) if as_json else line

    def to_real(value: str) -> str:
        return value.replace(f"{GHOST}/answer/US/1", A).replace(GHOST, T).replace("ghost", "t")

    seen_line, absent_line = run(T, A, as_json=False), run(GHOST, f"{GHOST}/answer/US/1", as_json=False)
    assert seen_line == to_real(absent_line)
    assert "does not exist" in seen_line
    seen, absent = run(T, A, as_json=True), run(GHOST, f"{GHOST}/answer/US/1", as_json=True)
    assert seen == {
        **absent,
        "error": {k: to_real(v) if isinstance(v, str) else v for k, v in absent["error"].items()},
    }
    assert seen["error"]["code"] == "not_found"
    assert not (tmp_path / "out.md").exists()


def test_draft_show_as_an_outsider_prints_the_error_of_a_nonexistent_version(c: Cli) -> None:
    seen = c.invoke("draft", "show", T, "--as", "PL")
    absent = c.invoke("draft", "show", "t@v9", "--as", "PL")
    assert plain(seen.stderr).replace(T, "t@v9") == plain(absent.stderr)
    assert plain(seen.stderr).strip() == f"error: version {T} does not exist"
    assert (seen.stdout, seen.exit_code) == (absent.stdout, absent.exit_code) == ("", 1)
    assert c.fails_json("draft", "show", T, "--as", "PL") == {
        "code": "not_found",
        "message": f"version {T} does not exist",
        "where": None,
    }
    assert c.ok_json("draft", "show", T, "--as", "US")["version"] == T  # handed to US


def test_status_as_a_party_shows_only_its_rows(c: Cli) -> None:
    c.ok("handover", PUB, "--to", "US", "--to", "NATO", "--date", "2022-01-11", "--due", "2022-01-30")
    rows = {
        viewer: [(r["party"], r["through"]) for r in c.ok_json("status", PUB, "--as", viewer)["recipients"]]
        for viewer in ("RU", "US", "NATO", "DE", "PL")
    }
    assert rows == {
        "RU": [("US", None), ("NATO", None)],
        "US": [("US", None)],
        "NATO": [("NATO", None)],
        "DE": [("NATO", None)],
        "PL": [],
    }
    assert [r["party"] for r in c.ok_json("status", PUB, "--members", "--as", "DE")["recipients"]] == [
        "NATO",
        "DE",
    ]
    quiet = c.ok("status", PUB, "--as", "PL")
    assert quiet.stdout == "" and plain(quiet.stderr).strip() == f"no hand-over of {PUB} concerns PL"
    table = plain(c.ok("status", PUB, "--as", "DE").stdout)
    assert "NATO" in table and "US " not in table
    assert [o["party"] for o in c.ok_json("due", "--as", "DE")["owed"]] == ["NATO"]
    assert c.ok_json("due", "--as", "PL")["owed"] == []
    matrix = c.ok_json("matrix", "sg", "--as", "DE")
    assert matrix["columns"] == ["RU", "NATO"]


# ---- requests, consents, refusals and publishing ---------------------------------------------------------


def test_the_story_of_an_answer_nobody_may_publish(c: Cli) -> None:
    embargo = recorded(
        c,
        "disclosure",
        "request-embargo",
        A,
        "--as",
        "US",
        "--reason",
        "A confidential exchange.",
        "--until",
        "2030-01-01",
        "--date",
        "2022-01-26",
        event="disclosure.requested",
    )
    assert set(embargo) == {"ok", "text", "event"} and embargo["text"] == A
    assert act(c, "disclosure", "request-publication", A, "--as", "RU", "--reason", "It would be right.") == (
        f"RU asks to publish {A}"
    )
    line = refused(c, "publish", A, "--as", "RU", says="", code="refused")
    assert line == (
        f"error: publishing {A} needs US's consent on this track (policy consent):"
        " US asked that it not be published"
    )
    assert act(c, "disclosure", "refuse", A, "--as", "US", "--reason", "Not now.") == (
        f"US refuses the publication of {A}"
    )
    line = refused(c, "publish", A, "--as", "RU", says="", code="refused")
    assert line.endswith(": US refused its consent")
    consent = recorded(c, "disclosure", "consent", A, "--as", "US", event="disclosure.answered")
    assert consent["text"] == A
    published = recorded(c, "publish", A, "--as", "RU", "--date", "2022-02-03", event="text.published")
    assert {k: published[k] for k in ("ok", "text", "points")} == {"ok": True, "text": A, "points": []}

    told = story(c, A, "--as", "PL")  # published: now anyone's
    assert {
        k: told[k] for k in ("owner", "policy", "public", "published_points", "owner_stance", "you_see")
    } == {
        "owner": "US",
        "policy": "consent",
        "public": True,
        "published_points": [],
        "owner_stance": "consent",
        "you_see": "all",
    }
    assert [(a["kind"], a["party"], a["until"]) for a in told["acts"]] == [
        ("embargo", "US", "2030-01-01"),
        ("publication", "RU", None),
        ("refuse", "US", None),
        ("consent", "US", None),
    ]
    [publication] = told["publications"]
    assert publication == {
        "by": "RU",
        "points": [],
        "date": "2022-02-03",
        "elsewhere": False,
        "publisher": None,
        "source": None,
        "over_objection": False,
        "event": leaf_count(c) - 1,
    }
    shown = c.ok("disclosure", "show", A)
    text = plain(shown.stdout)
    assert f"{A} by US: audience answering party and the version's author; track policy consent" in text
    assert "published; the owner's latest word: consent" in text
    assert "A confidential exchange. (until 2030-01-01)" in text


def test_the_refusal_says_why_when_nothing_was_asked(c: Cli) -> None:
    line = refused(c, "publish", A, "--as", "RU", says="", code="refused")
    assert line == (
        f"error: publishing {A} needs US's consent on this track (policy consent): US has not consented"
        " (ask with `disclosure request-publication`)"
    )


@pytest.mark.parametrize(
    ("args", "says", "code"),
    [
        (
            ["disclosure", "request-embargo", A, "--as", "RU", "--reason", "No."],
            f"only US, whose text {A} is",
            "refused",
        ),
        (["disclosure", "request-publication", T, "--as", "RU"], "RU may publish its own text", "refused"),
        (["disclosure", "consent", A, "--as", "US"], f"no one has asked to publish {A}", "refused"),
        (["disclosure", "refuse", T, "--as", "US"], f"only RU, whose text {T} is, can consent", "refused"),
        (["publish", T, "--as", "RU", "--points", "art_1,art_9"], f"{T} has no point art_9", "not_found"),
        (
            ["disclosure", "request-embargo", GHOST, "--as", "RU", "--reason", "x"],
            "does not exist",
            "not_found",
        ),
        (["disclosure", "request-publication", T, "--as", "PL"], f"version {T} does not exist", "not_found"),
        (
            ["disclosure", "request-embargo", A, "--as", "US", "--reason", " "],
            "reason must not be empty",
            "invalid_input",
        ),
        (
            ["disclosure", "request-embargo", A, "--as", "US", "--reason", "x", "--until", "soon"],
            "until",
            "invalid_input",
        ),
        (
            ["disclosure", "published-elsewhere", A, "--as", "DE", "--publisher", "X", "--source", "Y"],
            f"answer {A} does not exist",
            "not_found",
        ),
    ],
    ids=[
        "embargo-by-non-owner",
        "publication-asked-by-owner",
        "consent-before-request",
        "refuse-by-non-owner",
        "unknown-point",
        "no-such-text",
        "outsider-asks",
        "empty-reason",
        "bad-until",
        "outsider-records-elsewhere",
    ],
)
def test_disclosure_refusals(c: Cli, args: list[str], says: str, code: str) -> None:
    refused(c, *args, says=says, code=code)


def test_publish_chosen_points(c: Cli) -> None:
    document = recorded(c, "publish", T, "--as", "RU", "--points", "art_1", event="text.published")
    assert document["points"] == ["art_1"]
    shown = c.ok_json("draft", "show", T, "--as", "PL")
    assert [p["eid"] for p in shown["points"]] == ["art_1"]
    assert SECRET not in c.ok("draft", "show", T, "--as", "PL").stdout
    assert SECRET in c.ok("draft", "show", T, "--as", "US").stdout  # handed the whole text
    told = story(c, T, "--as", "DE")
    assert (told["published_points"], told["you_see"]) == (["art_1"], "published points")
    assert act(c, "publish", T, "--as", "RU", "--points", "art_2") == f"RU published points art_2 of {T}"
    assert [p["eid"] for p in c.ok_json("draft", "show", T, "--as", "PL")["points"]] == ["art_1", "art_2"]
    text = plain(c.ok("disclosure", "show", T).stdout)
    assert "points published: art_1, art_2" in text


def test_published_elsewhere_opens_nothing(c: Cli) -> None:
    c.ok(
        "disclosure", "request-embargo", A, "--as", "US", "--reason", "Confidential.", "--date", "2022-01-26"
    )
    document = recorded(
        c,
        "disclosure",
        "published-elsewhere",
        A,
        "--publisher",
        "El País",
        "--source",
        "https://elpais.com/x",
        "--date",
        "2022-02-02",
        event="text.published_elsewhere",
    )
    assert document["text"] == A
    for viewer in ("DE", "PL", "NATO"):
        c.fails("disclosure", "show", A, "--as", viewer, mentions=f"answer {A} does not exist")
    told = story(c, A, "--as", "RU")
    assert told["public"] is False
    [publication] = told["publications"]
    assert {k: publication[k] for k in ("by", "elsewhere", "publisher", "source", "over_objection")} == {
        "by": "@operator",
        "elsewhere": True,
        "publisher": "El País",
        "source": "https://elpais.com/x",
        "over_objection": True,
    }
    text = plain(c.ok("disclosure", "show", A).stdout)
    assert "not published; the owner's latest word: embargo" in text
    assert (
        "published elsewhere" in text and "El País, https://elpais.com/x, over the owner's objection" in text
    )
    assert act(
        c, "disclosure", "published-elsewhere", A, "--as", "RU", "--publisher", "TASS", "--source", "tass.ru"
    ) == (f"recorded: TASS published {A}")


def test_unilateral_publication_keeps_the_objection(c: Cli) -> None:
    c.ok("disclosure", "request-embargo", B, "--as", "US", "--reason", "Confidential.")
    assert act(c, "publish", B, "--as", "RU") == f"RU published {B}"
    told = story(c, B)
    assert told["policy"] == "unilateral"
    assert [(p["by"], p["over_objection"]) for p in told["publications"]] == [("RU", True)]
    assert "over the owner's objection" in plain(c.ok("disclosure", "show", B).stdout)
    assert story(c, B, "--as", "PL")["you_see"] == "all"


# ---- delegates ------------------------------------------------------------------------------------------


def test_delegates_add_list_remove(c: Cli) -> None:
    added = recorded(
        c,
        *shlex.split(
            "delegate add US --name 'Antony Blinken' --title 'Secretary of State' --role negotiator"
        ),
        event="delegate.added",
    )
    assert {k: added[k] for k in ("ok", "party", "delegate", "roles")} == {
        "ok": True,
        "party": "US",
        "delegate": "blinken",
        "roles": ["negotiator"],
    }
    message = act(
        c,
        *shlex.split(
            "delegate add US --name 'Wendy R. Sherman' --title 'Deputy Secretary'"
            " --role reader --role signatory --id sherman"
        ),
    )
    assert message == "US/sherman: Wendy R. Sherman, Deputy Secretary (reader, signatory)"
    listed = c.ok_json("delegate", "list", "US")
    assert listed["delegates"] == [
        {
            "party": "US",
            "delegate": "blinken",
            "name": "Antony Blinken",
            "title": "Secretary of State",
            "roles": ["negotiator"],
            "active": True,
        },
        {
            "party": "US",
            "delegate": "sherman",
            "name": "Wendy R. Sherman",
            "title": "Deputy Secretary",
            "roles": ["reader", "signatory"],
            "active": True,
        },
    ]
    embargo = ("disclosure", "request-embargo", A, "--as", "US", "--reason", "Confidential.")
    refused(
        c,
        *embargo,
        says="US acts through its delegates; name the acting one (blinken, sherman)",
        code="refused",
    )
    refused(
        c,
        *embargo,
        "--delegate",
        "sherman",
        says="Wendy R. Sherman (reader, signatory) may not sign disclosure.requested for US",
        code="refused",
    )
    done = recorded(c, *embargo, "--delegate", "blinken", event="disclosure.requested")
    [event] = c.ok_json("log", "show", "--from", str(done["event"]["seq"]), "--limit", "1")["events"]
    assert event["actor"]["party"] == "US" and event["actor"]["delegate"] == "blinken"

    removed = recorded(c, "delegate", "remove", "US", "blinken", event="delegate.removed")
    assert {k: removed[k] for k in ("party", "delegate")} == {"party": "US", "delegate": "blinken"}
    refused(
        c, *embargo, "--delegate", "blinken", says="blinken is not an active delegate of US", code="refused"
    )
    refused(
        c, "delegate", "remove", "US", "blinken", says="US has no active delegate blinken", code="not_found"
    )
    assert [d["active"] for d in c.ok_json("delegate", "list", "US")["delegates"]] == [False, True]
    assert "removed" in plain(c.ok("delegate", "list").stdout)
    refused(
        c,
        *shlex.split("delegate add US --name 'Wendy Sherman' --title 'Deputy' --role reader --id sherman"),
        says="US already has a delegate sherman",
        code="conflict",
    )
    refused(
        c,
        *shlex.split("delegate add US --name 'X Y' --title 'T' --role king"),
        says="roles must be a non-empty list of reader, drafter, negotiator, signatory, admin",
        code="invalid_input",
    )


def test_draft_import_and_handover_by_delegates(c: Cli, tmp_path: Path) -> None:
    c.ok(*shlex.split("delegate add RU --name 'Pen Holder' --title 'Legal adviser' --role drafter --id pen"))
    c.ok(*shlex.split("delegate add RU --name 'Sergey Ryabkov' --title 'Deputy Minister' --role negotiator"))
    file = tmp_path / "w.txt"
    file.write_text(draft("w"), encoding="utf-8")
    base = ("draft", "import", str(file), "--track", "ru-us", "--as", "RU", "--doc", "w")
    refused(c, *base, says="name the acting one (pen, ryabkov)", code="refused")
    refused(
        c, *base, "--delegate", "ryabkov", says="(negotiator) may not sign version.created", code="refused"
    )
    assert c.ok_json(*base, "--delegate", "pen")["version"] == "w@v1"
    refused(
        c,
        "handover",
        "w@v1",
        "--to",
        "US",
        "--delegate",
        "pen",
        says="(drafter) may not sign handover.made",
        code="refused",
    )
    c.ok("handover", "w@v1", "--to", "US", "--delegate", "ryabkov")
    # The operator acts for nobody and needs no delegate.
    c.ok("disclosure", "published-elsewhere", "w@v1", "--publisher", "TASS", "--source", "tass.ru")
    c.ok("track", "policy", "ru-us", "unilateral")
    assert one_json(c.ok("log", "verify", "--json"))["ok"] is True
