"""Read an answer file: Markdown in which each point heading carries one position.

The convention (README, "Answering point by point"): `## Article 4 {art_4}: amend`, then the new
text, counter-text or question as a `> ` quote, then an optional `Reason: ...` paragraph; `## New:
LABEL` adds a point of the answering party's own. A position of `?` leaves the point unanswered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from inwriting.domain.model import NEEDS_TEXT, POSITIONS, Position, Proposal
from inwriting.domain.text import check_text
from inwriting.errors import InvalidInput
from inwriting.importers.text import decode_text

MAX_ANSWER_BYTES = 5 * 1024 * 1024
_WITH_EID = re.compile(r"^(?P<label>.*?)\s*\{(?P<eid>[A-Za-z0-9_]+)\}\s*:\s*(?P<pos>\S+)\s*$")
_WITH_LABEL = re.compile(r"^(?P<label>.+?)\s*:\s*(?P<pos>[A-Za-z?]+)\s*$")
_NEW = re.compile(r"^new\s*:\s*(?P<label>.+?)\s*$", re.IGNORECASE)
_REASON = re.compile(r"^reason\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedAnswer:
    """What the file says: positions per point, own proposals, and the points left at `?`."""

    positions: tuple[Position, ...]
    proposals: tuple[Proposal, ...]
    left_open: tuple[str, ...]


@dataclass
class _Section:
    line: int
    eid: str | None  # None for a proposal of the answering party's own
    label: str
    position: str | None  # None when left at "?"
    quotes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def parse_answer(
    data: bytes | str, *, outline: Sequence[tuple[str, str]], source: str = "<answer>"
) -> ParsedAnswer:
    """Parse an answer to a version with this outline ((eid, label) per point); errors name the line."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > MAX_ANSWER_BYTES:
        raise InvalidInput(f"the answer file is {size} bytes; the limit is 5 MB", where=source)
    text = decode_text(data, source)
    sections = _sections(MarkdownIt("commonmark").parse(text), outline, source)
    if not sections:
        raise InvalidInput(
            "no point headings found; each point is a heading like '## Article 1 {art_1}: accept'"
            " (write a template with `inwriting answer VERSION --template`)",
            where=source,
        )
    positions: list[Position] = []
    proposals: list[Proposal] = []
    left_open: list[str] = []
    seen: dict[str, int] = {}
    for section in sections:
        where = f"{source}:{section.line}"
        quote = "\n\n".join(section.quotes) or None
        reason = "\n\n".join(section.reasons) or None
        try:
            if quote is not None:
                quote = check_text(quote, what="quoted text", multiline=True, max_len=100_000)
            if reason is not None:
                reason = check_text(reason, what="reason", multiline=True, max_len=100_000)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, where=where) from None
        if section.eid is None:
            if quote is None:
                raise InvalidInput(f"new point {section.label!r} needs its text as a '> ' quote", where=where)
            proposals.append(Proposal(section.label, quote))
            continue
        if section.eid in seen:
            raise InvalidInput(
                f"point {section.eid} is answered twice (also at line {seen[section.eid]})", where=where
            )
        seen[section.eid] = section.line
        if section.position is None:
            if quote is not None or reason is not None:
                raise InvalidInput(
                    f"{section.eid} is left at '?' but has text under it; give it a position", where=where
                )
            left_open.append(section.eid)
            continue
        if section.position in NEEDS_TEXT and quote is None:
            what = {"amend": "the new text", "counter": "the counter-text", "clarify": "the question"}
            raise InvalidInput(
                f"{section.position} on {section.eid} needs {what[section.position]} as a '> ' quote",
                where=where,
            )
        positions.append(Position(section.eid, section.position, quote, reason))
    if not positions and not proposals:
        raise InvalidInput(
            "the answer takes no position: every point is left at '?' (fill in at least one, or send"
            " the answer as prose with --prose)",
            where=source,
        )
    return ParsedAnswer(tuple(positions), tuple(proposals), tuple(left_open))


def _sections(tokens: list[Token], outline: Sequence[tuple[str, str]], source: str) -> list[_Section]:
    eids = {eid for eid, _ in outline}
    by_label: dict[str, list[str]] = {}
    for eid, label in outline:
        by_label.setdefault(label.casefold(), []).append(eid)
    sections: list[_Section] = []
    quote_depth = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        line = (token.map[0] + 1) if token.map else 0
        if token.type == "heading_open" and quote_depth:
            raise InvalidInput("a heading inside a '> ' quote; end the quote first", where=f"{source}:{line}")
        if token.type == "heading_open" and token.tag == "h1" and sections:
            raise InvalidInput(
                "a '#' heading after the first point; points are '##' headings", where=f"{source}:{line}"
            )
        if token.type == "heading_open" and token.tag != "h1":
            content = tokens[i + 1].content.strip()
            sections.append(_heading(content, eids, by_label, f"{source}:{line}", line))
            i += 3
            continue
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type == "inline" and sections and tokens[i - 1].type == "paragraph_open":
            paragraph = " ".join(part.strip() for part in token.content.split("\n"))
            current = sections[-1]
            if quote_depth:
                current.quotes.append(paragraph)
            elif _REASON.match(paragraph):
                current.reasons.append(_REASON.sub("", paragraph, count=1))
            elif current.reasons:
                current.reasons.append(paragraph)  # a reason may run over several paragraphs
            else:
                raise InvalidInput(
                    "text under a point must be a '> ' quote (new text, counter-text or question)"
                    " or start with 'Reason:'",
                    where=f"{source}:{line}",
                )
        elif token.type == "html_block" and not _is_comment(token.content):
            raise InvalidInput(
                "HTML is not part of the answer convention (only <!-- comments -->); quote text with '> '",
                where=f"{source}:{line}",
            )
        elif token.type in ("fence", "code_block", "bullet_list_open", "ordered_list_open") and sections:
            raise InvalidInput(
                "lists and code blocks are not part of the answer convention; quote text with '> '",
                where=f"{source}:{line}",
            )
        i += 1
    return sections


def _is_comment(html: str) -> bool:
    """True for a block made only of `<!-- ... -->` comments (what the template writes)."""
    rest = html.strip()
    while rest.startswith("<!--"):
        end = rest.find("-->")
        if end < 0:
            return False
        rest = rest[end + 3 :].strip()
    return not rest


def _heading(content: str, eids: set[str], by_label: dict[str, list[str]], where: str, line: int) -> _Section:
    new = _NEW.match(content)
    if new:
        return _Section(line, None, new["label"], None)
    match = _WITH_EID.match(content) or _WITH_LABEL.match(content)
    if match is None:
        raise InvalidInput(
            f"cannot read the heading {content!r}: write '## LABEL {{eid}}: POSITION' or '## New: LABEL'",
            where=where,
        )
    found = match.groupdict()
    eid = found.get("eid")
    if eid is None:
        candidates = by_label.get(found["label"].casefold(), [])
        if len(candidates) != 1:
            why = "no point is labelled" if not candidates else "several points are labelled"
            raise InvalidInput(
                f"{why} {found['label']!r}; name the point by its id, e.g. '## {found['label']} {{art_1}}:'",
                where=where,
            )
        eid = candidates[0]
    elif eid not in eids:
        raise InvalidInput(f"the draft has no point {eid}", where=where)
    position = found["pos"].lower()
    if position == "?":
        return _Section(line, eid, found["label"], None)
    if position not in POSITIONS:
        raise InvalidInput(
            f"unknown position {found['pos']!r} on {eid};"
            f" use one of {', '.join(POSITIONS)} (or ? to leave it open)",
            where=where,
        )
    return _Section(line, eid, found["label"], position)
