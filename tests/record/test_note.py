"""C2SP signed notes: known vectors from Go's sumdb/note and the spec, format rules, and open semantics."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inwriting.errors import InvalidInput, VerificationError
from inwriting.record.note import (
    MAX_SIGNATURES,
    Note,
    NoteSignature,
    NoteSigner,
    NoteVerifier,
    format_note,
    generate_seed,
    key_id,
    open_note,
    parse_note,
    sign_note,
)

# The example in golang.org/x/mod/sumdb/note's package documentation: an independent implementation.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
GO_SIG = (
    "\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
GO_ENOCH_SIG = (
    "\u2014 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)
# The example at the top of c2sp.org/signed-note: its text holds a blank line of its own.
SPEC_NOTE = (
    "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n"
    "\u2014 quasimodo.example/salvatore "
    "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)


def go_signer() -> NoteSigner:
    material = base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert material[0] == 0x01
    return NoteSigner("PeterNeumann", material[1:])


def signer(name: str = "example.org/log", fill: int = 7) -> NoteSigner:
    return NoteSigner(name, bytes([fill]) * 32)


# --- known vectors ---------------------------------------------------------------------------------


def test_go_vector_key_and_signature_are_reproduced() -> None:
    s = go_signer()
    assert s.vkey == GO_VKEY
    assert s.key_id == bytes.fromhex("c74f20a3")
    assert sign_note(GO_TEXT, s) == GO_TEXT + "\n" + GO_SIG


def test_go_vector_opens_and_ignores_a_cosigner_we_do_not_know() -> None:
    verifier = NoteVerifier.from_vkey(GO_VKEY)
    note = open_note((GO_TEXT + "\n" + GO_SIG + GO_ENOCH_SIG).encode(), verifier)
    assert note.text == GO_TEXT
    assert [sig.name for sig in note.signatures] == ["PeterNeumann", "EnochRoot"]


def test_spec_example_parses_with_a_blank_line_inside_the_text() -> None:
    note = parse_note(SPEC_NOTE)
    assert note.text.endswith("sole:\n\ned è subito sera.\n")
    (sig,) = note.signatures
    assert sig.name == "quasimodo.example/salvatore"
    assert sig.key_id == bytes.fromhex("367ba04b")
    assert len(sig.signature) == 64
    with pytest.raises(VerificationError, match="no signature"):
        open_note(SPEC_NOTE, signer().verifier)


def test_key_id_is_sha256_of_name_newline_type_key() -> None:
    verifier = NoteVerifier.from_vkey(GO_VKEY)
    assert key_id("PeterNeumann", 0x01, verifier.public_key) == bytes.fromhex("c74f20a3")
    assert key_id("PeterNeumann", 0x04, verifier.public_key) != bytes.fromhex("c74f20a3")
    with pytest.raises(InvalidInput):
        key_id("x", 256, verifier.public_key)


# --- verifier keys ---------------------------------------------------------------------------------


def test_vkey_round_trip() -> None:
    s = signer()
    v = NoteVerifier.from_vkey(s.vkey)
    assert v == s.verifier
    assert v.vkey == s.vkey
    assert v.where == f"signature by example.org/log+{s.key_id.hex()}"


def _vkey(name: str, material: bytes, kid: bytes | None = None) -> str:
    kid = key_id(name, material[0], material[1:]) if kid is None else kid
    return f"{name}+{kid.hex()}+{base64.b64encode(material).decode()}"


GOOD_PUB = NoteVerifier.from_vkey(GO_VKEY).public_key


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",  # non-canonical base64
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        _vkey("x.example/w", b"\x04" + GOOD_PUB),  # a cosignature key is not a note key
        _vkey("x.example/w", b"\x01" + GOOD_PUB[:31]),
        _vkey("x.example/w", b"\x01" + bytes(32)),  # small-order point: libsodium refuses it
        _vkey("x.example/w", b"\x01" + b"\xff" * 32),  # not a canonical point encoding
    ],
)
def test_malformed_vkey_is_invalid_input(vkey: str) -> None:
    with pytest.raises(InvalidInput):
        NoteVerifier.from_vkey(vkey)


def test_verifier_refuses_a_key_id_that_does_not_match() -> None:
    with pytest.raises(InvalidInput, match="key id"):
        NoteVerifier("PeterNeumann", b"\0\0\0\0", GOOD_PUB)


def test_verify_reports_false_for_bad_or_misshapen_signatures() -> None:
    s = go_signer()
    good = s.sign(GO_TEXT).signature
    assert s.verifier.verify(GO_TEXT.encode(), good)
    assert not s.verifier.verify(GO_TEXT.encode() + b" ", good)
    assert not s.verifier.verify(GO_TEXT.encode(), good[:63])
    assert not s.verifier.verify(GO_TEXT.encode(), good + b"\0")


# --- signers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "seed"),
    [("ok", b"\0" * 31), ("ok", b"\0" * 33), ("", b"\0" * 32), ("a b", b"\0" * 32), ("a+b", b"\0" * 32)],
)
def test_signer_refuses_bad_seed_or_name(name: str, seed: bytes) -> None:
    with pytest.raises(InvalidInput):
        NoteSigner(name, seed)


def test_signer_repr_hides_the_seed() -> None:
    seed = bytes(range(32))
    assert seed.hex() not in repr(NoteSigner("n", seed))
    assert base64.b64encode(seed).decode() not in repr(NoteSigner("n", seed))


def test_generate_seed_is_random_and_usable() -> None:
    a, b = generate_seed(), generate_seed()
    assert len(a) == 32 and a != b
    assert NoteSigner("n", a).key_id != NoteSigner("n", b).key_id


@pytest.mark.parametrize("text", ["no final newline", "", "tab\there\n", "nul\0\n", "cr\r\n", "\ud800\n"])
def test_signing_refuses_text_that_is_not_note_text(text: str) -> None:
    with pytest.raises(InvalidInput):
        sign_note(text, signer())


def test_format_note_refuses_bad_signature_lists() -> None:
    sig = signer().sign("a\n")
    with pytest.raises(InvalidInput):
        format_note("a\n", [])
    with pytest.raises(InvalidInput):
        format_note("a\n", [sig] * (MAX_SIGNATURES + 1))
    with pytest.raises(InvalidInput):
        format_note("a\n", [NoteSignature("bad name", sig.key_id, sig.signature)])
    with pytest.raises(InvalidInput):
        format_note("a\n", [NoteSignature("n", b"\0" * 3, sig.signature)])


# --- parsing ---------------------------------------------------------------------------------------

SIGNED = sign_note("hello\n", signer())
SIG_LINE = SIGNED.split("\n\n", 1)[1]


@pytest.mark.parametrize(
    "data",
    [
        "hello\n" + SIG_LINE,  # no blank line
        "hello\n\n" + SIG_LINE[:-1],  # no final newline
        "hello\n\n",  # no signature lines
        "hello\n\n" + SIG_LINE + "\n",  # blank line after the signatures
        "hello\n\n" + SIG_LINE.replace("\u2014", "--"),
        "hello\n\n" + SIG_LINE.replace("\u2014 ", "\u2014"),
        "hello\n\n" + SIG_LINE.replace("example.org/log", "example.org+log"),
        "hello\n\n" + SIG_LINE.replace("example.org/log", "example.org\u00a0log"),
        "hello\n\n" + SIG_LINE.replace("example.org/log", "example.org\u2003log"),
        "hello\n\n" + SIG_LINE.replace("example.org/log ", " "),
        "hello\n\n" + SIG_LINE.replace("=\n", "\n"),  # missing padding
        "hello\n\n" + SIG_LINE.replace("=\n", "==\n"),
        "hello\n\n" + SIG_LINE.replace("=\n", "= \n"),
        "hello\n\n\u2014 example.org/log AAAAAA==\n",  # four bytes: a key id and no signature
        "hello\n\n\u2014 example.org/log \n",
        "hel\tlo\n\n" + SIG_LINE,
        "hel\x7flo\x00\n\n" + SIG_LINE,
        "hello\r\n\n" + SIG_LINE,
        "hel\ud800lo\n\n" + SIG_LINE,  # a lone surrogate cannot be UTF-8
        "hello\n\n" + SIG_LINE * (MAX_SIGNATURES + 1),
    ],
)
def test_malformed_notes_fail_verification(data: str) -> None:
    with pytest.raises(VerificationError):
        parse_note(data)


def test_noncanonical_base64_is_refused() -> None:
    # 68 bytes leave two spare bits in the last base64 digit; flipping one changes no decoded byte.
    sig64 = SIG_LINE.split(" ")[2].rstrip("\n")
    digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = sig64[-2]
    twin = digits[digits.index(last) ^ 1]
    assert base64.b64decode(sig64[:-2] + twin + "=") == base64.b64decode(sig64)
    with pytest.raises(VerificationError, match="canonical"):
        parse_note(SIGNED.replace(sig64, sig64[:-2] + twin + "="))


def test_invalid_utf8_bytes_fail_verification() -> None:
    with pytest.raises(VerificationError, match="UTF-8"):
        parse_note(SIGNED.encode().replace("\u2014".encode(), b"\xe2\x80"))


def test_up_to_the_cap_of_signature_lines_is_accepted() -> None:
    note = parse_note("hello\n\n" + SIG_LINE * MAX_SIGNATURES)
    assert len(note.signatures) == MAX_SIGNATURES
    assert open_note("hello\n\n" + SIG_LINE * MAX_SIGNATURES, signer().verifier).text == "hello\n"


def test_format_then_parse_is_identity() -> None:
    sigs = [signer("a.example", 1).sign("x\n\ny\n"), signer("b.example", 2).sign("x\n\ny\n")]
    assert parse_note(format_note("x\n\ny\n", sigs)) == Note("x\n\ny\n", tuple(sigs))


# --- opening ---------------------------------------------------------------------------------------


def test_a_failing_signature_by_the_expected_key_rejects_the_whole_note() -> None:
    s = signer()
    good = s.sign("hello\n")
    forged = NoteSignature(s.name, s.key_id, bytes(64))
    with pytest.raises(VerificationError) as err:
        open_note(format_note("hello\n", [good, forged]), s.verifier)
    assert err.value.where == f"signature by example.org/log+{s.key_id.hex()}"


def test_signatures_sharing_only_name_or_only_key_id_are_ignored() -> None:
    s = signer()
    good = s.sign("hello\n")
    same_name = NoteSignature(s.name, bytes(4), bytes(64))
    same_id = NoteSignature("other.example", s.key_id, bytes(64))
    note = open_note(format_note("hello\n", [same_name, same_id, good]), s.verifier)
    assert note.signatures == (same_name, same_id, good)


def test_a_note_signed_only_by_another_key_is_refused() -> None:
    note = sign_note("hello\n", signer(fill=8))
    with pytest.raises(VerificationError, match="no signature"):
        open_note(note, signer(fill=7).verifier)


note_text = st.lists(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20), min_size=1, max_size=6
).map(lambda lines: "".join(line + "\n" for line in lines))


@given(text=note_text, seed=st.binary(min_size=32, max_size=32))
def test_sign_open_round_trip(text: str, seed: bytes) -> None:
    s = NoteSigner("round.example/trip", seed)
    signed = sign_note(text, s)
    assert open_note(signed, s.verifier).text == text
    assert open_note(signed.encode(), NoteVerifier.from_vkey(s.vkey)).text == text


@given(text=note_text, extra=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1))
def test_changed_text_is_refused(text: str, extra: str) -> None:
    s = signer()
    sig = s.sign(text)
    with pytest.raises(VerificationError):
        open_note(format_note(text + extra + "\n", [sig]), s.verifier)
