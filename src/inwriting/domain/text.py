"""Checks on human-entered text and identifiers: no control characters, no bidi overrides.

A treaty title with a hidden right-to-left override reads differently from what was signed, so we
refuse such characters at the door with an error that says which character and where.
"""

from __future__ import annotations

import re
import unicodedata

from inwriting.errors import InvalidInput

# Bidirectional embeddings, overrides and isolates (Unicode TR9); the marks LRM/RLM/ALM are allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


def check_text(value: str, *, what: str, multiline: bool = False, max_len: int = 1000) -> str:
    """Return `value` NFC-normalised, or raise InvalidInput naming the offending character."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text")
    if not value.strip():
        raise InvalidInput(f"{what} must not be empty")
    if len(value) > max_len:
        raise InvalidInput(f"{what} is {len(value)} characters; the limit is {max_len}")
    allowed = "\n\t" if multiline else ""
    for i, ch in enumerate(value):
        if ch in BIDI_CONTROLS:
            raise InvalidInput(f"{what} contains a bidi control U+{ord(ch):04X} at position {i}")
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"):
            raise InvalidInput(f"{what} contains a control or unassigned character U+{ord(ch):04X} at {i}")
    return unicodedata.normalize("NFC", value)


def check_id(value: str, *, what: str) -> str:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise InvalidInput(
            f"{what} {value!r} must start with a letter and hold only letters, digits, '.', '_' or '-'"
            " (at most 64)"
        )
    return value
