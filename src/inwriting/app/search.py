"""Full-text search over every text a party may see (versions and answers, point by point).

This first version scans the texts the viewer may read; see the issue for the indexed one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from inwriting.app.context import App
from inwriting.app.drafts import read_version
from inwriting.domain.events import PartyId
from inwriting.errors import InvalidInput, NotFound
from inwriting.storage import schema as t

MAX_QUERY = 200


@dataclass(frozen=True)
class Hit:
    text: str  # the version (or answer, or instrument) id
    kind: str  # "version" | "answer" | "instrument"
    title: str
    eid: str | None  # the point, when the hit is in one
    label: str | None
    snippet: str  # plain text around the match (the page escapes it)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def search(app: App, query: str, *, viewer: PartyId | None, limit: int = 50) -> list[Hit]:
    """Points (and preambles) matching every word of `query`, in the texts `viewer` may see."""
    words = [w.casefold() for w in query.split()]
    if not words or len(query) > MAX_QUERY:
        raise InvalidInput(f"give one to {MAX_QUERY} characters to search for")
    with app.store.read() as conn:
        versions = list(conn.execute(select(t.versions.c.id).order_by(t.versions.c.created_seq)).scalars())
    hits: list[Hit] = []
    for vid in versions:
        try:
            view = read_version(app, vid, viewer=viewer)
        except NotFound:
            continue
        for point in view.seen_draft.walk():
            haystack = f"{point.label} {point.heading or ''} {point.text}".casefold()
            if all(w in haystack for w in words):
                hits.append(
                    Hit(vid, "version", view.seen_version.title, point.eid, point.label, point.text[:200])
                )
                if len(hits) >= limit:
                    return hits
    return hits
