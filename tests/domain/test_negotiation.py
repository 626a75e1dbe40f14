"""The rules on acts after a version exists, applied to plain events (as a party's own machine might
submit them): what the service layer never builds must still be refused by the fold."""

from __future__ import annotations

from typing import Any

import pytest

from inwriting.domain import events as ev
from inwriting.domain.fold import apply, references
from inwriting.domain.model import State
from inwriting.errors import Conflict, InvalidInput, NotFound, Refused
from tests.domain.test_fold import _version, event, with_track

US_KEY = "ed25519:us"
HASH = "sha256:" + "cd" * 32


def handed() -> State:
    state = apply(with_track(), event(6, ev.KEY_ADDED, {"party": "US", "key_id": US_KEY, "public_key": "y"}))
    state = apply(
        state,
        _version(
            7,
            "d@v1",
            outline=[{"eid": "art_1", "label": "Article 1"}, {"eid": "art_2", "label": "Article 2"}],
        ),
    )
    return apply(state, handover(8, {}))


def handover(seq: int, changes: dict[str, Any], *, party: str = "RU", key: str = "ed25519:ru") -> Any:
    body = {
        "handover": "d@v1/h1",
        "version": "d@v1",
        "to": ["US"],
        "date": "2021-12-15",
        "due": "2022-01-26",
        "point_by_point": True,
        "meeting": None,
        **changes,
    }
    return event(seq, ev.HANDOVER_MADE, body, party=party, key=key, track="t")


def answer(seq: int, changes: dict[str, Any]) -> Any:
    body = {
        "answer": "d@v1/answer/US/1",
        "version": "d@v1",
        "date": "2022-01-26",
        "form": "points",
        "content": HASH,
        "positions": [{"eid": "art_1", "position": "accept", "text": None, "reason": None}],
        "proposals": [],
        **changes,
    }
    return event(seq, ev.ANSWER_GIVEN, body, party="US", key=US_KEY, track="t")


def test_a_handover_and_an_answer_fold_into_state() -> None:
    state = apply(handed(), answer(9, {}))
    assert state.handovers["d@v1/h1"].to == ("US",)
    assert state.answers["d@v1/answer/US/1"].positions[0].position == "accept"
    refs = references(answer(9, {}))
    assert refs.version_acts == {"d@v1"} and refs.answers == {"d@v1/answer/US/1"}


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"handover": "other@v1/h1"}, InvalidInput, "must be 'd@v1/h' followed by a number"),
        ({"to": []}, InvalidInput, "at least one recipient"),
        ({"to": ["US", "US"]}, InvalidInput, "named twice"),
        ({"to": ["GHOST"]}, NotFound, "GHOST is not registered"),
        ({"to": ["RU"]}, Refused, "to itself"),
        ({"date": "2021-02-30"}, InvalidInput, "not a real date"),
        ({"due": "2021-12-01"}, InvalidInput, "before the hand-over"),
        ({"point_by_point": "yes"}, InvalidInput, "true or false"),
        ({"meeting": "t/2021-12-15"}, NotFound, "meeting t/2021-12-15 does not exist"),
    ],
)
def test_handover_refusals(changes: dict[str, Any], error: type[Exception], message: str) -> None:
    state = apply(with_track(), _version(6, "d@v1"))
    with pytest.raises(error, match=message):
        apply(state, handover(7, changes))


def test_only_the_author_hands_over() -> None:
    state = apply(with_track(), event(6, ev.KEY_ADDED, {"party": "US", "key_id": US_KEY, "public_key": "y"}))
    state = apply(state, _version(7, "d@v1"))
    with pytest.raises(Refused, match="only the author"):
        apply(state, handover(8, {"to": ["RU"]}, party="US", key=US_KEY))


def test_the_same_handover_id_twice_conflicts() -> None:
    with pytest.raises(Conflict, match="already exists"):
        apply(handed(), handover(9, {}))


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"answer": "d@v1/answer/RU/1"}, InvalidInput, "must be 'd@v1/answer/US/' followed by a number"),
        ({"form": "prose"}, InvalidInput, "carries no per-point positions"),
        ({"form": "letter"}, InvalidInput, "'points' or 'prose'"),
        ({"positions": [{"eid": "art_9", "position": "accept"}]}, NotFound, "no point art_9"),
        ({"positions": [{"eid": "art_1", "position": "accept"}] * 2}, InvalidInput, "answered twice"),
        ({"positions": [{"eid": "art_1", "position": "love"}]}, InvalidInput, "must be one of"),
        ({"positions": [{"eid": "art_1", "position": "amend"}]}, InvalidInput, "needs its text"),
        ({"positions": [{"eid": "art_1", "position": "reject", "reason": "\u202e"}]}, InvalidInput, "bidi"),
        ({"proposals": [{"label": "Art. 9"}]}, InvalidInput, "list of {label, text}"),
        ({"content": "md5:x"}, InvalidInput, "sha256"),
    ],
)
def test_answer_refusals(changes: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        apply(handed(), answer(9, changes))


def test_an_answer_needs_a_handover_to_the_party() -> None:
    state = apply(with_track(), event(6, ev.KEY_ADDED, {"party": "US", "key_id": US_KEY, "public_key": "y"}))
    state = apply(state, _version(7, "d@v1"))
    with pytest.raises(Refused, match="not handed to US"):
        apply(state, answer(8, {}))


def test_receipts_once_per_party_and_not_before_the_handover() -> None:
    body = {
        "receipt": "d@v1/h1/receipt/US",
        "handover": "d@v1/h1",
        "version": "d@v1",
        "date": "2021-12-16",
        "delegate": None,
    }
    state = apply(handed(), event(9, ev.RECEIPT_SIGNED, body, party="US", key=US_KEY, track="t"))
    assert state.receipts["d@v1/h1/receipt/US"].date == "2021-12-16"
    with pytest.raises(Conflict, match="already acknowledged"):
        apply(state, event(10, ev.RECEIPT_SIGNED, body, party="US", key=US_KEY, track="t"))
    early = {**body, "date": "2021-12-14"}
    with pytest.raises(InvalidInput, match="cannot predate"):
        apply(handed(), event(9, ev.RECEIPT_SIGNED, early, party="US", key=US_KEY, track="t"))
    forged = {**body, "receipt": "d@v1/h1/receipt/RU"}
    with pytest.raises(InvalidInput, match="receipt of US"):
        apply(handed(), event(9, ev.RECEIPT_SIGNED, forged, party="US", key=US_KEY, track="t"))


def test_precondition_life() -> None:
    add = {"precondition": "t/pre/1", "text": "Withdraw first", "version": None, "date": "2022-01-01"}
    state = apply(handed(), event(9, ev.PRECONDITION_ADDED, add, party="US", key=US_KEY, track="t"))
    act = {"precondition": "t/pre/1", "act": "reject", "date": "2022-01-02", "reason": "No."}
    with pytest.raises(Refused, match="only the other parties"):
        apply(state, event(10, ev.PRECONDITION_ANSWERED, act, party="US", key=US_KEY, track="t"))
    state = apply(state, event(10, ev.PRECONDITION_ANSWERED, act, party="RU", key="ed25519:ru", track="t"))
    assert state.preconditions["t/pre/1"].status == "rejected"
    waive = {**act, "act": "waive"}
    with pytest.raises(Refused, match="only the party that set"):
        apply(state, event(11, ev.PRECONDITION_ANSWERED, waive, party="RU", key="ed25519:ru", track="t"))
    state = apply(state, event(11, ev.PRECONDITION_ANSWERED, waive, party="US", key=US_KEY, track="t"))
    assert state.preconditions["t/pre/1"].status == "waived"
    with pytest.raises(Conflict, match="already waived"):
        apply(state, event(12, ev.PRECONDITION_ANSWERED, act, party="RU", key="ed25519:ru", track="t"))


def test_a_handover_at_a_meeting_is_on_the_meeting_day() -> None:
    state = apply(with_track(), _version(6, "d@v1"))
    meeting = {
        "meeting": "t/2022-01-10",
        "date": "2022-01-10",
        "place": "Geneva",
        "delegates": [],
        "tabled": [],
    }
    state = apply(state, event(7, ev.MEETING_HELD, meeting, track="t"))
    with pytest.raises(InvalidInput, match="was held on 2022-01-10, not on 2021-12-15"):
        apply(state, handover(8, {"meeting": "t/2022-01-10"}))
    state = apply(state, handover(8, {"meeting": "t/2022-01-10", "date": "2022-01-10", "due": None}))
    assert state.handovers["d@v1/h1"].meeting == "t/2022-01-10"


def test_a_precondition_names_a_version_of_its_own_track() -> None:
    state = apply(
        handed(),
        event(
            9,
            ev.TRACK_CREATED,
            {"track": "u", "process": "sg", "forum": "Vienna", "parties": ["RU", "US"]},
            track="u",
        ),
    )
    add = {"precondition": "u/pre/1", "text": "First this", "version": "d@v1", "date": "2022-01-01"}
    with pytest.raises(Refused, match="d@v1 is on track t, not on u"):
        apply(state, event(10, ev.PRECONDITION_ADDED, add, party="US", key=US_KEY, track="u"))


def test_texts_may_run_over_paragraphs_but_must_be_text() -> None:
    two = "First paragraph.\n\nSecond paragraph."
    positions = [{"eid": "art_1", "position": "amend", "text": two, "reason": two}]
    proposals = [{"label": "Article 9", "text": two}]
    state = apply(handed(), answer(9, {"positions": positions, "proposals": proposals}))
    assert state.answers["d@v1/answer/US/1"].positions[0].text == two
    with pytest.raises(InvalidInput, match="must be text or null"):
        apply(
            handed(), answer(9, {"positions": [{"eid": "art_1", "position": "reject", "reason": {"x": 1}}]})
        )


def test_acts_cannot_be_dated_after_the_day_they_were_signed() -> None:
    with pytest.raises(InvalidInput, match="after the day the event was signed"):
        apply(handed(), answer(9, {"date": "2099-01-01"}))


def test_the_author_is_never_reached_through_an_alliance() -> None:
    state = apply(
        with_track(),
        event(
            6, ev.PARTY_REGISTERED, {"party": "G", "name": "G", "kind": "alliance", "members": ["RU", "US"]}
        ),
    )
    state = apply(state, _version(7, "d@v1"))
    state = apply(state, handover(8, {"to": ["G"]}))
    body = {
        "receipt": "d@v1/h1/receipt/RU",
        "handover": "d@v1/h1",
        "version": "d@v1",
        "date": "2021-12-16",
        "delegate": None,
    }
    with pytest.raises(Refused, match="not handed to RU"):
        apply(state, event(9, ev.RECEIPT_SIGNED, body, party="RU", key="ed25519:ru", track="t"))
