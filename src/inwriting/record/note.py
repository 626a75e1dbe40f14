"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys: verifier keys, signing, parsing.

Parsing checks structure only; `open_note` also demands a valid signature from one expected key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.signing
import nacl.utils

from inwriting.errors import InvalidInput, InwritingError, VerificationError

ED25519 = 0x01  # signature type byte assigned by the signed-note spec
SEED_SIZE = 32
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
KEY_ID_SIZE = 4
MAX_SIGNATURES = 100  # the spec says verifiers SHOULD cap (and MUST allow 16); Go's reference uses 100
SIG_PREFIX = "\u2014 "  # em dash, space

_HEX8 = re.compile(r"[0-9a-fA-F]{8}")


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key's name, its 4-byte key id and the raw signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    @property
    def where(self) -> str:
        return f"signature by {self.name}+{self.key_id.hex()}"

    def line(self) -> str:
        return f"{SIG_PREFIX}{self.name} {_b64(self.key_id + self.signature)}\n"


@dataclass(frozen=True)
class Note:
    """A note's text (ending in a newline) and the signatures found under it, verified or not."""

    text: str
    signatures: tuple[NoteSignature, ...]


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """SHA-256(key name || 0x0A || signature type || public key)[:4], as the spec recommends."""
    if not 0 <= sig_type <= 0xFF:
        raise InvalidInput(f"a signature type is one byte, got {sig_type}")
    try:
        data = name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key
    except UnicodeEncodeError as exc:
        raise InvalidInput("a key name must be valid UTF-8") from exc
    return hashlib.sha256(data).digest()[:KEY_ID_SIZE]


def generate_seed() -> bytes:
    return nacl.utils.random(SEED_SIZE)


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 note verifier: a key name, the key id derived from it, and the 32-byte public key."""

    name: str
    key_id: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        _require_name(self.name, InvalidInput, where="verifier key")
        _require_public_key(self.public_key)
        if self.key_id != key_id(self.name, ED25519, self.public_key):
            raise InvalidInput("key id does not match the key name and public key", where="verifier key")

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> NoteVerifier:
        return cls(name, key_id(name, ED25519, public_key), public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse `<name>+<8 hex key id>+<base64(0x01 || public key)>`; InvalidInput if malformed."""
        name, _, rest = vkey.partition("+")
        hex_id, _, key64 = rest.partition("+")
        if not _HEX8.fullmatch(hex_id):
            raise InvalidInput("a verifier key is <name>+<8 hex digits>+<base64 key>", where="verifier key")
        material = _unb64(key64, InvalidInput, what="public key", where="verifier key")
        if not material or material[0] != ED25519:
            raise InvalidInput("only Ed25519 verifier keys (type 0x01) are supported", where="verifier key")
        public_key = material[1:]
        _require_name(name, InvalidInput, where="verifier key")
        _require_public_key(public_key)
        if bytes.fromhex(hex_id) != key_id(name, ED25519, public_key):
            raise InvalidInput("key id does not match the key name and public key", where="verifier key")
        return cls(name, bytes.fromhex(hex_id), public_key)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([ED25519]) + self.public_key)}"

    @property
    def where(self) -> str:
        return f"signature by {self.name}+{self.key_id.hex()}"

    def matches(self, sig: NoteSignature) -> bool:
        """Whether a signature line claims to be by this key (same name and key id)."""
        return sig.name == self.name and sig.key_id == self.key_id

    def verify(self, text: bytes, sig: bytes) -> bool:
        try:
            nacl.signing.VerifyKey(self.public_key).verify(text, sig)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError, TypeError):
            return False
        return True


class NoteSigner:
    """An Ed25519 note signer built from a 32-byte seed and a key name; the seed is never shown."""

    __slots__ = ("_key", "_verifier")

    def __init__(self, name: str, seed: bytes) -> None:
        if not isinstance(seed, bytes) or len(seed) != SEED_SIZE:
            raise InvalidInput(f"an Ed25519 seed has {SEED_SIZE} bytes", where="signer key")
        _require_name(name, InvalidInput, where="signer key")
        self._key = nacl.signing.SigningKey(seed)
        self._verifier = NoteVerifier.from_public_key(name, self._key.verify_key.encode())

    def __repr__(self) -> str:
        return f"NoteSigner({self._verifier.name}+{self._verifier.key_id.hex()})"

    @property
    def name(self) -> str:
        return self._verifier.name

    @property
    def key_id(self) -> bytes:
        return self._verifier.key_id

    @property
    def verifier(self) -> NoteVerifier:
        return self._verifier

    @property
    def vkey(self) -> str:
        return self._verifier.vkey

    def sign(self, text: str) -> NoteSignature:
        _require_text(text, InvalidInput, where="note text")
        signature = self._key.sign(text.encode("utf-8")).signature
        return NoteSignature(self.name, self.key_id, signature)


def parse_note(data: str | bytes) -> Note:
    """Split a signed note into its text and signature lines, checking the format but no signature."""
    note = _decode(data)
    _require_clean(note, VerificationError, where="note")
    split = note.rfind("\n\n")
    if split < 0:
        raise VerificationError("no blank line separates the text from the signatures", where="note")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise VerificationError("a signed note ends with a newline after its signature lines", where="note")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise VerificationError(f"more than {MAX_SIGNATURES} signature lines", where="note")
    sigs = tuple(_parse_sig_line(line, where=f"note signature line {i}") for i, line in enumerate(lines, 1))
    return Note(text, sigs)


def format_note(text: str, sigs: Iterable[NoteSignature]) -> str:
    """The signed note: the text, a blank line, then one line per signature."""
    _require_text(text, InvalidInput, where="note text")
    sigs = tuple(sigs)
    if not 1 <= len(sigs) <= MAX_SIGNATURES:
        raise InvalidInput(f"a signed note carries 1 to {MAX_SIGNATURES} signatures, got {len(sigs)}")
    for sig in sigs:
        _require_name(sig.name, InvalidInput, where=sig.where)
        if len(sig.key_id) != KEY_ID_SIZE or not sig.signature:
            raise InvalidInput("a signature has a 4-byte key id and a non-empty signature", where=sig.where)
    return text + "\n" + "".join(sig.line() for sig in sigs)


def sign_note(text: str, signer: NoteSigner) -> str:
    return format_note(text, [signer.sign(text)])


def open_note(data: str | bytes, verifier: NoteVerifier) -> Note:
    """Parse a note and require a valid signature by `verifier`; signatures by other keys are ignored.

    Any signature that claims `verifier`'s name and key id must verify, or the whole note is refused.
    """
    note = parse_note(data)
    text = note.text.encode("utf-8")
    claimed = [sig for sig in note.signatures if verifier.matches(sig)]
    for sig in claimed:
        if not verifier.verify(text, sig.signature):
            raise VerificationError("signature does not verify", where=sig.where)
    if not claimed:
        raise VerificationError(f"the note carries no signature by {verifier.name}", where=verifier.where)
    return note


def _parse_sig_line(line: str, *, where: str) -> NoteSignature:
    if not line.startswith(SIG_PREFIX):
        raise VerificationError("a signature line starts with an em dash and a space", where=where)
    name, _, sig64 = line[len(SIG_PREFIX) :].partition(" ")
    _require_name(name, VerificationError, where=where)
    raw = _unb64(sig64, VerificationError, what="signature", where=where)
    if len(raw) <= KEY_ID_SIZE:
        raise VerificationError("a signature holds a 4-byte key id and at least one more byte", where=where)
    return NoteSignature(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


def _decode(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VerificationError("a signed note must be valid UTF-8", where="note") from exc


def _require_clean(text: str, error: type[InwritingError], *, where: str) -> None:
    """Valid UTF-8 (no lone surrogates in a str) and no ASCII control characters other than newline."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise error("text is not valid UTF-8", where=where) from exc
    bad = next((ch for ch in text if ch < " " and ch != "\n"), None)
    if bad is not None:
        raise error(f"control character U+{ord(bad):04X} is not allowed", where=where)


def _require_text(text: str, error: type[InwritingError], *, where: str) -> None:
    _require_clean(text, error, where=where)
    if not text.endswith("\n"):
        raise error("note text must end with a newline", where=where)


def _require_name(name: str, error: type[InwritingError], *, where: str) -> None:
    _require_clean(name, error, where=where)
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise error(f"invalid key name {name!r}: non-empty, no spaces, no '+'", where=where)


def _require_public_key(public_key: bytes) -> None:
    # libsodium refuses small-order and non-canonical points; VerifyKey only checks the length.
    if len(public_key) != PUBLIC_KEY_SIZE or not nacl.bindings.crypto_core_ed25519_is_valid_point(public_key):
        raise InvalidInput("not a usable Ed25519 public key", where="verifier key")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, error: type[InwritingError], *, what: str, where: str) -> bytes:
    """Strict standard base64: the canonical encoding only, so one text has one meaning."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise error(f"{what} is not valid base64", where=where) from exc
    if not text or _b64(data) != text:
        raise error(f"{what} is not canonical base64", where=where)
    return data


__all__ = [
    "ED25519",
    "MAX_SIGNATURES",
    "Note",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "format_note",
    "generate_seed",
    "key_id",
    "open_note",
    "parse_note",
    "sign_note",
]
