"""An answer being written on the web: one row per point of the version (a position, its text, a
reason), new points of the party's own, and how the rows become the Markdown answer convention that
`importers.answer` reads (the CLI's path), with parse errors traced back to the row they concern.

Pure: no I/O here; the page module reads the version and records the answer."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from inwriting.domain.completeness import Outline, coverage
from inwriting.domain.documents import Point
from inwriting.domain.model import POSITIONS, Position
from inwriting.errors import InvalidInput
from inwriting.importers.answer import ParsedAnswer, parse_answer

SOURCE = "answer.md"  # the name the answer is received under (errors say "answer.md:LINE")
NEW_ROWS = 2  # blank rows for points of the party's own
# A label printed in a heading only when the convention cannot misread it (else the eid alone).
_SAFE_LABEL = re.compile(r"^[\w .,()'’-]*$")
_LINE = re.compile(r":(\d+)$")
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
HINT = (
    "The form writes the answer in the answer convention (Markdown), where a line that begins like a"
    " list item ('1.', '-', '*'), a heading ('#'), a quote ('>') or HTML means something else:"
    " reword the start of that line"
)


@dataclass
class Row:
    """One point of the version and what the form says about it."""

    eid: str
    label: str  # with its ancestors' labels: "Article 4 2."
    heading: str | None
    text: str  # the draft's own text of the point
    depth: int
    parent: str | None
    position: str = ""  # "" leaves the point open
    said: str = ""  # the new text, counter-text or question, as typed
    reason: str = ""
    earlier: Mapping[str, Any] | None = None  # the party's position from earlier answers, if any
    recorded: Position | None = None  # what the review read back from the convention
    changed: bool = False  # read back otherwise than typed (a line break within a paragraph: a space)
    flagged: bool = False  # would be left unanswered
    error: str | None = None


@dataclass
class NewPoint:
    index: int
    label: str = ""
    text: str = ""
    error: str | None = None

    @property
    def given(self) -> bool:
        return bool(self.label.strip() or self.text.strip())


@dataclass
class Sheet:
    version: str
    rows: list[Row]
    new: list[NewPoint]
    date: str = ""
    errors: list[str] = field(default_factory=list)

    def row(self, key: str) -> Row | NewPoint | None:
        if key.startswith("new:"):
            index = int(key[4:])
            return next((n for n in self.new if n.index == index), None)
        return next((r for r in self.rows if r.eid == key), None)


def blank_sheet(
    version: str, points: Sequence[Point], paths: Mapping[str, str], earlier: Mapping[str, Mapping[str, Any]]
) -> Sheet:
    rows: list[Row] = []

    def walk(level: Sequence[Point], depth: int, parent: str | None) -> None:
        for p in level:
            rows.append(Row(p.eid, paths.get(p.eid, p.label), p.heading, p.text, depth, parent))
            rows[-1].earlier = earlier.get(p.eid)
            walk(p.children, depth + 1, p.eid)

    walk(points, 0, None)
    return Sheet(version, rows, [NewPoint(i) for i in range(1, NEW_ROWS + 1)])


def _line(value: str) -> str:
    return " ".join(value.split())


def fill(sheet: Sheet, form: FormData, text: Any) -> Sheet:
    """The sheet with what the form says (`text(form, name)` reads one field)."""
    for row in sheet.rows:
        position = text(form, f"position:{row.eid}").strip()
        row.position = position if position in POSITIONS else ""
        row.said = text(form, f"text:{row.eid}")
        row.reason = text(form, f"reason:{row.eid}")
    for new in sheet.new:
        new.label = _line(text(form, f"new_label:{new.index}"))
        new.text = text(form, f"new_text:{new.index}")
    sheet.date = text(form, "date").strip()
    return sheet


def _paragraphs(value: str) -> list[list[str]]:
    """Paragraphs (split at blank lines), each its non-blank lines, stripped."""
    found = []
    for para in _PARAGRAPHS.split(value.strip()):
        lines = [line.strip() for line in para.split("\n") if line.strip()]
        if lines:
            found.append(lines)
    return found


def as_typed(value: str) -> str | None:
    """Typed text as the record could keep it at best: trimmed lines, paragraphs apart, NFC."""
    paras = ["\n".join(lines) for lines in _paragraphs(value)]
    return unicodedata.normalize("NFC", "\n\n".join(paras)) if paras else None


def _quote(value: str) -> list[str]:
    out: list[str] = []
    for i, lines in enumerate(_paragraphs(value)):
        if i:
            out.append(">")
        out.extend(f"> {line}" for line in lines)
    return out


def _reason(value: str) -> list[str]:
    out: list[str] = []
    for i, lines in enumerate(_paragraphs(value)):
        if i:
            out.append("")
        out.extend([f"Reason: {lines[0]}", *lines[1:]] if i == 0 else lines)
    return out


def to_markdown(sheet: Sheet, title: str) -> tuple[str, list[tuple[int, str]]]:
    """The answer in the convention, and the line each row's section starts on (to place errors)."""
    lines = [f"# Answer to {sheet.version}: {_line(title)}", ""]
    starts: list[tuple[int, str]] = []
    for row in sheet.rows:
        starts.append((len(lines) + 1, row.eid))
        label = _line(row.label) if _SAFE_LABEL.match(row.label) else ""
        lines += [f"## {label} {{{row.eid}}}: {row.position or '?'}".replace("##  ", "## "), ""]
        for block in (_quote(row.said), _reason(row.reason)):
            if block:
                lines += [*block, ""]
    for new in sheet.new:
        if new.given:
            starts.append((len(lines) + 1, f"new:{new.index}"))
            lines += [f"## New: {new.label}", "", *_quote(new.text), ""]
    return "\n".join(lines), starts


def place_error(sheet: Sheet, exc: InvalidInput, starts: Sequence[tuple[int, str]]) -> None:
    """Put a parse error on the row whose section holds its line, else on the sheet."""
    match = _LINE.search(exc.where or "")
    owner = None
    if match is not None:
        line = int(match.group(1))
        owner = next((key for start, key in reversed(starts) if start <= line), None)
    target = sheet.row(owner) if owner else None
    if target is None:
        sheet.errors.append(exc.message)
        return
    markup = any(word in exc.message for word in ("list", "heading", "HTML", "quote"))
    target.error = f"cannot be carried as typed ({exc.message}). {HINT}" if markup else exc.message
    name = target.label if isinstance(target, Row) else f"new point {target.label or target.index}"
    sheet.errors.append(f"{name}: {target.error}")


NEEDS = {"amend": "the new text", "counter": "the counter-text", "clarify": "the question"}


def check(sheet: Sheet) -> bool:
    """The mistakes a person makes on the form, said in the form's words (the parser would say them
    in the answer convention's)."""
    ok = True
    for row in sheet.rows:
        said, reason = row.said.strip(), row.reason.strip()
        if row.position in NEEDS and not said:
            row.error = f"{row.position} needs {NEEDS[row.position]} in the text field"
        elif not row.position and (said or reason):
            row.error = "choose a position, or clear the text and reason to leave the point unanswered"
        else:
            continue
        sheet.errors.append(f"{row.label}: {row.error}")
        ok = False
    if ok and not any(r.position for r in sheet.rows) and not any(n.given for n in sheet.new):
        sheet.errors.append("take a position on at least one point, or propose a point of your own")
        ok = False
    for new in sheet.new:
        if new.given and not new.label:
            new.error = "a new point needs its label (for example 'Article 9')"
            sheet.errors.append(f"new point {new.index}: {new.error}")
            ok = False
        elif new.given and not new.text.strip():
            new.error = "a new point needs its text"
            sheet.errors.append(f"new point {new.label}: {new.error}")
            ok = False
    return ok


def read_back(sheet: Sheet, title: str, outline: Sequence[tuple[str, str]]) -> ParsedAnswer | None:
    """Parse the sheet as the use case will (None, with the errors placed, if it cannot be read)."""
    if not check(sheet):
        return None
    markdown, starts = to_markdown(sheet, title)
    try:
        parsed = parse_answer(markdown.encode("utf-8"), outline=outline, source=SOURCE)
    except InvalidInput as exc:
        place_error(sheet, exc, starts)
        return None
    got = {p.eid: p for p in parsed.positions}
    for row in sheet.rows:
        row.recorded = got.get(row.eid)
        if row.recorded is not None:
            typed = (as_typed(row.said), as_typed(row.reason))
            row.changed = typed != (row.recorded.text, row.recorded.reason)
    return parsed


def flag(sheet: Sheet, outline: Outline, new: Sequence[Position] = ()) -> list[str]:
    """Mark the rows no position would cover (the earlier answers' and `new`); the fewest points
    that name every gap, as `status` will name them."""
    positions = {
        eid: Position(eid, str(e["position"]), e.get("text"), e.get("reason"))
        for eid, e in ((r.eid, r.earlier) for r in sheet.rows)
        if e is not None and e.get("inherited_from") is None
    }
    positions.update({p.eid: p for p in new})
    cover = coverage(outline, positions)
    for row in sheet.rows:
        row.flagged = row.eid not in cover.covered_eids
    labels = {r.eid: r.label for r in sheet.rows}
    return [labels.get(eid, eid) for eid in cover.unanswered]
