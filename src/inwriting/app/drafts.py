"""Use cases for drafts: import a text as a new version of a document, show it, list a lineage."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inwriting.app.context import App
from inwriting.app.recorder import Recorded, record_in
from inwriting.domain import events as ev
from inwriting.domain.documents import DraftText, draft_from_json, draft_to_json, outline
from inwriting.domain.events import PartyId
from inwriting.domain.fold import Refs
from inwriting.domain.model import Version
from inwriting.domain.redline import Redline, carry_eids, redline
from inwriting.errors import InvalidInput, NotFound
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
) -> Imported:
    """Record the file's text as the next version of `document` (default: named after the file)."""
    draft = read_draft(path, title=title)
    doc_id = document or _document_id(path)
    base = based_on or _latest_version(app, doc_id)
    carried = 0
    if base is not None:  # points matched to the base keep its ids, however they were renumbered
        _, base_draft = get_version(app, base)
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
        }
        writer.add_blob(digest, salt, MEDIA_TYPE, content)
        recorded = record_in(app, writer, PartyId(as_party), ev.VERSION_CREATED, body, track=track)
    notes = draft.notes
    if carried:
        notes = (*notes, f"{carried} points keep the ids they had in {base} (matched across renumbering)")
    return Imported(f"{doc_id}@v{number}", sum(1 for _ in draft.walk()), notes, recorded)


def _latest_version(app: App, document: str) -> str | None:
    with app.store.read() as conn:
        found = load_state(conn, Refs(documents=frozenset({document}))).documents.get(document)
    return None if found is None else f"{document}@v{found.versions}"


def compare(app: App, old: str, new: str) -> Redline:
    """The redline between two versions (of any documents): points matched across renumbering."""
    _, old_draft = get_version(app, old)
    _, new_draft = get_version(app, new)
    return redline(old_draft, new_draft)


def get_version(app: App, version: str) -> tuple[Version, DraftText]:
    with app.store.read() as conn:
        found = load_state(conn, Refs(versions=frozenset({version}))).versions.get(version)
        if found is None:
            raise NotFound(f"version {version} does not exist")
        stored = st.blob(conn, found.content)
    if stored is None:
        raise NotFound(f"the text of {version} ({found.content}) is not in this database")
    salt, content = stored
    check_blob(found.content, salt, content, where=f"version {version}")
    return found, draft_from_json(parse(content, what=f"text of {version}"))


def lineage(app: App, document: str) -> list[Version]:
    """The document's versions in order, each with its base (which may be in another document)."""
    with app.store.read() as conn:
        state = load_state(conn)
    if document not in state.documents:
        raise NotFound(f"document {document} does not exist")
    return sorted((v for v in state.versions.values() if v.document == document), key=lambda v: v.number)


EXPORT_FORMATS = ("md", "akn", "docx", "html")


def export_version(app: App, version: str, fmt: str) -> bytes:
    """A version's text in one of EXPORT_FORMATS; each re-imports to the same points (html excepted)."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(EXPORT_FORMATS)}; got {fmt!r}")
    found, draft = get_version(app, version)
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
