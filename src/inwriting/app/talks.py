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
from inwriting.errors import InvalidInput
from inwriting.storage import projections as pj
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
        # A meeting's id starts with its track and date; the (track, date) index finds that day's.
        same_day = t.meetings.c.id.startswith(f"{track}/{date}", autoescape=True)
        query = select(t.meetings.c.id).where(
            t.meetings.c.track == track, t.meetings.c.date == date, same_day
        )
        taken = set(writer.conn.execute(query).scalars())
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
        column = t.preconditions.c.id
        pid = f"{prefix}{pj.next_number(writer.conn, column, prefix, t.preconditions.c.track == track)}"
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


# ---- pages (what the API lists): bounded queries, filtered in SQL by the tracks the viewer may see --

PAGE = 100  # items a page holds unless told otherwise
MAX_PAGE = 1000


def _split(cursor: str, parts: int, what: str) -> list[str]:
    """A cursor's fields (KEY~...~ID; ids hold no `~`), or InvalidInput."""
    fields = cursor.split("~", parts - 1)
    if len(fields) != parts or not fields[-2].isdigit() or not fields[-1]:
        raise InvalidInput(f"{cursor!r} is not a cursor of {what}: pass the `next` of the page before")
    return fields


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"a page holds 1 to {MAX_PAGE} items, not {limit}")
    return limit


def meetings_page(
    app: App,
    track: str | None = None,
    *,
    viewer: PartyId | None = None,
    after: str | None = None,
    limit: int = PAGE,
) -> tuple[list[Meeting], str | None]:
    """A page of `meetings` (date order, oldest first, after the cursor `after`) and the cursor of the
    next page (None on the last). Only the tracks the viewer takes part in are read, so every page is
    full but the last."""
    key = None
    if after is not None:
        day, seq, mid = _split(after, 3, "meetings")
        key = (day, int(seq), mid)
    limit = _limit(limit)
    with app.store.read() as conn:
        mine = _tracks_of(conn, viewer, pj.track_ids(conn, track))
        found = pj.meetings_page(conn, mine, key, limit + 1)
    if len(found) <= limit:
        return found, None
    last = found[limit - 1]
    return found[:limit], f"{last.date}~{last.seq}~{last.id}"


def preconditions_page(
    app: App,
    track: str | None = None,
    *,
    viewer: PartyId | None = None,
    after: str | None = None,
    limit: int = PAGE,
) -> tuple[list[Precondition], str | None]:
    """A page of `preconditions` (record order, oldest first, after the cursor `after`) and the cursor
    of the next page (None on the last)."""
    key = None
    if after is not None:
        seq, pid = _split(after, 2, "preconditions")
        key = (int(seq), pid)
    limit = _limit(limit)
    with app.store.read() as conn:
        mine = _tracks_of(conn, viewer, pj.track_ids(conn, track))
        found = pj.preconditions_page(conn, mine, key, limit + 1)
    if len(found) <= limit:
        return found, None
    last = found[limit - 1]
    return found[:limit], f"{last.seq}~{last.id}"
