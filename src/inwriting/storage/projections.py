"""Projection tables <-> domain State: load just the entities an event names, write back what an
event changed, and rewrite everything on rebuild.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pyrsistent import pmap
from sqlalchemy import Connection, delete, insert, select

from inwriting.domain.events import PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.model import Key, Party, Process, State, Track
from inwriting.storage import schema as t


def _where_in(column: Any, ids: Collection[str] | None) -> Any:
    return True if ids is None else column.in_(sorted(ids))


def load_state(conn: Connection, refs: Refs | None = None) -> State:
    """The projected state: everything (refs None) or only the entities `refs` names."""
    meta = conn.execute(select(t.log_meta.c.origin, t.log_meta.c.log_vkey)).first()
    size = conn.execute(select(t.log_head.c.size)).scalar_one_or_none() or 0
    return State(
        size=size,
        origin=meta.origin if meta else None,
        log_vkey=meta.log_vkey if meta else None,
        parties=pmap(_load_parties(conn, None if refs is None else refs.parties)),
        keys=pmap(_load_keys(conn, None if refs is None else refs.keys)),
        processes=pmap(_load_processes(conn, None if refs is None else refs.processes)),
        tracks=pmap(_load_tracks(conn, None if refs is None else refs.tracks)),
    )


def _load_parties(conn: Connection, ids: Collection[str] | None) -> dict[PartyId, Party]:
    if ids is not None and not ids:
        return {}
    members: dict[str, list[str]] = {}
    rows = conn.execute(
        select(t.party_members)
        .where(_where_in(t.party_members.c.party, ids))
        .order_by(t.party_members.c.party, t.party_members.c.position)
    )
    for row in rows:
        members.setdefault(row.party, []).append(row.member)
    result = {}
    for row in conn.execute(select(t.parties).where(_where_in(t.parties.c.id, ids))):
        pid = PartyId(row.id)
        result[pid] = Party(
            pid, row.name, row.kind, tuple(PartyId(m) for m in members.get(row.id, [])), row.registered_seq
        )
    return result


def _load_keys(conn: Connection, ids: Collection[str] | None) -> dict[str, Key]:
    if ids is not None and not ids:
        return {}
    rows = conn.execute(select(t.keys).where(_where_in(t.keys.c.key_id, ids)))
    return {
        r.key_id: Key(r.key_id, PartyId(r.party), r.public_key, r.added_seq, r.revoked_seq, r.revoked_reason)
        for r in rows
    }


def _load_processes(conn: Connection, ids: Collection[str] | None) -> dict[str, Process]:
    if ids is not None and not ids:
        return {}
    rows = conn.execute(select(t.processes).where(_where_in(t.processes.c.id, ids)))
    return {r.id: Process(r.id, r.title, r.created_seq) for r in rows}


def _load_tracks(conn: Connection, ids: Collection[str] | None) -> dict[str, Track]:
    if ids is not None and not ids:
        return {}
    parties: dict[str, list[str]] = {}
    rows = conn.execute(
        select(t.track_parties)
        .where(_where_in(t.track_parties.c.track, ids))
        .order_by(t.track_parties.c.track, t.track_parties.c.position)
    )
    for row in rows:
        parties.setdefault(row.track, []).append(row.party)
    return {
        r.id: Track(
            r.id,
            r.process,
            r.forum,
            tuple(PartyId(p) for p in parties.get(r.id, [])),
            r.created_seq,
            r.status,
        )
        for r in conn.execute(select(t.tracks).where(_where_in(t.tracks.c.id, ids)))
    }


def write_changes(conn: Connection, before: State, after: State) -> None:
    """Upsert every entity that differs between two (possibly partial) states."""
    if (after.origin, after.log_vkey) != (before.origin, before.log_vkey) and after.origin and after.log_vkey:
        conn.execute(delete(t.log_meta))
        conn.execute(insert(t.log_meta).values(id=1, origin=after.origin, log_vkey=after.log_vkey))
    # Registration order, so that members exist before an alliance names them.
    for pid, party in sorted(after.parties.items(), key=lambda kv: kv[1].registered_seq):
        if before.parties.get(pid) != party:
            _put_party(conn, party)
    for kid, key in after.keys.items():
        if before.keys.get(kid) != key:
            conn.execute(delete(t.keys).where(t.keys.c.key_id == kid))
            conn.execute(
                insert(t.keys).values(
                    key_id=key.key_id,
                    party=key.party,
                    public_key=key.public_key,
                    added_seq=key.added_seq,
                    revoked_seq=key.revoked_seq,
                    revoked_reason=key.revoked_reason,
                )
            )
    for prid, process in after.processes.items():
        if before.processes.get(prid) != process:
            conn.execute(delete(t.processes).where(t.processes.c.id == prid))
            conn.execute(
                insert(t.processes).values(
                    id=process.id, title=process.title, created_seq=process.created_seq
                )
            )
    for tid, track in after.tracks.items():
        if before.tracks.get(tid) != track:
            _put_track(conn, track)


def _put_party(conn: Connection, party: Party) -> None:
    conn.execute(delete(t.party_members).where(t.party_members.c.party == party.id))
    conn.execute(delete(t.parties).where(t.parties.c.id == party.id))
    conn.execute(
        insert(t.parties).values(
            id=party.id, name=party.name, kind=party.kind, registered_seq=party.registered_seq
        )
    )
    for position, member in enumerate(party.members):
        conn.execute(insert(t.party_members).values(party=party.id, position=position, member=member))


def _put_track(conn: Connection, track: Track) -> None:
    conn.execute(delete(t.track_parties).where(t.track_parties.c.track == track.id))
    conn.execute(delete(t.tracks).where(t.tracks.c.id == track.id))
    conn.execute(
        insert(t.tracks).values(
            id=track.id,
            process=track.process,
            forum=track.forum,
            status=track.status,
            created_seq=track.created_seq,
        )
    )
    for position, party in enumerate(track.parties):
        conn.execute(insert(t.track_parties).values(track=track.id, position=position, party=party))


def replace_all(conn: Connection, state: State) -> None:
    """Empty every projection table and write `state` (the rebuild path)."""
    for table in t.PROJECTION_TABLES:
        conn.execute(delete(table))
    write_changes(conn, State(), state)
