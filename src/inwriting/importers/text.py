"""Import plain-text and Markdown drafts: bytes or str in, a `DraftText` out; nothing else is read.

Both formats share one line-based grammar (articles, numbered paragraphs, lettered and roman items);
Markdown takes articles from `#` headings only and adds a `# Title` line, bullets and line-start escapes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from inwriting.domain.documents import DraftText, Point
from inwriting.domain.text import BIDI_CONTROLS, check_text
from inwriting.errors import InvalidInput

MAX_BYTES = 20 * 1024 * 1024

# A corpus header block starts with one of these keys on the first non-blank line.
HEADER_START = re.compile(r"(?:TITLE|DATE|AUTHOR PART(?:Y|IES)|SOURCE|COMPLETENESS):")
_HEADER_KEY = re.compile(r"([A-Z][A-Z0-9 ]*[A-Z0-9](?: \([^)]*\))?):\s*(.*)$")
# "Article 4", "ARTICLE 4", "Art. 4", "Article 4 [number inferred]", then ". Heading" / ": Heading" /
# " - Heading"; a "[GAP: ...]" right after the number is taken as the heading, never as a mark.
ARTICLE_HEADING = re.compile(
    r"(?P<label>(?:(?:Article|ARTICLE)\s+|(?:Art|ART)\.\s*)(?P<num>\d{1,4}(?:bis|ter|quater|[a-z])?)"
    r"(?:\s*\[(?!GAP:)[^\]]*\])*)(?:(?:\s*[.:\u2013\u2014-]\s*|\s+(?=\[GAP:))(?P<heading>\S.*)?)?$"
)
_ATX = re.compile(r"(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_NUMBERED = re.compile(r"(\d{1,3})\.(?:\s+(.*))?$")
_ITEM = re.compile(r"(\(?)([a-z]{1,6})\)(?:\s+(.*))?$")
_ROMAN_TOKEN = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})$")
_BULLET = re.compile(r"[-*+]\s+")
# Markdown escapes at line start (CommonMark backslash escapes): a backslash before one of
# _ESCAPED_FIRST, or before the "." / ")" of a list-like marker. markdown_escape writes one where a
# line would read as structure here or render as something else (code fence, quote, rule, link).
_ESCAPED_FIRST = "\\#(-*+`~<>[_"
_MARKER_ESCAPE = re.compile(r"(\d{1,9}|[a-z]{1,6})\\([.)])")
_ESCAPABLE = re.compile(r"(\d{1,9}[.)]|[a-z]{1,6}\))(?:\s|$)")
_NEEDS_ESCAPE = re.compile(
    r"[#\\(>]|[-*+](?:\s|$)|`{3}|~{3}|([-*_])(?:\s*\1){2,}\s*$|\[[^\]]*\]:|<[A-Za-z/!?]"
)
_MARK = re.compile(r"\[[^\]]*\]")
_BAD_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})

_DOC, _PARA, _LETTER, _ROMAN = 0, 1, 2, 3  # nesting levels; an article sits at _DOC's level


@dataclass
class _Block:
    """A run of source lines: an article heading, a numbered paragraph, an item or plain text."""

    kind: str  # "article" | "para" | "item" | "plain" | "heading" (a Markdown heading, not an article)
    line: int
    raw: str  # the first line as printed (unescaped), for text that lands in the preamble
    parts: list[str] = field(default_factory=list)  # the text lines, markers removed
    label: str = ""
    token: str = ""  # article number, paragraph number, item letter/roman, or the heading's #s
    heading: str | None = None

    def text(self) -> str:
        return " ".join(p for p in self.parts if p)

    def as_printed(self) -> str:
        return " ".join(p for p in (self.raw, *self.parts[1:]) if p)


@dataclass
class _Node:
    eid: str
    label: str
    level: int
    line: int
    token: str = ""
    heading: str | None = None
    texts: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    trailing_line: int | None = None  # first unnumbered text that came after this node's points


def parse_text(data: bytes | str, *, source: str = "<text>", title: str | None = None) -> DraftText:
    """Parse a plain-text draft; `source` names it in errors, `title` overrides the found title.

    The header fields of a corpus-style header block are returned in `DraftText.source_header`.
    Raises InvalidInput (with `where` = "source:line") for input that cannot be a draft.
    """
    return _parse(data, source=source, title=title, markdown=False)


def parse_markdown(data: bytes | str, *, source: str = "<text>", title: str | None = None) -> DraftText:
    """Parse a Markdown draft: articles are `#`-headings ("## Article 1. Heading"); see parse_text."""
    return _parse(data, source=source, title=title, markdown=True)


def markdown_escape(line: str) -> str:
    """Escape a line of plain text so that `parse_markdown` reads it back as plain text."""
    if _NEEDS_ESCAPE.match(line):
        return "\\" + line
    m = _ESCAPABLE.match(line)
    if m:
        cut = len(m[1]) - 1
        return line[:cut] + "\\" + line[cut:]
    return line


def _parse(data: bytes | str, *, source: str, title: str | None, markdown: bool) -> DraftText:
    lines = decode_text(data, source).split("\n")
    header, start = _split_header(lines)
    blocks = _segment(lines, start, markdown)
    if title is not None:
        title = check_text(title, what="title")
    elif markdown and blocks and blocks[0].kind == "heading" and blocks[0].token == "#":
        title = blocks.pop(0).heading or ""
    elif "TITLE" in dict(header):
        title = " ".join(dict(header)["TITLE"].split("\n"))
    notes: list[str] = []
    preamble, points = _build(blocks, source, notes)
    if title is None:
        first = next(iter(preamble), None)
        title = first.heading if first and first.kind == "heading" else first.raw if first else ""
        if not title:
            notes.insert(0, "no title found: the text starts with its first point; give a title")
    preamble_text = "\n\n".join(b.raw if b.kind == "heading" else b.as_printed() for b in preamble)
    if "[GAP:" in preamble_text:
        notes.insert(0, f"preamble: {_gap_note(preamble_text)}")
    return DraftText(title or "", preamble_text, points, tuple(notes), header)


def decode_text(data: bytes | str, source: str) -> str:
    """Check size, encoding and characters; return the text NFC-normalised with `\\n` line ends."""
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > MAX_BYTES:
        raise InvalidInput(f"the file is {size} bytes; the limit is 20 MB ({MAX_BYTES} bytes)", where=source)
    if isinstance(data, str):
        text = data
    else:
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InvalidInput(
                f"not UTF-8: byte 0x{data[exc.start]:02X} at byte offset {exc.start} cannot be decoded",
                where=f"{source}:{line}",
            ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.strip():
        raise InvalidInput("the file is empty", where=f"{source}:1")
    _check_characters(text, source)
    return unicodedata.normalize("NFC", text)


def _check_characters(text: str, source: str) -> None:
    for no, line in enumerate(text.split("\n"), 1):
        if line.isprintable():  # the fast path: most lines hold no tab, format or odd character
            continue
        for col, ch in enumerate(line, 1):
            if ch in BIDI_CONTROLS:
                raise InvalidInput(
                    f"bidi control character U+{ord(ch):04X} ({unicodedata.name(ch)}) at line {no}, column"
                    f" {col}: it can make the text display differently from what it says",
                    where=f"{source}:{no}",
                )
            if ch != "\t" and unicodedata.category(ch) in _BAD_CATEGORIES:
                raise InvalidInput(
                    f"control or unassigned character U+{ord(ch):04X} at line {no}, column {col}",
                    where=f"{source}:{no}",
                )


def _split_header(lines: list[str]) -> tuple[tuple[tuple[str, str], ...], int]:
    """The corpus header block (`KEY: value` lines and indented continuations, up to the first blank
    line) as (key, value) pairs, and the index of the first line after it."""
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    if not HEADER_START.match(lines[first]):
        return (), 0
    fields: list[tuple[str, list[str]]] = []
    i = first
    while i < len(lines) and lines[i].strip():
        m = None if lines[i][:1].isspace() else _HEADER_KEY.match(lines[i].rstrip())
        if m:
            fields.append((m[1], [m[2]] if m[2] else []))
        else:
            fields[-1][1].append(lines[i].strip())
        i += 1
    return tuple((key, "\n".join(value)) for key, value in fields), i


def _segment(lines: list[str], start: int, markdown: bool) -> list[_Block]:
    """Cut the body into blocks: a marker or heading line starts one, a blank line ends one, any
    other line continues the open block (wrapped text) or starts a plain one."""
    blocks: list[_Block] = []
    open_: _Block | None = None
    for i in range(start, len(lines)):
        line = lines[i].strip()
        if not line:
            open_ = None
            continue
        block = _classify(line, i + 1, markdown)
        if block.kind == "plain" and open_ is not None:
            if open_.kind != "article":
                open_.parts.extend(block.parts)
                continue
            if not markdown and open_.heading is None and _is_heading(line, lines, i):
                open_.heading, open_ = line, None
                continue
        blocks.append(block)
        open_ = None if block.kind == "heading" else block
    return blocks


def _is_heading(line: str, lines: list[str], i: int) -> bool:
    """A short line standing alone right under "Article N", not ending like a sentence."""
    alone = i + 1 == len(lines) or not lines[i + 1].strip()
    return alone and len(line) <= 120 and line[-1] not in ".;:," and not line.startswith("[")


def _classify(line: str, no: int, markdown: bool) -> _Block:
    body = line
    if markdown:
        plain = _unescape(line)
        if plain is not None:
            return _Block("plain", no, plain, [plain])
        m = _ATX.match(line)
        if m:
            art = ARTICLE_HEADING.match(m[2] or "")
            if art:
                return _article(art, no, line)
            return _Block("heading", no, line, [line], token=m[1], heading=m[2] or "")
        if _BULLET.match(line):
            body = _BULLET.sub("", line, count=1)
    else:
        art = ARTICLE_HEADING.match(line)
        if art:
            return _article(art, no, line)
    m = _NUMBERED.match(body)
    if m:
        text = m[2] or ""  # in Markdown this text starts a list item's paragraph, so it may be escaped
        text = (_unescape(text) if markdown else None) or text
        return _Block("para", no, line, [text], label=f"{m[1]}.", token=m[1])
    m = _ITEM.match(body)
    if m and (len(m[2]) == 1 or _ROMAN_TOKEN.match(m[2])):
        return _Block("item", no, line, [m[3] or ""], label=f"{m[1]}{m[2]})", token=m[2])
    return _Block("plain", no, line, [line])


def _unescape(line: str) -> str | None:
    """The line without its leading Markdown escape, or None when it has none."""
    if len(line) > 1 and line[0] == "\\" and line[1] in _ESCAPED_FIRST:
        return line[1:]
    m = _MARKER_ESCAPE.match(line)
    return m[1] + line[m.end(1) + 1 :] if m else None


def _article(m: re.Match[str], no: int, line: str) -> _Block:
    return _Block("article", no, line, label=m["label"], token=m["num"], heading=m["heading"])


def _build(blocks: list[_Block], source: str, notes: list[str]) -> tuple[list[_Block], tuple[Point, ...]]:
    """Split off the preamble and turn the rest into points; collect notes in document order."""
    has_articles = any(b.kind == "article" for b in blocks)
    starts = ("article",) if has_articles else ("para", "item")
    first = next((i for i, b in enumerate(blocks) if b.kind in starts), None)
    if first is None:
        raise InvalidInput("no articles or numbered points found", where=source)
    preamble, seen = blocks[:first], dict[str, int]()
    if not has_articles:
        root = _Node("", "", _DOC, 0)
        _fill(root, blocks[first:], seen, source, infer=False)
        preamble += [b for b in blocks[first:] if b.kind in ("plain", "heading")]
        points = tuple(_freeze(n, (), notes) for n in root.children)
        if root.trailing_line is not None:
            notes.append(
                f"text after the numbered points (from line {root.trailing_line}) is kept in the preamble:"
                " the draft has no place for closing text"
            )
        return preamble, points
    groups: list[tuple[_Block, list[_Block]]] = []
    for block in blocks[first:]:
        if block.kind == "article":
            groups.append((block, []))
        else:
            groups[-1][1].append(block)
    articles = []
    for head, body in groups:
        node = _Node(f"art_{head.token}", head.label, _DOC, head.line, heading=head.heading)
        _claim(seen, node, source)
        _fill(node, body, seen, source, infer=True)
        articles.append(_freeze(node, (), notes))
    return preamble, tuple(articles)


def _fill(container: _Node, body: list[_Block], seen: dict[str, int], source: str, *, infer: bool) -> None:
    """Nest the blocks of one article (or of a document without articles) under `container`.

    Unnumbered paragraphs become inferred paragraphs (label "") only when there are several and
    none is numbered; otherwise they are the container's own text.
    """
    n_plain = sum(b.kind in ("plain", "heading") for b in body)
    inferred = infer and n_plain >= 2 and not any(b.kind == "para" for b in body)
    stack, count = [container], 0
    for block in body:
        if block.kind in ("plain", "heading"):
            text = block.raw if block.kind == "heading" else block.text()
            if not inferred:
                if container.children and container.trailing_line is None:
                    container.trailing_line = block.line
                container.texts.append(text)
                continue
            count += 1
            level, part, label = _PARA, f"para_{count}", ""
        elif block.kind == "para":
            text, level, part, label = block.text(), _PARA, f"para_{int(block.token)}", block.label
        else:
            text, level, label = block.text(), _item_level(block.token, stack), block.label
            part = f"point_{block.token}"
        while stack[-1].level >= level:
            stack.pop()
        parent = stack[-1]
        node = _Node(_child(parent.eid, part), label, level, block.line, block.token, texts=[text])
        _claim(seen, node, source)
        parent.children.append(node)
        stack.append(node)


def _item_level(token: str, stack: list[_Node]) -> int:
    """Roman or letter? "ii)" is roman; "i)", "v)", "x)" continue whichever open list they follow
    ("i)" after "h)" is a letter, "v)" after "iv)" roman); a first "i)" starts a roman list."""
    if len(token) > 1:
        return _ROMAN
    if token not in "ivx":
        return _LETTER
    for node in reversed(stack):
        if node.level == _ROMAN and _roman_value(node.token) + 1 == _roman_value(token):
            return _ROMAN
        if node.level == _LETTER and ord(node.token) + 1 == ord(token):
            return _LETTER
    return _ROMAN if token == "i" else _LETTER


def _roman_value(token: str) -> int:
    values = {"i": 1, "v": 5, "x": 10}
    total = high = 0
    for ch in reversed(token):
        value = values[ch]
        total += -value if value < high else value
        high = max(high, value)
    return total


def _child(parent_eid: str, part: str) -> str:
    return f"{parent_eid}__{part}" if parent_eid else part


def _claim(seen: dict[str, int], node: _Node, source: str) -> None:
    if node.eid in seen:
        raise InvalidInput(
            f"duplicate {node.eid} ({node.label}): lines {seen[node.eid]} and {node.line}",
            where=f"{source}:{node.line}",
        )
    seen[node.eid] = node.line


def _freeze(node: _Node, names: tuple[str, ...], notes: list[str]) -> Point:
    """The immutable Point for `node`, appending the notes a reader should see about it."""
    names = (*names, node.label or f"paragraph {node.eid.rsplit('_', 1)[-1]}")
    name = " ".join(names)
    text = "\n\n".join(t for t in node.texts if t)
    marks = _MARK.findall(node.label)
    if node.level == _DOC and marks:
        notes.append(f"{name}: the number carries an editorial mark {' '.join(marks)}")
    if "[GAP:" in f"{node.heading} {text}":
        notes.append(f"{name} ({node.eid}): {_gap_note(f'{node.heading} {text}')}")
    if node.level == _DOC and not text and not node.children:
        notes.append(f"{name} has no text")
    inferred = [c.eid for c in node.children if not c.label]
    if inferred:
        notes.append(
            f"{name}: {len(inferred)} unnumbered paragraphs; numbering inferred as"
            f" {inferred[0]}..{inferred[-1]}"
        )
    if node.trailing_line is not None:
        notes.append(
            f"{name}: unnumbered text at line {node.trailing_line} follows numbered points;"
            " it is kept in the article's own text"
        )
    children = tuple(_freeze(child, names, notes) for child in node.children)
    return Point(node.eid, node.label, text, node.heading, children)


def _gap_note(text: str) -> str:
    n = text.count("[GAP:")
    return "text contains a [GAP: ...] mark" if n == 1 else f"text contains {n} [GAP: ...] marks"


__all__ = ["ARTICLE_HEADING", "HEADER_START", "MAX_BYTES", "markdown_escape", "parse_markdown", "parse_text"]
