"""Use cases for answers received in prose: suggest how their paragraphs read against the points of
the version they answer, and record a delegate's decisions on those suggestions as signed events.

Suggestions are computed afresh from the stored answer and the version (the engines are
deterministic); only the decisions are recorded, each with what had been suggested, so the record
shows which suggestion was kept, changed or dropped, and by whom.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from inwriting.alignment import DEFAULT_ENGINE, engine, suggest
from inwriting.app.context import App
from inwriting.app.drafts import read_text, read_version, text_state
from inwriting.app.negotiation import act_date
from inwriting.app.recorder import Recorded, record_in
from inwriting.domain import events as ev
from inwriting.domain.access import ALL, require_text
from inwriting.domain.alignment import (
    Alignment,
    Paragraph,
    PointText,
    Suggestion,
    paragraphs_of,
    summary,
)
from inwriting.domain.completeness import Outline, coverage
from inwriting.domain.documents import DraftText, Point
from inwriting.domain.events import PartyId
from inwriting.domain.model import DECISIONS, NEEDS_TEXT, POSITIONS, Answer, Decision, Position, Version
from inwriting.errors import Conflict, InvalidInput, NotFound, Refused
from inwriting.importers.prose import read_prose, reading_of
from inwriting.record.blob import check_blob
from inwriting.storage import schema as t

MAX_DECISIONS_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class AlignmentView:
    """An engine's suggestions for a prose answer, beside the decisions already confirmed."""

    answer: Answer
    version: Version
    points: tuple[PointText, ...]
    alignment: Alignment
    reading: str  # the digest of the paragraphs as read (`importers.prose.reading_of`)

    @property
    def paths(self) -> dict[str, str]:
        return {p.eid: p.path for p in self.points}

    @property
    def decided(self) -> dict[int, Decision]:
        return {d.paragraph: d for d in self.answer.alignment}

    def suggestion(self, paragraph: int) -> Suggestion:
        return self.alignment.suggestions[paragraph - 1]

    def unanswered_confirmed(self) -> tuple[str, ...]:
        """The points that no confirmed paragraph addresses (what `status` counts)."""
        return self._fewest({p.eid for p in self.answer.positions})

    def _fewest(self, linked: set[str]) -> tuple[str, ...]:
        """The fewest points that name every gap (a whole article rather than each of its paragraphs)."""
        outline = Outline.of((p.eid, p.label, p.parent) for p in self.points)
        return coverage(outline, {eid: Position(eid, "noted") for eid in linked}).unanswered

    def to_json(self) -> dict[str, Any]:
        paths = self.paths
        decided = self.decided
        return {
            "answer": self.answer.id,
            "version": self.version.id,
            "party": self.answer.party,
            "engine": self.alignment.engine,
            "paragraphs": [
                _paragraph_json(p, s, decided.get(p.index), paths)
                for p, s in zip(self.alignment.paragraphs, self.alignment.suggestions, strict=True)
            ],
            "unanswered": [
                {"eid": e, "label": paths[e]}
                for e in self._fewest({eid for s in self.alignment.suggestions for eid in s.points})
            ],
            "confirmed": {
                "paragraphs": len(decided),
                "of": len(self.alignment.paragraphs),
                "by": [
                    {"party": party, "delegate": delegate} for party, delegate in self.answer.confirmed_by
                ],
                "summary": summary(self.answer.alignment),
                "unanswered": [{"eid": e, "label": paths[e]} for e in self.unanswered_confirmed()],
            },
        }


def _paragraph_json(
    p: Paragraph, s: Suggestion, decided: Decision | None, paths: dict[str, str]
) -> dict[str, Any]:
    return {
        "paragraph": p.index,
        "text": p.text,
        "heading": p.heading,
        "points": [
            {"eid": link.eid, "label": paths[link.eid], "score": link.score, "named": link.named}
            for link in s.links
        ],
        "position": s.position,
        "confidence": s.confidence,
        "sentence": s.sentence,
        "confirmed": None
        if decided is None
        else {
            "decision": decided.decision,
            "points": [{"eid": e, "label": paths[e]} for e in decided.points if e in paths],
            "position": decided.position,
            "text": decided.text,
            "by": decided.by,
            "delegate": decided.delegate,
            "event": decided.seq,
        },
    }


def points_of(draft: DraftText) -> tuple[PointText, ...]:
    result: list[PointText] = []

    def walk(point: Point, parent: PointText | None) -> None:
        own = point.label or point.eid.rsplit("__", 1)[-1].replace("_", " ")
        path = f"{parent.path} {own}" if parent else own
        words = " ".join(w for w in (point.heading, point.text) if w)
        found = PointText(point.eid, point.label, path, words, parent.eid if parent else None)
        result.append(found)
        for child in point.children:
            walk(child, found)

    for point in draft.points:
        walk(point, None)
    return tuple(result)


def _prose_answer(
    app: App, answer: str, viewer: PartyId | None
) -> tuple[Answer, tuple[tuple[str, bool], ...]]:
    with app.store.read() as conn:
        state = text_state(conn, [answer])
        found = state.answers.get(answer)
        if found is None or require_text(state, viewer, answer) != ALL:
            raise NotFound(f"answer {answer} does not exist")
        row = conn.execute(
            select(t.blobs.c.salt, t.blobs.c.content, t.blobs.c.media_type).where(
                t.blobs.c.hash == found.content
            )
        ).first()
    if found.form != "prose":
        raise Refused(f"{answer} answers point by point; only an answer in prose is aligned")
    if row is None:
        raise NotFound(f"the text of {answer} ({found.content}) is not in this database")
    salt, content = bytes(row.salt), bytes(row.content)
    check_blob(found.content, salt, content, where=f"answer {answer}")
    return found, read_prose(content, media_type=row.media_type, source=answer)


def suggestions(
    app: App, answer: str, *, viewer: PartyId | None = None, engine_name: str = DEFAULT_ENGINE
) -> AlignmentView:
    """How the engine reads each paragraph of the prose answer against the version's points."""
    chosen = engine(engine_name)  # an unknown engine is refused before anything is read
    found, blocks = _prose_answer(app, answer, viewer)
    reading = reading_of(blocks)
    if found.reading is not None and found.reading != reading:
        raise Conflict(
            f"{answer} now reads into other paragraphs than when it was first confirmed (this version of"
            f" inwriting reads it as {reading}, the record says {found.reading}): its decisions cannot be"
            " shown against these paragraphs"
        )
    try:
        view = read_version(app, found.version, viewer=viewer)
    except NotFound:  # the answer is published, the version it answers (named in its id) is not
        raise Refused(
            f"{answer} answers {found.version}, which is not published: its points cannot be shown"
        ) from None
    points = points_of(view.seen_draft)
    alignment = suggest(chosen, paragraphs_of(blocks), points, title=view.seen_draft.title)
    return AlignmentView(found, view.seen_version, points, alignment, reading)


def read_decisions(path: Path) -> list[dict[str, Any]]:
    """A decisions file: `{"decisions": [{"paragraph": 3, "decision": "keep"}, …]}` (or the list)."""
    data = read_text(path, limit=MAX_DECISIONS_BYTES)
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"the decisions file is not JSON: {exc}", where=str(path)) from None
    items = parsed.get("decisions") if isinstance(parsed, dict) else parsed
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidInput('the decisions file must hold {"decisions": [{"paragraph": …, "decision": …}, …]}')
    return items


_FIELDS = frozenset({"paragraph", "decision", "points", "position", "text"})


def _decided(view: AlignmentView, item: dict[str, Any]) -> dict[str, Any]:
    """One decision as the event records it, from what the delegate wrote and what was suggested."""
    extra = sorted(set(item) - _FIELDS)
    if extra:
        raise InvalidInput(f"a decision has fields {', '.join(extra)}; it takes {', '.join(sorted(_FIELDS))}")
    n = item.get("paragraph")
    count = len(view.alignment.paragraphs)
    if type(n) is not int or not 1 <= n <= count:
        raise InvalidInput(f"paragraph must be a number from 1 to {count}; got {n!r}")
    kind = item.get("decision")
    if kind not in DECISIONS:
        raise InvalidInput(
            f"the decision on paragraph {n} must be one of {', '.join(DECISIONS)}; got {kind!r}"
        )
    s = view.suggestion(n)
    if view.alignment.paragraphs[n - 1].heading and kind == "keep" and not s.points:
        raise InvalidInput(
            f"paragraph {n} is a heading of the answer and addresses nothing: change it or leave it"
        )
    suggested = {"points": list(s.points), "position": s.position}
    body: dict[str, Any] = {"paragraph": n, "decision": kind, "suggested": suggested}
    if kind == "keep":
        if "points" in item or "position" in item:
            raise InvalidInput(
                f"paragraph {n} keeps the suggestion; to name other points or a position, change it"
            )
        return {
            **body,
            "points": list(s.points),
            "position": s.position,
            "text": item.get("text", s.sentence),
        }
    if kind == "drop":
        return {**body, "points": [], "position": None, "text": None}
    points = _point_ids(view, item.get("points"), n)
    if not points:
        raise InvalidInput(f"paragraph {n} is changed to address no point: drop the suggestion instead")
    position = item.get("position", s.position or "noted")
    if position not in POSITIONS:
        raise InvalidInput(
            f"the position on paragraph {n} must be one of {', '.join(POSITIONS)}; got {position!r}"
        )
    text = item.get("text")
    if text is None and (position in NEEDS_TEXT or s.sentence):
        text = s.sentence if position == s.position and s.sentence else view.alignment.paragraphs[n - 1].text
    if (points, position) == (list(s.points), s.position):
        raise InvalidInput(f"paragraph {n} is marked changed but is what was suggested: keep it instead")
    return {**body, "points": points, "position": position, "text": text}


def _point_ids(view: AlignmentView, value: object, n: int) -> list[str]:
    """Points named by eid, or by their label as printed ("Article 2", "Article 5 1.")."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"the points of paragraph {n} must be a list of point ids or labels")
    by_label = {p.path.casefold(): p.eid for p in view.points}
    eids = {p.eid for p in view.points}
    result = []
    for name in value:
        eid = name if name in eids else by_label.get(name.strip().casefold())
        if eid is None:
            raise InvalidInput(f"{view.version.id} has no point {name!r} (paragraph {n})")
        if eid not in result:
            result.append(eid)
    return result


def confirm(
    app: App,
    answer: str,
    *,
    as_party: str,
    accept_all: bool = False,
    decisions: Sequence[dict[str, Any]] | None = None,
    engine_name: str = DEFAULT_ENGINE,
    date: str | None = None,
    delegate: str | None = None,
) -> tuple[AlignmentView, Recorded]:
    """Record a delegate's decisions on the suggestions, as one signed event: every paragraph not yet
    decided (`accept_all`), or the decisions given."""
    if accept_all == (decisions is not None):
        raise InvalidInput("confirm either every suggestion (accept all) or the decisions given, not both")
    party = PartyId(as_party)
    day = act_date(app, date)
    view = suggestions(app, answer, viewer=party, engine_name=engine_name)
    if accept_all:
        decided = view.decided
        items: list[dict[str, Any]] = [
            {"paragraph": p.index, "decision": "keep"}
            for p in view.alignment.paragraphs
            if not p.heading and p.index not in decided
        ]
        if not items:
            raise Conflict(f"every paragraph of {answer} is already decided; give a decision to change one")
    else:
        items = list(decisions or ())
        if not items:
            raise InvalidInput("no decision given")
    body = {
        "answer": answer,
        "version": view.answer.version,
        "date": day,
        "engine": view.alignment.engine,
        "reading": view.reading,
        "paragraphs": len(view.alignment.paragraphs),
        "decisions": [_decided(view, item) for item in items],
    }
    with app.store.write() as writer:
        recorded = record_in(
            app, writer, party, ev.ANSWER_ALIGNED, body, track=view.version.track, delegate=delegate
        )
    return suggestions(app, answer, viewer=party, engine_name=engine_name), recorded
