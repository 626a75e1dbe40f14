"""C2SP checkpoints: the shared test vector, tamper resistance at every character, and round trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inwriting.errors import InvalidInput, InwritingError, VerificationError
from inwriting.record.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint_body, sign_checkpoint
from inwriting.record.note import NoteSignature, NoteSigner, format_note, parse_note, sign_note

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors"
VECTOR_FILE = VECTORS / "c2sp_checkpoint.json"
VECTOR_ROOT = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
VECTOR_ORIGIN = "example.org/inwriting-test-log"
# The example in c2sp.org/tlog-checkpoint.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


@pytest.fixture(scope="module")
def vector() -> dict[str, Any]:
    if not VECTOR_FILE.is_file():
        pytest.skip(f"shared test vector {VECTOR_FILE} is absent")
    data: dict[str, Any] = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))
    return data


def vector_signer(vector: dict[str, Any]) -> NoteSigner:
    return NoteSigner(VECTOR_ORIGIN, bytes.fromhex(vector["seed_hex"]))


def log_signer(name: str = "example.org/log", fill: int = 3) -> NoteSigner:
    return NoteSigner(name, bytes([fill]) * 32)


# --- the shared vector -----------------------------------------------------------------------------


def test_vector_signer_gives_the_vector_vkey(vector: dict[str, Any]) -> None:
    assert vector_signer(vector).vkey == vector["verifier_key"]


def test_vector_checkpoint_is_reproduced_exactly(vector: dict[str, Any]) -> None:
    cp = Checkpoint(VECTOR_ORIGIN, 8, bytes.fromhex(VECTOR_ROOT))
    assert sign_checkpoint(cp, vector_signer(vector)) == vector["note"]


def test_vector_opens(vector: dict[str, Any]) -> None:
    verifier = vector_signer(vector).verifier
    for note in (vector["note"], vector["note"].encode()):
        cp = open_checkpoint(note, verifier)
        assert (cp.origin, cp.size, cp.root.hex(), cp.extensions) == (VECTOR_ORIGIN, 8, VECTOR_ROOT, ())
    assert open_checkpoint(vector["note"], verifier, origin=VECTOR_ORIGIN).size == 8


REPLACEMENTS = ("A", "b", "0", "=", "+", " ", "\n", "\t", "\u2014", "é", "\ud800")


def test_every_single_character_change_is_refused(vector: dict[str, Any]) -> None:
    note: str = vector["note"]
    verifier = vector_signer(vector).verifier
    tried = 0
    for i, old in enumerate(note):
        for new in REPLACEMENTS:
            if new == old:
                continue
            tampered = note[:i] + new + note[i + 1 :]
            with pytest.raises((VerificationError, InvalidInput)):
                open_checkpoint(tampered, verifier)
            tried += 1
    assert tried >= len(note) * (len(REPLACEMENTS) - 1)


def test_every_single_byte_change_is_refused(vector: dict[str, Any]) -> None:
    note = bytearray(vector["note"].encode())
    verifier = vector_signer(vector).verifier
    for i in range(len(note)):
        for delta in (1, 0x40, 0x80):
            tampered = bytearray(note)
            tampered[i] ^= delta
            with pytest.raises((VerificationError, InvalidInput)):
                open_checkpoint(bytes(tampered), verifier)


def test_truncations_and_extensions_are_refused(vector: dict[str, Any]) -> None:
    note: str = vector["note"]
    verifier = vector_signer(vector).verifier
    for cut in range(len(note)):
        with pytest.raises((VerificationError, InvalidInput)):
            open_checkpoint(note[:cut], verifier)
    for tail in ("x", "\n", "\u2014 x AAAAAAA=\n\n"):
        with pytest.raises((VerificationError, InvalidInput)):
            open_checkpoint(note + tail, verifier)


# --- body format -----------------------------------------------------------------------------------


def test_spec_example_body_round_trips() -> None:
    cp = parse_checkpoint_body(SPEC_BODY)
    assert (cp.origin, cp.size, cp.extensions) == ("example.com/behind-the-sofa", 20852163, ())
    assert cp.body() == SPEC_BODY


def test_extension_lines_are_kept_in_order() -> None:
    cp = parse_checkpoint_body(SPEC_BODY + "ext one\nsecond ext\n")
    assert cp.extensions == ("ext one", "second ext")
    assert cp.body() == SPEC_BODY + "ext one\nsecond ext\n"


def _swap(line: int, value: str) -> str:
    lines = SPEC_BODY.split("\n")
    lines[line - 1] = value
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (SPEC_BODY[:-1], "checkpoint"),
        ("example.com/x\n1\n", "checkpoint"),
        (_swap(1, ""), "checkpoint line 1"),
        (_swap(1, "a\tb"), "checkpoint line 1"),
        (_swap(2, ""), "checkpoint line 2"),
        (_swap(2, "08"), "checkpoint line 2"),
        (_swap(2, "00"), "checkpoint line 2"),
        (_swap(2, "-1"), "checkpoint line 2"),
        (_swap(2, "+1"), "checkpoint line 2"),
        (_swap(2, " 1"), "checkpoint line 2"),
        (_swap(2, "1 "), "checkpoint line 2"),
        (_swap(2, "1_000"), "checkpoint line 2"),
        (_swap(2, "\u0661"), "checkpoint line 2"),  # an Arabic-Indic one: int() would take it
        (_swap(2, "0x10"), "checkpoint line 2"),
        (_swap(2, str(2**64)), "checkpoint line 2"),
        (_swap(2, "9" * 5000), "checkpoint line 2"),
        (_swap(3, "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I"), "checkpoint line 3"),
        (_swap(3, "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J="), "checkpoint line 3"),  # spare bits set
        (_swap(3, "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=AAAA"), "checkpoint line 3"),
        (_swap(3, "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx"), "checkpoint line 3"),
        (_swap(3, "CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I="), "checkpoint line 3"),  # URL alphabet
        (SPEC_BODY + "\n", "checkpoint line 4"),  # an empty extension line
        (SPEC_BODY + "ok\n\nafter\n", "checkpoint line 5"),
    ],
)
def test_malformed_bodies_name_the_line(text: str, where: str) -> None:
    with pytest.raises(VerificationError) as err:
        parse_checkpoint_body(text)
    assert err.value.where == where


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": ""},
        {"origin": "two\nlines"},
        {"size": -1},
        {"size": 2**64},
        {"size": True},
        {"root": b"\0" * 31},
        {"root": "00" * 32},
        {"extensions": ("",)},
        {"extensions": ("a\nb",)},
    ],
)
def test_checkpoint_fields_are_checked_on_construction(kwargs: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"origin": "o", "size": 1, "root": b"\0" * 32, "extensions": ()}
    fields.update(kwargs)
    with pytest.raises(InvalidInput):
        Checkpoint(**fields)


def test_largest_tree_size_round_trips() -> None:
    cp = Checkpoint("o", 2**64 - 1, b"\1" * 32)
    assert parse_checkpoint_body(cp.body()) == cp


# --- opening ---------------------------------------------------------------------------------------


def test_origin_must_match_the_key_name_or_the_given_origin() -> None:
    s = log_signer()
    note = sign_checkpoint(Checkpoint("example.org/other", 1, b"\0" * 32), s)
    with pytest.raises(VerificationError) as err:
        open_checkpoint(note, s.verifier)
    assert err.value.where == "checkpoint line 1"
    assert open_checkpoint(note, s.verifier, origin="example.org/other").size == 1
    with pytest.raises(VerificationError):
        open_checkpoint(
            sign_checkpoint(Checkpoint("example.org/log", 1, b"\0" * 32), s), s.verifier, origin="x"
        )


def test_a_signed_note_that_is_not_a_checkpoint_is_refused() -> None:
    s = log_signer()
    with pytest.raises(VerificationError) as err:
        open_checkpoint(sign_note("example.org/log\nnot a size\nroot\n", s), s.verifier)
    assert err.value.where == "checkpoint line 2"


key_names = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp"), blacklist_characters="+"),
    min_size=1,
    max_size=30,
).filter(lambda name: not any(ch.isspace() for ch in name))
free_lines = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40)
checkpoints = st.builds(
    Checkpoint,
    origin=key_names,
    size=st.integers(min_value=0, max_value=2**63 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(free_lines, max_size=4).map(tuple),
)
seeds = st.binary(min_size=32, max_size=32)


@given(cp=checkpoints, seed=seeds)
def test_sign_open_round_trip(cp: Checkpoint, seed: bytes) -> None:
    s = NoteSigner(cp.origin, seed)
    note = sign_checkpoint(cp, s)
    assert open_checkpoint(note, s.verifier) == cp
    assert open_checkpoint(note.encode(), s.verifier, origin=cp.origin) == cp


@given(cp=checkpoints, origin=free_lines, seed=seeds)
def test_origin_need_not_be_a_key_name(cp: Checkpoint, origin: str, seed: bytes) -> None:
    s = NoteSigner("log.example/key", seed)
    cp = Checkpoint(origin, cp.size, cp.root, cp.extensions)
    assert open_checkpoint(sign_checkpoint(cp, s), s.verifier, origin=origin) == cp


@given(
    cp=checkpoints,
    others=st.lists(st.tuples(key_names, seeds), max_size=5),
    junk=st.lists(st.tuples(key_names, st.binary(min_size=4, max_size=4), st.binary(min_size=1)), max_size=5),
    position=st.integers(min_value=0),
)
def test_unknown_signatures_are_ignored(
    cp: Checkpoint,
    others: list[tuple[str, bytes]],
    junk: list[tuple[str, bytes, bytes]],
    position: int,
) -> None:
    s = log_signer(cp.origin)
    body = cp.body()
    extra = [NoteSigner(name, seed).sign(body) for name, seed in others]
    extra += [NoteSignature(name, kid, sig) for name, kid, sig in junk if (name, kid) != (s.name, s.key_id)]
    extra = [sig for sig in extra if (sig.name, sig.key_id) != (s.name, s.key_id)]
    own = s.sign(body)
    extra.insert(position % (len(extra) + 1), own)
    note = format_note(body, extra)
    assert open_checkpoint(note, s.verifier) == cp
    assert len(parse_note(note).signatures) == len(extra)


@given(cp=checkpoints, seed=seeds)
def test_a_checkpoint_signed_by_another_key_is_refused(cp: Checkpoint, seed: bytes) -> None:
    ours = log_signer(cp.origin)
    theirs = NoteSigner(cp.origin, seed)
    if theirs.key_id == ours.key_id:
        return  # 2^-32: a key-id collision would be a failing signature, tested elsewhere
    with pytest.raises(VerificationError, match="no signature"):
        open_checkpoint(sign_checkpoint(cp, theirs), ours.verifier)


@given(cp=checkpoints, data=st.data())
def test_any_tampering_raises_only_our_errors(cp: Checkpoint, data: st.DataObject) -> None:
    s = log_signer(cp.origin)
    note = sign_checkpoint(cp, s)
    i = data.draw(st.integers(min_value=0, max_value=len(note) - 1))
    new = data.draw(st.characters().filter(lambda ch: ch != note[i]))
    with pytest.raises(InwritingError) as err:
        open_checkpoint(note[:i] + new + note[i + 1 :], s.verifier)
    assert isinstance(err.value, VerificationError | InvalidInput)
