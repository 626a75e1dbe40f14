"""Signed events as stored and shipped: opaque canonical bytes plus a 64-byte Ed25519 signature.

The log leaf is `signature ‖ event bytes`; its RFC 9162 leaf hash is what the Merkle tree commits to.
Signed bytes are never re-serialised before verifying.
"""

from __future__ import annotations

from dataclasses import dataclass

from inwriting.domain.events import Event
from inwriting.errors import InvalidInput
from inwriting.record import merkle
from inwriting.record.canonical import canonical, is_canonical, parse
from inwriting.record.keys import SIGNATURE_SIZE, PublicKey, SigningKey, event_message

MAX_EVENT_BYTES = 1 << 20


def hash_ref(digest: bytes) -> str:
    return "sha256:" + digest.hex()


@dataclass(frozen=True)
class SignedEvent:
    event_bytes: bytes
    signature: bytes
    event: Event

    @classmethod
    def sign(cls, event: Event, key: SigningKey) -> SignedEvent:
        data = canonical(event.to_json())
        return cls(data, key.sign(event_message(data)), event)

    @classmethod
    def from_parts(cls, event_bytes: bytes, signature: bytes, *, strict: bool = True) -> SignedEvent:
        """Parse stored or received parts. `strict` also demands canonical bytes (on append)."""
        if len(event_bytes) > MAX_EVENT_BYTES:
            raise InvalidInput(f"event is {len(event_bytes)} bytes; the limit is {MAX_EVENT_BYTES}")
        if len(signature) != SIGNATURE_SIZE:
            raise InvalidInput(f"a signature has {SIGNATURE_SIZE} bytes, got {len(signature)}")
        if strict and not is_canonical(event_bytes):
            raise InvalidInput("event bytes are not in RFC 8785 canonical form")
        return cls(event_bytes, signature, Event.from_json(parse(event_bytes, what="event")))

    @property
    def leaf_data(self) -> bytes:
        return self.signature + self.event_bytes

    @property
    def leaf_hash(self) -> bytes:
        return merkle.leaf_hash(self.leaf_data)

    def verify(self, key: PublicKey) -> None:
        key.verify(event_message(self.event_bytes), self.signature, where=f"event {self.event.seq}")
