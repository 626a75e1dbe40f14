"""Import Word (.docx) drafts: the body's paragraphs become lines of the plain-text grammar, which
`parse_text` reads, so structure and eIds match the text importer; tracked changes become amendments.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import docx
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

from inwriting.domain.documents import Amendment, DraftText
from inwriting.domain.text import BIDI_CONTROLS
from inwriting.errors import InvalidInput
from inwriting.importers.docx_numbering import Numbering, Props, Styles, props
from inwriting.importers.text import ARTICLE_HEADING, MAX_BYTES, parse_text

# A 20 MB .docx of text unpacks to far less; more than this is a zip bomb, not a draft.
# A 500-page treaty unpacks to ~8 MB of XML; python-docx needs ~40 bytes of memory per byte of XML,
# so this bounds a hostile file (a zip bomb) to a few seconds and ~1.3 GB.
MAX_UNPACKED = 32 * 1024 * 1024
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # compound file: .doc, or an encrypted .docx
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

# Segment kinds: "=" in both versions, ORIGINAL only (deleted), ACCEPTED only (inserted), "x" neither.
ORIGINAL, ACCEPTED = "-", "+"
_TRACKED = {
    qn("w:ins"): ACCEPTED,
    qn("w:moveTo"): ACCEPTED,
    qn("w:del"): ORIGINAL,
    qn("w:moveFrom"): ORIGINAL,
}
_TEXT = frozenset({qn("w:t"), qn("w:delText")})
_SPACE = frozenset({qn("w:br"), qn("w:cr")})  # a line break inside a paragraph reads as a space
# Not the paragraph's printed text: properties, text boxes (paragraphs of their own), field codes, and
# the fallback copy of markup-compatibility content (its mc:Choice is read).
_SKIP = frozenset(
    {qn("w:pPr"), qn("w:rPr"), qn("w:txbxContent"), qn("w:instrText"), qn("w:delInstrText"), qn("w:sdtPr")}
    | {"{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"}
)
_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_SDT, _SDT_CONTENT, _CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
_AUTHOR, _DATE = qn("w:author"), qn("w:date")
_R, _TAB, _NO_BREAK_HYPHEN = qn("w:r"), qn("w:tab"), qn("w:noBreakHyphen")
_BIDI = re.compile(f"[{''.join(sorted(BIDI_CONTROLS))}]")
_STREAM_REPR = re.compile(r"file '<_io\.BytesIO object at 0x[0-9a-f]+>' ")

# "Article 4 Scope" in a heading style: the grammar wants a separator before the heading text.
_ARTICLE_NO_SEP = re.compile(r"((?:Article|ARTICLE)\s+\d{1,4})\s+(?![.:\u2013\u2014\[-])(\S.*)$")
_MARKER = re.compile(r"(?:\d{1,3}\.|\(?[a-z]{1,6}\))\s+(.*)$")
_LINE_REF = re.compile(r"\b(lines?) (\d+)(?: and (\d+))?")


@dataclass
class _Para:
    """One w:p as read: its text in pieces by tracked-change kind, and its properties."""

    number: int  # 1-based, in body order, table cells included
    segments: list[tuple[str, str]] = field(default_factory=list)
    mark: str = "="  # the paragraph mark's kind: a deleted mark joins the paragraph to the next
    props: Props = (None, None, None)
    old_props: Props = (None, None, None)  # before a tracked formatting change (w:pPrChange)
    changes: list[tuple[str, str]] = field(default_factory=list)  # (author, date) of its changes
    hidden: bool = False

    def text(self, version: str) -> str:
        return "".join(t for kind, t in self.segments if kind in ("=", version))


@dataclass
class _Line:
    """A line handed to parse_text: one paragraph, or several joined by deleted paragraph marks."""

    text: str
    number: int
    changes: list[tuple[str, str]]


def parse_docx(data: bytes, *, source: str, title: str | None = None) -> DraftText:
    """Parse a Word draft; `source` names it in errors, `title` overrides the found title.

    The title is the leading paragraph(s) in the Title style, else found as in `parse_text`. Word's
    automatic numbering is written out as printed ("1.", "(a)", "i)", "Article 3"). Points read as the
    text stood before any tracked change; each point a change touches gets an `Amendment` with its text
    as it would read with the changes accepted. Raises InvalidInput for files that are not readable
    .docx drafts (not a zip, encrypted, zip bomb, no text, no points, bidi controls).
    """
    document = _open(data, source)
    styles = Styles(_part_element(document, RT.STYLES))
    numbering = Numbering(_part_element(document, RT.NUMBERING), styles)
    body = document.element.body
    paras: list[_Para] = []
    tables = _read_blocks(body, paras) if body is not None else 0
    if not any(p.text(ORIGINAL).strip() or p.text(ACCEPTED).strip() for p in paras):
        raise InvalidInput("the Word document has no text", where=source)
    _refuse_bidi(paras, source)
    heads = _title_paras(paras, styles)
    paras = paras[len(heads) :]
    found = " ".join(t for t in (p.text(ORIGINAL).strip() for p in heads) if t)
    label_notes: dict[str, str] = {}
    lines = _version(paras, ORIGINAL, styles, numbering, label_notes)
    if not lines:
        raise InvalidInput("the Word document has no text besides its title", where=source)
    use_title = title if title is not None else (found or None)
    draft = _parse(lines, source, use_title)
    notes = [_paragraph_refs(note, lines) for note in draft.notes]
    if any(p.text(ORIGINAL) != p.text(ACCEPTED) for p in heads):
        notes.append("the title has tracked changes: it is read as it stood before them")
    if tables:
        notes.append(
            f"the document has {tables} table{'s' if tables > 1 else ''}: cell paragraphs are read in"
            " order, row by row, as if they were body paragraphs"
        )
    hidden = [p.number for p in paras if p.hidden]
    if hidden:
        notes.append(f"hidden text (not shown by Word) is left out: paragraphs {_numbers(hidden)}")
    amendments: list[Amendment] = []
    if any(p.changes for p in paras):
        accepted_lines = _version(paras, ACCEPTED, styles, numbering, label_notes)
        try:
            accepted = _parse(accepted_lines, source, draft.title or None)
        except InvalidInput as exc:
            raise InvalidInput(
                f"with its tracked changes accepted, the document cannot be read: {exc.message};"
                " accept or reject the changes in Word and import it again",
                where=exc.where,
            ) from None
        amendments = _amendments(draft, accepted, lines, accepted_lines, notes)
    if label_notes:
        shown = ", ".join(f'"{k}" as "{v}"' for k, v in list(label_notes.items())[:3])
        notes.append(
            f"Word list numbering the text grammar does not know was read: {shown}"
            f"{' and more' if len(label_notes) > 3 else ''} (it knows Article N, 1., (a) and i))"
        )
    return replace(draft, notes=tuple(notes), amendments=tuple(amendments))


def open_docx(data: bytes, source: str) -> Document:
    """The Word document, refused with a clear error if it is too big, encrypted, old or damaged."""
    return _open(data, source)


def _open(data: bytes, source: str) -> Document:
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"the file is {len(data)} bytes; the limit is 20 MB ({MAX_BYTES} bytes)", where=source
        )
    if not data:
        raise InvalidInput("the file is empty", where=source)
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise InvalidInput(
                "the Word document is password-protected (encrypted): remove the password in Word"
                " (File > Info > Protect Document) and import it again",
                where=source,
            )
        raise InvalidInput(
            "the file is an old Word 97-2003 (.doc) or other compound file, not a .docx: save it as a"
            " Word document (.docx) and import that",
            where=source,
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InvalidInput(f"the file is not a readable Word document: {exc}", where=source) from None
    if unpacked > MAX_UNPACKED:
        raise InvalidInput(
            f"the Word document unpacks to {unpacked} bytes; the limit is 32 MB ({MAX_UNPACKED} bytes)",
            where=source,
        )
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx lets KeyError, ValueError, lxml and zip errors and more escape
        reason = _STREAM_REPR.sub("", str(exc)) or type(exc).__name__
        raise InvalidInput(f"the file is not a readable Word document: {reason}", where=source) from None


def _part_element(document: Document, reltype: str) -> Any:
    try:
        part = document.part.part_related_by(reltype)
    except (KeyError, ValueError):
        return None
    return getattr(part, "element", None)


def _read_blocks(container: Any, paras: list[_Para]) -> int:
    """Append the paragraphs under `container` in body order; return how many tables were entered."""
    tables = 0
    for child in container:
        if child.tag == _P:
            paras.append(_read_paragraph(child, len(paras) + 1))
        elif child.tag == _TBL:
            tables += 1
            for row in child.iterchildren(_TR):
                for cell in row.iterchildren(_TC):
                    tables += _read_blocks(cell, paras)
        elif child.tag in (_SDT, _CUSTOM_XML):
            content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if content is not None:
                tables += _read_blocks(content, paras)
    return tables


def _read_paragraph(p: Any, number: int) -> _Para:
    para = _Para(number)
    ppr = p.find(qn("w:pPr"))
    if ppr is not None:
        para.props = para.old_props = props(ppr)
        mark = ppr.find(qn("w:rPr"))
        for el in mark if mark is not None else ():
            if el.tag in _TRACKED:
                para.mark = _TRACKED[el.tag]
                para.changes.append((el.get(_AUTHOR, ""), el.get(_DATE, "")))
        change = ppr.find(qn("w:pPrChange"))
        if change is not None:
            para.old_props = props(change.find(qn("w:pPr")))
            para.changes.append((change.get(_AUTHOR, ""), change.get(_DATE, "")))
    _read_runs(p, "=", para)
    return para


def _read_runs(el: Any, kind: str, para: _Para) -> None:
    """Collect the text under `el` (a paragraph or anything in it) with its tracked-change kind."""
    for child in el:
        tag = child.tag
        if tag in _TEXT:
            para.segments.append((kind, (child.text or "").replace("\n", " ").replace("\r", " ")))
        elif tag == _TAB:
            para.segments.append((kind, "\t"))
        elif tag in _SPACE:
            para.segments.append((kind, " "))
        elif tag == _NO_BREAK_HYPHEN:
            para.segments.append((kind, "\u2011"))
        elif tag in _TRACKED:
            para.changes.append((child.get(_AUTHOR, ""), child.get(_DATE, "")))
            new = _TRACKED[tag]
            _read_runs(child, new if kind in ("=", new) else "x", para)
        elif tag == _R and _hidden(child):
            para.hidden = True  # text Word does not show is no part of what the parties read
        elif tag not in _SKIP and isinstance(tag, str):
            _read_runs(child, kind, para)


def _hidden(run: Any) -> bool:
    rpr = run.find(qn("w:rPr"))
    vanish = None if rpr is None else rpr.find(qn("w:vanish"))
    return vanish is not None and vanish.get(qn("w:val"), "true") not in ("0", "false", "off")


def _refuse_bidi(paras: list[_Para], source: str) -> None:
    # checked here, on every version's text, so that a control hidden in a tracked change is refused too
    for para in paras:
        for _kind, text in para.segments:
            found = _BIDI.search(text)
            if found:
                ch = found[0]
                raise InvalidInput(
                    f"bidi control character U+{ord(ch):04X} ({unicodedata.name(ch)}) in paragraph"
                    f" {para.number}: it can make the text display differently from what it says",
                    where=f"{source}, paragraph {para.number}",
                )


def _title_paras(paras: list[_Para], styles: Styles) -> list[_Para]:
    """The paragraphs in the Title style before the first other paragraph with text."""
    heads: list[_Para] = []
    for para in paras:
        if styles.name(para.props[0]) == "title":
            heads.append(para)
        elif para.text(ORIGINAL).strip() or para.text(ACCEPTED).strip():
            break
        elif heads:
            heads.append(para)  # an empty paragraph between title paragraphs
    while heads and styles.name(heads[-1].props[0]) != "title":
        heads.pop()
    return heads


def _version(
    paras: list[_Para], version: str, styles: Styles, numbering: Numbering, label_notes: dict[str, str]
) -> list[_Line]:
    """The document's lines as `version` (ORIGINAL or ACCEPTED) has them, auto-numbering written out."""
    counter = numbering.counter()
    lines: list[_Line] = []
    group: list[_Para] = []
    for para in paras:
        group.append(para)
        if para.mark not in ("=", version):
            continue  # this paragraph's mark does not exist in this version: it runs on into the next
        texts = [p.text(version) for p in group]
        head = next((p for p, t in zip(group, texts, strict=True) if t.strip()), group[-1])
        style, num_id, ilvl = head.props if version == ACCEPTED else head.old_props
        text = "".join(texts).strip()
        label = ""
        numbered = styles.numbering(style, num_id, ilvl)
        if numbered is not None:
            printed, label = counter.next(*numbered)
            if printed and printed != label:
                label_notes.setdefault(printed, label)
        if not label and styles.is_heading(style):
            text = _ARTICLE_NO_SEP.sub(r"\1. \2", text)
        if label and ARTICLE_HEADING.match(label) and text:
            text = f"{label}{' ' if label[-1] in '.:' else '. '}{text}"
        elif label:
            text = f"{label} {text}".rstrip()
        if text:
            lines.append(_Line(text, head.number, _changes(group, version)))
        group = []
    if group and any(p.text(version).strip() for p in group):
        text = "".join(p.text(version) for p in group).strip()
        lines.append(_Line(text, group[0].number, _changes(group, version)))
    return lines


def _changes(group: list[_Para], version: str) -> list[tuple[str, str]]:
    """The changes of the paragraphs that give a line its text; a paragraph gone from this version
    (its mark deleted) lends the next line its text only, not its changes."""
    present = [p for p in group if p.text(version).strip()] or group
    return [change for p in present for change in p.changes]


def _parse(lines: list[_Line], source: str, title: str | None) -> DraftText:
    try:
        return parse_text("\n\n".join(line.text for line in lines), source=source, title=title)
    except InvalidInput as exc:
        where = exc.where
        m = re.fullmatch(re.escape(source) + r":(\d+)", where or "")
        if m:
            where = f"{source}, paragraph {_paragraph_of(int(m[1]), lines)}"
        raise InvalidInput(_paragraph_refs(exc.message, lines), where=where) from None


def _paragraph_of(line_no: int, lines: list[_Line]) -> int:
    # the text given to parse_text has each line followed by a blank one
    return lines[min(max(line_no - 1, 0) // 2, len(lines) - 1)].number


def _paragraph_refs(text: str, lines: list[_Line]) -> str:
    """Rewrite parse_text's "line N" (of the text made from the document) as "paragraph P"."""

    def sub(m: re.Match[str]) -> str:
        first = _paragraph_of(int(m[2]), lines)
        if m[3] is None:
            return f"paragraph {first}"
        return f"paragraphs {first} and {_paragraph_of(int(m[3]), lines)}"

    return _LINE_REF.sub(sub, text)


def _amendments(
    draft: DraftText, accepted: DraftText, lines: list[_Line], accepted_lines: list[_Line], notes: list[str]
) -> list[Amendment]:
    """One amendment per point whose text the tracked changes alter, matched by eid; notes for the
    changes an amendment cannot carry (headings, preamble, points added)."""
    who: dict[str, list[tuple[str, str]]] = {}
    for version, version_lines in ((draft, lines), (accepted, accepted_lines)):
        index = _eids_by_text(version)
        used: dict[str, int] = {}
        for line in version_lines:
            eid = _eid_of(line.text, index, used)
            if eid and line.changes:
                who.setdefault(eid, []).extend(line.changes)
    after = {p.eid: p for p in accepted.walk()}
    amendments: list[Amendment] = []
    for point in draft.walk():
        new = after.get(point.eid)
        if new is None:
            notes.append(f"{point.eid}: the tracked changes delete this point; its amendment reads empty")
        elif new.heading != point.heading:
            notes.append(
                f"{point.eid}: the tracked changes alter the heading to {new.heading!r};"
                " amendments carry text only, so this is not kept"
            )
        text = "" if new is None else new.text
        if text != point.text or new is None:
            changes = who.get(point.eid, [])
            authors = list(dict.fromkeys(a for a, _ in changes if a))
            date = max((d for _, d in changes if d), key=_instant, default="")
            amendments.append(Amendment(point.eid, text, ", ".join(authors), date))
    before = {p.eid for p in draft.walk()}
    added = [p.eid for p in accepted.walk() if p.eid not in before]
    if added:
        notes.append(
            f"the tracked changes add points {', '.join(added)}; amendments change existing points"
            " only, so these are not kept: propose them in a new version"
        )
    if accepted.preamble != draft.preamble:
        notes.append("the preamble has tracked changes; amendments are kept per point, so these are not kept")
    return amendments


def _eids_by_text(draft: DraftText) -> dict[str, list[str]]:
    """Each paragraph text of the draft -> the points holding it, in document order; "" stands for the
    preamble, so that its paragraphs take their turn too."""
    index: dict[str, list[str]] = {}
    for piece in draft.preamble.split("\n\n"):
        index.setdefault(piece, []).append("")
    for point in draft.walk():
        for piece in (*point.text.split("\n\n"), point.heading or ""):
            if piece:
                index.setdefault(piece, []).append(point.eid)
    return index


def _eid_of(line: str, index: dict[str, list[str]], used: dict[str, int]) -> str | None:
    """The point a line's text landed in, found by its text with or without its numbering marker; the
    n-th line with a given text goes to the n-th point holding it (lines come in document order)."""
    text = unicodedata.normalize("NFC", line.strip())
    article = ARTICLE_HEADING.match(text)
    if article:
        return f"art_{article['num']}"
    marker = _MARKER.match(text)
    for key in (text, marker[1] if marker else None):
        eids = index.get(key or "")
        if eids:
            n = used[key or ""] = used.get(key or "", -1) + 1
            return eids[min(n, len(eids) - 1)]
    return None


def _instant(date: str) -> datetime:
    """w:date as a moment, to find the latest change; unreadable dates count as earliest."""
    try:
        moment = datetime.fromisoformat(date)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _numbers(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:10]))
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


__all__ = ["MAX_UNPACKED", "parse_docx"]
