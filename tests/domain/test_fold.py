"""The domain fold: pure rules over plain events, no storage involved."""

from __future__ import annotations

from typing import Any

import pytest

from inwriting.domain import events as ev
from inwriting.domain.events import Actor, Event, EventType, PartyId
from inwriting.domain.fold import apply, fold, references
from inwriting.domain.model import State
from inwriting.domain.text import check_text
from inwriting.errors import Conflict, InvalidInput, NotFound, RecordError, Refused

OP_KEY = "ed25519:00000000000000aa"


def event(
    seq: int,
    type_: str,
    body: dict[str, Any],
    *,
    party: str = ev.OPERATOR,
    key: str = OP_KEY,
    track: str | None = None,
) -> Event:
    return Event(
        EventType(type_),
        f"id-{seq}",
        seq,
        ev.GENESIS_PREV,
        "2026-11-23T00:00:00.000000Z",
        Actor(PartyId(party), key),
        body,
        track,
    )


def genesis() -> Event:
    return event(
        0,
        ev.GENESIS,
        {"origin": "o", "log_key": "k", "operator": {"key_id": OP_KEY, "public_key": "pk", "proof": "p"}},
    )


def base() -> State:
    return fold(
        [
            genesis(),
            event(1, ev.PARTY_REGISTERED, {"party": "RU", "name": "Russian Federation", "kind": "state"}),
            event(2, ev.PARTY_REGISTERED, {"party": "US", "name": "United States", "kind": "state"}),
            event(3, ev.KEY_ADDED, {"party": "RU", "key_id": "ed25519:ru", "public_key": "x", "proof": "p"}),
            event(4, ev.PROCESS_CREATED, {"process": "sg", "title": "Security guarantees"}),
        ]
    )


def test_fold_builds_state_and_leaves_the_input_unchanged() -> None:
    state = base()
    assert state.size == 5
    assert set(state.parties) == {"RU", "US"}
    assert state.keys["ed25519:ru"].party == "RU"
    after = apply(
        state,
        event(
            5,
            ev.TRACK_CREATED,
            {"track": "t", "process": "sg", "forum": "Geneva", "parties": ["RU", "US"]},
            track="t",
        ),
    )
    assert "t" in after.tracks and "t" not in state.tracks  # pure: the old state is untouched


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (event(5, ev.PARTY_REGISTERED, {"party": "RU", "name": "Again", "kind": "state"}), Conflict),
        (
            event(
                5,
                ev.PARTY_REGISTERED,
                {"party": "X", "name": "X", "kind": "state"},
                party="RU",
                key="ed25519:ru",
            ),
            Refused,
        ),
        (
            event(
                5,
                ev.TRACK_CREATED,
                {"track": "t", "process": "zz", "forum": "F", "parties": ["RU", "US"]},
                track="t",
            ),
            NotFound,
        ),
        (
            event(
                5,
                ev.TRACK_CREATED,
                {"track": "t", "process": "sg", "forum": "F", "parties": ["RU", "US"]},
                track="other",
            ),
            InvalidInput,
        ),
        (event(5, ev.KEY_REVOKED, {"party": "US", "key_id": "ed25519:ru", "reason": "x"}), NotFound),
        (event(5, "treaty.signed", {}), RecordError),
        (event(5, ev.PROCESS_CREATED, {"process": "p", "title": "T"}, key="ed25519:unknown"), RecordError),
        (
            event(5, ev.PROCESS_CREATED, {"process": "p", "title": "T"}, party="US", key="ed25519:ru"),
            RecordError,
        ),
        (event(5, ev.GENESIS, genesis().body), RecordError),
    ],
)
def test_rules_refuse(bad: Event, error: type[Exception]) -> None:
    with pytest.raises(error):
        apply(base(), bad)


def test_revoked_key_signs_no_more() -> None:
    state = apply(
        base(),
        event(
            5,
            ev.KEY_REVOKED,
            {"party": "RU", "key_id": "ed25519:ru", "reason": "lost"},
            party="RU",
            key="ed25519:ru",
        ),
    )  # a key may sign its own revocation
    assert state.keys["ed25519:ru"].revoked_seq == 5
    with pytest.raises(RecordError, match="revoked at event 5"):
        apply(
            state,
            event(
                6,
                ev.KEY_REVOKED,
                {"party": "RU", "key_id": "ed25519:ru", "reason": "x"},
                party="RU",
                key="ed25519:ru",
            ),
        )


def test_references_name_what_the_event_touches() -> None:
    refs = references(
        event(
            5,
            ev.TRACK_CREATED,
            {"track": "t", "process": "sg", "forum": "F", "parties": ["RU", "US"]},
            track="t",
        )
    )
    assert refs.parties == {"RU", "US"}  # the operator is no registered party
    assert refs.processes == {"sg"} and refs.tracks == {"t"} and refs.keys == {OP_KEY}


@pytest.mark.parametrize("text", ["a\u202eb", "a\u2066b", "tab\there", "nul\x00", "\u0085next", "  "])
def test_text_tricks_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        check_text(text, what="name")


def test_text_is_normalised() -> None:
    assert check_text("Cafe\u0301", what="name") == "Café"
    assert check_text("line one\nline two", what="text", multiline=True) == "line one\nline two"


def _version(
    seq: int,
    vid: str,
    *,
    party: str = "RU",
    key: str = "ed25519:ru",
    based_on: str | None = None,
    outline: list[dict[str, str]] | None = None,
) -> Event:
    body = {
        "document": vid.split("@")[0],
        "version": vid,
        "kind": "treaty",
        "title": "Draft",
        "based_on": based_on,
        "content": "sha256:" + "ab" * 32,
        "outline": outline if outline is not None else [{"eid": "art_1", "label": "Article 1"}],
    }
    return event(seq, ev.VERSION_CREATED, body, party=party, key=key, track="t")


def with_track() -> State:
    return apply(
        base(),
        event(
            5,
            ev.TRACK_CREATED,
            {"track": "t", "process": "sg", "forum": "Geneva", "parties": ["RU", "US"]},
            track="t",
        ),
    )


def test_versions_number_in_order_and_name_their_base() -> None:
    state = apply(with_track(), _version(6, "d@v1"))
    state = apply(state, _version(7, "d@v2", based_on="d@v1"))
    assert state.documents["d"].versions == 2
    assert state.versions["d@v2"].based_on == "d@v1"
    assert state.versions["d@v1"].outline == (("art_1", "Article 1"),)
    with pytest.raises(Conflict, match="next version of d is v3"):
        apply(state, _version(8, "d@v5"))
    with pytest.raises(NotFound):
        apply(state, _version(8, "e@v2"))
    with pytest.raises(NotFound):
        apply(state, _version(8, "e@v1", based_on="ghost@v1"))
    with pytest.raises(InvalidInput, match="unique"):
        apply(state, _version(8, "e@v1", outline=[{"eid": "a", "label": "1"}, {"eid": "a", "label": "2"}]))
    with pytest.raises(InvalidInput):
        apply(state, _version(8, "not a version"))
