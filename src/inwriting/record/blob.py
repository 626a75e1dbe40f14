"""Content-addressed texts: hash = SHA-256(salt ‖ content) with a random 32-byte salt kept beside
the text, so that someone who sees only the hash cannot confirm a guessed short text by hashing it."""

from __future__ import annotations

import hashlib

import nacl.utils

from inwriting.errors import VerificationError

SALT_SIZE = 32


def new_salt() -> bytes:
    return nacl.utils.random(SALT_SIZE)


def blob_hash(salt: bytes, content: bytes) -> str:
    return "sha256:" + hashlib.sha256(salt + content).hexdigest()


def check_blob(digest: str, salt: bytes, content: bytes, *, where: str) -> None:
    if len(salt) != SALT_SIZE or blob_hash(salt, content) != digest:
        raise VerificationError(f"the stored text does not hash to {digest}", where=where)
