"""Use cases for the people who act for a party: name a delegate with a title and roles, remove
one, list them. Once a party has delegates, every act it signs names one whose role allows it."""

from __future__ import annotations

from collections.abc import Sequence

from inwriting.app.context import App
from inwriting.app.recorder import Recorded, record
from inwriting.domain import events as ev
from inwriting.domain.events import PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.model import Delegate
from inwriting.storage.projections import load_state


def add_delegate(
    app: App,
    party: str,
    *,
    delegate: str,
    name: str,
    title: str,
    roles: Sequence[str],
    as_party: str | None = None,
    acting: str | None = None,
) -> Recorded:
    """Recorded by the operator, or by the party itself through one of its admin delegates."""
    body = {"party": party, "delegate": delegate, "name": name, "title": title, "roles": list(roles)}
    actor = PartyId(as_party) if as_party else ev.OPERATOR
    return record(app, actor, ev.DELEGATE_ADDED, body, delegate=acting)


def remove_delegate(
    app: App, party: str, delegate: str, *, as_party: str | None = None, acting: str | None = None
) -> Recorded:
    actor = PartyId(as_party) if as_party else ev.OPERATOR
    return record(app, actor, ev.DELEGATE_REMOVED, {"party": party, "delegate": delegate}, delegate=acting)


def delegates(app: App, party: str | None = None) -> list[Delegate]:
    with app.store.read() as conn:
        if party is None:
            found = load_state(conn).delegates.values()
        else:
            found = load_state(conn, Refs(delegates_of=frozenset({party}))).delegates.values()
    return sorted(found, key=lambda d: (d.party, d.added_seq))
