"""The event shape every state change takes: `{v, type, id, seq, prev, time, track, actor, body}`.

Events are plain data here; `inwriting.record.envelope` turns them into canonical signed bytes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NewType

from inwriting.errors import InvalidInput

EventType = NewType("EventType", str)
PartyId = NewType("PartyId", str)

VERSION = 1
GENESIS_PREV = "sha256:" + "00" * 32
OPERATOR = PartyId("@operator")  # the instance operator: registers parties, processes and tracks

GENESIS = EventType("log.genesis")
PARTY_REGISTERED = EventType("party.registered")
KEY_ADDED = EventType("key.added")
KEY_REVOKED = EventType("key.revoked")
PROCESS_CREATED = EventType("process.created")
TRACK_CREATED = EventType("track.created")
VERSION_CREATED = EventType("version.created")
HANDOVER_MADE = EventType("handover.made")
RECEIPT_SIGNED = EventType("receipt.signed")
ANSWER_GIVEN = EventType("answer.given")
ANSWER_ALIGNED = EventType("answer.aligned")  # a delegate's confirmed reading of a prose answer
MEETING_HELD = EventType("meeting.held")
PRECONDITION_ADDED = EventType("precondition.added")
PRECONDITION_ANSWERED = EventType("precondition.answered")  # accept | reject | meet | waive
TRACK_POLICY_SET = EventType("track.policy_set")
DELEGATE_ADDED = EventType("delegate.added")
DELEGATE_REMOVED = EventType("delegate.removed")
DISCLOSURE_REQUESTED = EventType("disclosure.requested")  # embargo | publication
DISCLOSURE_ANSWERED = EventType("disclosure.answered")  # consent | refuse
TEXT_PUBLISHED = EventType("text.published")
TEXT_PUBLISHED_ELSEWHERE = EventType("text.published_elsewhere")
INSTRUMENT_CREATED = EventType("instrument.created")
INSTRUMENT_INITIALLED = EventType("instrument.initialled")
INSTRUMENT_SIGNED = EventType("instrument.signed")
INSTRUMENT_RATIFIED = EventType("instrument.ratified")
INSTRUMENT_RESERVED = EventType("instrument.reserved")  # a reservation or declaration on a point
INSTRUMENT_ENTERED_INTO_FORCE = EventType("instrument.entered_into_force")
INSTRUMENT_SUSPENDED = EventType("instrument.suspended")  # suspend | resume, for the acting party
INSTRUMENT_WITHDRAWN = EventType("instrument.withdrawn")
COMMITMENT_RECORDED = EventType("commitment.recorded")
COMMITMENT_DECLINED = EventType("commitment.declined")  # an offer turned down by a beneficiary
COMMITMENT_WITHDRAWN = EventType("commitment.withdrawn")
STATEMENT_RECORDED = EventType("statement.recorded")
CLAIM_FILED = EventType("claim.filed")
CLAIM_ANSWERED = EventType("claim.answered")  # the obligor admits, denies or explains
CLAIM_ASSESSED = EventType("claim.assessed")  # a party's finding: kept | broken | no-action
CLAIM_WITHDRAWN = EventType("claim.withdrawn")
INSTRUMENT_TYPES = frozenset(
    {
        INSTRUMENT_CREATED,
        INSTRUMENT_INITIALLED,
        INSTRUMENT_SIGNED,
        INSTRUMENT_RATIFIED,
        INSTRUMENT_RESERVED,
        INSTRUMENT_ENTERED_INTO_FORCE,
        INSTRUMENT_SUSPENDED,
        INSTRUMENT_WITHDRAWN,
    }
)
COMMITMENT_TYPES = frozenset({COMMITMENT_RECORDED, COMMITMENT_DECLINED, COMMITMENT_WITHDRAWN})
CLAIM_TYPES = frozenset({CLAIM_FILED, CLAIM_ANSWERED, CLAIM_ASSESSED, CLAIM_WITHDRAWN})

KNOWN_TYPES = frozenset(
    {
        GENESIS,
        PARTY_REGISTERED,
        KEY_ADDED,
        KEY_REVOKED,
        PROCESS_CREATED,
        TRACK_CREATED,
        VERSION_CREATED,
        HANDOVER_MADE,
        RECEIPT_SIGNED,
        ANSWER_GIVEN,
        ANSWER_ALIGNED,
        MEETING_HELD,
        PRECONDITION_ADDED,
        PRECONDITION_ANSWERED,
        TRACK_POLICY_SET,
        DELEGATE_ADDED,
        DELEGATE_REMOVED,
        DISCLOSURE_REQUESTED,
        DISCLOSURE_ANSWERED,
        TEXT_PUBLISHED,
        TEXT_PUBLISHED_ELSEWHERE,
        STATEMENT_RECORDED,
    }
    | INSTRUMENT_TYPES
    | COMMITMENT_TYPES
    | CLAIM_TYPES
)

_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
_HASH = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class Actor:
    party: PartyId
    key_id: str
    delegate: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"party": self.party, "delegate": self.delegate, "key_id": self.key_id}


@dataclass(frozen=True)
class Event:
    type: EventType
    id: str
    seq: int
    prev: str
    time: str
    actor: Actor
    body: Mapping[str, Any] = field(default_factory=dict)
    track: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "type": self.type,
            "id": self.id,
            "seq": self.seq,
            "prev": self.prev,
            "time": self.time,
            "track": self.track,
            "actor": self.actor.to_json(),
            "body": dict(self.body),
        }

    @classmethod
    def from_json(cls, obj: Any) -> Event:
        """Build an Event from parsed JSON, refusing anything not shaped exactly like one.

        One combined test on the hot path (a bundle holds millions of events); when it fails, the
        checks run one by one to say which field is wrong.
        """
        if not isinstance(obj, dict) or obj.keys() != _FIELDS:
            raise InvalidInput(f"malformed event: fields must be {sorted(_FIELDS)}")
        actor = obj["actor"]
        seq, prev, time, track = obj["seq"], obj["prev"], obj["time"], obj["track"]
        if not (
            obj["v"] == VERSION
            and type(obj["type"]) is str
            and obj["type"]
            and type(obj["id"]) is str
            and obj["id"]
            and type(seq) is int
            and seq >= 0
            and type(prev) is str
            and _HASH.match(prev)
            and type(time) is str
            and _TIME.match(time)
            and (track is None or type(track) is str)
            and type(obj["body"]) is dict
            and type(actor) is dict
            and actor.keys() == _ACTOR_FIELDS
            and type(actor["party"]) is str
            and actor["party"]
            and type(actor["key_id"]) is str
            and actor["key_id"]
            and (actor["delegate"] is None or type(actor["delegate"]) is str)
        ):
            _explain(obj)
        return cls(
            EventType(obj["type"]),
            obj["id"],
            seq,
            prev,
            time,
            Actor(PartyId(actor["party"]), actor["key_id"], actor["delegate"]),
            obj["body"],
            track,
        )


_FIELDS = frozenset({"v", "type", "id", "seq", "prev", "time", "track", "actor", "body"})
_ACTOR_FIELDS = frozenset({"party", "delegate", "key_id"})


def _explain(obj: dict[str, Any]) -> None:
    """Raise InvalidInput naming the first field of `obj` that is not as an event needs it."""
    actor = obj["actor"]
    if obj["v"] != VERSION:
        raise InvalidInput(f"unsupported event version {obj['v']!r}")
    if not isinstance(actor, dict) or actor.keys() != _ACTOR_FIELDS:
        raise InvalidInput("malformed event: actor must have party, delegate and key_id")
    checks = [
        (isinstance(obj["type"], str) and bool(obj["type"]), "type must be a non-empty string"),
        (isinstance(obj["id"], str) and bool(obj["id"]), "id must be a non-empty string"),
        (type(obj["seq"]) is int and obj["seq"] >= 0, "seq must be a non-negative integer"),
        (isinstance(obj["prev"], str) and bool(_HASH.match(obj["prev"])), "prev must be sha256:<hex>"),
        (isinstance(obj["time"], str) and bool(_TIME.match(obj["time"])), "time must be UTC with µs"),
        (obj["track"] is None or isinstance(obj["track"], str), "track must be a string or null"),
        (isinstance(obj["body"], dict), "body must be an object"),
        (isinstance(actor["party"], str) and bool(actor["party"]), "actor.party must be a string"),
        (isinstance(actor["key_id"], str) and bool(actor["key_id"]), "actor.key_id must be a string"),
        (actor["delegate"] is None or isinstance(actor["delegate"], str), "actor.delegate must be a string"),
    ]
    for ok, message in checks:
        if not ok:
            raise InvalidInput(f"malformed event: {message}")
    raise InvalidInput("malformed event")
