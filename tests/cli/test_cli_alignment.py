"""`inwriting align ANSWER` and `inwriting align confirm` through Typer's runner: the --json document,
the table, decisions files, and errors as one `error:` line that leaves the log as it was."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import Cli, leaf_count, plain
from tests.cli.test_cli_negotiation import TREATY, c, drafted, write
from tests.storage.test_alignment import PROSE, US_ANSWER

__all__ = ["c", "drafted"]

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason="the corpus is not here")
T = "t@v1"
VIEW_KEYS = {"ok", "answer", "version", "party", "engine", "paragraphs", "unanswered", "confirmed"}
PARAGRAPH_KEYS = {"paragraph", "text", "heading", "points", "position", "confidence", "sentence", "confirmed"}


@pytest.fixture
def answered(c: Cli) -> Cli:
    c.ok("handover", T, "--to", "US", "--due", "2022-01-27", "--point-by-point", "--date", "2022-01-10")
    c.ok("answer", T, "--as", "US", "--prose", str(write(c, "us.txt", PROSE)), "--date", "2022-01-26")
    return c


def test_align_shows_suggestions_as_json_and_as_a_table(answered: Cli) -> None:
    size = leaf_count(answered)
    view = answered.ok_json("align", US_ANSWER)
    assert set(view) == VIEW_KEYS and view["engine"] == "tfidf"
    assert all(set(p) == PARAGRAPH_KEYS for p in view["paragraphs"])
    assert len(view["paragraphs"]) == 8
    fourth = view["paragraphs"][3]
    assert (fourth["points"][0]["eid"], fourth["position"]) == ("art_1", "reject")
    assert {"art_2", "art_3"} <= {u["eid"] for u in view["unanswered"]}
    assert answered.ok_json("align", "show", US_ANSWER, "--engine", "keyword")["engine"] == "keyword"
    shown = answered.ok("align", US_ANSWER)
    table = plain(shown.stdout)
    assert "We cannot accept Article 1" in table and "reject (" in table
    assert "no paragraph addresses: Article 2, Article 3" in plain(shown.stderr)
    assert "answered in prose, not confirmed (0 of 8 paragraphs)" in plain(shown.stderr)
    assert leaf_count(answered) == size  # reading writes nothing


def test_confirm_accept_all_then_a_decisions_file(answered: Cli) -> None:
    size = leaf_count(answered)
    done = answered.ok(
        "align",
        "confirm",
        US_ANSWER,
        "--as",
        "US",
        "--accept-all",
        "--delegate",
        "Sherman",
        "--date",
        "2022-01-28",
    )
    assert done.stdout == ""
    lines = plain(done.stderr).strip().splitlines()
    assert lines[0] == f"{US_ANSWER}: answered in prose, confirmed by US (Sherman) (event {size})"
    assert lines[1] == "5 of 8 paragraphs decided"
    status = answered.ok_json("status", T)["recipients"][0]
    assert status["answers"][0]["reading"] == "answered in prose, confirmed by US (Sherman)"
    assert status["answered_points"] > 0
    assert "answered in prose, confirmed by US (Sherman)" in plain(answered.ok("status", T).stdout)

    decisions = write(
        answered,
        "decisions.json",
        json.dumps(
            {
                "decisions": [
                    {"paragraph": 2, "decision": "change", "points": ["Article 2"], "position": "noted"},
                    {"paragraph": 8, "decision": "drop"},
                ]
            }
        ),
    )
    refused = answered.fails("align", "confirm", US_ANSWER, "--as", "RU", "--file", str(decisions))
    assert "US confirmed paragraph 2 of its own answer" in refused  # the author reads, US decides
    result = answered.ok_json(
        "align", "confirm", US_ANSWER, "--as", "US", "--delegate", "Sherman", "--file", str(decisions)
    )
    assert result["event"]["type"] == "answer.aligned" and result["event"]["seq"] == size + 1
    by_number = {p["paragraph"]: p for p in result["paragraphs"]}
    assert by_number[2]["confirmed"]["points"] == [{"eid": "art_2", "label": "Article 2"}]
    assert (by_number[8]["confirmed"]["decision"], by_number[8]["confirmed"]["by"]) == ("drop", "US")
    assert result["confirmed"]["summary"] == "answered in prose, confirmed by US (Sherman)"


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["align", "confirm", US_ANSWER, "--as", "US"], "give either --accept-all or --file DECISIONS"),
        (["align", "confirm", US_ANSWER, "--accept-all"], "say who confirms with --as PARTY"),
        (["align", US_ANSWER, "--engine", "magic"], "engine must be one of tfidf, embeddings, keyword"),
        (["align", "t@v1/answer/US/7"], "answer t@v1/answer/US/7 does not exist"),
        (["align", US_ANSWER, "--as", "NATO"], f"answer {US_ANSWER} does not exist"),
        (
            ["align", "confirm", US_ANSWER, "--as", "NATO", "--accept-all"],
            f"answer {US_ANSWER} does not exist",
        ),
        (["align", "confirm", US_ANSWER, "--as", "US", "--file", "{bad}"], "the decisions file is not JSON"),
        (["align", "confirm", US_ANSWER, "--as", "US", "--file", "{wrong}"], "paragraph must be a number"),
        (["align", "confirm", US_ANSWER, "--as", "US", "--file", "{missing}"], "no file at"),
    ],
)
def test_errors_name_the_problem_and_write_nothing(answered: Cli, args: list[str], mentions: str) -> None:
    files = {
        "{bad}": str(write(answered, "bad.json", "{not json")),
        "{wrong}": str(write(answered, "wrong.json", '[{"paragraph": 99, "decision": "keep"}]')),
        "{missing}": str(answered.db.parent.parent / "nowhere.json"),
    }
    size = leaf_count(answered)
    answered.fails(*(files.get(a, a) for a in args), mentions=mentions)
    assert mentions in answered.fails_json(*(files.get(a, a) for a in args))["message"]
    assert leaf_count(answered) == size


def test_options_may_come_before_the_answer_or_the_command(answered: Cli) -> None:
    assert answered.ok_json("align", "--engine", "keyword", US_ANSWER)["engine"] == "keyword"
    done = answered.ok_json("align", "--as", "US", "confirm", US_ANSWER, "--accept-all")
    assert done["event"]["type"] == "answer.aligned"
