"""Numbering new ids (`prefix`N): one row read through the seq index, and still a free number when
ids were recorded out of order, with leading zeros, or under a prefix holding LIKE's wildcards."""

from __future__ import annotations

import itertools
import json

from sqlalchemy import insert

from inwriting.app import registry
from inwriting.app.context import App
from inwriting.storage import schema as t
from inwriting.storage.projections import next_number

_SEQ = itertools.count(1000)  # rows inserted later get a later seq, as appends give them


def _statements(app: App, *ids: str) -> None:
    with app.store.write() as writer:  # projection rows only: what numbering reads
        for sid in ids:
            row = {"id": sid, "party": "RU", "seq": next(_SEQ), "data": json.dumps({})}
            writer.conn.execute(insert(t.statements).values(**row))


def _next(app: App, prefix: str) -> int:
    with app.store.read() as conn:
        return next_number(conn, t.statements.c.id, prefix)


def test_numbers_follow_the_newest_and_never_reuse_one(app: App) -> None:
    registry.register_party(app, "RU", "Russian Federation")
    assert _next(app, "RU/statement/") == 1
    _statements(app, "RU/statement/1", "RU/statement/2", "RU/statement/10")
    assert _next(app, "RU/statement/") == 11
    _statements(app, "RU/statement/3")  # recorded after 10: its successor, 4, is free
    assert _next(app, "RU/statement/") == 4
    _statements(app, "RU/statement/4x", "RU/statement/9")  # newest is 9, and 10 is taken
    assert _next(app, "RU/statement/") == 11
    _statements(app, "RU/statement/011")  # leading zeros: not how we write numbers
    assert _next(app, "RU/statement/") == 12


def test_a_prefix_with_wildcards_matches_only_itself(app: App) -> None:
    registry.register_party(app, "RU", "Russian Federation")
    _statements(app, "a_b/7", "axb/50", "a%b/60")
    assert _next(app, "a_b/") == 8
    assert _next(app, "a%b/") == 61
    assert _next(app, "a_") == 1  # "a_b/7" is no number after "a_"
