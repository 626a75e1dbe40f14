"""Builders for tests: a small populated record, and hand-made signed events."""

from __future__ import annotations

import uuid
from typing import Any

from inwriting.app import registry
from inwriting.app.context import App
from inwriting.domain import events as ev
from inwriting.domain.events import Actor, Event, EventType, PartyId
from inwriting.record.envelope import SignedEvent, hash_ref
from inwriting.record.keys import SigningKey
from inwriting.storage import store as st


def populate(app: App) -> dict[str, str]:
    """RU, US, two NATO members and NATO; keys for RU and US; one process with two tracks."""
    registry.register_party(app, "RU", "Russian Federation")
    registry.register_party(app, "US", "United States of America")
    registry.register_party(app, "DE", "Federal Republic of Germany")
    registry.register_party(app, "PL", "Republic of Poland")
    registry.register_party(app, "NATO", "North Atlantic Treaty Organization", "alliance", ["US", "DE", "PL"])
    ru = registry.new_key(app, "RU")
    us = registry.new_key(app, "US")
    registry.new_process(app, "sg", "Security guarantees")
    registry.new_track(app, "ru-us", "sg", "Bilateral, Geneva", ["RU", "US"])
    registry.new_track(app, "nrc", "sg", "NATO-Russia Council, Brussels", ["RU", "NATO"])
    return {"RU": ru.key_id, "US": us.key_id}


def log_size(app: App) -> int:
    with app.store.read() as conn:
        return st.head(conn).size


def make_event(
    app: App,
    actor: str,
    key: SigningKey,
    type_: str,
    body: dict[str, Any],
    *,
    seq: int | None = None,
    prev: str | None = None,
    track: str | None = None,
    time: str | None = None,
) -> SignedEvent:
    """A correctly placed event (unless seq/prev say otherwise), signed with `key`."""
    with app.store.read() as conn:
        head = st.head(conn)
    event = Event(
        type=EventType(type_),
        id=str(uuid.uuid4()),
        seq=head.size if seq is None else seq,
        prev=hash_ref(head.leaf) if prev is None else prev,
        time=time or app.now(),
        actor=Actor(PartyId(actor), key.key_id),
        body=body,
        track=track,
    )
    return SignedEvent.sign(event, key)


def operator_key(app: App) -> SigningKey:
    with app.store.read() as conn:
        rows = list(conn.exec_driver_sql("SELECT key_id FROM keys WHERE party = '@operator'"))
    return app.keystore.load(ev.OPERATOR, rows[0][0])
