"""Rules for who may publish what, and for the people who act for parties.

"We ask you not to publish our answer" / "it would be right to publish it; I will ask for consent":
requests, consents, refusals and publications are events; a track's policy says whether publishing
another party's text needs its consent ("consent") or only leaves its objection on the record
("unilateral"). A newspaper's publication is recorded as a fact, and publishes nothing itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from inwriting.domain import events as ev
from inwriting.domain.access import ALL, owner_of, sees_text
from inwriting.domain.events import Event, PartyId
from inwriting.domain.model import ROLES, Delegate, Disclosure, DisclosureAct, Publication, State
from inwriting.domain.negotiation import check_date
from inwriting.domain.text import check_text
from inwriting.errors import Conflict, InvalidInput, NotFound, Refused

POLICIES = ("consent", "unilateral")
_DELEGATE_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


def _str(event: Event, name: str) -> str:
    value = event.body.get(name)
    if not isinstance(value, str):
        raise InvalidInput(f"{event.type}: body.{name} must be text")
    return value


def _optional(event: Event, name: str, *, what: str, max_len: int = 5000) -> str | None:
    value = event.body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{event.type}: body.{name} must be text or null")
    return check_text(value, what=what, multiline=True, max_len=max_len)


def _day(event: Event) -> str:
    day = check_date(event.body.get("date"), what="date")
    if day > event.time[:10]:
        raise InvalidInput(f"date {day} is after the day the event was signed ({event.time[:10]})")
    return day


def _track_policy_set(state: State, event: Event) -> State:
    if event.actor.party != ev.OPERATOR:
        raise Refused("only the instance operator sets a track's rules")
    track = state.tracks.get(event.track or "")
    if track is None:
        raise NotFound(f"track {event.track} does not exist")
    policy = _str(event, "policy")
    if policy not in POLICIES:
        raise InvalidInput(f"policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    return replace(state, tracks=state.tracks.set(track.id, replace(track, policy=policy)))


def _delegate_added(state: State, event: Event) -> State:
    party = PartyId(_str(event, "party"))
    if party not in state.parties:
        raise NotFound(f"party {party} is not registered")
    if event.actor.party not in (ev.OPERATOR, party):
        raise Refused(f"{event.actor.party} cannot name delegates of {party}")
    did = _str(event, "delegate")
    if not _DELEGATE_ID.match(did):
        raise InvalidInput(f"delegate id {did!r} must be lower-case letters, digits and '-' (at most 40)")
    key = f"{party}/{did}"
    if key in state.delegates and state.delegates[key].removed_seq is None:
        raise Conflict(f"{party} already has a delegate {did}")
    roles = event.body.get("roles")
    if not isinstance(roles, list) or not roles or not all(r in ROLES for r in roles):
        raise InvalidInput(f"roles must be a non-empty list of {', '.join(ROLES)}")
    if len(set(roles)) != len(roles):
        raise InvalidInput("a role is named twice")
    name = check_text(_str(event, "name"), what="name", max_len=200)
    title = check_text(_str(event, "title"), what="title", max_len=300)
    delegate = Delegate(party, did, name, title, tuple(roles), event.seq)
    return replace(state, delegates=state.delegates.set(key, delegate))


def _delegate_removed(state: State, event: Event) -> State:
    party = PartyId(_str(event, "party"))
    if event.actor.party not in (ev.OPERATOR, party):
        raise Refused(f"{event.actor.party} cannot remove delegates of {party}")
    key = f"{party}/{_str(event, 'delegate')}"
    found = state.delegates.get(key)
    if found is None or found.removed_seq is not None:
        raise NotFound(f"{party} has no active delegate {_str(event, 'delegate')}")
    return replace(state, delegates=state.delegates.set(key, replace(found, removed_seq=event.seq)))


def _text_and_owner(state: State, event: Event) -> tuple[str, PartyId, Disclosure]:
    text = _str(event, "text")
    actor = None if event.actor.party == ev.OPERATOR else event.actor.party
    if actor is None and event.type != ev.TEXT_PUBLISHED_ELSEWHERE:
        raise Refused(f"the operator records publications elsewhere only; {event.type} is a party's act")
    if sees_text(state, actor, text) is None:  # worded as if it did not exist
        raise NotFound(f"{'answer' if '/answer/' in text else 'version'} {text} does not exist")
    owner = owner_of(state, text)
    version = state.versions.get(text.split("/answer/")[0])
    if version is not None and event.track != version.track:  # the track's policy is the text's
        raise InvalidInput(f"{event.type} for {text} must carry its track {version.track} in the envelope")
    return text, owner, state.disclosures.get(text) or Disclosure(text, owner)


def _disclosure_requested(state: State, event: Event) -> State:
    text, owner, disclosure = _text_and_owner(state, event)
    party = event.actor.party
    kind = _str(event, "kind")
    if kind == "embargo" and party != owner:
        raise Refused(f"only {owner}, whose text {text} is, can ask that it not be published")
    if kind == "publication" and party == owner:
        raise Refused(f"{owner} may publish its own text; it needs no one's consent")
    if kind not in ("embargo", "publication"):
        raise InvalidInput(f"kind must be embargo or publication; got {kind!r}")
    until = event.body.get("until")
    if until is not None:
        check_date(until, what="until")
    reason = _optional(event, "reason", what="reason")
    if kind == "embargo" and reason is None:
        raise InvalidInput("an embargo request needs its reason")
    act = DisclosureAct(kind, party, _day(event), reason, until, event.seq)
    updated = replace(disclosure, acts=(*disclosure.acts, act))
    return replace(state, disclosures=state.disclosures.set(text, updated))


def _disclosure_answered(state: State, event: Event) -> State:
    text, owner, disclosure = _text_and_owner(state, event)
    if event.actor.party != owner:
        raise Refused(f"only {owner}, whose text {text} is, can consent to or refuse its publication")
    answer = _str(event, "answer")
    if answer not in ("consent", "refuse"):
        raise InvalidInput(f"answer must be consent or refuse; got {answer!r}")
    if not any(a.kind == "publication" for a in disclosure.acts):
        raise Refused(f"no one has asked to publish {text}; there is nothing to answer")
    act = DisclosureAct(
        answer, owner, _day(event), _optional(event, "reason", what="reason"), None, event.seq
    )
    updated = replace(disclosure, acts=(*disclosure.acts, act))
    return replace(state, disclosures=state.disclosures.set(text, updated))


def _points(state: State, event: Event, text: str) -> tuple[str, ...]:
    points = event.body.get("points", [])
    if not isinstance(points, list) or not all(isinstance(p, str) for p in points):
        raise InvalidInput("points must be a list of point ids")
    if points:
        version = state.versions.get(text)
        if version is None:
            raise InvalidInput("an answer is published whole; points can be chosen only in a version")
        known = {eid for eid, _ in version.outline}
        unknown = [p for p in points if p not in known]
        if unknown:
            raise NotFound(f"{text} has no point {', '.join(unknown)}")
    return tuple(points)


def _text_published(state: State, event: Event) -> State:
    text, owner, disclosure = _text_and_owner(state, event)
    party = event.actor.party
    if sees_text(state, party, text) != ALL:
        raise Refused(f"{party} has only the published points of {text}; it cannot publish more")
    day = _day(event)
    stance = disclosure.stance(on=day)  # an embargo that has run out no longer blocks
    objection = party != owner and stance in ("embargo", "refuse")
    if party != owner:
        track = state.tracks.get(event.track or "")
        policy = track.policy if track is not None else "consent"
        if policy == "consent" and stance != "consent":
            why = {
                "embargo": f"{owner} asked that it not be published",
                "refuse": f"{owner} refused its consent",
                None: f"{owner} has not consented (ask with `disclosure request-publication`)",
            }[stance]
            raise Refused(f"publishing {text} needs {owner}'s consent on this track (policy consent): {why}")
    publication = Publication(
        party, _points(state, event, text), day, False, None, None, objection, event.seq
    )
    updated = replace(disclosure, publications=(*disclosure.publications, publication))
    return replace(state, disclosures=state.disclosures.set(text, updated))


def _text_published_elsewhere(state: State, event: Event) -> State:
    text, _, disclosure = _text_and_owner(state, event)
    publisher = check_text(_str(event, "publisher"), what="publisher", max_len=300)
    source = check_text(_str(event, "source"), what="source", max_len=2000)
    day = _day(event)
    stance = disclosure.stance(on=day)
    publication = Publication(
        event.actor.party,
        _points(state, event, text),
        day,
        True,
        publisher,
        source,
        stance in ("embargo", "refuse"),
        event.seq,
    )
    updated = replace(disclosure, publications=(*disclosure.publications, publication))
    return replace(state, disclosures=state.disclosures.set(text, updated))


HANDLERS: dict[str, Callable[[State, Event], State]] = {
    ev.TRACK_POLICY_SET: _track_policy_set,
    ev.DELEGATE_ADDED: _delegate_added,
    ev.DELEGATE_REMOVED: _delegate_removed,
    ev.DISCLOSURE_REQUESTED: _disclosure_requested,
    ev.DISCLOSURE_ANSWERED: _disclosure_answered,
    ev.TEXT_PUBLISHED: _text_published,
    ev.TEXT_PUBLISHED_ELSEWHERE: _text_published_elsewhere,
}
