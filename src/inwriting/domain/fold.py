"""State is a pure fold over events: `apply(state, event) -> state`, refusing what the rules forbid.

`authorise` says which key must have signed an event; the record layer checks the signature itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from inwriting.domain import commitments, disclosure, instruments, negotiation
from inwriting.domain import events as ev
from inwriting.domain.access import AUDIENCES, check_delegate, sees_version
from inwriting.domain.documents import KINDS
from inwriting.domain.events import Event, PartyId
from inwriting.domain.model import (
    GROUP_KINDS,
    PARTY_KINDS,
    Document,
    Key,
    Party,
    Process,
    State,
    Track,
    Version,
)
from inwriting.domain.text import check_id, check_text
from inwriting.errors import Conflict, InvalidInput, NotFound, RecordError, Refused


def authorise(state: State, event: Event) -> Key:
    """The key that must have signed `event`: known, owned by the actor, active at its position."""
    if event.type == ev.GENESIS:
        if event.seq != 0:
            raise RecordError("log.genesis can only be the first event", where=f"event {event.seq}")
        operator = _body_dict(event, "operator")
        return Key(str(operator.get("key_id")), ev.OPERATOR, str(operator.get("public_key")), -1)
    if event.seq == 0:
        raise RecordError("the first event of a log must be log.genesis", where="event 0")
    key = state.keys.get(event.actor.key_id)
    where = f"event {event.seq} ({event.type})"
    if key is None:
        raise RecordError(f"signed with unknown key {event.actor.key_id}", where=where)
    if key.party != event.actor.party:
        raise RecordError(f"key {key.key_id} belongs to {key.party}, not to {event.actor.party}", where=where)
    if key.revoked_seq is not None:
        raise RecordError(
            f"key {key.key_id} of {key.party} was revoked at event {key.revoked_seq}", where=where
        )
    return key


def apply(state: State, event: Event) -> State:
    """The state after `event`, or a domain error saying why the event is not allowed."""
    handler = _HANDLERS.get(event.type)
    if handler is None:
        raise RecordError(f"unknown event type {event.type!r}", where=f"event {event.seq}")
    if event.type != ev.GENESIS:
        authorise(state, event)
        check_delegate(state, event)
    return replace(handler(state, event), size=event.seq + 1)


def fold(events: Iterable[Event], state: State | None = None) -> State:
    result = state or State()
    for event in events:
        result = apply(result, event)
    return result


def _body_dict(event: Event, name: str) -> Mapping[str, Any]:
    value = event.body.get(name)
    if not isinstance(value, dict):
        raise InvalidInput(f"{event.type}: body.{name} must be an object")
    return value


def _body_str(event: Event, name: str) -> str:
    value = event.body.get(name)
    if not isinstance(value, str):
        raise InvalidInput(f"{event.type}: body.{name} must be text")
    return value


def _body_list(event: Event, name: str) -> list[str]:
    value = event.body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{event.type}: body.{name} must be a list of texts")
    return list(value)


def _require_operator(event: Event) -> None:
    if event.actor.party != ev.OPERATOR:
        raise Refused(f"only the instance operator may record {event.type}", where=f"event {event.seq}")


def _genesis(state: State, event: Event) -> State:
    if event.seq != 0 or state.origin is not None:
        raise RecordError("log.genesis can only be the first event", where=f"event {event.seq}")
    operator = _body_dict(event, "operator")
    key = Key(str(operator["key_id"]), ev.OPERATOR, str(operator["public_key"]), event.seq)
    if event.actor.key_id != key.key_id or event.actor.party != ev.OPERATOR:
        raise RecordError("log.genesis must be signed by the operator key it names", where="event 0")
    return replace(
        state,
        origin=_body_str(event, "origin"),
        log_vkey=_body_str(event, "log_key"),
        keys=state.keys.set(key.key_id, key),
    )


def _party_registered(state: State, event: Event) -> State:
    _require_operator(event)
    pid = PartyId(check_id(_body_str(event, "party"), what="party id"))
    if pid in state.parties:
        raise Conflict(f"party {pid} is already registered")
    kind = _body_str(event, "kind")
    if kind not in PARTY_KINDS:
        raise InvalidInput(f"party kind must be one of {', '.join(PARTY_KINDS)}; got {kind!r}")
    members = tuple(PartyId(m) for m in _body_list(event, "members"))
    if members and kind not in GROUP_KINDS:
        raise Refused(f"only an alliance or organisation has members; {pid} is a {kind}")
    for member in members:
        if member not in state.parties:
            raise NotFound(f"member {member} of {pid} is not a registered party")
        if member == pid:
            raise Refused(f"{pid} cannot be a member of itself")
    if len(set(members)) != len(members):
        raise InvalidInput(f"members of {pid} are listed twice")
    name = check_text(_body_str(event, "name"), what="party name", max_len=200)
    party = Party(pid, name, kind, members, event.seq)
    return replace(state, parties=state.parties.set(pid, party))


def _key_added(state: State, event: Event) -> State:
    pid = PartyId(_body_str(event, "party"))
    if pid not in state.parties:
        raise NotFound(f"party {pid} is not registered")
    if event.actor.party not in (ev.OPERATOR, pid):
        raise Refused(f"{event.actor.party} cannot add keys for {pid}")
    key_id = _body_str(event, "key_id")
    public_key = _body_str(event, "public_key")
    if key_id in state.keys:
        raise Conflict(f"key {key_id} is already registered")
    key = Key(key_id, pid, public_key, event.seq)
    return replace(state, keys=state.keys.set(key_id, key))


def _key_revoked(state: State, event: Event) -> State:
    pid = PartyId(_body_str(event, "party"))
    key_id = _body_str(event, "key_id")
    key = state.keys.get(key_id)
    if key is None or key.party != pid:
        raise NotFound(f"party {pid} has no key {key_id}")
    if event.actor.party not in (ev.OPERATOR, pid):
        raise Refused(f"{event.actor.party} cannot revoke keys of {pid}")
    if key.revoked_seq is not None:
        raise Conflict(f"key {key_id} was already revoked at event {key.revoked_seq}")
    if pid == ev.OPERATOR:
        raise Refused("the operator's key cannot be revoked: the log would have no one to register parties")
    reason = check_text(_body_str(event, "reason"), what="reason", max_len=500)
    revoked = replace(key, revoked_seq=event.seq, revoked_reason=reason)
    return replace(state, keys=state.keys.set(key_id, revoked))


def _process_created(state: State, event: Event) -> State:
    _require_operator(event)
    pid = check_id(_body_str(event, "process"), what="process id")
    if pid in state.processes:
        raise Conflict(f"process {pid} already exists")
    title = check_text(_body_str(event, "title"), what="process title", max_len=300)
    return replace(state, processes=state.processes.set(pid, Process(pid, title, event.seq)))


def _track_created(state: State, event: Event) -> State:
    _require_operator(event)
    tid = check_id(_body_str(event, "track"), what="track id")
    if tid in state.tracks:
        raise Conflict(f"track {tid} already exists")
    if event.track != tid:
        raise InvalidInput("track.created must carry its own track id in the envelope")
    process = _body_str(event, "process")
    if process not in state.processes:
        raise NotFound(f"process {process} does not exist")
    parties = tuple(PartyId(p) for p in _body_list(event, "parties"))
    if len(parties) < 2:
        raise Refused("a track needs at least two parties")
    if len(set(parties)) != len(parties):
        raise InvalidInput(f"parties of track {tid} are listed twice")
    for party in parties:
        if party not in state.parties:
            raise NotFound(f"party {party} is not registered")
    forum = check_text(_body_str(event, "forum"), what="forum", max_len=300)
    policy = event.body.get("policy", "consent")
    if policy not in disclosure.POLICIES:
        raise InvalidInput(f"policy must be one of {', '.join(disclosure.POLICIES)}; got {policy!r}")
    track = Track(tid, process, forum, parties, event.seq, policy=str(policy))
    return replace(state, tracks=state.tracks.set(tid, track))


_VERSION_ID = re.compile(r"^(?P<doc>[A-Za-z][A-Za-z0-9_.-]{0,63})@v(?P<n>[1-9][0-9]{0,5})$")
_CONTENT = re.compile(r"^sha256:[0-9a-f]{64}$")


def _version_created(state: State, event: Event) -> State:
    """A party records a version of one of its documents on a track it is party to."""
    vid = _body_str(event, "version")
    match = _VERSION_ID.match(vid)
    if match is None:
        raise InvalidInput(f"version id {vid!r} must look like DOC@vN")
    doc_id, number = match["doc"], int(match["n"])
    if _body_str(event, "document") != doc_id:
        raise InvalidInput(f"version {vid} does not belong to document {_body_str(event, 'document')}")
    track = state.tracks.get(event.track or "")
    if track is None:
        raise NotFound(f"track {event.track} does not exist")
    author = event.actor.party
    if author not in track.parties:
        raise Refused(f"{author} is not a party to track {track.id}")
    kind = _body_str(event, "kind")
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    document = state.documents.get(doc_id)
    if document is None and number != 1:
        raise NotFound(f"document {doc_id} does not exist; its first version is {doc_id}@v1")
    if document is not None:
        if document.author != author:
            raise Refused(f"document id {doc_id} is taken; choose another")
        if number != document.versions + 1:
            raise Conflict(f"the next version of {doc_id} is v{document.versions + 1}, not v{number}")
    based_on = event.body.get("based_on")
    base = state.versions.get(based_on) if isinstance(based_on, str) else None
    if based_on is not None and (base is None or sees_version(state, author, base) is None):
        raise NotFound(f"version {based_on} (the base) does not exist")
    content = _body_str(event, "content")
    if not _CONTENT.match(content):
        raise InvalidInput("content must be sha256:<64 hex digits>")
    outline = event.body.get("outline")
    if not isinstance(outline, list) or not all(
        isinstance(p, dict) and isinstance(p.get("eid"), str) and isinstance(p.get("label"), str)
        for p in outline
    ):
        raise InvalidInput("outline must be a list of {eid, label}")
    eids = [p["eid"] for p in outline]
    if len(set(eids)) != len(eids):
        raise InvalidInput("point ids in the outline must be unique")
    title = check_text(_body_str(event, "title"), what="title", max_len=500)
    audience = event.body.get("audience", "track")  # versions recorded before audiences were track-wide
    if audience not in AUDIENCES:
        raise InvalidInput(f"audience must be one of {', '.join(AUDIENCES)}; got {audience!r}")
    named = tuple(PartyId(p) for p in _body_list(event, "audience_parties"))
    if (audience == "parties") != bool(named):
        raise InvalidInput("an audience of named parties names them (and only that audience does)")
    for party in named:
        if party not in state.parties:
            raise NotFound(f"party {party} is not registered")
    version = Version(
        vid,
        doc_id,
        number,
        track.id,
        author,
        kind,
        title,
        based_on,
        content,
        tuple((p["eid"], p["label"]) for p in outline),
        event.seq,
        str(audience),
        named,
    )
    new_doc = Document(
        doc_id, track.id, author, kind, number, document.created_seq if document else event.seq
    )
    return replace(
        state, versions=state.versions.set(vid, version), documents=state.documents.set(doc_id, new_doc)
    )


_HANDLERS: dict[str, Callable[[State, Event], State]] = {
    **negotiation.HANDLERS,
    **disclosure.HANDLERS,
    **instruments.HANDLERS,
    **commitments.HANDLERS,
    ev.GENESIS: _genesis,
    ev.PARTY_REGISTERED: _party_registered,
    ev.KEY_ADDED: _key_added,
    ev.KEY_REVOKED: _key_revoked,
    ev.PROCESS_CREATED: _process_created,
    ev.TRACK_CREATED: _track_created,
    ev.VERSION_CREATED: _version_created,
}


@dataclass(frozen=True)
class Refs:
    """The entities an event names; the service loads just these before applying it."""

    parties: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()
    processes: frozenset[str] = frozenset()
    tracks: frozenset[str] = frozenset()
    documents: frozenset[str] = frozenset()
    versions: frozenset[str] = frozenset()
    version_acts: frozenset[str] = frozenset()  # versions whose hand-overs and receipts to load
    answers: frozenset[str] = frozenset()
    meetings: frozenset[str] = frozenset()
    preconditions: frozenset[str] = frozenset()
    delegates_of: frozenset[str] = frozenset()  # parties whose delegates to load
    disclosures: frozenset[str] = frozenset()  # texts (versions or answers) whose disclosure story to load
    instruments: frozenset[str] = frozenset()  # with their sources and their commitments
    commitments: frozenset[str] = frozenset()  # with their obligors and beneficiaries
    statements: frozenset[str] = frozenset()
    claims: frozenset[str] = frozenset()
    meta: bool = False  # the log's origin and key (only the genesis needs them)


_TEXT_ID_EVENTS = frozenset(
    {ev.DISCLOSURE_REQUESTED, ev.DISCLOSURE_ANSWERED, ev.TEXT_PUBLISHED, ev.TEXT_PUBLISHED_ELSEWHERE}
)


def references(event: Event) -> Refs:
    body = event.body

    def texts(*names: str) -> frozenset[str]:
        found: set[str] = set()
        for name in names:
            value = body.get(name)
            if isinstance(value, str):
                found.add(value)
            elif isinstance(value, list):
                found.update(v for v in value if isinstance(v, str))
        return frozenset(found)

    tracks = texts("track") | ({event.track} if event.track else frozenset())
    actor: frozenset[str] = (
        frozenset() if event.actor.party == ev.OPERATOR else frozenset({event.actor.party})
    )
    # "text" names a version or answer only in disclosure events; elsewhere it is prose
    text = texts("text") if event.type in _TEXT_ID_EVENTS else frozenset()
    text_versions = frozenset(t.split("/answer/")[0] for t in text)
    cited = texts("sources") | frozenset(p.partition("#")[0] for p in texts("points"))
    return Refs(
        parties=texts("party", "members", "parties", "to", "audience_parties", "obligor", "beneficiaries")
        | actor,
        keys=texts("key_id") | {event.actor.key_id},
        processes=texts("process"),
        tracks=tracks,
        documents=texts("document"),
        versions=texts("version", "based_on", "tabled") | text_versions | cited,
        # hand-overs of every version the event names: they decide who may see (and so name) it
        version_acts=texts("version", "tabled", "based_on") | text_versions | cited,
        answers=texts("answer") | text,
        meetings=texts("meeting"),
        preconditions=texts("precondition"),
        delegates_of=actor | texts("party"),
        # a reading of an answer is seen as the answer is: its publication story decides
        disclosures=text
        | cited
        | (texts("answer", "version") if event.type == ev.ANSWER_ALIGNED else frozenset()),
        instruments=texts("instrument"),
        commitments=texts("commitment"),
        statements=texts("statement"),
        claims=texts("claim"),
        meta=event.type == ev.GENESIS,
    )


def process_of(state: State, event: Event) -> str | None:
    """The process an event belongs to (for export), if any."""
    process = event.body.get("process")
    if isinstance(process, str):
        return process
    if event.track and event.track in state.tracks:
        return state.tracks[event.track].process
    return None
