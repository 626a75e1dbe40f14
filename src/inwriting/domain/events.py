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

KNOWN_TYPES = frozenset({GENESIS, PARTY_REGISTERED, KEY_ADDED, KEY_REVOKED, PROCESS_CREATED, TRACK_CREATED})

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
        """Build an Event from parsed JSON, refusing anything not shaped exactly like one."""
        if not isinstance(obj, dict):
            raise InvalidInput("an event must be a JSON object")
        expected = {"v", "type", "id", "seq", "prev", "time", "track", "actor", "body"}
        if set(obj) != expected:
            raise InvalidInput(f"event fields must be {sorted(expected)}, got {sorted(obj)}")
        if obj["v"] != VERSION:
            raise InvalidInput(f"unsupported event version {obj['v']!r}")
        actor = obj["actor"]
        if not isinstance(actor, dict) or set(actor) != {"party", "delegate", "key_id"}:
            raise InvalidInput("event actor must have party, delegate and key_id")
        _require(isinstance(obj["type"], str) and bool(obj["type"]), "type must be a non-empty string")
        _require(isinstance(obj["id"], str) and bool(obj["id"]), "id must be a non-empty string")
        _require(isinstance(obj["seq"], int) and not isinstance(obj["seq"], bool), "seq must be an integer")
        _require(obj["seq"] >= 0, "seq must not be negative")
        _require(isinstance(obj["prev"], str) and bool(_HASH.match(obj["prev"])), "prev must be sha256:<hex>")
        _require(isinstance(obj["time"], str) and bool(_TIME.match(obj["time"])), "time must be UTC µs")
        _require(obj["track"] is None or isinstance(obj["track"], str), "track must be a string or null")
        _require(isinstance(obj["body"], dict), "body must be an object")
        _require(isinstance(actor["party"], str) and bool(actor["party"]), "actor.party must be a string")
        _require(isinstance(actor["key_id"], str) and bool(actor["key_id"]), "actor.key_id must be a string")
        _require(actor["delegate"] is None or isinstance(actor["delegate"], str), "actor.delegate: string")
        return cls(
            type=EventType(obj["type"]),
            id=obj["id"],
            seq=obj["seq"],
            prev=obj["prev"],
            time=obj["time"],
            track=obj["track"],
            actor=Actor(PartyId(actor["party"]), actor["key_id"], actor["delegate"]),
            body=obj["body"],
        )


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise InvalidInput(f"malformed event: {message}")
