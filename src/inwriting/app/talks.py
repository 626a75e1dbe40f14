"""Use cases for the talks around the texts: meetings held on a track, and preconditions that a party
sets (or that a party rejects in advance) with the others' answers to them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table, select

from inwriting.app.context import App
from inwriting.app.negotiation import act_date
from inwriting.app.recorder import Recorded, record_in
from inwriting.domain import events as ev
from inwriting.domain.access import reaches
from inwriting.domain.events import PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.model import Meeting, Precondition
from inwriting.domain.negotiation import check_date
from inwriting.storage import schema as t
from inwriting.storage.projections import load_state


def add_meeting(
    app: App,
    *,
    track: str,
    date: str,
    place: str,
    delegates: Sequence[str] = (),
    tabled: Sequence[str] = (),
    as_party: str | None = None,
    acting: str | None = None,
) -> tuple[str, Recorded]:
    """Record a meeting (by the operator unless a party records it); id `TRACK/DATE`."""
    check_date(date, what="meeting date")
    act_date(app, date, what="meeting date")
    actor = PartyId(as_party) if as_party else ev.OPERATOR
    with app.store.write() as writer:
        taken = set(writer.conn.execute(select(t.meetings.c.id).where(t.meetings.c.track == track)).scalars())
        mid, n = f"{track}/{date}", 2
        while mid in taken:
            mid, n = f"{track}/{date}-{n}", n + 1
        body = {
            "meeting": mid,
            "date": date,
            "place": place,
            "delegates": list(delegates),
            "tabled": list(tabled),
        }
        return mid, record_in(app, writer, actor, ev.MEETING_HELD, body, track=track, delegate=acting)


def _on_track(conn: Connection, table: Table, track: str | None) -> frozenset[str]:
    """The ids of a projection's rows on one track (or on every track)."""
    query = select(table.c.id)
    if track is not None:
        query = query.where(table.c.track == track)
    return frozenset(conn.execute(query).scalars())


def _tracks_of(conn: Connection, viewer: PartyId | None, tracks: frozenset[str]) -> frozenset[str]:
    """The tracks among `tracks` whose talks `viewer` takes part in (itself, or through an alliance)."""
    if viewer is None:
        return tracks
    state = load_state(conn, Refs(tracks=tracks))
    return frozenset(
        tid for tid, track in state.tracks.items() if any(reaches(state, p, viewer) for p in track.parties)
    )


def meetings(app: App, track: str | None = None, *, viewer: PartyId | None = None) -> list[Meeting]:
    """Meetings in date order; a party sees those of the tracks it takes part in."""
    with app.store.read() as conn:
        ids = _on_track(conn, t.meetings, track)
        found = list(load_state(conn, Refs(meetings=ids)).meetings.values())
        mine = _tracks_of(conn, viewer, frozenset(m.track for m in found))
    return sorted((m for m in found if m.track in mine), key=lambda m: (m.date, m.seq))


def add_precondition(
    app: App,
    *,
    track: str,
    as_party: str,
    text: str,
    version: str | None = None,
    date: str | None = None,
    anticipated: bool = False,
    delegate: str | None = None,
) -> tuple[str, Recorded]:
    """A party sets a precondition (or, `anticipated`, records one it expects so as to answer it)."""
    day = act_date(app, date)
    with app.store.write() as writer:
        prefix = f"{track}/pre/"
        taken = writer.conn.execute(select(t.preconditions.c.id).where(t.preconditions.c.track == track))
        numbers = [int(i[len(prefix) :]) for i in taken.scalars() if i[len(prefix) :].isdigit()]
        pid = f"{prefix}{max(numbers, default=0) + 1}"
        body = {
            "precondition": pid,
            "text": text,
            "version": version,
            "date": day,
            "anticipated": anticipated,
        }
        return pid, record_in(
            app, writer, PartyId(as_party), ev.PRECONDITION_ADDED, body, track=track, delegate=delegate
        )


def answer_precondition(
    app: App,
    precondition: str,
    *,
    act: str,
    as_party: str,
    reason: str | None = None,
    date: str | None = None,
    delegate: str | None = None,
) -> Recorded:
    """accept | reject | meet | waive a precondition."""
    day = act_date(app, date)
    with app.store.write() as writer:
        state = writer.load(Refs(preconditions=frozenset({precondition})))
        found = state.preconditions.get(precondition)
        track = found.track if found else precondition.split("/pre/")[0]
        body = {"precondition": precondition, "act": act, "date": day, "reason": reason}
        return record_in(
            app, writer, PartyId(as_party), ev.PRECONDITION_ANSWERED, body, track=track, delegate=delegate
        )


def preconditions(app: App, track: str | None = None, *, viewer: PartyId | None = None) -> list[Precondition]:
    """Preconditions in record order; a party sees those of the tracks it takes part in."""
    with app.store.read() as conn:
        ids = _on_track(conn, t.preconditions, track)
        found = list(load_state(conn, Refs(preconditions=ids)).preconditions.values())
        mine = _tracks_of(conn, viewer, frozenset(p.track for p in found))
    return sorted((p for p in found if p.track in mine), key=lambda p: p.seq)
