"""Ed25519 keys for parties and the operator: key ids, domain-separated signing and verification.

All signing and verification goes through PyNaCl (libsodium); nothing here does arithmetic on curves.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from dataclasses import dataclass
from typing import NewType

import nacl.exceptions
import nacl.signing
import nacl.utils

from inwriting.errors import InvalidInput, VerificationError

KeyId = NewType("KeyId", str)  # "ed25519:" + 16 hex digits of SHA-256(public key)

EVENT_DOMAIN = b"inwriting/event/v1\n"
SIGNATURE_SIZE = 64
PUBLIC_KEY_SIZE = 32


def key_id_of(public_key: bytes) -> KeyId:
    return KeyId("ed25519:" + hashlib.sha256(public_key).hexdigest()[:16])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, *, what: str, size: int | None = None) -> bytes:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise InvalidInput(f"{what} is not valid base64") from exc
    if size is not None and len(data) != size:
        raise InvalidInput(f"{what} must be {size} bytes, got {len(data)}")
    return data


@dataclass(frozen=True)
class PublicKey:
    """A verifier for one Ed25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != PUBLIC_KEY_SIZE:
            raise InvalidInput(f"an Ed25519 public key has {PUBLIC_KEY_SIZE} bytes, got {len(self.raw)}")

    @property
    def key_id(self) -> KeyId:
        return key_id_of(self.raw)

    @property
    def b64(self) -> str:
        return b64(self.raw)

    @classmethod
    def from_b64(cls, text: str) -> PublicKey:
        return cls(unb64(text, what="public key", size=PUBLIC_KEY_SIZE))

    def verifier(self) -> nacl.signing.VerifyKey:
        return nacl.signing.VerifyKey(self.raw)

    def verify(self, message: bytes, signature: bytes, *, where: str) -> None:
        """Raise VerificationError unless `signature` is this key's over `message`."""
        try:
            self.verifier().verify(message, signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError) as exc:
            raise VerificationError(f"signature does not verify with key {self.key_id}", where=where) from exc


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key (seed) held in a local keystore; never logged."""

    seed: bytes

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise InvalidInput("an Ed25519 seed has 32 bytes")

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        return f"SigningKey({self.public.key_id})"

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(nacl.utils.random(32))

    @functools.cached_property
    def _nacl(self) -> nacl.signing.SigningKey:
        return nacl.signing.SigningKey(self.seed)

    @functools.cached_property
    def public(self) -> PublicKey:
        return PublicKey(bytes(self._nacl.verify_key))

    @property
    def key_id(self) -> KeyId:
        return self.public.key_id

    def sign(self, message: bytes) -> bytes:
        return bytes(self._nacl.sign(message).signature)


def event_message(event_bytes: bytes) -> bytes:
    """The bytes an event signature covers: a domain tag, then the canonical event."""
    return EVENT_DOMAIN + event_bytes
