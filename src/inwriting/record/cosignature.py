"""C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), Ed25519 type: a witness's note signature
over a checkpoint, stating that this is the largest consistent tree head it has seen for that origin.

The signed message is "cosignature/v1\\ntime <T>\\n" followed by the checkpoint's note text; the note
signature is the 8-byte big-endian timestamp T followed by the 64-byte Ed25519 signature; the key id is
SHA-256(name || 0x0A || 0x04 || public key)[:4], so it never collides with the log's own (type 0x01).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.signing

from inwriting.errors import InvalidInput, VerificationError
from inwriting.record.note import (
    MAX_SIGNATURES,
    Note,
    NoteSignature,
    format_note,
    key_id,
    parse_note,
)

COSIGNATURE_V1 = 0x04  # the Ed25519 cosignature/v1 signature type (tlog-cosignature, "Format")
HEADER = "cosignature/v1\n"
TIMESTAMP_SIZE = 8
SIGNATURE_SIZE = 64
MAX_TIMESTAMP = 2**63 - 1  # "It MUST NOT exceed 2^63 - 1"
SEED_SIZE = 32


def signed_message(text: str, timestamp: int) -> bytes:
    """What the witness signs: the header line, the time line, then the whole checkpoint note text."""
    _check_timestamp(timestamp, InvalidInput)
    if not text.endswith("\n"):
        raise InvalidInput("a checkpoint's note text ends with a newline", where="cosigned checkpoint")
    return f"{HEADER}time {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class Cosignature:
    """One verified cosignature: by which witness, and when it says it signed."""

    name: str
    key_id: bytes
    timestamp: int

    @property
    def witness(self) -> str:
        return f"{self.name}+{self.key_id.hex()}"


@dataclass(frozen=True)
class CosignerKey:
    """A witness's public key: its name, key id (type 0x04) and 32-byte Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32 or not nacl.bindings.crypto_core_ed25519_is_valid_point(
            self.public_key
        ):
            raise InvalidInput("not a usable Ed25519 public key", where="witness key")
        if self.key_id != key_id(self.name, COSIGNATURE_V1, self.public_key):
            raise InvalidInput("key id does not match the key name and public key", where="witness key")

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> CosignerKey:
        return cls(name, key_id(name, COSIGNATURE_V1, public_key), public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignerKey:
        """Parse `<name>+<8 hex key id>+<base64(0x04 || public key)>` (a signed-note vkey)."""
        name, _, rest = vkey.strip().partition("+")
        hex_id, _, key64 = rest.partition("+")
        if len(hex_id) != 8 or any(ch not in "0123456789abcdefABCDEF" for ch in hex_id):
            raise InvalidInput("a witness key is <name>+<8 hex digits>+<base64 key>", where="witness key")
        material = _unb64(key64, InvalidInput, where="witness key")
        if not material or material[0] != COSIGNATURE_V1:
            raise InvalidInput(
                "not a cosignature/v1 key (signature type 0x04); is it a log key?", where="witness key"
            )
        public_key = material[1:]
        key = cls.from_public_key(name, public_key)
        if bytes.fromhex(hex_id) != key.key_id:
            raise InvalidInput("key id does not match the key name and public key", where="witness key")
        return key

    @property
    def vkey(self) -> str:
        material = base64.b64encode(bytes([COSIGNATURE_V1]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{material}"

    def matches(self, sig: NoteSignature) -> bool:
        return sig.name == self.name and sig.key_id == self.key_id

    def verify(self, text: str, sig: NoteSignature) -> Cosignature:
        """Check one note signature line as this witness's cosignature over `text`; raise if not."""
        where = f"cosignature by {self.name}+{self.key_id.hex()}"
        if not self.matches(sig):
            raise VerificationError("the signature line names another key", where=where)
        if len(sig.signature) != TIMESTAMP_SIZE + SIGNATURE_SIZE:
            raise VerificationError(
                f"a cosignature holds an 8-byte time and a 64-byte signature, got {len(sig.signature)} bytes",
                where=where,
            )
        timestamp = int.from_bytes(sig.signature[:TIMESTAMP_SIZE], "big")
        _check_timestamp(timestamp, VerificationError)
        try:
            nacl.signing.VerifyKey(self.public_key).verify(
                signed_message(text, timestamp), sig.signature[TIMESTAMP_SIZE:]
            )
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.CryptoError, ValueError) as exc:
            raise VerificationError("signature does not verify", where=where) from exc
        return Cosignature(self.name, self.key_id, timestamp)


class Cosigner:
    """A witness's signing key (from a 32-byte seed); the seed is never shown."""

    __slots__ = ("_key", "_public")

    def __init__(self, name: str, seed: bytes) -> None:
        if not isinstance(seed, bytes) or len(seed) != SEED_SIZE:
            raise InvalidInput(f"an Ed25519 seed has {SEED_SIZE} bytes", where="witness key")
        self._key = nacl.signing.SigningKey(seed)
        self._public = CosignerKey.from_public_key(name, self._key.verify_key.encode())

    def __repr__(self) -> str:
        return f"Cosigner({self._public.name}+{self._public.key_id.hex()})"

    @property
    def public(self) -> CosignerKey:
        return self._public

    def cosign(self, text: str, timestamp: int) -> NoteSignature:
        signature = self._key.sign(signed_message(text, timestamp)).signature
        return NoteSignature(
            self._public.name, self._public.key_id, timestamp.to_bytes(TIMESTAMP_SIZE, "big") + signature
        )


def add_cosignature(note: str | bytes, cosigner: Cosigner, timestamp: int) -> str:
    """The note with this witness's cosignature line appended (replacing an older one of its own)."""
    parsed = parse_note(note)
    kept = [sig for sig in parsed.signatures if not cosigner.public.matches(sig)]
    if len(kept) >= MAX_SIGNATURES:
        raise InvalidInput(f"the note already carries {len(kept)} signatures")
    return format_note(parsed.text, [*kept, cosigner.cosign(parsed.text, timestamp)])


def open_cosigned(note: str | bytes, witness: CosignerKey) -> tuple[Note, Cosignature]:
    """Parse a note and require a valid cosignature by `witness`; any line claiming it must verify."""
    parsed = parse_note(note)
    claimed = [sig for sig in parsed.signatures if witness.matches(sig)]
    if not claimed:
        raise VerificationError(
            f"the note carries no cosignature by {witness.name}",
            where=f"cosignature by {witness.name}+{witness.key_id.hex()}",
        )
    found = [witness.verify(parsed.text, sig) for sig in claimed]
    return parsed, max(found, key=lambda c: c.timestamp)


def _check_timestamp(timestamp: int, error: type[InvalidInput] | type[VerificationError]) -> None:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise error(f"a cosignature time is 0 to 2^63-1 seconds, got {timestamp!r}", where="cosignature")


def _check_name(name: str) -> None:
    if not name or "+" in name or any(ch.isspace() or ch < " " for ch in name):
        raise InvalidInput(
            f"invalid witness name {name!r}: non-empty, no spaces, no '+'", where="witness key"
        )


def _unb64(text: str, error: type[InvalidInput], *, where: str) -> bytes:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise error("the key is not valid base64", where=where) from exc
    if not text or base64.b64encode(data).decode("ascii") != text:
        raise error("the key is not canonical base64", where=where)
    return data


__all__ = [
    "COSIGNATURE_V1",
    "Cosignature",
    "Cosigner",
    "CosignerKey",
    "add_cosignature",
    "open_cosigned",
    "signed_message",
]
