"""Import Akoma Ntoso 3.0 XML: bytes in, a `DraftText` out, parsed with DTDs and entities refused.

Reads what `inwriting.exporters.akn.to_akn` writes and the common shapes of real AKN: act, bill, doc
and statement documents; articles, sections, paragraphs, lists, points and block-list items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from inwriting.domain.documents import Amendment, DraftText, Point
from inwriting.domain.text import check_text
from inwriting.errors import InvalidInput
from inwriting.importers.text import MAX_BYTES

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
# AKN 2.0 files (which use `id` rather than `eId`) share the vocabulary we read.
AKN2_NS = "http://www.akomantoso.org/2.0"
# Our own namespace inside <meta><proprietary>: header fields, notes and amendments, which AKN has
# no element for, travel there so that an export reads back to the same draft.
INWRITING_NS = "urn:inwriting:akn:1"

# The document types we read, with the name of their main container.
DOC_TYPES = {"act": "body", "bill": "body", "doc": "mainBody", "statement": "mainBody"}
# Elements that become points, with the eId prefix of the AKN naming convention; items of a block
# list and points share "point", as the text importer names lettered items.
POINTS = {
    "article": "art",
    "section": "sec",
    "subsection": "subsec",
    "paragraph": "para",
    "subparagraph": "subpara",
    "clause": "clause",
    "subclause": "subclause",
    "rule": "rule",
    "subrule": "subrule",
    "point": "point",
    "item": "point",
    "indent": "indent",
    "alinea": "al",
    "level": "level",
    "proviso": "proviso",
}
# Containers above the articles. A draft has no level above its points, so these are flattened:
# their points join the parent's, their headings go to the notes and their own text to the preamble.
GROUPS = frozenset(
    {"book", "tome", "part", "subpart", "title", "subtitle", "chapter", "subchapter", "division"}
    | {"subdivision", "hcontainer", "transitional"}
)
# Containers of points that add no level of their own: the hierarchical list and the block list.
LISTS = frozenset({"list", "sublist", "blockList"})
_SKIP = frozenset({"num", "heading", "subheading", "componentRef", "crossHeading"})
# Block-level elements: an element holding any of these is read paragraph by paragraph, any other
# element as one paragraph of inline text.
_BLOCKS = frozenset(
    {"p", "block", "blockList", "item", "blockContainer", "container", "tblock", "toc", "tocItem"}
    | {"content", "intro", "wrapUp", "listIntroduction", "listWrapUp", "longTitle", "formula"}
    | {"recitals", "recital", "citations", "citation", "table", "tr", "td", "th", "ul", "ol", "li"}
)
EID_PATTERN = re.compile(r"[a-z]+_[A-Za-z0-9]+(?:__[a-z]+_[A-Za-z0-9]+)*")
_SOURCE_WS = re.compile(r"\s*\n\s*")  # a line break in the file's text is wrapping, not content
_MARK = re.compile(r"\[[^\]]*\]")
_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass
class _Ctx:
    source: str
    ns: str
    seen: dict[str, int | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)  # text outside any point, for the preamble
    loose_after: bool = False  # some of it came after the first point
    derived: list[str] = field(default_factory=list)

    def where(self, el: etree._Element | None) -> str:
        line = None if el is None else _line(el)
        return f"{self.source}:{line}" if line else self.source

    def check(self, value: str, what: str, el: etree._Element) -> str:
        """Our text checks (bidi and control characters, NFC) on text read from the file."""
        if not value.strip(" \n\t"):
            return value
        try:
            return check_text(value, what=what, multiline=True, max_len=MAX_BYTES)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, where=self.where(el)) from None

    def name(self, el: etree._Element) -> str:
        """The element's local name when it is in the document's namespace, else ""."""
        if not isinstance(el.tag, str):
            return ""
        qname = etree.QName(el)
        return qname.localname if qname.namespace == self.ns else ""


def parse_akn(data: bytes, *, source: str, title: str | None = None) -> DraftText:
    """Parse an Akoma Ntoso document; `source` names it in errors, `title` overrides the found title.

    Hierarchy: articles (or sections, paragraphs, points where there are no articles) are the top
    points; chapters, parts and other groups above them are flattened and their headings kept in the
    notes; `list`/`blockList` wrappers add no level. eIds (or the older `id`) are kept when they fit
    the naming convention and extend their parent's; otherwise they are derived from the numbering.
    Text outside any point (preface, body-level blocks, conclusions) goes to the preamble.
    Raises InvalidInput (with `where` = "source:line") for input that is not XML, declares a DTD or
    entities, is not Akoma Ntoso, has no points or duplicate eIds, or holds bidi or control characters.
    """
    root = _parse_xml(data, source)
    ns = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "akomaNtoso" or not _is_akn(ns):
        raise InvalidInput(
            f"not Akoma Ntoso: the root element is {root.tag!r}; expected akomaNtoso in namespace {AKN_NS}",
            where=f"{source}:{_line(root)}",
        )
    ctx = _Ctx(source, ns)
    doc = next((el for el in root if ctx.name(el) not in ("", "components")), None)
    if doc is None or ctx.name(doc) not in DOC_TYPES:
        found = "nothing" if doc is None else f"<{ctx.name(doc)}>"
        raise InvalidInput(
            f"found {found} in akomaNtoso; expected one of <act>, <bill>, <doc> or <statement>",
            where=ctx.where(doc if doc is not None else root),
        )
    header, stored_notes, amendments = _proprietary(doc, ctx)
    found_title, preface = _title_and_preface(doc, ctx)
    preamble = [*preface, *_blocks_of(_child(doc, "preamble", ctx), ctx)]
    body = _child(doc, DOC_TYPES[ctx.name(doc)], ctx)
    points = tuple(_container(body, ctx, {})) if body is not None else ()
    if not points:
        raise InvalidInput("no articles, paragraphs or points found in the document's body", where=source)
    if ctx.loose_after:
        ctx.notes.append("text outside the points after the first point is kept in the preamble")
    conclusions = _blocks_of(_child(doc, "conclusions", ctx), ctx)
    if conclusions:
        ctx.notes.append("the closing text (conclusions) is kept in the preamble")
    for name in ("coverPage", "attachments", "components"):
        if _child(doc, name, ctx) is not None or _child(root, name, ctx) is not None:
            ctx.notes.append(f"the document's <{name}> is not imported")
    if ctx.derived:
        ctx.notes.append(
            f"{len(ctx.derived)} points have no eId fitting the naming convention in the file;"
            f" their ids were derived from their numbering ({ctx.derived[0]}, ...)"
        )
    if title is not None:
        found_title = check_text(title, what="title")
    elif found_title is None:
        ctx.notes.insert(0, "no title found: the document has no docTitle; give a title")
    draft = DraftText(
        found_title or "",
        "\n\n".join([*preamble, *ctx.loose, *conclusions]),
        points,
        (*stored_notes, *ctx.notes),
        header,
        amendments,
    )
    known = {p.eid for p in draft.walk()}
    for amendment in amendments:
        if amendment.eid not in known:
            raise InvalidInput(f"an amendment names {amendment.eid}, which is not a point", where=source)
    return draft


def _is_akn(ns: str) -> bool:
    # committee drafts of AKN 3.0 used namespaces under the final one (".../akn/3.0/CSD13")
    return ns in (AKN_NS, AKN2_NS) or ns.startswith(AKN_NS + "/")


def _parse_xml(data: bytes, source: str) -> etree._Element:
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is {len(data)} bytes; the limit is {MAX_BYTES}", where=source)
    for marker in (b"<!DOCTYPE", b"<!ENTITY"):
        at = data.find(marker)
        if at >= 0:  # refused before parsing: a DTD can declare entities (XXE, billion laughs)
            line = data.count(b"\n", 0, at) + 1
            raise InvalidInput(
                f"{marker[2:].decode()} declarations are not accepted in Akoma Ntoso files",
                where=f"{source}:{line}",
            )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        message = re.sub(r", line \d+, column \d+$", "", exc.msg)
        raise InvalidInput(
            f"not well-formed XML at line {line}, column {column}: {message}", where=f"{source}:{line}"
        ) from None
    # the byte scan misses declarations in UTF-16 files; the parsed tree does not
    if tree.docinfo.internalDTD is not None:
        raise InvalidInput("DOCTYPE declarations are not accepted in Akoma Ntoso files", where=f"{source}:1")
    return tree.getroot()


def _child(el: etree._Element | None, name: str, ctx: _Ctx) -> etree._Element | None:
    if el is None:
        return None
    return next((c for c in el if ctx.name(c) == name), None)


def _proprietary(
    doc: etree._Element, ctx: _Ctx
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[Amendment, ...]]:
    meta = _child(doc, "meta", ctx)
    if meta is None:
        return (), (), ()
    iw = f"{{{INWRITING_NS}}}"
    header = tuple(
        (ctx.check(f.get("name", ""), "header field name", f), ctx.check(f.text or "", "header field", f))
        for f in meta.iter(f"{iw}field")
    )
    notes = tuple(ctx.check(n.text or "", "note", n) for n in meta.iter(f"{iw}note"))
    amendments = tuple(
        Amendment(
            ctx.check(a.get("eid", ""), "amendment eid", a),
            ctx.check(a.text or "", "amendment", a),
            ctx.check(a.get("author", ""), "amendment author", a),
            ctx.check(a.get("date", ""), "amendment date", a),
        )
        for a in meta.iter(f"{iw}amendment")
    )
    return header, notes, amendments


def _title_and_preface(doc: etree._Element, ctx: _Ctx) -> tuple[str | None, list[str]]:
    """The title (docTitle, else shortTitle, else the FRBR work's title) and the preface's other text."""
    title_el = next((el for tag in ("docTitle", "shortTitle") for el in doc.iter(f"{{{ctx.ns}}}{tag}")), None)
    title = None if title_el is None else ctx.check(_inline(title_el), "title", title_el)
    if title is None:
        for alias in doc.iter(f"{{{ctx.ns}}}FRBRalias", f"{{{ctx.ns}}}FRBRname"):
            if alias.get("value") and alias.get("name", "title") in ("title", "short"):
                title = ctx.check(alias.get("value", ""), "title", alias)
                break
    # a preface paragraph that only says the title would repeat it in the preamble
    preface = [p for p in _blocks_of(_child(doc, "preface", ctx), ctx) if p != title]
    return title, preface


def _container(el: etree._Element, ctx: _Ctx, counters: dict[str, int]) -> list[Point]:
    """The points of a body or group, flattening groups; text outside points goes to `ctx.loose`."""
    points: list[Point] = []
    for child in el:
        name = ctx.name(child)
        if name in _SKIP:
            if name == "crossHeading":
                shown = ctx.check(_inline(child), "crossHeading", child)
                ctx.notes.append(f"cross heading {shown!r} is kept only in this note")
        elif _is_group(child, ctx):
            inner = _container(child, ctx, counters)
            _group_note(child, inner, ctx)
            points.extend(inner)
        elif name in POINTS:
            points.append(_point(child, "", counters, ctx))
        elif name in LISTS:
            points.extend(_container(child, ctx, counters))
        elif name:
            texts = _blocks_of(child, ctx)
            ctx.loose.extend(texts)
            ctx.loose_after = ctx.loose_after or bool(texts and ctx.seen)
    return points


def _is_group(el: etree._Element, ctx: _Ctx) -> bool:
    name = ctx.name(el)
    # a section or paragraph that holds articles is a group too (EU acts: chapter > section > article)
    return name in GROUPS or (
        name in POINTS and name != "article" and next(el.iter(f"{{{ctx.ns}}}article"), None) is not None
    )


def _group_note(el: etree._Element, inner: list[Point], ctx: _Ctx) -> None:
    label, heading = _num_heading(el, ctx)
    shown = ". ".join(s for s in (label, heading) if s) or f"<{ctx.name(el)}>"
    held = (
        "no points" if not inner else inner[0].eid if len(inner) == 1 else f"{inner[0].eid}..{inner[-1].eid}"
    )
    ctx.notes.append(
        f"{ctx.name(el)} {shown!r} holds {held}: its heading is kept only in this note,"
        " as a draft has no level above its points"
    )


def _num_heading(el: etree._Element, ctx: _Ctx) -> tuple[str, str | None]:
    num, heading, sub = (_child(el, name, ctx) for name in ("num", "heading", "subheading"))
    label = "" if num is None else ctx.check(_inline(num), "num", num)
    text = None if heading is None else ctx.check(_inline(heading), "heading", heading)
    if sub is not None:  # a draft's point has one heading: keep the subheading after it
        text = " — ".join(s for s in (text, ctx.check(_inline(sub), "subheading", sub)) if s)
    return label, text


def _point(el: etree._Element, parent: str, counters: dict[str, int], ctx: _Ctx) -> Point:
    label, heading = _num_heading(el, ctx)
    eid = _eid(el, parent, label, counters, ctx)
    texts: list[str] = []
    children: list[Point] = []
    _fill(el, eid, texts, children, {}, ctx)
    # each paragraph was checked as it was read
    return Point(eid, label, "\n\n".join(texts), heading, tuple(children))


def _fill(
    el: etree._Element,
    eid: str,
    texts: list[str],
    children: list[Point],
    counters: dict[str, int],
    ctx: _Ctx,
) -> None:
    """Collect a point's own text and its children; lists and content are read through."""
    for child in el:
        name = ctx.name(child)
        if name in _SKIP or not name:
            continue
        if name in POINTS:
            children.append(_point(child, eid, counters, ctx))
        elif name in LISTS or name == "content":
            _fill(child, eid, texts, children, counters, ctx)
        elif name in GROUPS:  # a group inside a point (rare): read through, heading to the notes
            before = len(children)
            _fill(child, eid, texts, children, counters, ctx)
            _group_note(child, children[before:], ctx)
        else:
            found = _blocks_of(child, ctx)
            if found and children:
                ctx.notes.append(f"{eid}: text after its points is kept in its own text, before them")
            texts.extend(found)


def _eid(el: etree._Element, parent: str, label: str, counters: dict[str, int], ctx: _Ctx) -> str:
    """The file's eId (or AKN 2.0 `id`) when it fits the convention under `parent`, else derived."""
    prefix = POINTS[ctx.name(el)]
    counters[prefix] = counters.get(prefix, 0) + 1
    given = el.get("eId") or el.get("id") or ""
    if EID_PATTERN.fullmatch(given) and (not parent or given.startswith(parent + "__")):
        eid = given
    else:
        words = _WORD.findall(_MARK.sub("", label))
        # "Article 4" -> 4, "(a)" -> a, "Article IV" -> IV; no number -> its place among its kind
        token = next((w for w in words if any(c.isdigit() for c in w)), words[-1] if words else "")
        part = f"{prefix}_{token or counters[prefix]}"
        eid = f"{parent}__{part}" if parent else part
        ctx.derived.append(eid)
    if eid in ctx.seen:
        raise InvalidInput(f"duplicate eId {eid}: lines {ctx.seen[eid]} and {_line(el)}", where=ctx.where(el))
    ctx.seen[eid] = _line(el)
    return eid


def _blocks_of(el: etree._Element | None, ctx: _Ctx) -> list[str]:
    """The paragraphs of a block or block container, each checked; empty paragraphs are dropped."""
    if el is None:
        return []
    if any(ctx.name(c) in _BLOCKS for c in el):
        return [text for child in el if ctx.name(child) not in _SKIP for text in _blocks_of(child, ctx)]
    text = _inline(el)
    return [ctx.check(text, f"<{ctx.name(el)}>", el)] if text else []


def _line(el: etree._Element) -> int | None:
    # lxml-stubs 0.5 types `sourceline` as a bare `...`; lxml gives the line or None
    line: int | None = getattr(el, "sourceline", None)
    return line


def _inline(el: etree._Element) -> str:
    """An element's text with inline markup dropped: `<br/>` is a line break, other line breaks in
    the file are wrapping; an authorial note is kept in brackets where it stands."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        parts.append(_SOURCE_WS.sub(" ", node.text or ""))
        for child in node:
            if isinstance(child.tag, str):
                local = etree.QName(child).localname
                if local == "br":
                    parts.append("\n")
                elif local == "authorialNote":
                    parts.append(f" [note: {_inline(child)}]")
                else:
                    walk(child)
            parts.append(_SOURCE_WS.sub(" ", child.tail or ""))

    walk(el)
    return re.sub(r" *\n *", "\n", "".join(parts)).strip()


__all__ = ["AKN_NS", "DOC_TYPES", "EID_PATTERN", "INWRITING_NS", "parse_akn"]
