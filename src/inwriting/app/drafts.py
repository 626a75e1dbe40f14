"""Use cases for drafts: import a text as a new version of a document, show it, list a lineage."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from inwriting.app.context import App
from inwriting.app.recorder import Recorded, record_in
from inwriting.domain import events as ev
from inwriting.domain.access import ALL, require_text, sees_version
from inwriting.domain.documents import DraftText, Point, draft_from_json, draft_to_json, outline
from inwriting.domain.events import PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.model import State, Version
from inwriting.domain.redline import Redline, carry_eids, redline
from inwriting.errors import InvalidInput, NotFound, Refused
from inwriting.importers import parse_file
from inwriting.importers.text import MAX_BYTES
from inwriting.record.blob import blob_hash, check_blob, new_salt
from inwriting.record.canonical import canonical, parse
from inwriting.storage import store as st
from inwriting.storage.projections import load_state

MEDIA_TYPE = "application/vnd.inwriting.draft+json"


@dataclass(frozen=True)
class Imported:
    version: str
    points: int
    notes: tuple[str, ...]
    event: Recorded

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "points": self.points,
            "notes": list(self.notes),
            "event": self.event.to_json(),
        }


def read_text(path: Path, *, limit: int | None = None) -> bytes:
    """A file's bytes, refused before reading if it is missing or larger than `limit` (default 20 MB)."""
    limit = MAX_BYTES if limit is None else limit
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory, not a file", where=str(path))
    if not path.exists():
        raise InvalidInput(f"no file at {path}", where=str(path))
    if not path.is_file():
        raise InvalidInput(f"{path} is not a regular file", where=str(path))
    size = path.stat().st_size
    if size > limit:
        raise InvalidInput(
            f"{path} is {size} bytes; the limit is {limit // (1024 * 1024)} MB", where=str(path)
        )
    return path.read_bytes()


def read_draft(path: Path, *, title: str | None = None) -> DraftText:
    """Parse a text or Markdown file (by extension); refuse what the importers cannot read."""
    draft = parse_file(read_text(path), name=path.name, title=title)
    if not draft.title:
        raise InvalidInput(f"{path.name} has no title line; give one with --title")
    return draft


def _document_id(path: Path) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-.")
    return slug if slug and slug[0].isalpha() else f"doc-{slug}"


def import_draft(
    app: App,
    path: Path,
    *,
    track: str,
    as_party: str,
    kind: str = "treaty",
    title: str | None = None,
    based_on: str | None = None,
    document: str | None = None,
    audience: str = "author",
    audience_parties: Sequence[str] = (),
    delegate: str | None = None,
) -> Imported:
    """Record the file's text as the next version of `document` (default: named after the file).

    `audience` says who may read it: its author only (a draft in preparation, the default), the
    track's parties, the named `audience_parties`, or the public. Hand-overs widen it to their
    recipients."""
    draft = read_draft(path, title=title)
    doc_id = document or _document_id(path)
    with app.store.read() as conn:
        owner = load_state(conn, Refs(documents=frozenset({doc_id}))).documents.get(doc_id)
    if owner is not None and owner.author != as_party:  # say nothing more of another party's document
        raise Refused(f"document id {doc_id} is taken; choose another with --doc")
    base = based_on or _latest_version(app, doc_id)
    carried = 0
    if base is not None:  # points matched to the base keep its ids, however they were renumbered
        _, base_draft = get_version(app, base, viewer=PartyId(as_party))
        derived = [p.eid for p in draft.walk()]
        draft = carry_eids(base_draft, draft)
        kept = {p.eid for p in base_draft.walk()}
        carried = sum(
            a != b and b in kept for a, b in zip(derived, (p.eid for p in draft.walk()), strict=True)
        )
    content = canonical(draft_to_json(draft))
    salt = new_salt()
    digest = blob_hash(salt, content)
    with app.store.write() as writer:
        known = writer.load(Refs(documents=frozenset({doc_id})))
        existing = known.documents.get(doc_id)
        number = existing.versions + 1 if existing else 1
        body = {
            "document": doc_id,
            "version": f"{doc_id}@v{number}",
            "kind": kind,
            "title": draft.title,
            "based_on": based_on,
            "content": digest,
            "outline": outline(draft),
            "audience": audience,
            "audience_parties": list(audience_parties),
        }
        writer.add_blob(digest, salt, MEDIA_TYPE, content)
        recorded = record_in(
            app, writer, PartyId(as_party), ev.VERSION_CREATED, body, track=track, delegate=delegate
        )
    notes = draft.notes
    if carried:
        notes = (*notes, f"{carried} points keep the ids they had in {base} (matched across renumbering)")
    return Imported(f"{doc_id}@v{number}", sum(1 for _ in draft.walk()), notes, recorded)


def _latest_version(app: App, document: str) -> str | None:
    with app.store.read() as conn:
        found = load_state(conn, Refs(documents=frozenset({document}))).documents.get(document)
    return None if found is None else f"{document}@v{found.versions}"


def compare(app: App, old: str, new: str, *, viewer: PartyId | None = None) -> Redline:
    """The redline between two versions (of any documents): points matched across renumbering."""
    _, old_draft = get_version(app, old, viewer=viewer)
    _, new_draft = get_version(app, new, viewer=viewer)
    return redline(old_draft, new_draft)


def text_state(conn: Connection, texts: Iterable[str]) -> State:
    """What deciding who sees these texts (versions or answers) needs: the texts, their versions,
    tracks, hand-overs, recipients and disclosure stories."""
    ids = frozenset(texts)
    versions = frozenset(t.split("/answer/")[0] for t in ids)
    state = load_state(
        conn, Refs(versions=versions, version_acts=versions, answers=ids, disclosures=ids | versions)
    )
    tracks = frozenset(v.track for v in state.versions.values())
    if not tracks:
        return state
    around = load_state(conn, Refs(tracks=tracks))  # with the tracks' parties and their members
    return replace(state, tracks=around.tracks, parties=state.parties.update(around.parties))


class _ParsedTexts:
    """The last few version texts read, parsed, by their content hash.

    A stored text never changes under its hash (`check_blob` proved it when it was read), so a text
    read again is not fetched, re-hashed and re-parsed: reading a version was a third of the cost of a
    status or matrix request. Who may read it is still decided on every request. Bounded by count;
    the texts are treaty drafts of tens of kilobytes.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._texts: OrderedDict[str, DraftText] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> DraftText | None:
        with self._lock:
            found = self._texts.get(digest)
            if found is not None:
                self._texts.move_to_end(digest)
            return found

    def put(self, digest: str, draft: DraftText) -> None:
        with self._lock:
            self._texts[digest] = draft
            self._texts.move_to_end(digest)
            while len(self._texts) > self._size:
                self._texts.popitem(last=False)


_PARSED = _ParsedTexts(64)


def get_version(app: App, version: str, *, viewer: PartyId | None = None) -> tuple[Version, DraftText]:
    """A version and its text as `viewer` may read it (None: the operator, who reads everything).

    A party outside the audience gets NotFound, as if the version did not exist; a party that may
    read only published points gets those (their ancestors' text blanked)."""
    view = read_version(app, version, viewer=viewer)
    return view.seen_version, view.seen_draft


@dataclass(frozen=True)
class VersionView:
    """A version read once: whole (for computing on it) and as the viewer may read it."""

    version: Version
    draft: DraftText
    seen_version: Version
    seen_draft: DraftText


def read_version(app: App, version: str, *, viewer: PartyId | None = None) -> VersionView:
    """`get_version`, also keeping the whole text: for use cases that compute over every point
    (status, matrix) but must answer NotFound to a viewer outside the audience."""
    with app.store.read() as conn:
        state = text_state(conn, [version])
        found = state.versions.get(version)
        if found is None:
            raise NotFound(f"version {version} does not exist")
        seen = require_text(state, viewer, version)
        shown_version = found
        if viewer is not None and found.based_on:
            shown_version = _hide_base(text_state(conn, [found.based_on]), viewer, found)
        draft = _PARSED.get(found.content)
        if draft is None:
            stored = st.blob(conn, found.content)
            if stored is None:
                raise NotFound(f"the text of {version} ({found.content}) is not in this database")
            salt, content = stored
            check_blob(found.content, salt, content, where=f"version {version}")
            draft = draft_from_json(parse(content, what=f"text of {version}"))
            _PARSED.put(found.content, draft)
    if seen == ALL:
        return VersionView(found, draft, shown_version, draft)
    part = published_part(draft, frozenset(seen))
    shown = {p.eid for p in part.walk()}  # nor may the outline name the points not published
    outline = tuple((e, lab) for e, lab in found.outline if e in shown)
    return VersionView(found, draft, replace(shown_version, outline=outline), part)


def published_part(draft: DraftText, points: frozenset[str]) -> DraftText:
    """Only the published points (and, blanked, the points that hold them)."""

    def keep(point: Point) -> Point | None:
        if point.eid in points:
            return point  # a published article is published with its paragraphs
        children = tuple(c for c in (keep(c) for c in point.children) if c is not None)
        if children:
            return replace(point, text="", children=children)
        return None

    kept = tuple(p for p in (keep(p) for p in draft.points) if p is not None)
    amendments = tuple(a for a in draft.amendments if a.eid in points)
    note = "only the published points of this version are shown"
    return replace(draft, preamble="", points=kept, amendments=amendments, notes=(note,))


def lineage(app: App, document: str, *, viewer: PartyId | None = None) -> list[Version]:
    """The document's versions the viewer may see, in order, each with its base."""
    with app.store.read() as conn:
        state = load_state(conn)
    versions = sorted((v for v in state.versions.values() if v.document == document), key=lambda v: v.number)
    seen = [v for v in versions if sees_version(state, viewer, v) is not None]
    if not seen:
        raise NotFound(f"document {document} does not exist")
    return [_hide_base(state, viewer, v) for v in seen]


def _hide_base(state: State, viewer: PartyId | None, version: Version) -> Version:
    """A version's base, named only to a viewer who may see the base too."""
    base = state.versions.get(version.based_on or "")
    if base is None or sees_version(state, viewer, base) is not None:
        return version
    return replace(version, based_on=None)


EXPORT_FORMATS = ("md", "akn", "docx", "html")


def export_version(app: App, version: str, fmt: str, *, viewer: PartyId | None = None) -> bytes:
    """A version's text in one of EXPORT_FORMATS; each re-imports to the same points (html excepted)."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(EXPORT_FORMATS)}; got {fmt!r}")
    found, draft = get_version(app, version, viewer=viewer)
    if fmt == "md":
        from inwriting.exporters.markdown import to_markdown

        return to_markdown(draft).encode("utf-8")
    if fmt == "akn":
        from inwriting.exporters.akn import to_akn

        return to_akn(draft, name=found.document, author=found.author)
    if fmt == "docx":
        from inwriting.exporters.docx import to_docx

        return to_docx(draft)
    from inwriting.exporters.html import to_html

    return to_html(draft, version=found.id).encode("utf-8")
