"""Bundles across many batches, built straight from the record primitives (no database): the in-order
checks that join batches (keys added and revoked mid-stream, inner checkpoints, hidden leaves) hold
both in-process and with worker processes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from inwriting.domain import events as ev
from inwriting.domain.events import Actor, Event, EventType, PartyId
from inwriting.errors import VerificationError
from inwriting.record import merkle
from inwriting.record.bundle import Header, Hidden, Visible, verify_bundle, write_bundle
from inwriting.record.checkpoint import Checkpoint, sign_checkpoint
from inwriting.record.envelope import SignedEvent, hash_ref
from inwriting.record.keys import SigningKey, b64
from inwriting.record.linecheck import BATCH
from inwriting.record.note import NoteSigner
from inwriting.record.verifier import key_proof_message

ORIGIN = "test.inwriting.local/stream"


class LogBuilder:
    def __init__(self) -> None:
        self.operator = SigningKey.generate()
        self.log = NoteSigner(ORIGIN, bytes(range(32)))
        self.frontier = merkle.Frontier()
        self.entries: list[Visible | Hidden] = []
        self.prev = bytes(32)
        self.checkpoints: list[str] = []
        operator = {
            "key_id": self.operator.key_id,
            "public_key": self.operator.public.b64,
            "proof": b64(self.operator.sign(key_proof_message(ev.OPERATOR, self.operator.key_id))),
        }
        self.add(
            ev.OPERATOR,
            self.operator,
            ev.GENESIS,
            {"origin": ORIGIN, "log_key": self.log.vkey, "operator": operator},
        )

    @property
    def size(self) -> int:
        return self.frontier.size

    def add(
        self, actor: str, key: SigningKey, type_: str, body: dict[str, object], *, hidden: bool = False
    ) -> None:
        event = Event(
            EventType(type_),
            str(uuid.uuid4()),
            self.size,
            hash_ref(self.prev),
            "2026-11-23T10:00:00.000000Z",
            Actor(PartyId(actor), key.key_id),
            body,
        )
        signed = SignedEvent.sign(event, key)
        self.prev = signed.leaf_hash
        self.frontier.append(signed.leaf_hash)
        if hidden:
            self.entries.append(Hidden(event.seq, signed.leaf_hash))
        else:
            self.entries.append(Visible(event.seq, signed.event_bytes, signed.signature))

    def process(
        self, n: int, *, key: SigningKey | None = None, actor: str = ev.OPERATOR, hidden: bool = False
    ) -> None:
        self.add(
            actor, key or self.operator, ev.PROCESS_CREATED, {"process": f"p{n}", "title": "T"}, hidden=hidden
        )

    def checkpoint(self) -> None:
        self.checkpoints.append(
            sign_checkpoint(Checkpoint(ORIGIN, self.size, self.frontier.root()), self.log)
        )

    def write(self, path: Path) -> Path:
        if not self.checkpoints or not self.checkpoints[-1].startswith(f"{ORIGIN}\n{self.size}\n"):
            self.checkpoint()
        write_bundle(path, Header(ORIGIN, self.log.vkey, self.size, self.checkpoints), self.entries)
        return path


def key_event(builder: LogBuilder, party: str, key: SigningKey) -> None:
    builder.add(
        ev.OPERATOR,
        builder.operator,
        ev.KEY_ADDED,
        {
            "party": party,
            "key_id": key.key_id,
            "public_key": key.public.b64,
            "proof": b64(key.sign(key_proof_message(party, key.key_id))),
        },
    )


@pytest.fixture(scope="module")
def party_key() -> SigningKey:
    return SigningKey.generate()


def build(party_key: SigningKey, extra: Callable[[LogBuilder], None] | None = None) -> LogBuilder:
    """~2.6 batches: a party and its key arrive mid-batch, inner checkpoints, hidden leaves."""
    b = LogBuilder()
    for i in range(BATCH - 10):
        b.process(i, hidden=i % 7 == 3)
    b.add(
        ev.OPERATOR,
        b.operator,
        ev.PARTY_REGISTERED,
        {"party": "RU", "name": "Russian Federation", "kind": "state", "members": []},
    )
    key_event(b, "RU", party_key)
    b.checkpoint()  # inside the first batch
    for i in range(BATCH):
        b.process(100000 + i, key=party_key, actor="RU") if i % 2 else b.process(200000 + i)
    b.checkpoint()
    if extra is not None:
        extra(b)
    for i in range(700):
        b.process(300000 + i)
    return b


@pytest.mark.parametrize("workers", [1, 2])
def test_many_batches_verify(tmp_path: Path, party_key: SigningKey, workers: int) -> None:
    b = build(party_key)
    report = verify_bundle(b.write(tmp_path / "b.bundle"), trusted_log_key=b.log.vkey, workers=workers)
    assert report.size == b.size > 2 * BATCH
    assert report.root == b.frontier.root().hex()
    assert report.hidden == sum(isinstance(e, Hidden) for e in b.entries)
    assert report.checkpoints == 3


@pytest.mark.parametrize("workers", [1, 2])
def test_key_used_after_revocation_is_caught_across_batches(
    tmp_path: Path, party_key: SigningKey, workers: int
) -> None:
    def revoke_then_use(b: LogBuilder) -> None:
        b.add(
            ev.OPERATOR,
            b.operator,
            ev.KEY_REVOKED,
            {"party": "RU", "key_id": party_key.key_id, "reason": "compromised"},
        )
        for i in range(BATCH):
            b.process(400000 + i)
        b.process(500000, key=party_key, actor="RU")

    b = build(party_key, revoke_then_use)
    with pytest.raises(VerificationError, match="after it was revoked"):
        verify_bundle(b.write(tmp_path / "b.bundle"), workers=workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_key_used_by_another_party_is_caught(tmp_path: Path, party_key: SigningKey, workers: int) -> None:
    b = build(party_key, lambda b: b.process(600000, key=party_key, actor="US"))
    with pytest.raises(VerificationError, match=r"belongs to RU, not to US|used for RU and US"):
        verify_bundle(b.write(tmp_path / "b.bundle"), workers=workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_changed_event_in_a_later_batch_is_named(tmp_path: Path, party_key: SigningKey, workers: int) -> None:
    b = build(party_key)
    path = b.write(tmp_path / "b.bundle")
    lines = path.read_bytes().split(b"\n")
    target = 2 * BATCH + 50  # a line in the third batch (line 1 is the header)
    assert b'"title":"T"' in lines[target]
    lines[target] = lines[target].replace(b'"title":"T"', b'"title":"U"')
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(VerificationError, match=f"line {target + 1}.*signature"):
        verify_bundle(path, workers=workers)


def test_unknown_signer_is_caught(tmp_path: Path, party_key: SigningKey) -> None:
    b = build(party_key, lambda b: b.process(700000, key=SigningKey.generate(), actor="RU"))
    with pytest.raises(VerificationError, match="unknown key"):
        verify_bundle(b.write(tmp_path / "b.bundle"), workers=1)
