"""Entities of the record so far (parties, keys, processes, tracks) and the State they fold into.

Everything is a frozen dataclass; State changes only through `inwriting.domain.fold.apply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from pyrsistent import PMap, pmap

from inwriting.domain.events import PartyId

PartyKind = Literal["state", "alliance", "organisation", "company", "person"]
PARTY_KINDS: tuple[str, ...] = get_args(PartyKind)
GROUP_KINDS = frozenset({"alliance", "organisation"})


@dataclass(frozen=True)
class Party:
    id: PartyId
    name: str
    kind: str
    members: tuple[PartyId, ...] = ()
    registered_seq: int = 0


@dataclass(frozen=True)
class Key:
    key_id: str
    party: PartyId
    public_key: str  # base64 of the 32 raw bytes
    added_seq: int
    revoked_seq: int | None = None
    revoked_reason: str | None = None

    def active_at(self, seq: int) -> bool:
        """True if an event at `seq` may be signed with this key (a key may sign its own revocation)."""
        return self.added_seq < seq and (self.revoked_seq is None or seq <= self.revoked_seq)


@dataclass(frozen=True)
class Process:
    id: str
    title: str
    created_seq: int


@dataclass(frozen=True)
class Track:
    id: str
    process: str
    forum: str
    parties: tuple[PartyId, ...]
    created_seq: int
    status: str = "open"


@dataclass(frozen=True)
class Document:
    id: str
    track: str
    author: PartyId
    kind: str
    versions: int  # how many versions it has
    created_seq: int


@dataclass(frozen=True)
class Version:
    id: str  # "doc@v2"
    document: str
    number: int
    track: str
    author: PartyId
    kind: str
    title: str
    based_on: str | None
    content: str  # "sha256:…" of the salted text blob
    outline: tuple[tuple[str, str], ...]  # (eid, label) of every point, in order
    created_seq: int


@dataclass(frozen=True)
class State:
    """What the log says, folded (persistent maps, so a fold over a million events stays O(n log n)).

    `size` is one past the last event applied. A State may also be partial: the service loads only the
    entities an event touches, and the rules need nothing else.
    """

    size: int = 0
    origin: str | None = None
    log_vkey: str | None = None
    parties: PMap[PartyId, Party] = field(default_factory=pmap)
    keys: PMap[str, Key] = field(default_factory=pmap)
    processes: PMap[str, Process] = field(default_factory=pmap)
    tracks: PMap[str, Track] = field(default_factory=pmap)
    documents: PMap[str, Document] = field(default_factory=pmap)
    versions: PMap[str, Version] = field(default_factory=pmap)

    def active_key(self, party: PartyId) -> Key | None:
        """The newest unrevoked key of `party`, if any."""
        live = [k for k in self.keys.values() if k.party == party and k.revoked_seq is None]
        return max(live, key=lambda k: k.added_seq) if live else None
