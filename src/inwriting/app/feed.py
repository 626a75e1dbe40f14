"""What a party may see of the log, for feeds and timelines: the events of its tracks that
`visibility.event_visible_to` lets it read, judged over the full state (the rule its bundle follows),
and the latest stored checkpoint. Reads only; fails closed (an event about a text the state does not
know is not shown).
"""

from __future__ import annotations

from dataclasses import dataclass

from inwriting.app.context import App
from inwriting.domain import events as ev
from inwriting.domain.access import reaches
from inwriting.domain.events import Event, PartyId
from inwriting.domain.model import State, Track
from inwriting.domain.visibility import event_visible_to
from inwriting.record.envelope import SignedEvent
from inwriting.storage import store as st
from inwriting.storage.projections import load_state

# Events with no track that still belong on a party's page when it may see them.
UNTRACKED = ev.COMMITMENT_TYPES | ev.CLAIM_TYPES | {ev.STATEMENT_RECORDED}
# Bookkeeping nobody needs in a feed.
QUIET = frozenset({ev.GENESIS, ev.PARTY_REGISTERED, ev.KEY_ADDED, ev.KEY_REVOKED})


@dataclass(frozen=True)
class Seen:
    state: State
    events: tuple[Event, ...]  # in log order


def tracks_of(state: State, party: PartyId) -> list[Track]:
    """The tracks whose talks `party` takes part in (itself, or through an alliance it belongs to)."""
    mine = [t for t in state.tracks.values() if any(reaches(state, p, party) for p in t.parties)]
    return sorted(mine, key=lambda t: t.created_seq)


def visible_events(app: App, party: PartyId, *, track: str | None = None, last: int | None = None) -> Seen:
    """The events of `party`'s tracks (or of one of them) it may read; `last` looks only at that many
    of the newest events of the log."""
    with app.store.read() as conn:
        state = load_state(conn)
        mine = {t.id for t in tracks_of(state, party)}
        if track is not None:
            mine &= {track}
        start = 0 if last is None else max(0, state.size - last)
        found = []
        for entry in st.iter_entries(conn, start, state.size):  # no further than the state reaches
            if entry.type in QUIET:
                continue
            if entry.track is not None and entry.track not in mine:
                continue
            if entry.track is None and (track is not None or entry.type not in UNTRACKED):
                continue
            event = SignedEvent.from_parts(entry.event_bytes, entry.signature, strict=False).event
            if event_visible_to(state, event, party):
                found.append(event)
    return Seen(state, tuple(found))


def full_state(app: App) -> State:
    """The whole projected state: for deciding what a party may see, never for showing it whole."""
    with app.store.read() as conn:
        return load_state(conn)


def latest_checkpoint(app: App) -> tuple[st.StoredCheckpoint | None, int]:
    """The newest signed checkpoint and the log's size now (a read: signing one is a write)."""
    with app.store.read() as conn:
        return st.latest_checkpoint(conn), st.head(conn).size
