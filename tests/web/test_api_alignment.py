"""Answers in prose aligned through the JSON API only, on SQLite and PostgreSQL: RU hands the real
draft treaty to the US point by point, the US answers in prose, reads how each paragraph seems to
answer the points, keeps one suggestion, changes another and drops a third; the version's status
then counts the confirmed points as answered and says who confirmed. A party that may not see the
answer gets the 404 of a missing one, word for word; a third party that sees it is refused; bad
decisions and a point-by-point answer are refused; none of these writes anything."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.storage.test_alignment import PROSE
from tests.web.conftest import TREATY, Api, error_of

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {TREATY.parent}")

ANSWER = "t@v1/answer/US/1"
URL = f"/answers/{ANSWER}/alignment"
HEADINGS = [True, False, True, False, True, False, False, False]


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["ok"] is True, body
    return body


def us_row(api: Api, party: str = "RU") -> dict[str, Any]:
    (row,) = ok(api.get(party, "/versions/t@v1/status"))["recipients"]
    assert row["party"] == "US"
    return dict(row)


@pytest.fixture
def handed(api: Api) -> Api:
    """RU's treaty t@v1 (18 points, 8 articles) handed to the US, point by point."""
    ok(api.upload("RU", TREATY.name, TREATY.read_bytes(), document="t"), 201)
    ok(api.post("RU", "/versions/t@v1/handovers", json={"to": ["US"], "point_by_point": True}), 201)
    return api


@pytest.fixture
def prose(handed: Api) -> Api:
    """... and answered by the US in prose (8 paragraphs, 3 of them headings): t@v1/answer/US/1."""
    answered = ok(handed.post("US", "/versions/t@v1/answers", json={"form": "prose", "text": PROSE}), 201)
    assert (answered["answer"], answered["form"], answered["positions"]) == (ANSWER, "prose", 0)
    return handed


def by_number(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {p["paragraph"]: p for p in document["paragraphs"]}


def eids(items: list[dict[str, Any]]) -> list[str]:
    return [x["eid"] for x in items]


def test_read_decide_and_the_status_counts_what_is_confirmed(prose: Api) -> None:
    # The suggestions, as the answering party and as the author read them: nothing recorded by reading
    size = prose.size()
    read = ok(prose.get("US", URL))
    assert (read["answer"], read["version"], read["party"], read["engine"]) == (ANSWER, "t@v1", "US", "tfidf")
    assert [p["heading"] for p in read["paragraphs"]] == HEADINGS
    paragraphs = by_number(read)
    assert eids(paragraphs[4]["points"]) == ["art_1"] and paragraphs[4]["points"][0]["named"] is True
    assert paragraphs[4]["points"][0]["label"] == "Article 1" and paragraphs[4]["position"] == "reject"
    assert paragraphs[4]["sentence"].startswith("We cannot accept Article 1")
    assert (eids(paragraphs[6]["points"]), paragraphs[6]["position"]) == (["art_4"], "reject")
    assert (eids(paragraphs[7]["points"]), paragraphs[7]["position"]) == (["art_5"], "counter")
    assert (eids(paragraphs[8]["points"]), paragraphs[8]["position"]) == (["art_6"], "clarify")
    assert all(p["confirmed"] is None for p in read["paragraphs"])
    assert {"art_2", "art_3", "art_7", "art_8"} <= set(eids(read["unanswered"]))
    assert read["confirmed"] == {
        "paragraphs": 0,
        "of": 8,
        "by": [],
        "summary": "answered in prose, not confirmed",
        "unanswered": read["confirmed"]["unanswered"],
    }
    assert ok(prose.get("RU", URL))["paragraphs"] == read["paragraphs"]  # the author reads the same
    assert ok(prose.get("US", URL, params={"engine": "keyword"}))["engine"] == "keyword"
    row = us_row(prose)
    assert row["answered_points"] == 0 and row["state"] != "complete"
    assert row["answers"][0]["reading"] == "answered in prose, not confirmed"
    assert prose.size() == size

    # The US keeps paragraph 4, reads paragraph 6 as rejecting Articles 3 and 4, drops paragraph 8
    decisions = [
        {"paragraph": 4, "decision": "keep"},
        {"paragraph": 6, "decision": "change", "points": ["art_4", "Article 3"], "position": "reject"},
        {"paragraph": 8, "decision": "drop"},
    ]
    done = ok(prose.post("US", URL, json={"decisions": decisions}), 201)
    assert prose.size() == size + 1
    assert done["event"]["type"] == "answer.aligned" and done["event"]["seq"] == size
    confirmed = {n: p["confirmed"] for n, p in by_number(done).items()}
    assert confirmed[4] == {
        "decision": "keep",
        "points": [{"eid": "art_1", "label": "Article 1"}],
        "position": "reject",
        "text": paragraphs[4]["sentence"],
        "by": "US",
        "delegate": "sherman",
        "event": size,
    }
    assert (confirmed[6]["decision"], confirmed[6]["position"]) == ("change", "reject")
    assert confirmed[6]["points"] == [
        {"eid": "art_4", "label": "Article 4"},
        {"eid": "art_3", "label": "Article 3"},
    ]
    assert (confirmed[8]["decision"], confirmed[8]["points"], confirmed[8]["position"]) == ("drop", [], None)
    assert confirmed[7] is None and confirmed[2] is None
    summary = "answered in prose, confirmed by US (sherman)"
    assert done["confirmed"]["summary"] == summary
    assert (done["confirmed"]["paragraphs"], done["confirmed"]["of"]) == (3, 8)
    assert done["confirmed"]["by"] == [{"party": "US", "delegate": "sherman"}]
    still = set(eids(done["confirmed"]["unanswered"]))
    assert {"art_1", "art_3", "art_4"}.isdisjoint(still) and {"art_2", "art_5", "art_6"} <= still

    # The version's status counts the confirmed points as answered, and says who confirmed them
    row = us_row(prose)
    answered = {a["eid"]: a for a in row["answered"]}
    assert {eid: answered[eid]["position"] for eid in ("art_1", "art_3", "art_4")} == dict.fromkeys(
        ("art_1", "art_3", "art_4"), "reject"
    )
    assert answered["art_1"]["reason"] == "in prose, paragraph 4"
    assert answered["art_4__para_1"]["inherited_from"] == "art_4"
    assert "art_6" not in answered and "art_5" not in answered
    unanswered = set(eids(row["unanswered"]))
    assert {"art_1", "art_3", "art_4"}.isdisjoint(unanswered) and {"art_2", "art_6"} <= unanswered
    assert row["answered_points"] == 7  # Articles 1 (and its 2 points), 3 and 4 (and its 2 paragraphs)
    [reading] = row["answers"]
    assert reading["reading"] == summary and reading["form"] == "prose"
    assert (reading["confirmed_paragraphs"], reading["paragraphs"]) == (3, 8)
    assert reading["confirmed_by"] == [{"party": "US", "delegate": "sherman"}]
    assert us_row(prose, "US")["answers"][0]["reading"] == summary  # the answering party reads the same

    # The author confirms a paragraph the US left undecided, but may not overrule the US on another
    size = prose.size()
    author = ok(prose.post("RU", URL, json={"decisions": [{"paragraph": 7, "decision": "keep"}]}), 201)
    assert author["confirmed"]["summary"] == "answered in prose, confirmed by US (sherman), RU (ryabkov)"
    assert by_number(author)[7]["confirmed"]["by"] == "RU"
    overrule = {"decisions": [{"paragraph": 4, "decision": "drop"}]}
    refused = error_of(prose.post("RU", URL, json=overrule), 422, "refused")
    assert "only US changes it" in refused["message"]
    # accept_all keeps the rest; once every paragraph is decided there is nothing left to accept
    rest = ok(prose.post("US", URL, json={"accept_all": True}), 201)
    assert rest["confirmed"]["paragraphs"] == 5  # every paragraph but the headings
    error_of(prose.post("US", URL, json={"accept_all": True}), 409, "conflict")
    assert prose.size() == size + 2
    assert by_number(ok(prose.get("US", URL)))[2]["confirmed"]["decision"] == "keep"


def same_but_the_id(seen: Any, missing: Any, real: str, fake: str) -> None:
    assert missing.status_code == 404, missing.text
    assert (seen.status_code, seen.content) == (404, missing.content.replace(fake.encode(), real.encode()))


def test_an_unseen_answer_answers_as_a_missing_one_and_nothing_is_written(prose: Api) -> None:
    """DE takes no part in ru-us: the US's answer is, for DE, an answer that does not exist."""
    size = prose.size()
    message = error_of(prose.get("DE", URL), 404, "not_found")["message"]
    assert message == f"answer {ANSWER} does not exist"
    for fake in ("t@v1/answer/US/9", "t@v1/answer/DE/1", "nosuch@v1/answer/US/1"):
        missing_url = f"/answers/{fake}/alignment"
        same_but_the_id(prose.get("DE", URL), prose.get("DE", missing_url), ANSWER, fake)
        for body in ({"accept_all": True}, {"decisions": [{"paragraph": 4, "decision": "keep"}]}):
            seen = prose.post("DE", URL, json=body)
            same_but_the_id(seen, prose.post("DE", missing_url, json=body), ANSWER, fake)
        # and what a party that sees everything gets for the missing one is that very answer too
        same_but_the_id(prose.get("DE", URL), prose.get("US", missing_url), ANSWER, fake)
    assert prose.size() == size


def test_a_third_party_that_sees_the_answer_may_not_confirm_it(prose: Api) -> None:
    ok(prose.post("US", f"/texts/{ANSWER}/publications", json={}), 201)
    ok(prose.post("RU", "/texts/t@v1/publications", json={}), 201)
    read = ok(prose.get("NATO", URL))  # published: NATO reads the answer and the suggestions
    assert [p["heading"] for p in read["paragraphs"]] == HEADINGS
    size = prose.size()
    for body in ({"accept_all": True}, {"decisions": [{"paragraph": 4, "decision": "keep"}]}):
        refused = error_of(prose.post("NATO", URL, json=body), 422, "refused")
        assert "only US, which gave t@v1/answer/US/1, or RU, which wrote t@v1" in refused["message"]
    assert prose.size() == size
    assert ok(prose.get("NATO", URL))["confirmed"]["paragraphs"] == 0


BAD: list[tuple[dict[str, Any], int, str, str]] = [
    ({"decisions": [{"paragraph": 9, "decision": "keep"}]}, 400, "invalid_input", "from 1 to 8"),
    ({"decisions": [{"paragraph": 0, "decision": "keep"}]}, 400, "invalid_input", "paragraph"),
    ({"decisions": [{"paragraph": 4, "decision": "maybe"}]}, 400, "invalid_input", "decision"),
    (
        {"decisions": [{"paragraph": 4, "decision": "change", "points": ["art_99"], "position": "amend"}]},
        400,
        "invalid_input",
        "t@v1 has no point 'art_99' (paragraph 4)",
    ),
    (
        {"decisions": [{"paragraph": 4, "decision": "change", "points": ["Article 99"]}]},
        400,
        "invalid_input",
        "no point 'Article 99'",
    ),
    (
        {"decisions": [{"paragraph": 4, "decision": "keep", "points": ["art_2"]}]},
        400,
        "invalid_input",
        "change it",
    ),
    (
        {"decisions": [{"paragraph": 4, "decision": "change", "points": ["art_1"], "position": "reject"}]},
        400,
        "invalid_input",
        "keep it instead",
    ),
    ({"decisions": [{"paragraph": 4, "decision": "change", "points": []}]}, 400, "invalid_input", "drop"),
    (
        {"decisions": [{"paragraph": 4, "decision": "change", "points": ["art_2"], "position": "yes"}]},
        400,
        "invalid_input",
        "position",
    ),
    (
        {"decisions": [{"paragraph": 4, "decision": "keep"}, {"paragraph": 4, "decision": "drop"}]},
        400,
        "invalid_input",
        "decided twice",
    ),
    (
        {
            "decisions": [
                {
                    "paragraph": 4,
                    "decision": "change",
                    "points": ["art_2"],
                    "position": "amend",
                    "text": "a\u202eb",
                }
            ]
        },
        400,
        "invalid_input",
        "bidi",
    ),
    ({"decisions": [{"paragraph": 4, "decision": "keep", "by": "RU"}]}, 400, "invalid_input", "by"),
    (
        {"decisions": [{"paragraph": 4, "decision": "keep"}], "as_party": "RU"},
        400,
        "invalid_input",
        "as_party",
    ),
    ({"decisions": []}, 400, "invalid_input", "decisions"),
    ({}, 400, "invalid_input", "accept_all"),
    (
        {"accept_all": True, "decisions": [{"paragraph": 4, "decision": "keep"}]},
        400,
        "invalid_input",
        "either",
    ),
    ({"accept_all": True, "engine": "magic"}, 400, "invalid_input", "engine"),
    ({"accept_all": True, "date": "2999-01-01"}, 400, "invalid_input", "future"),
    ({"accept_all": True, "date": "2021-01-01"}, 400, "invalid_input", "predate"),
]


@pytest.mark.parametrize(("body", "status", "code", "words"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_decisions_are_refused_and_write_nothing(
    prose: Api, body: dict[str, Any], status: int, code: str, words: str
) -> None:
    size = prose.size()
    error = error_of(prose.post("US", URL, json=body), status, code)
    assert words in error["message"], error
    assert prose.size() == size
    assert ok(prose.get("US", URL))["confirmed"]["paragraphs"] == 0


def test_a_point_by_point_answer_and_malformed_ids_are_refused(handed: Api) -> None:
    positions = [{"eid": "art_1", "position": "accept"}]
    ok(handed.post("US", "/versions/t@v1/answers", json={"form": "points", "positions": positions}), 201)
    size = handed.size()
    for response in (handed.get("US", URL), handed.post("US", URL, json={"accept_all": True})):
        error = error_of(response, 422, "refused")
        assert error["message"] == f"{ANSWER} answers point by point; only an answer in prose is aligned"
    for bad in ("t@v1", "t@v1/answer/US", "t@v1/answer/US/0", "t@v1/h1"):
        error_of(handed.get("US", f"/answers/{bad}/alignment"), 400, "invalid_input")
    error_of(handed.get("US", URL, params={"engine": "magic"}), 400, "invalid_input")
    error_of(handed.get(None, URL), 401, "unauthenticated")
    assert handed.size() == size
    assert json.dumps(us_row(handed)["answers"][0]).count('"reading": null') == 1  # not a prose answer
