"""The record itself: the log as the caller's party may read it, the latest signed checkpoint, RFC 9162
inclusion and consistency proofs, and the caller's party's own bundle of a process (to verify offline
with `inwriting verify`).

What the log shows a party is what its bundles show it: the events every verifier needs (genesis,
parties, keys), public statements, its own party's delegates, commitments and claims it may see, and
the events of processes it takes part in that `domain.visibility` lets it read. Every other event is
its leaf hash only, so the tree still checks."""

from __future__ import annotations

import shutil
from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from inwriting.app import bundles
from inwriting.app import log as log_cases
from inwriting.app.context import App
from inwriting.app.feed import latest_checkpoint as latest_stored
from inwriting.domain import events as ev
from inwriting.domain.access import reaches
from inwriting.domain.events import Actor, Event, EventType, PartyId
from inwriting.domain.model import State
from inwriting.domain.visibility import event_visible_to
from inwriting.errors import NotFound
from inwriting.storage.projections import load_state
from inwriting.web.api.common import ID, Ok, api_router, binary, file_download, temp_folder
from inwriting.web.auth import AppDep, PrincipalDep

router = api_router("record")

_MAX_INDEX = 1 << 53
_PUBLIC_TYPES = bundles.GLOBAL_TYPES | {ev.STATEMENT_RECORDED}
_REGISTER_TYPES = ev.COMMITMENT_TYPES | ev.CLAIM_TYPES
_DELEGATE_TYPES = frozenset({ev.DELEGATE_ADDED, ev.DELEGATE_REMOVED})


class ActorOut(BaseModel):
    party: str
    key_id: str
    delegate: str | None = None


class LogEntry(BaseModel):
    """An event the caller may read (`hidden: false`), or only its leaf hash (`hidden: true`)."""

    seq: int
    leaf_hash: str
    hidden: bool
    time: str | None = None
    type: str | None = None
    actor: ActorOut | None = None
    track: str | None = None
    process: str | None = None
    id: str | None = None
    body: dict[str, Any] | None = None


class LogPage(Ok):
    size: int = Field(description="The log's size when read")
    events: list[LogEntry]


class CheckpointOut(Ok):
    size: int
    root: str
    note: str = Field(description="The C2SP signed note (tlog-checkpoint)")
    created: str


class InclusionOut(Ok):
    index: int
    size: int
    leaf_hash: str
    root: str
    path: list[str]
    checkpoint: str | None


class ConsistencyOut(Ok):
    old: int
    new: int
    old_root: str
    new_root: str
    path: list[str]


def processes_of(state: State, party: PartyId) -> frozenset[str]:
    """The processes with a track the party takes part in (itself, or through an alliance)."""
    return frozenset(
        t.process for t in state.tracks.values() if any(reaches(state, p, party) for p in t.parties)
    )


def _readable(state: State, mine: frozenset[str], party: PartyId, entry: dict[str, Any]) -> bool:
    kind = entry["type"]
    if kind in _PUBLIC_TYPES:
        return True
    body = entry["body"] if isinstance(entry["body"], dict) else {}
    if kind in _DELEGATE_TYPES:
        return body.get("party") == party
    event = Event(
        type=EventType(kind),
        id=str(entry["id"]),
        seq=int(entry["seq"]),
        prev="",
        time=str(entry["time"]),
        actor=Actor(PartyId(str(entry["actor"].get("party"))), str(entry["actor"].get("key_id"))),
        body=body,
        track=entry["track"],
    )
    if kind in _REGISTER_TYPES:
        return event_visible_to(state, event, party)
    return entry["process"] in mine and event_visible_to(state, event, party)


def visible_log(app: App, party: PartyId, start: int, limit: int) -> tuple[int, list[LogEntry]]:
    with app.store.read() as conn:
        state = load_state(conn)  # judged at this size: a later event is not shown yet
    mine = processes_of(state, party)
    entries = []
    for entry in log_cases.show(app, start, max(0, min(limit, state.size - start))):
        if _readable(state, mine, party, entry):
            entries.append(LogEntry.model_validate({**entry, "hidden": False}))
        else:
            entries.append(LogEntry(seq=entry["seq"], leaf_hash=entry["leaf_hash"], hidden=True))
    return state.size, entries


@router.get("/log", response_model=LogPage, summary="The log in order, as the caller's party may read it")
def show_log(
    app: AppDep,
    principal: PrincipalDep,
    start: Annotated[int, Query(ge=0, le=_MAX_INDEX, description="The first event")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> LogPage:
    size, entries = visible_log(app, principal.party, start, limit)
    return LogPage(size=size, events=entries)


@router.get(
    "/checkpoints/latest",
    response_model=CheckpointOut,
    summary="The newest signed checkpoint (a read: it signs nothing; POST /checkpoints signs one)",
)
def latest_checkpoint(app: AppDep, principal: PrincipalDep) -> CheckpointOut:
    cp, _ = latest_stored(app)
    if cp is None:
        raise NotFound("no checkpoint has been signed yet; POST /api/v1/checkpoints signs one")
    return CheckpointOut(size=cp.size, root=cp.root.hex(), note=cp.note, created=cp.created)


@router.post(
    "/checkpoints",
    response_model=CheckpointOut,
    summary="Sign a checkpoint over the log as it stands now (the newest one if the log has not grown)",
)
def sign_checkpoint(app: AppDep, principal: PrincipalDep) -> CheckpointOut:
    cp = log_cases.checkpoint(app)
    return CheckpointOut(size=cp.size, root=cp.root.hex(), note=cp.note, created=cp.created)


@router.get(
    "/proofs/inclusion/{index}",
    response_model=InclusionOut,
    summary="RFC 9162 proof that event INDEX is in the tree of a size (default: the latest checkpoint's)",
)
def prove_inclusion(
    app: AppDep,
    principal: PrincipalDep,
    index: Annotated[int, Path(ge=0, le=_MAX_INDEX)],
    size: Annotated[int | None, Query(ge=0, le=_MAX_INDEX)] = None,
) -> InclusionOut:
    return InclusionOut.model_validate(log_cases.prove_inclusion(app, index, size).to_json())


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyOut,
    summary="RFC 9162 proof that the tree of size OLD is a prefix of the tree of size NEW",
)
def prove_consistency(
    app: AppDep,
    principal: PrincipalDep,
    old: Annotated[int, Query(ge=1, le=_MAX_INDEX)],
    new: Annotated[int, Query(ge=1, le=_MAX_INDEX)],
) -> ConsistencyOut:
    return ConsistencyOut.model_validate(log_cases.prove_consistency(app, old, new).to_json())


@router.get(
    "/bundles/{process}",
    response_class=FileResponse,
    responses=binary(
        "The bundle (JSON Lines; gzip with compress=true)", "application/x-ndjson", "application/gzip"
    ),
    summary="The caller's party's bundle of a process, to verify offline with `inwriting verify`",
    description="Only what the caller's party may see: other events are leaf hashes, and the texts it"
    " sees whole come with their salts, so each checks against the hash its event signed.",
)
def bundle(
    app: AppDep,
    principal: PrincipalDep,
    process: Annotated[str, Path(pattern=ID)],
    compress: Annotated[bool, Query(description="gzip the file")] = False,
) -> FileResponse:
    with app.store.read() as conn:
        state = load_state(conn)
    if process not in processes_of(state, principal.party):  # as for a process that does not exist
        raise NotFound(f"process {process} does not exist")
    name = f"{process}-{principal.party}.bundle.jsonl" + (".gz" if compress else "")
    folder = temp_folder()  # removed once the file is sent
    try:
        bundles.export(app, folder / name, process, as_party=principal.party)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    media_type = "application/gzip" if compress else "application/x-ndjson"
    return file_download(folder / name, media_type=media_type, filename=name, cleanup=folder)
