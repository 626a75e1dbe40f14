"""Properties of an instrument's canonical text, its signatures and its proof: the text reads back as
written, a signature holds only for exactly what was signed, and any changed byte of the text makes
every signature in a proof fail."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inwriting.domain.documents import DraftText
from inwriting.errors import InvalidInput, VerificationError
from inwriting.record import instrument as inst
from inwriting.record.blob import blob_hash, new_salt
from inwriting.record.keys import SigningKey
from tests.importers.strategies import drafts

KEYS = (SigningKey.generate(), SigningKey.generate())
FIELDS = ("instrument", "text_hash", "party", "signatory", "place", "date")


def _proof(draft: DraftText, parties: tuple[str, str] = ("RU", "US")) -> inst.Proof:
    text = inst.instrument_text(instrument="i", kind="treaty", draft=draft, sources=["d@v1"], parties=parties)
    salt = new_salt()
    digest = blob_hash(salt, text)
    signatures = tuple(
        inst.sign(
            key,
            instrument="i",
            text_hash=digest,
            party=p,
            signatory=f"for {p}",
            place="Geneva",
            date="2022-01-12",
        )
        for key, p in zip(KEYS, parties, strict=True)
    )
    keys = {key.key_id: key.public.b64 for key in KEYS}
    return inst.Proof("test/log", "i", digest, salt, text, signatures, keys)


@settings(max_examples=60, deadline=None)
@given(drafts())
def test_the_canonical_text_reads_back_point_for_point(draft: DraftText) -> None:
    text = inst.read_text(
        inst.instrument_text(
            instrument="i", kind="treaty", draft=draft, sources=["d@v1"], parties=["RU", "US"]
        )
    )
    assert text.title == draft.title and text.preamble == draft.preamble
    walked = list(draft.walk())
    assert [(p.eid, p.label, p.text, p.heading) for p in text.points] == [
        (p.eid, p.label, p.text, p.heading) for p in walked
    ]
    assert [p.eid for p in text.top_level()] == [p.eid for p in draft.points]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(FIELDS), st.text(min_size=1, max_size=20))
def test_a_signature_holds_only_for_what_was_signed(field: str, other: str) -> None:
    signed = {
        "instrument": "i",
        "text_hash": "sha256:" + "ab" * 32,
        "party": "RU",
        "signatory": "S. V. Lavrov",
        "place": "Geneva",
        "date": "2022-01-12",
    }
    signature = inst.sign(KEYS[0], **signed)
    assert signature.verifies("i", signed["text_hash"], KEYS[0].public)
    assert not signature.verifies("i", signed["text_hash"], KEYS[1].public)
    if other == signed[field]:
        return
    changed = {**signed, field: other}
    moved = inst.Signature(
        changed["party"],
        changed["signatory"],
        changed["place"],
        changed["date"],
        signature.key_id,
        signature.signature,
    )
    assert not moved.verifies(changed["instrument"], changed["text_hash"], KEYS[0].public)


@settings(max_examples=40, deadline=None)
@given(drafts(), st.data())
def test_any_changed_byte_of_the_text_fails_every_signature(draft: DraftText, data: st.DataObject) -> None:
    proof = _proof(draft)
    assert inst.verify_proof(proof).ok
    position = data.draw(st.integers(0, len(proof.text) - 1))
    flipped = bytes([proof.text[position] ^ data.draw(st.integers(1, 255))])
    changed = inst.Proof(
        proof.origin,
        proof.instrument,
        proof.text_hash,
        proof.salt,
        proof.text[:position] + flipped + proof.text[position + 1 :],
        proof.signatures,
        proof.keys,
    )
    report = inst.check_proof(changed)
    assert [s.ok for s in report.signatures] == [False, False]
    with pytest.raises(VerificationError, match="2 of 2 signatures fail"):
        inst.verify_proof(changed)


def test_a_proof_round_trips_and_malformed_ones_are_refused(tmp_path: object) -> None:
    proof = _proof(DraftText("Treaty", "", ()))
    assert inst.load_proof(proof.dumps()) == proof
    for bad in (b"", b"[]", b"{}", b'{"format": "inwriting-instrument/v1"}', b"\xff\xfe", b"not json"):
        with pytest.raises(InvalidInput):
            inst.load_proof(bad)
    no_signatures = inst.Proof(proof.origin, "i", proof.text_hash, proof.salt, proof.text, (), {})
    with pytest.raises(VerificationError, match="no signature"):
        inst.verify_proof(no_signatures)


def test_a_changed_instrument_text_is_refused_outside_a_bundles_own_pass() -> None:
    """A reveal (or any single check) of an instrument's text is strict; only a bundle's pass defers
    the failure so that it can name every signature."""
    from inwriting.domain import events as ev
    from inwriting.domain.events import Actor, Event, PartyId
    from inwriting.record.envelope import SignedEvent
    from inwriting.record.linecheck import LineError, TextBlob, check_text

    salt, text = new_salt(), b'{"format":"inwriting-instrument-text/v1"}'
    event = Event(
        ev.INSTRUMENT_CREATED,
        "e",
        7,
        "sha256:" + "00" * 32,
        "2026-01-01T00:00:00.000000Z",
        Actor(PartyId("RU"), KEYS[0].key_id),
        {"instrument": "i", "content": blob_hash(salt, text)},
    )
    signed = SignedEvent.sign(event, KEYS[0])
    assert check_text(TextBlob(7, "i", salt, text), signed) == blob_hash(salt, text)
    changed = TextBlob(7, "i", salt, text.replace(b"v1", b"v2"))
    with pytest.raises(LineError, match="does not hash to"):
        check_text(changed, signed)
    assert check_text(changed, signed, defer_instruments=True) == blob_hash(salt, changed.content)
