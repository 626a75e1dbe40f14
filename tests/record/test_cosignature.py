"""C2SP tlog-cosignature (Ed25519, cosignature/v1): the spec's example, an independent Ed25519 check,
the key id rule, and tamper resistance of every byte."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from inwriting.errors import InvalidInput, VerificationError
from inwriting.record.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from inwriting.record.cosignature import (
    COSIGNATURE_V1,
    Cosigner,
    CosignerKey,
    add_cosignature,
    open_cosigned,
    signed_message,
)
from inwriting.record.note import NoteSigner, NoteVerifier, parse_note

VECTOR_FILE = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "c2sp_checkpoint.json"
# The example note in c2sp.org/tlog-cosignature: a checkpoint with the log's signature and one cosignature.
SPEC_NOTE = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1g"
    "GzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2o"
    "yin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
SPEC_MESSAGE = (
    b"cosignature/v1\ntime 1679315147\n"
    b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
NOW = 1_700_000_000


def log_signer() -> NoteSigner:
    return NoteSigner("example.org/log", bytes([3]) * 32)


def witness(name: str = "witness.example.org/w1", fill: int = 7) -> Cosigner:
    return Cosigner(name, bytes([fill]) * 32)


def checkpoint_note(size: int = 8) -> str:
    return sign_checkpoint(Checkpoint("example.org/log", size, bytes(range(32))), log_signer())


def test_the_spec_example_has_the_shape_we_write() -> None:
    note = parse_note(SPEC_NOTE)
    cosig = note.signatures[1]
    assert cosig.name == "witness.example.com/w1"
    assert len(cosig.signature) == 8 + 64  # u64 timestamp || Ed25519 signature
    timestamp = int.from_bytes(cosig.signature[:8], "big")
    assert timestamp == 1679315147  # the time line in the spec's signed-message example
    assert signed_message(note.text, timestamp) == SPEC_MESSAGE


def test_key_id_and_vkey_follow_the_spec() -> None:
    key = witness().public
    expected = hashlib.sha256(key.name.encode() + b"\n" + b"\x04" + key.public_key).digest()[:4]
    assert COSIGNATURE_V1 == 0x04 and key.key_id == expected
    name, hex_id, material = key.vkey.split("+")
    assert (name, hex_id) == (key.name, expected.hex())
    assert base64.b64decode(material) == b"\x04" + key.public_key
    assert CosignerKey.from_vkey(key.vkey) == key


def test_a_cosignature_verifies_independently_and_keeps_the_log_signature() -> None:
    note = checkpoint_note()
    cosigned = add_cosignature(note, witness(), NOW)
    assert cosigned.startswith(note)  # the line is appended; the log's signature line is untouched
    parsed, cosig = open_cosigned(cosigned, witness().public)
    assert cosig.timestamp == NOW and cosig.witness.startswith("witness.example.org/w1+")
    open_checkpoint(cosigned, log_signer().verifier)  # the log's signature still checks
    # Check with another Ed25519 implementation than the one that signed.
    line = parsed.signatures[-1]
    assert line.key_id == witness().public.key_id
    Ed25519PublicKey.from_public_bytes(witness().public.public_key).verify(
        line.signature[8:], b"cosignature/v1\ntime %d\n" % NOW + parsed.text.encode()
    )


def test_cosigning_again_replaces_the_witness_own_line_only() -> None:
    once = add_cosignature(checkpoint_note(), witness(), NOW)
    other = add_cosignature(once, witness("witness.example.org/w2", 9), NOW)
    again = add_cosignature(other, witness(), NOW + 5)
    sigs = parse_note(again).signatures
    assert [s.name for s in sigs] == ["example.org/log", "witness.example.org/w2", "witness.example.org/w1"]
    assert open_cosigned(again, witness().public)[1].timestamp == NOW + 5


def test_the_vector_checkpoint_can_be_cosigned() -> None:
    if not VECTOR_FILE.is_file():
        pytest.skip("shared vector absent")
    vector: dict[str, Any] = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))
    cosigned = add_cosignature(vector["note"], witness(), NOW)
    open_checkpoint(cosigned, NoteVerifier.from_vkey(vector["verifier_key"]))
    assert open_cosigned(cosigned, witness().public)[1].timestamp == NOW


def test_an_untrusted_witness_or_a_log_key_is_refused() -> None:
    cosigned = add_cosignature(checkpoint_note(), witness(), NOW)
    with pytest.raises(VerificationError, match="no cosignature by"):
        open_cosigned(cosigned, witness(fill=8).public)  # same name, another key: another key id
    with pytest.raises(InvalidInput, match="0x04"):
        CosignerKey.from_vkey(log_signer().vkey)  # a log's (type 0x01) key is not a witness key
    forged = witness(fill=8)
    # A line that claims the trusted witness's name and key id but was signed by another key fails.
    line = parse_note(add_cosignature(checkpoint_note(), forged, NOW)).signatures[-1]
    bad = cosigned.replace(
        base64.b64encode(
            parse_note(cosigned).signatures[-1].key_id + parse_note(cosigned).signatures[-1].signature
        ).decode(),
        base64.b64encode(witness().public.key_id + line.signature).decode(),
    )
    with pytest.raises(VerificationError, match="does not verify"):
        open_cosigned(bad, witness().public)


@pytest.mark.parametrize("timestamp", [-1, 2**63, True])
def test_timestamps_are_u63(timestamp: int) -> None:
    with pytest.raises(InvalidInput):
        signed_message("a\n1\nroot\n", timestamp)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_change_to_the_signed_bytes_breaks_the_cosignature(data: st.DataObject) -> None:
    cosigned = add_cosignature(checkpoint_note(8), witness(), NOW)
    parsed = parse_note(cosigned)
    text, line = parsed.text, parsed.signatures[-1]
    raw = bytearray(line.signature)
    part = data.draw(st.sampled_from(["text", "signature"]))
    if part == "text":
        i = data.draw(st.integers(0, len(text) - 1))
        changed = data.draw(st.characters(min_codepoint=32, max_codepoint=126).filter(lambda c: c != text[i]))
        text = text[:i] + changed + text[i + 1 :]
    else:
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= data.draw(st.integers(1, 255))
    forged = text + "\n" + line.__class__(line.name, line.key_id, bytes(raw)).line()
    with pytest.raises(VerificationError):
        open_cosigned(forged, witness().public)
