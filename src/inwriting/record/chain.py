"""Where an event must sit in the log: its seq, the leaf it follows (`prev`) and a time that never
goes backwards. Out-of-order and replayed events fail here with a message that says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from inwriting.domain.events import Event
from inwriting.errors import RecordError
from inwriting.record.envelope import hash_ref

ZERO_HASH = bytes(32)


@dataclass(frozen=True)
class Head:
    """The log's tip: how many events it holds, the last leaf hash and the last event time."""

    size: int = 0
    leaf: bytes = ZERO_HASH
    time: str = ""

    def check_next(self, event: Event) -> None:
        where = f"event {event.seq} ({event.type})"
        if event.seq != self.size:
            raise RecordError(
                f"out of order: it carries seq {event.seq} but the log holds {self.size} events", where=where
            )
        if event.prev != hash_ref(self.leaf):
            raise RecordError(
                f"does not follow the log head: prev is {event.prev}, expected {hash_ref(self.leaf)}",
                where=where,
            )
        if event.time < self.time:
            raise RecordError(f"time goes backwards: {event.time} is before {self.time}", where=where)

    def advance(self, event: Event, leaf: bytes) -> Head:
        return Head(event.seq + 1, leaf, event.time)
