"""Canonical JSON (RFC 8785, JCS) for everything we sign or hash.

Signed payloads hold strings, integers within ±2^53, booleans, null, lists and objects; floats are
refused so that no two implementations can disagree on a number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import rfc8785

from inwriting.errors import InvalidInput

MAX_SAFE_INTEGER = 2**53 - 1

JSONValue = Any  # what json.loads returns; checked by `check_signable`


def check_signable(value: JSONValue, path: str = "$") -> None:
    """Refuse values whose canonical form is ambiguous across implementations."""
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise InvalidInput(f"integer {value} is outside ±2^53", where=path)
        return
    if isinstance(value, float):
        raise InvalidInput("floats are not allowed in signed payloads; use a string", where=path)
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_signable(item, f"{path}[{i}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput("object keys must be strings", where=path)
            check_signable(item, f"{path}.{key}")
        return
    raise InvalidInput(f"{type(value).__name__} cannot be signed", where=path)


def canonical(value: JSONValue) -> bytes:
    """RFC 8785 bytes of `value` (after `check_signable`)."""
    check_signable(value)
    try:
        return bytes(rfc8785.dumps(value))
    except rfc8785.CanonicalizationError as exc:  # e.g. lone surrogates in a string
        raise InvalidInput(f"cannot canonicalise: {exc}") from exc


def parse(data: bytes, *, what: str = "JSON") -> JSONValue:
    """Parse JSON bytes, turning every low-level failure into InvalidInput."""
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"malformed {what}: {exc}") from exc


def is_canonical(data: bytes) -> bool:
    """True when `data` is exactly the RFC 8785 form of what it encodes."""
    try:
        return canonical(json.loads(data)) == data
    except (InvalidInput, UnicodeDecodeError, json.JSONDecodeError):
        return False
