"""Use cases that set up who negotiates where: parties, their keys, processes and tracks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inwriting.app.context import App
from inwriting.app.recorder import Recorded, record, record_in
from inwriting.domain import events as ev
from inwriting.domain.events import PartyId
from inwriting.domain.model import Party, Process, Track
from inwriting.record.keys import SigningKey, b64
from inwriting.record.verifier import key_proof_message
from inwriting.storage.projections import load_state


def register_party(
    app: App, party: str, name: str, kind: str = "state", members: Sequence[str] = ()
) -> Recorded:
    body = {"party": party, "name": name, "kind": kind, "members": list(members)}
    return record(app, ev.OPERATOR, ev.PARTY_REGISTERED, body)


@dataclass(frozen=True)
class NewKey:
    party: str
    key_id: str
    public_key: str
    keystore_file: str
    event: Recorded

    def to_json(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "key_id": self.key_id,
            "public_key": self.public_key,
            "keystore_file": self.keystore_file,
            "event": self.event.to_json(),
        }


def new_key(app: App, party: str) -> NewKey:
    """Generate an Ed25519 key for `party`; the private half stays in the local keystore.

    The operator registers it; the key proves possession by signing its own registration claim.
    """
    key = SigningKey.generate()
    body = {
        "party": party,
        "key_id": key.key_id,
        "public_key": key.public.b64,
        "proof": b64(key.sign(key_proof_message(party, key.key_id))),
    }
    # The key file is staged outside the unit of work: it is kept only once the event has committed.
    with app.keystore.staged(party, key) as path, app.store.write() as writer:
        recorded = record_in(app, writer, ev.OPERATOR, ev.KEY_ADDED, body)
    return NewKey(party, key.key_id, key.public.b64, str(path), recorded)


def revoke_key(app: App, party: str, key_id: str, reason: str) -> Recorded:
    body = {"party": party, "key_id": key_id, "reason": reason}
    return record(app, ev.OPERATOR, ev.KEY_REVOKED, body)


def new_process(app: App, process: str, title: str) -> Recorded:
    return record(app, ev.OPERATOR, ev.PROCESS_CREATED, {"process": process, "title": title})


def new_track(
    app: App, track: str, process: str, forum: str, parties: Sequence[str], policy: str = "consent"
) -> Recorded:
    """`policy`: whether publishing another party's text needs its consent ("consent") or only
    records its objection ("unilateral")."""
    body = {"track": track, "process": process, "forum": forum, "parties": list(parties), "policy": policy}
    return record(app, ev.OPERATOR, ev.TRACK_CREATED, body, track=track)


def set_track_policy(app: App, track: str, policy: str) -> Recorded:
    return record(app, ev.OPERATOR, ev.TRACK_POLICY_SET, {"policy": policy}, track=track)


@dataclass(frozen=True)
class PartyView:
    party: Party
    keys: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        p = self.party
        return {
            "id": p.id,
            "name": p.name,
            "kind": p.kind,
            "members": list(p.members),
            "registered_seq": p.registered_seq,
            "keys": self.keys,
        }


def list_parties(app: App) -> list[PartyView]:
    with app.store.read() as conn:
        state = load_state(conn)
    views = []
    for party in sorted(state.parties.values(), key=lambda p: p.registered_seq):
        keys = [
            {
                "key_id": k.key_id,
                "added_seq": k.added_seq,
                "revoked_seq": k.revoked_seq,
                "revoked_reason": k.revoked_reason,
            }
            for k in sorted(state.keys.values(), key=lambda k: k.added_seq)
            if k.party == party.id
        ]
        views.append(PartyView(party, keys))
    return views


def list_processes(app: App) -> list[tuple[Process, list[Track]]]:
    with app.store.read() as conn:
        state = load_state(conn)
    return [
        (p, sorted((t for t in state.tracks.values() if t.process == p.id), key=lambda t: t.created_seq))
        for p in sorted(state.processes.values(), key=lambda p: p.created_seq)
    ]


def party_ids(app: App) -> list[PartyId]:
    return [v.party.id for v in list_parties(app)]
