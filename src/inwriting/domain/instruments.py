"""Rules for instruments: agreed text fixed by its hash, then each party's initials, signature,
ratification, reservations, entry into force, suspension and withdrawal.

The lifecycle is the one treaty depositaries keep: no ratification before signature, no entry into
force before the ratifications it needs, and a party that withdraws ends its commitments under the
instrument from that day. Entry into force turns every top-level point into commitments of its
obligor parties toward the other parties; a party bound later gets its commitments on that day.
The signature itself (Ed25519 over the text hash) is checked by the record layer, which holds the keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from pyrsistent import PMap

from inwriting.domain import events as ev
from inwriting.domain.access import ALL, sees_instrument, sees_version
from inwriting.domain.events import Event, PartyId
from inwriting.domain.model import State
from inwriting.domain.negotiation import check_date
from inwriting.domain.register import INSTRUMENT_KINDS, Commitment, Instrument, InstrumentAct
from inwriting.domain.text import check_text
from inwriting.errors import Conflict, InvalidInput, NotFound, Refused

INSTRUMENT_ID = re.compile(r"^[a-z][a-z0-9-]{0,63}$")
_CONTENT = re.compile(r"^sha256:[0-9a-f]{64}$")
_SIGNATURE = re.compile(r"^[A-Za-z0-9+/]{86}==$")


def _str(event: Event, name: str) -> str:
    value = event.body.get(name)
    if not isinstance(value, str):
        raise InvalidInput(f"{event.type}: body.{name} must be text")
    return value


def _strs(event: Event, name: str) -> list[str]:
    value = event.body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{event.type}: body.{name} must be a list of texts")
    return list(value)


def _day(event: Event, *, what: str = "date") -> str:
    day = check_date(event.body.get("date"), what=what)
    if day > event.time[:10]:
        raise InvalidInput(f"{what} {day} is after the day the event was signed ({event.time[:10]})")
    return day


def _instrument_created(state: State, event: Event) -> State:
    iid = _str(event, "instrument")
    if not INSTRUMENT_ID.match(iid):
        raise InvalidInput(f"instrument id {iid!r} must be lower-case letters, digits and '-' (at most 64)")
    if iid in state.instruments:
        raise Conflict(f"instrument {iid} already exists; choose another id")
    kind = _str(event, "kind")
    if kind not in INSTRUMENT_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(INSTRUMENT_KINDS)}; got {kind!r}")
    by = event.actor.party
    parties = tuple(PartyId(p) for p in _strs(event, "parties"))
    if len(parties) < 2:
        raise Refused("an instrument binds at least two parties")
    if len(set(parties)) != len(parties):
        raise InvalidInput("a party is named twice")
    for party in parties:
        if party not in state.parties:
            raise NotFound(f"party {party} is not registered")
    if by not in parties:
        raise Refused(f"{by} is not a party to the instrument it would create")
    sources = _strs(event, "sources")
    if not sources or len(sources) != (2 if kind == "exchange-of-notes" else 1):
        raise InvalidInput(
            "an exchange of notes is made of two notes"
            if kind == "exchange-of-notes"
            else "one source version"
        )
    versions = []
    for vid in sources:
        version = state.versions.get(vid)
        if version is None or sees_version(state, by, version) is None:
            raise NotFound(f"version {vid} does not exist")
        for party in parties:
            if sees_version(state, party, version) != ALL:
                raise Refused(
                    f"{party} cannot read {vid} whole; hand it over before it becomes an instrument"
                )
        versions.append(version)
    if event.track != versions[0].track:
        raise InvalidInput(f"instrument.created must carry the track of {sources[0]} ({versions[0].track})")
    if kind == "exchange-of-notes":
        authors = {v.author for v in versions}
        if len(authors) != 2 or not authors <= set(parties):
            raise Refused("the two notes of an exchange are each by one of its two parties")
    content = _str(event, "content")
    if not _CONTENT.match(content):
        raise InvalidInput("content must be sha256:<64 hex digits>")
    outline = event.body.get("outline")
    if not isinstance(outline, list) or not all(
        isinstance(p, dict) and isinstance(p.get("eid"), str) and isinstance(p.get("label"), str)
        for p in outline
    ):
        raise InvalidInput("outline must be a list of {eid, label}")
    points = tuple((p["eid"], p["label"]) for p in outline)
    if points != versions[0].outline:
        raise InvalidInput(f"the instrument's points must be those of {versions[0].id}")
    ratification = event.body.get("ratification")
    required = event.body.get("required")
    if not isinstance(ratification, bool):
        raise InvalidInput("ratification must be true or false")
    if type(required) is not int or not 1 <= required <= len(parties):
        raise InvalidInput(f"required must be a number from 1 to {len(parties)} (the parties to be bound)")
    obligors = _obligors(event, points, parties)
    title = check_text(_str(event, "title"), what="title", max_len=500)
    instrument = Instrument(
        iid,
        kind,
        title,
        versions[0].track,
        tuple(sources),
        parties,
        content,
        points,
        ratification,
        required,
        obligors,
        by,
        _day(event),
        event.seq,
    )
    return replace(state, instruments=state.instruments.set(iid, instrument))


def _obligors(
    event: Event, points: tuple[tuple[str, str], ...], parties: tuple[PartyId, ...]
) -> tuple[tuple[str, tuple[PartyId, ...]], ...]:
    raw = event.body.get("obligors", [])
    if not isinstance(raw, list):
        raise InvalidInput("obligors must be a list of {point, parties}")
    top = {eid for eid, _ in points if "__" not in eid}
    result: list[tuple[str, tuple[PartyId, ...]]] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("point"), str):
            raise InvalidInput("each obligor entry names a point")
        point, named = item["point"], item.get("parties")
        if point not in top:
            raise NotFound(f"the instrument has no top-level point {point}")
        if any(point == p for p, _ in result):
            raise InvalidInput(f"obligors of {point} are given twice")
        if not isinstance(named, list) or not named or not all(p in parties for p in named):
            raise InvalidInput(f"the obligors of {point} must be parties to the instrument")
        result.append((point, tuple(PartyId(p) for p in named)))
    return tuple(result)


def _load(state: State, event: Event) -> tuple[Instrument, PartyId, str]:
    iid = _str(event, "instrument")
    instrument = state.instruments.get(iid)
    party = event.actor.party
    if instrument is None or not sees_instrument(state, party, instrument):
        raise NotFound(f"instrument {iid} does not exist")
    if party not in instrument.parties:
        raise Refused(f"{party} is not a party to instrument {iid}")
    if event.track != instrument.track:
        raise InvalidInput(f"{event.type} for {iid} must carry its track {instrument.track}")
    day = _day(event)
    if day < instrument.date:
        raise InvalidInput(f"{day} is before the instrument's text was agreed ({instrument.date})")
    withdrawn = instrument.withdrawn(party)
    if withdrawn is not None:
        raise Refused(f"{party} withdrew from {iid} on {withdrawn.date}")
    return instrument, party, day


def _with(state: State, instrument: Instrument, act: InstrumentAct) -> State:
    done = replace(instrument, acts=(*instrument.acts, act))
    return replace(state, instruments=state.instruments.set(done.id, done))


def _exact(event: Event, name: str, *, what: str, max_len: int) -> str:
    """A signed field taken exactly as signed: already normalised (NFC, no stray spaces), or refused,
    since a signature over other bytes than the record keeps could never be checked from it."""
    value = _str(event, name)
    checked = check_text(value, what=what, max_len=max_len)
    if checked != value or not checked:
        raise InvalidInput(f"{what} {value!r} must be given in normal form (Unicode NFC, trimmed), not empty")
    return value


def _signatory(event: Event) -> str:
    return _exact(event, "signatory", what="signatory", max_len=300)


def _initialled(state: State, event: Event) -> State:
    instrument, party, day = _load(state, event)
    if instrument.act_of(party, "sign") is not None:
        raise Conflict(f"{party} has already signed {instrument.id}; initials come before a signature")
    if instrument.act_of(party, "initial") is not None:
        raise Conflict(f"{party} has already initialled {instrument.id}")
    return _with(
        state, instrument, InstrumentAct("initial", party, day, event.seq, signatory=_signatory(event))
    )


def _signed(state: State, event: Event) -> State:
    instrument, party, day = _load(state, event)
    previous = instrument.act_of(party, "sign")
    if previous is not None:
        raise Conflict(f"{party} already signed {instrument.id} on {previous.date} (event {previous.seq})")
    if _str(event, "party") != party:
        raise InvalidInput(f"the signature names {_str(event, 'party')}, but {party} signs the event")
    if _str(event, "text_hash") != instrument.content:
        raise Refused(f"the signature covers another text than {instrument.id}'s ({instrument.content})")
    key_id = _str(event, "key_id")
    if key_id != event.actor.key_id:
        raise InvalidInput("the instrument is signed with the key that signs the event")
    signature = _str(event, "signature")
    if not _SIGNATURE.match(signature):
        raise InvalidInput("signature must be the base64 of 64 bytes")
    place = _exact(event, "place", what="place", max_len=200)
    act = InstrumentAct(
        "sign", party, day, event.seq, _signatory(event), place, key_id=key_id, signature=signature
    )
    state = _with(state, instrument, act)
    if not instrument.ratification and instrument.in_force is not None:  # bound today, after entry into force
        state = _commit(state, state.instruments[instrument.id], (party,), day, event)
    return state


def _ratified(state: State, event: Event) -> State:
    instrument, party, day = _load(state, event)
    if not instrument.ratification:
        raise Refused(f"{instrument.id} needs no ratification: it binds each party on signature")
    signed = instrument.act_of(party, "sign")
    if signed is None:
        raise Refused(f"{party} has not signed {instrument.id}; ratification comes after signature")
    if day < signed.date:
        raise Refused(f"ratification ({day}) cannot come before {party}'s signature ({signed.date})")
    if instrument.act_of(party, "ratify") is not None:
        raise Conflict(f"{party} has already ratified {instrument.id}")
    state = _with(state, instrument, InstrumentAct("ratify", party, day, event.seq))
    instrument = state.instruments[instrument.id]
    if instrument.in_force is not None:  # bound after entry into force: its commitments start today
        state = _commit(state, instrument, (party,), day, event)
    return state


def _reserved(state: State, event: Event) -> State:
    instrument, party, day = _load(state, event)
    kind = _str(event, "kind")
    if kind not in ("reserve", "declare"):
        raise InvalidInput("kind must be 'reserve' (a reservation) or 'declare' (a declaration)")
    point = _str(event, "point")
    if point not in {eid for eid, _ in instrument.outline}:
        raise NotFound(f"{instrument.id} has no point {point}")
    if instrument.act_of(party, "sign") is None:
        raise Refused(
            f"{party} makes reservations when it signs or ratifies; it has not signed {instrument.id}"
        )
    since = instrument.bound_since(party)
    if since is not None and day > since:
        raise Refused(
            f"{party} has been bound by {instrument.id} since {since}; reservations are made by then"
            " (at signature or ratification)"
        )
    text = check_text(_str(event, "text"), what="reservation", multiline=True, max_len=20_000)
    return _with(state, instrument, InstrumentAct(kind, party, day, event.seq, point=point, text=text))


def _entered_into_force(state: State, event: Event) -> State:
    instrument, _, day = _load(state, event)
    if instrument.in_force is not None:
        raise Conflict(f"{instrument.id} entered into force on {instrument.in_force}")
    consents = sorted(
        (since, p)
        for p in instrument.parties
        if (since := instrument.bound_since(p)) is not None and instrument.withdrawn(p) is None
    )
    bound = [(since, p) for since, p in consents if since <= day]
    if len(bound) < instrument.required:
        needed = "ratifications" if instrument.ratification else "signatures"
        have = ", ".join(f"{p} {since}" for since, p in bound) or "none"
        raise Refused(
            f"{instrument.id} needs {instrument.required} {needed} by {day} to enter into force; it has"
            f" {len(bound)} ({have})"
        )
    state = _with(state, instrument, InstrumentAct("enter-into-force", event.actor.party, day, event.seq))
    instrument = replace(state.instruments[instrument.id], in_force=day)
    state = replace(state, instruments=state.instruments.set(instrument.id, instrument))
    for since, party in consents:  # a party bound later than `day` (recorded before) from its own day
        state = _commit(state, instrument, (party,), max(day, since), event)
    return state


def _suspended(state: State, event: Event) -> State:
    instrument, party, day = _load(state, event)
    act = _str(event, "act")
    if act not in ("suspend", "resume"):
        raise InvalidInput("act must be 'suspend' or 'resume'")
    if instrument.in_force_for(party) is None:
        raise Refused(f"{instrument.id} is not in force for {party}; there is nothing to {act}")
    suspended = instrument.suspended(party)
    if act == "suspend" and suspended is not None:
        raise Conflict(f"{party} suspended {instrument.id} on {suspended.date}")
    if act == "resume" and suspended is None:
        raise Conflict(f"{party} has not suspended {instrument.id}")
    reason = check_text(_str(event, "reason"), what="reason", multiline=True, max_len=5000)
    state = _with(state, instrument, InstrumentAct(act, party, day, event.seq, text=reason))
    marked = day if act == "suspend" else None
    return _update_commitments(state, instrument.id, party, lambda c: replace(c, suspended=marked))


def _withdrawn(state: State, event: Event) -> State:
    instrument, party, day = _load(state, event)
    if instrument.act_of(party, "sign") is None:
        raise Refused(f"{party} has not signed {instrument.id}; there is nothing to withdraw from")
    reason = check_text(_str(event, "reason"), what="reason", multiline=True, max_len=5000)
    state = _with(state, instrument, InstrumentAct("withdraw", party, day, event.seq, text=reason))
    why = f"{party} withdrew from {instrument.id}"
    state = _update_commitments(
        state, instrument.id, party, lambda c: c if c.ended else replace(c, ended=(day, why, event.seq))
    )
    remaining = [p for p in instrument.parties if p != party and instrument.withdrawn(p) is None]
    if len(remaining) == 1:  # one party left: the instrument is terminated, its commitments too
        ended = (day, f"{instrument.id} terminated when {party} withdrew", event.seq)
        state = _update_commitments(
            state, instrument.id, remaining[0], lambda c: c if c.ended else replace(c, ended=ended)
        )
    return state


def _update_commitments(
    state: State, instrument: str, party: PartyId, change: Callable[[Commitment], Commitment]
) -> State:
    commitments: PMap[str, Commitment] = state.commitments
    for cid, commitment in state.commitments.items():
        if commitment.instrument == instrument and commitment.obligor == party:
            commitments = commitments.set(cid, change(commitment))
    return replace(state, commitments=commitments)


def _commit(
    state: State, instrument: Instrument, parties: tuple[PartyId, ...], day: str, event: Event
) -> State:
    """Each top-level point becomes a commitment of each of `parties` that it obliges."""
    commitments = state.commitments
    for eid, _ in instrument.top_level():
        for party in parties:
            if party not in instrument.obligors_of(eid):
                continue
            cid = f"{instrument.id}/{eid}/{party}"
            commitments = commitments.set(
                cid,
                Commitment(
                    cid,
                    party,
                    tuple(p for p in instrument.parties if p != party),
                    None,
                    "binding",
                    "instrument",
                    f"{instrument.id}#{eid}",
                    day,
                    event.actor.party,
                    event.seq,
                    track=instrument.track,
                    instrument=instrument.id,
                    point=eid,
                ),
            )
    return replace(state, commitments=commitments)


HANDLERS: dict[str, Callable[[State, Event], State]] = {
    ev.INSTRUMENT_CREATED: _instrument_created,
    ev.INSTRUMENT_INITIALLED: _initialled,
    ev.INSTRUMENT_SIGNED: _signed,
    ev.INSTRUMENT_RATIFIED: _ratified,
    ev.INSTRUMENT_RESERVED: _reserved,
    ev.INSTRUMENT_ENTERED_INTO_FORCE: _entered_into_force,
    ev.INSTRUMENT_SUSPENDED: _suspended,
    ev.INSTRUMENT_WITHDRAWN: _withdrawn,
}
