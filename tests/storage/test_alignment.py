"""Answers in prose read against the points they answer, on SQLite and PostgreSQL: suggestions, the
decisions that turn them into the record, who may make them, and refusals that leave nothing behind."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from inwriting.app import alignment as al
from inwriting.app import bundles, disclosure
from inwriting.app import log as log_cases
from inwriting.app import negotiation as neg
from inwriting.app.context import App
from inwriting.domain.events import PartyId
from inwriting.errors import Conflict, InvalidInput, NotFound, Refused
from inwriting.storage import store as st
from inwriting.storage.projections import load_state
from tests.storage.helpers import log_size
from tests.storage.test_negotiation import TREATY_ARTICLES, T, answer_with, record, set_today, write
from tests.storage.test_party_bundles import hidden_seqs, plain_bytes

__all__ = ["record"]  # the fixture, shared

PROSE = """Response of the United States to the Russian draft

The United States has studied the draft treaty with care and is ready to talk.

On the indivisibility of security

We cannot accept Article 1 as drafted: each State is free to choose its alliances and security
arrangements, and no State should strengthen its security at the expense of others.

NATO enlargement

The United States will not agree to close NATO's open door. Article 4 is a non-starter.

We propose instead reciprocal transparency measures on intermediate-range missiles in Europe, and
we are ready to discuss Article 5 on that basis.

What does Russia mean by "areas where they could be perceived as a threat" in Article 6? We ask
Russia to clarify.
"""
US_ANSWER = "t@v1/answer/US/1"


@pytest.fixture
def prose(record: App, tmp_path: Path) -> App:
    """RU handed its treaty to US, point by point; US answered in prose (8 paragraphs, 2 headings)."""
    neg.handover(record, T, to=["US"], due="2022-01-27", point_by_point=True, date="2022-01-10")
    set_today(record, "2022-02-01")
    neg.answer(record, T, as_party="US", file=write(tmp_path, "us.txt", PROSE), prose=True, date="2022-01-26")
    return record


def decisions(*items: dict[str, object]) -> list[dict[str, object]]:
    return list(items)


def test_suggestions_name_points_positions_and_gaps(prose: App) -> None:
    view = al.suggestions(prose, US_ANSWER, viewer="US")
    document = view.to_json()
    paragraphs = document["paragraphs"]
    assert [p["heading"] for p in paragraphs] == [True, False, True, False, True, False, False, False]
    by_number = {p["paragraph"]: p for p in paragraphs}
    assert [x["eid"] for x in by_number[4]["points"]] == ["art_1"] and by_number[4]["points"][0]["named"]
    assert by_number[4]["position"] == "reject"
    assert by_number[4]["sentence"].startswith("We cannot accept Article 1")
    assert [x["eid"] for x in by_number[6]["points"]] == ["art_4"] and by_number[6]["position"] == "reject"
    assert [x["eid"] for x in by_number[7]["points"]] == ["art_5"] and by_number[7]["position"] == "counter"
    assert [x["eid"] for x in by_number[8]["points"]] == ["art_6"] and by_number[8]["position"] == "clarify"
    assert all(0 < p["confidence"] <= 1 for p in paragraphs if p["points"])
    assert {u["eid"] for u in document["unanswered"]} >= {"art_2", "art_3", "art_7", "art_8"}
    assert document["confirmed"]["summary"] == "answered in prose, not confirmed"
    [us] = neg.status(prose, T)
    assert us.coverage.covered == 0 and us.state == "overdue"  # suggestions count for nothing


def test_accept_all_counts_toward_completeness_and_says_who(prose: App) -> None:
    size = log_size(prose)
    view, recorded = al.confirm(prose, US_ANSWER, as_party="US", accept_all=True, delegate=None)
    assert recorded.seq == size and log_size(prose) == size + 1
    confirmed = view.to_json()["confirmed"]
    assert confirmed["summary"] == "answered in prose, confirmed by US"
    assert confirmed["paragraphs"] == 5 and confirmed["of"] == 8  # headings are not decided
    [us] = neg.status(prose, T)
    positions = {eid: p.position for eid, p in us.coverage.positions.items()}
    assert (
        positions["art_1"] == "reject" and positions["art_4"] == "reject" and positions["art_5"] == "counter"
    )
    assert us.coverage.positions["art_5"].text is not None  # a counter-proposal carries its sentence
    assert us.coverage.positions["art_1"].reason == "in prose, paragraph 4"
    assert "art_2" in us.coverage.unanswered and "art_1" not in us.coverage.unanswered
    report = neg.status_report(prose, T)["recipients"][0]
    assert report["answers"][0]["reading"] == "answered in prose, confirmed by US"
    with pytest.raises(Conflict, match="already decided"):
        al.confirm(prose, US_ANSWER, as_party="US", accept_all=True)
    assert log_size(prose) == size + 1


def test_decisions_keep_change_drop_and_later_ones_replace(prose: App) -> None:
    view, _ = al.confirm(
        prose,
        US_ANSWER,
        as_party="US",
        decisions=decisions(
            {"paragraph": 4, "decision": "keep"},
            {"paragraph": 2, "decision": "change", "points": ["Article 2", "art_3"], "position": "noted"},
            {"paragraph": 8, "decision": "drop"},
        ),
        delegate="Sherman",
        date="2022-01-28",
    )
    decided = view.decided
    assert (decided[4].decision, decided[4].points, decided[4].position) == ("keep", ("art_1",), "reject")
    assert (decided[2].decision, decided[2].points, decided[2].by, decided[2].delegate) == (
        "change",
        ("art_2", "art_3"),
        "US",
        "Sherman",
    )
    assert decided[2].suggested_points == view.suggestion(2).points
    assert (decided[8].decision, decided[8].points, decided[8].suggested_points) == ("drop", (), ("art_6",))
    assert view.to_json()["confirmed"]["summary"] == "answered in prose, confirmed by US (Sherman)"
    [us] = neg.status(prose, T)
    assert set(us.coverage.positions) == {"art_1", "art_2", "art_3"}  # paragraph 6 and 7 are undecided
    # a later decision on a paragraph replaces the earlier one
    al.confirm(
        prose,
        US_ANSWER,
        as_party="US",
        decisions=decisions({"paragraph": 2, "decision": "drop"}),
        date="2022-01-29",
    )
    [us] = neg.status(prose, T)
    assert set(us.coverage.positions) == {"art_1"}


def test_the_author_may_read_it_but_not_overrule_the_answering_party(prose: App) -> None:
    al.confirm(prose, US_ANSWER, as_party="US", decisions=decisions({"paragraph": 4, "decision": "keep"}))
    size = log_size(prose)
    change_4 = {"paragraph": 4, "decision": "change", "points": ["art_1"], "position": "amend", "text": "x y"}
    with pytest.raises(Refused, match="US confirmed paragraph 4 of its own answer"):
        al.confirm(prose, US_ANSWER, as_party="RU", decisions=decisions(change_4))
    assert log_size(prose) == size
    view, _ = al.confirm(
        prose, US_ANSWER, as_party="RU", decisions=decisions({"paragraph": 6, "decision": "keep"})
    )
    assert view.to_json()["confirmed"]["summary"] == "answered in prose, confirmed by US, RU"
    # the answering party may change what the author read
    al.confirm(prose, US_ANSWER, as_party="US", decisions=decisions({"paragraph": 6, "decision": "drop"}))
    [us] = neg.status(prose, T)
    assert set(us.coverage.positions) == {"art_1"}


@pytest.mark.parametrize(
    ("items", "error", "message"),
    [
        ([{"paragraph": 9, "decision": "keep"}], InvalidInput, "paragraph must be a number from 1 to 8"),
        ([{"paragraph": 0, "decision": "keep"}], InvalidInput, "from 1 to 8"),
        ([{"paragraph": "4", "decision": "keep"}], InvalidInput, "from 1 to 8"),
        ([{"paragraph": 4, "decision": "maybe"}], InvalidInput, "keep, change, drop"),
        ([{"paragraph": 4, "decision": "keep", "points": ["art_2"]}], InvalidInput, "change it"),
        ([{"paragraph": 4, "decision": "change", "points": ["art_99"]}], InvalidInput, "no point 'art_99'"),
        ([{"paragraph": 4, "decision": "change", "points": []}], InvalidInput, "drop the suggestion instead"),
        (
            [{"paragraph": 4, "decision": "change", "points": ["art_1"], "position": "reject"}],
            InvalidInput,
            "keep",
        ),
        (
            [{"paragraph": 4, "decision": "change", "points": ["art_2"], "position": "yes"}],
            InvalidInput,
            "one of",
        ),
        ([{"paragraph": 4, "decision": "keep", "by": "RU"}], InvalidInput, "fields by"),
        (
            [{"paragraph": 4, "decision": "keep"}, {"paragraph": 4, "decision": "drop"}],
            InvalidInput,
            "decided twice",
        ),
        (
            [
                {
                    "paragraph": 4,
                    "decision": "change",
                    "points": ["art_2"],
                    "position": "amend",
                    "text": "a\u202eb",
                }
            ],
            InvalidInput,
            "bidi control",
        ),
    ],
)
def test_bad_decisions_are_refused_and_write_nothing(
    prose: App, items: list[dict[str, object]], error: type[Exception], message: str
) -> None:
    size = log_size(prose)
    with pytest.raises(error, match=message):
        al.confirm(prose, US_ANSWER, as_party="US", decisions=items)
    assert log_size(prose) == size


def test_who_may_not_confirm_or_see(prose: App, tmp_path: Path) -> None:
    size = log_size(prose)
    missing = "t@v1/answer/US/9"
    for party, answer in (("NATO", US_ANSWER), ("NATO", missing), ("US", missing)):
        with pytest.raises(NotFound) as caught:
            al.suggestions(prose, answer, viewer=party)
        assert str(caught.value) == f"answer {answer} does not exist"
        with pytest.raises(NotFound) as caught:
            al.confirm(prose, answer, as_party=party, accept_all=True)
        assert str(caught.value) == f"answer {answer} does not exist"
    # once published, a third party reads the answer and the suggestions, but confirms nothing
    disclosure.publish(prose, US_ANSWER, as_party="US", date="2022-01-30")
    with pytest.raises(
        Refused, match="answers t@v1, which is not published"
    ):  # nor the draft it answers, yet
        al.suggestions(prose, US_ANSWER, viewer="NATO")
    disclosure.publish(prose, T, as_party="RU", date="2022-01-30")
    assert al.suggestions(prose, US_ANSWER, viewer="NATO").alignment.suggestions
    size = log_size(prose)
    with pytest.raises(Refused, match=r"only US, which gave .*, or RU, which wrote t@v1, confirms"):
        al.confirm(prose, US_ANSWER, as_party="NATO", accept_all=True)
    assert log_size(prose) == size


def test_a_point_by_point_answer_is_not_aligned(prose: App, tmp_path: Path) -> None:
    answer_with(prose, tmp_path, "US", T, {"art_1": "accept"}, "2022-01-27")
    with pytest.raises(Refused, match="answers point by point"):
        al.suggestions(prose, "t@v1/answer/US/2", viewer="US")


def test_the_record_verifies_rebuilds_and_ships_the_reading_to_who_sees_the_answer(
    prose: App, tmp_path: Path
) -> None:
    _, recorded = al.confirm(prose, US_ANSWER, as_party="US", accept_all=True, date="2022-01-28")
    report = log_cases.verify(prose)
    assert report.size == log_size(prose)
    with prose.store.read() as conn:
        before = load_state(conn)
    log_cases.rebuild(prose)
    with prose.store.read() as conn:
        after = load_state(conn)
    assert after.answers[US_ANSWER] == before.answers[US_ANSWER]
    assert after.answers[US_ANSWER].alignment and after.answers[US_ANSWER].paragraphs == 8
    for party, sees in (("US", True), ("RU", True), ("NATO", False)):
        path = tmp_path / f"{party}.bundle"
        bundles.export(prose, path, "sg", as_party=party)
        assert (recorded.seq in hidden_seqs(path)) is not sees
        assert (b'"answer.aligned"' in plain_bytes(path)) is sees


def test_word_and_pdf_answers_are_kept_as_received_and_read_as_paragraphs(
    record: App, tmp_path: Path
) -> None:
    neg.handover(record, T, to=["US"], date="2022-01-10")
    set_today(record, "2022-02-01")
    document = docx.Document()
    document.add_heading("On Article 4", level=2)
    document.add_paragraph("We reject Article 4 as drafted; NATO's door stays open.")
    document.add_paragraph("We are ready to discuss Article 5 further at a later stage.")
    buffer = io.BytesIO()
    document.save(buffer)
    word = write(tmp_path, "us.docx", buffer.getvalue())
    got = neg.answer(record, T, as_party="US", file=word, prose=True, date="2022-01-26")
    view = al.suggestions(record, got.answer, viewer="US")
    texts = [(p.text, p.heading) for p in view.alignment.paragraphs]
    assert texts == [
        ("On Article 4", True),
        ("We reject Article 4 as drafted; NATO's door stays open.", False),
        ("We are ready to discuss Article 5 further at a later stage.", False),
    ]
    assert [s.position for s in view.alignment.suggestions] == [None, "reject", "defer"]
    with record.store.read() as conn:
        stored = st.blob(conn, load_state(conn).answers[got.answer].content)
    assert stored is not None and stored[1] == buffer.getvalue()

    from weasyprint import HTML

    pdf = HTML(string="<h2>Article 1</h2><p>The United States cannot accept Article 1.</p>").write_pdf()
    got = neg.answer(
        record, T, as_party="US", file=write(tmp_path, "us.pdf", pdf), prose=True, date="2022-01-27"
    )
    view = al.suggestions(record, got.answer, viewer="US")
    assert [p.text for p in view.alignment.paragraphs] == [
        "Article 1",
        "The United States cannot accept Article 1.",
    ]
    assert view.alignment.suggestions[1].points == ("art_1",)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bidi.txt", "We accept Article 1.\n\nWe \u202ereject\u202c Article 2.\n".encode(), "bidi control"),
        ("latin1.txt", "Réponse".encode("latin-1"), "not UTF-8"),
        ("blank.txt", b"\n\n  \n", "empty"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable Word document"),
        ("broken.pdf", b"%PDF-1.7 nothing else", "not a readable PDF"),
    ],
)
def test_unreadable_prose_is_refused_before_anything_is_written(
    record: App, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    neg.handover(record, T, to=["US"], date="2022-01-10")
    size = log_size(record)
    with pytest.raises(InvalidInput, match=message):
        neg.answer(record, T, as_party="US", file=write(tmp_path, name, data), prose=True, date="2022-01-26")
    assert log_size(record) == size
    assert TREATY_ARTICLES  # the treaty is untouched: still unanswered
    [us] = neg.status(record, T)
    assert us.answers == ()


# ---- what the rules and the recorder check of an answer.aligned event, whoever built it -----------


def crafted(view: al.AlignmentView, **changes: object) -> dict[str, object]:
    """The body `align confirm` would sign for keeping paragraph 4, with `changes` made to it."""
    s = view.suggestion(4)
    decision = {
        "paragraph": 4,
        "decision": "keep",
        "points": list(s.points),
        "position": s.position,
        "text": s.sentence,
        "suggested": {"points": list(s.points), "position": s.position},
    }
    body: dict[str, object] = {
        "answer": US_ANSWER,
        "version": T,
        "date": "2022-01-28",
        "engine": "tfidf",
        "reading": view.reading,
        "paragraphs": len(view.alignment.paragraphs),
        "decisions": [decision],
    }
    decision.update({k[2:]: v for k, v in changes.items() if k.startswith("d_")})
    body.update({k: v for k, v in changes.items() if not k.startswith("d_")})
    return body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"paragraphs": 5}, "reads as 8 paragraphs; the confirmed reading says 5"),
        ({"paragraphs": 3}, "paragraph must be a number from 1 to 3"),
        ({"reading": "sha256:" + "ab" * 32}, "its text reads as sha256:"),
        ({"engine": "made-up"}, "engine must be one of tfidf, embeddings, keyword"),
        ({"d_by": "US"}, "unknown fields by"),
        ({"d_decision": "change", "d_points": [], "d_position": None}, "addresses no point|that is a drop"),
        ({"d_decision": "drop", "d_points": [], "d_position": None}, "carries no text"),
        ({"d_suggested": {"points": []}}, "must carry what was suggested"),
    ],
)
def test_a_crafted_reading_is_refused_on_append(prose: App, changes: dict[str, object], message: str) -> None:
    from inwriting.app.recorder import record as record_event
    from inwriting.domain import events as ev
    from inwriting.domain.events import PartyId
    from inwriting.errors import RecordError

    view = al.suggestions(prose, US_ANSWER, viewer="US")
    size = log_size(prose)
    with pytest.raises((RecordError, InvalidInput), match=message):
        record_event(prose, PartyId("RU"), ev.ANSWER_ALIGNED, crafted(view, **changes), track="ru-us")
    assert log_size(prose) == size
    al.confirm(prose, US_ANSWER, as_party="US", accept_all=True)  # the answering party is not locked out


def test_the_author_never_overrules_the_answering_party_on_a_point(prose: App) -> None:
    both = {"paragraph": 4, "decision": "change", "points": ["art_1", "art_2"], "position": "reject"}
    al.confirm(prose, US_ANSWER, as_party="US", decisions=[both])
    welcome = {"paragraph": 2, "decision": "change", "points": ["art_1"], "position": "accept"}
    al.confirm(prose, US_ANSWER, as_party="RU", decisions=[welcome])
    [us] = neg.status(prose, T)
    assert us.coverage.positions["art_1"].position == "reject"  # US's own reading stands
    assert us.coverage.positions["art_1"].reason == "in prose, paragraph 4"


def test_a_reader_of_some_published_points_sees_no_other(prose: App, tmp_path: Path) -> None:
    al.confirm(prose, US_ANSWER, as_party="US", accept_all=True)
    disclosure.publish(prose, US_ANSWER, as_party="US", date="2022-01-30")
    disclosure.publish(prose, T, as_party="RU", points=["art_4"], date="2022-01-30")
    view = al.suggestions(prose, US_ANSWER, viewer="NATO").to_json()
    named = {
        x["eid"]
        for p in view["paragraphs"]
        for x in [*p["points"], *((p["confirmed"] or {}).get("points") or [])]
    }
    named |= {x["eid"] for x in [*view["unanswered"], *view["confirmed"]["unanswered"]]}
    from inwriting.app import drafts

    seen = {eid for eid, _ in drafts.get_version(prose, T, viewer=PartyId("NATO"))[0].outline}
    assert seen == {"art_4", "art_4__para_1", "art_4__para_2"} and named <= seen
    path = tmp_path / "NATO.bundle"
    bundles.export(prose, path, "sg", as_party="NATO")
    assert b'"answer.aligned"' not in plain_bytes(path)  # its decisions name points NATO may not see
