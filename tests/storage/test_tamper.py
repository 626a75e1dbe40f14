"""Tamper tests against the real database: change one byte of a stored event, signature, leaf hash,
Merkle node, checkpoint or projection row with plain SQL, and `log verify` must fail and name it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.errors import VerificationError
from inwriting.storage import schema as t
from tests.storage.helpers import populate


def flip(data: bytes, index: int) -> bytes:
    changed = bytearray(data)
    changed[index % len(changed)] ^= 0x01
    return bytes(changed)


@pytest.fixture
def record(app: App) -> App:
    populate(app)
    log_cases.checkpoint(app)
    assert log_cases.verify(app).size > 10
    return app


def tamper(app: App, table: t.Table, where: object, **values: object) -> None:
    with app.store.write() as writer:
        result = writer.conn.execute(update(table).where(where).values(**values))  # type: ignore[arg-type]
        assert result.rowcount == 1


def stored(app: App, column: t.Column[bytes], where: object) -> bytes:  # type: ignore[name-defined]
    with app.store.read() as conn:
        return bytes(conn.execute(select(column).where(where)).scalar_one())  # type: ignore[arg-type]


@pytest.mark.parametrize("seq", [0, 3, 7, 10])
@pytest.mark.parametrize("offset", [0, 17, -2])
def test_changed_event_byte_is_named(record: App, seq: int, offset: int) -> None:
    where = t.log_entries.c.seq == seq
    original = stored(record, t.log_entries.c.event_bytes, where)
    tamper(record, t.log_entries, where, event_bytes=flip(original, offset))
    with pytest.raises(VerificationError, match=f"event {seq}"):
        log_cases.verify(record)


@pytest.mark.parametrize("seq", [0, 5, 10])
@pytest.mark.parametrize("offset", [0, 31, 63])
def test_changed_signature_byte_is_named(record: App, seq: int, offset: int) -> None:
    where = t.log_entries.c.seq == seq
    original = stored(record, t.log_entries.c.signature, where)
    tamper(record, t.log_entries, where, signature=flip(original, offset))
    with pytest.raises(VerificationError, match=f"event {seq}"):
        log_cases.verify(record)


def test_changed_leaf_hash_is_named(record: App) -> None:
    where = t.log_entries.c.seq == 4
    tamper(record, t.log_entries, where, leaf_hash=flip(stored(record, t.log_entries.c.leaf_hash, where), 9))
    with pytest.raises(VerificationError, match=r"event 4.*leaf hash"):
        log_cases.verify(record)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_changed_merkle_node_is_named(record: App, level: int) -> None:
    where = (t.log_nodes.c.level == level) & (t.log_nodes.c.idx == 0)
    tamper(record, t.log_nodes, where, hash=flip(stored(record, t.log_nodes.c.hash, where), 0))
    with pytest.raises(VerificationError, match=rf"Merkle node \(level {level}, index 0\)"):
        log_cases.verify(record)


def test_changed_checkpoint_is_named(record: App) -> None:
    with record.store.read() as conn:
        size, note = conn.execute(select(t.checkpoints.c.size, t.checkpoints.c.note)).one()
    for position in (0, len(note) // 2, len(note) - 5):
        changed = note[:position] + ("X" if note[position] != "X" else "Y") + note[position + 1 :]
        tamper(record, t.checkpoints, t.checkpoints.c.size == size, note=changed)
        with pytest.raises(VerificationError, match=f"checkpoint at size {size}"):
            log_cases.verify(record)
    tamper(record, t.checkpoints, t.checkpoints.c.size == size, note=note)
    log_cases.verify(record)


def test_changed_projection_is_named(record: App) -> None:
    tamper(record, t.keys, t.keys.c.party == "RU", revoked_seq=3)
    with pytest.raises(VerificationError, match="keys ed25519:"):
        log_cases.verify(record)


def test_deleted_event_is_named(record: App) -> None:
    with record.store.write() as writer:
        writer.conn.execute(t.log_entries.delete().where(t.log_entries.c.seq == 6))
    with pytest.raises(VerificationError, match="skips from 5 to 7"):
        log_cases.verify(record)


def test_swapped_events_are_named(record: App) -> None:
    with record.store.write() as writer:
        rows = {
            r.seq: r
            for r in writer.conn.execute(select(t.log_entries).where(t.log_entries.c.seq.in_([8, 9])))
        }
        for a, b in ((8, 9), (9, 8)):
            writer.conn.execute(
                update(t.log_entries)
                .where(t.log_entries.c.seq == a)
                .values(
                    event_bytes=rows[b].event_bytes, signature=rows[b].signature, leaf_hash=rows[b].leaf_hash
                )
            )
    with pytest.raises(VerificationError, match="event 8"):
        log_cases.verify(record)


@pytest.mark.parametrize(
    ("column", "value", "where"),
    [("process", "other", "event 10"), ("event_id", "forged-id", "event 3")],
)
def test_changed_index_column_is_named(record: App, column: str, value: str, where: str) -> None:
    seq = int(where.split()[1])
    tamper(record, t.log_entries, t.log_entries.c.seq == seq, **{column: value})
    with pytest.raises(VerificationError, match=where):
        log_cases.verify(record)


def test_changed_head_time_is_named(record: App) -> None:
    tamper(record, t.log_head, t.log_head.c.id == 1, time="9999-12-31T23:59:59.000000Z")
    with pytest.raises(VerificationError, match="log_head"):
        log_cases.verify(record)
