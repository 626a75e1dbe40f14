"""Full-text search over every text a party may see: versions, answers and instruments, point by point.

The index (`storage.search`) proposes candidates in rank order; the domain's rules decide, at query
time, which of them the viewer may see, and only those are returned or counted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from inwriting.app.context import App
from inwriting.domain.access import ALL, sees_instrument, sees_text
from inwriting.domain.events import PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.model import State
from inwriting.errors import InvalidInput
from inwriting.storage import search as index
from inwriting.storage.projections import load_state

MAX_QUERY = 200
MAX_LIMIT = 500
SNIPPET = 300  # characters at most
FIRST = 200  # candidates read at first (at least four times the limit)
# Visible candidates fewer than one in SCARCE after SCARCE_AFTER read: list the viewer's texts first.
SCARCE, SCARCE_AFTER = 10, 1000

Seen = str | tuple[str, ...] | None  # ALL, the published points, or nothing


@dataclass(frozen=True)
class Hit:
    text: str  # the version (or answer, or instrument) id
    kind: str  # "version" | "answer" | "instrument"
    title: str
    eid: str | None  # the point, when the hit is in one
    label: str | None
    snippet: str  # plain text around the match (the page escapes it)
    complete: bool = True  # every word of the query is in it (hits with all words come first)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def search(app: App, query: str, *, viewer: PartyId | None, limit: int = 50) -> list[Hit]:
    """Points (and titles and preambles) holding the words of `query`, in the texts `viewer` may see:
    those with every word first, then those with some, each group best first."""
    if not query.strip() or len(query) > MAX_QUERY:
        raise InvalidInput(f"give one to {MAX_QUERY} characters to search for")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}")
    words = index.words(query)
    if not words:  # only punctuation: nothing to look for
        return []
    seen: dict[str, tuple[Seen, str]] = {}  # text -> (what the viewer sees of it, its title)
    with app.store.read() as conn:
        kept = _kept(conn, words, viewer, limit, seen)
        snippets = index.snippets(conn, words, kept)
    return [
        Hit(
            c.text,
            c.kind,
            seen[c.text][1],
            c.eid,
            c.label or None,
            _snippet(snippets.get(c.id, ""), c),
            c.complete,
        )
        for c in kept
    ]


def _kept(
    conn: Connection, words: list[str], viewer: PartyId | None, limit: int, seen: dict[str, tuple[Seen, str]]
) -> list[index.Candidate]:
    """The first `limit` candidates the viewer may see, in rank order.

    Candidates come in growing batches, and what the viewer sees of their texts is loaded a few at a
    time. Should few of them turn out visible (a party that sees little of what matches), reading on
    would mostly sort rows to throw away: then the texts that match are listed, the viewer's are
    kept, and the ranked reading starts again within them. Either way the result is the same."""
    kept: list[index.Candidate] = []
    read = 0
    for batch in index.candidates(conn, words, first=max(FIRST, 4 * limit)):
        while batch and len(kept) < limit:  # load only as many texts' rules as may be needed
            size = max(limit - len(kept), 20)
            part, batch = batch[:size], batch[size:]
            _learn(conn, part, viewer, seen)
            kept.extend(c for c in part if _shows(seen[c.text][0], c))
            read += len(part)
        if len(kept) >= limit:
            return kept[:limit]
        if read >= SCARCE_AFTER and len(kept) * SCARCE < read:
            break
    else:
        return kept
    matching = index.matching_texts(conn, words)
    unknown = {t: kind for t, (kind, _) in matching.items() if t not in seen}
    if unknown:
        seen.update(_visibility(conn, unknown, viewer))
    seqs = [seq for t, (_, seq) in matching.items() if seen[t][0] is not None]
    kept = []
    for batch in index.candidates(conn, words, seqs=seqs, first=max(FIRST, 4 * limit)):
        kept.extend(c for c in batch if _shows(seen[c.text][0], c))
        if len(kept) >= limit:
            break
    return kept[:limit]


def _learn(
    conn: Connection, batch: list[index.Candidate], viewer: PartyId | None, seen: dict[str, tuple[Seen, str]]
) -> None:
    unknown = {c.text: c.kind for c in batch if c.text not in seen}
    if unknown:
        seen.update(_visibility(conn, unknown, viewer))


def _shows(seen: Seen, hit: index.Candidate) -> bool:
    """The whole text, or a point published (itself or a point holding it); never a title or
    preamble, nor an answer's proposal or prose, of a text only partly published."""
    if seen is None:
        return False
    if seen == ALL:
        return True
    return hit.eid is not None and any(eid in seen for eid in hit.scope)


def _snippet(found: str, hit: index.Candidate) -> str:
    text = found or " ".join(hit.heading.split())  # a heading-only point, or a title without preamble
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1].rstrip() + "…"


def _visibility(
    conn: Connection, texts: dict[str, str], viewer: PartyId | None
) -> dict[str, tuple[Seen, str]]:
    """What `viewer` sees of each text (by kind), with the title a hit in it shows."""
    state = _state(conn, texts)
    result: dict[str, tuple[Seen, str]] = {}
    for text, kind in texts.items():
        if kind == "instrument":
            found = state.instruments.get(text)
            shown = found is not None and sees_instrument(state, viewer, found)
            result[text] = (ALL if shown else None, found.title if found else "")
            continue
        answer = state.answers.get(text) if kind == "answer" else None
        version = state.versions.get(answer.version if answer else text)
        title = version.title if version else ""
        if answer is not None:
            title = f"Answer by {answer.party}: {title}"
        result[text] = (sees_text(state, viewer, text), title)
    return result


def _state(conn: Connection, texts: dict[str, str]) -> State:
    """What the rules need to decide who sees these texts, loaded in a few statements (as
    `drafts.text_state` does, with instruments and their sources too)."""
    answers = frozenset(t for t, kind in texts.items() if kind == "answer")
    instruments = frozenset(t for t, kind in texts.items() if kind == "instrument")
    versions = frozenset(t for t, kind in texts.items() if kind == "version")
    versions |= {a.split("/answer/")[0] for a in answers}
    refs = Refs(
        versions=versions,
        version_acts=versions,
        answers=answers,
        disclosures=versions | answers,
        instruments=instruments,
    )
    state = load_state(conn, refs)  # an answer's id starts with its version's (the rules see to it)
    tracks = frozenset(v.track for v in state.versions.values()) | {
        i.track for i in state.instruments.values()
    }
    if not tracks:
        return state
    around = load_state(conn, Refs(tracks=tracks))  # with the tracks' parties and their members
    return replace(state, tracks=around.tracks, parties=state.parties.update(around.parties))
