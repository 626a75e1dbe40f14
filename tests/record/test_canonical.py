"""Canonical JSON (RFC 8785): stable under key order and escapes; what it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inwriting.errors import InvalidInput
from inwriting.record.canonical import MAX_SAFE_INTEGER, canonical, is_canonical

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


def shuffled(value: Any, seed: int) -> Any:
    """The same value with every object's keys in another order."""
    if isinstance(value, dict):
        items = list(value.items())
        items = items[seed % max(len(items), 1) :] + items[: seed % max(len(items), 1)]
        return {k: shuffled(v, seed + 1) for k, v in reversed(items)}
    if isinstance(value, list):
        return [shuffled(v, seed + 1) for v in value]
    return value


@given(values, st.integers(0, 100))
def test_key_order_does_not_matter(value: Any, seed: int) -> None:
    assert canonical(shuffled(value, seed)) == canonical(value)


@given(values)
def test_escapes_do_not_matter(value: Any) -> None:
    ascii_escaped = json.dumps(value, ensure_ascii=True)  # \uXXXX for everything outside ASCII
    assert canonical(json.loads(ascii_escaped)) == canonical(value)


@given(values)
def test_canonical_bytes_round_trip(value: Any) -> None:
    data = canonical(value)
    assert is_canonical(data)
    assert json.loads(data) == value
    assert canonical(json.loads(data)) == data


def test_known_form() -> None:
    assert canonical({"b": 1, "a": "é", "c": [True, None, "\u2028"]}) == (
        b'{"a":"\xc3\xa9","b":1,"c":[true,null,"\xe2\x80\xa8"]}'
    )
    assert not is_canonical(b'{"b":1, "a":2}')
    assert not is_canonical(b'{"a":"\\u00e9"}')


@pytest.mark.parametrize("bad", [1.5, 2**53, -(2**53), {"x": [0.1]}, {1: "a"}, b"bytes", "\ud800"])
def test_refused(bad: Any) -> None:
    with pytest.raises(InvalidInput):
        canonical(bad)
