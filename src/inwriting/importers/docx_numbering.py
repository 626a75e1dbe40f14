"""Word styles and list numbering: which style a paragraph has, and the label Word prints for an
auto-numbered paragraph ("1.", "(a)", "i)", "Article 3"), written out so the text grammar can read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from docx.oxml.ns import qn

from inwriting.importers.text import ARTICLE_HEADING

Props = tuple[str | None, str | None, str | None]  # style id, numId, ilvl as written in a w:pPr

_KNOWN_LABEL = re.compile(r"\d{1,3}\.|\(?(?:[a-z]|(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3}))\)")
_ROMAN_LABEL = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})")
_ARTICLE_WORD = re.compile(r"(Article|ARTICLE|Art\.|ART\.)\s*")


class Styles:
    """styles.xml: each style's name (lower case) and the numbering it carries, through w:basedOn."""

    def __init__(self, root: Any) -> None:
        self._styles: dict[str, tuple[str, str | None, Props]] = {}
        self._default: str | None = None
        for style in root.iterchildren(qn("w:style")) if root is not None else ():
            sid = style.get(qn("w:styleId"))
            if sid is None:
                continue
            name = val(style.find(qn("w:name"))) or sid
            self._styles[sid] = (
                name.lower(),
                val(style.find(qn("w:basedOn"))),
                props(style.find(qn("w:pPr"))),
            )
            if style.get(qn("w:type")) == "paragraph" and style.get(qn("w:default")) in ("1", "true", "on"):
                self._default = sid

    def name(self, style_id: str | None) -> str:
        entry = self._styles.get(style_id or self._default or "")
        return entry[0] if entry else ""

    def is_heading(self, style_id: str | None) -> bool:
        return self.name(style_id).startswith("heading")

    def numbering(self, style_id: str | None, num_id: str | None, ilvl: str | None) -> tuple[str, int] | None:
        """The (numId, level) a paragraph is numbered with: its own w:numPr, filled in from its style's."""
        sid, depth = style_id or self._default, 0
        while (num_id is None or ilvl is None) and sid in self._styles and depth < 20:
            _name, based_on, (_style, style_num, style_ilvl) = self._styles[sid]
            num_id, ilvl = num_id or style_num, ilvl or style_ilvl
            sid, depth = based_on, depth + 1
        if num_id is None or num_id == "0":  # numId 0 switches a style's numbering off
            return None
        return num_id, min(max(_int(ilvl, 0), 0), 8)


@dataclass(frozen=True)
class _Level:
    fmt: str  # w:numFmt: decimal, lowerLetter, lowerRoman, bullet, ...
    text: str  # w:lvlText: "%1.", "(%2)", "Article %1"
    start: int


class Numbering:
    """numbering.xml: what each list level prints. `counter()` gives the counters for one reading."""

    def __init__(self, root: Any, styles: Styles) -> None:
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._nums: dict[str, tuple[str, dict[int, int], dict[int, _Level]]] = {}
        links: dict[str, str] = {}
        for el in root.iterchildren(qn("w:abstractNum")) if root is not None else ():
            aid = el.get(qn("w:abstractNumId"), "")
            self._abstract[aid] = dict(_level(lvl) for lvl in el.iterchildren(qn("w:lvl")))
            link = val(el.find(qn("w:numStyleLink")))
            if link:
                links[aid] = link
        for el in root.iterchildren(qn("w:num")) if root is not None else ():
            starts: dict[int, int] = {}
            levels: dict[int, _Level] = {}
            for override in el.iterchildren(qn("w:lvlOverride")):
                ilvl = _int(override.get(qn("w:ilvl")), 0)
                start = val(override.find(qn("w:startOverride")))
                if start is not None:
                    starts[ilvl] = _int(start, 1)
                lvl = override.find(qn("w:lvl"))
                if lvl is not None:
                    levels[ilvl] = _level(lvl)[1]
            self._nums[el.get(qn("w:numId"), "")] = (
                val(el.find(qn("w:abstractNumId"))) or "",
                starts,
                levels,
            )
        # a list style's abstractNum has no levels of its own: they are those of the style's numbering
        for aid, link in links.items():
            numbered = styles.numbering(link, None, None)
            target = self._nums.get(numbered[0]) if numbered else None
            if target and not self._abstract[aid]:
                self._abstract[aid] = self._abstract.get(target[0], {})

    def counter(self) -> _Counter:
        return _Counter(self)

    def resolve(self, num_id: str) -> tuple[str, dict[int, _Level], dict[int, int]] | None:
        """The list a numId belongs to (its abstractNum), its levels, and its restart values."""
        entry = self._nums.get(num_id)
        if entry is None or entry[0] not in self._abstract:
            return None
        aid, starts, levels = entry
        return aid, {**self._abstract[aid], **levels}, starts


class _Counter:
    """List counters through one reading of the document. Word numbers every w:num of one abstractNum
    as one list, restarted where a w:num overrides a level's start."""

    def __init__(self, numbering: Numbering) -> None:
        self._numbering = numbering
        self._values: dict[str, list[int | None]] = {}
        self._seen: set[str] = set()

    def next(self, num_id: str, ilvl: int) -> tuple[str, str]:
        """Advance the counter; return the label as Word prints it and as the text grammar reads it."""
        found = self._numbering.resolve(num_id)
        level = found[1].get(ilvl) if found else None
        if found is None or level is None:
            return "", ""
        aid, levels, starts = found
        values = self._values.setdefault(aid, [None] * 9)
        if num_id not in self._seen:
            self._seen.add(num_id)
            for restarted in starts:
                values[restarted] = None
        current = values[ilvl]
        n = starts.get(ilvl, level.start) if current is None else current + 1
        values[ilvl:] = [n] + [None] * (8 - ilvl)
        if level.fmt == "bullet":
            return "", ""

        def number(m: re.Match[str]) -> str:
            i = int(m[1]) - 1
            other = levels.get(i, _Level("decimal", "", 1))
            value = values[i]
            return _format(other.fmt, other.start if value is None else value)

        printed = re.sub(r"%([1-9])", number, level.text).strip()
        return printed, _readable(printed, level.fmt, n)


def _level(el: Any) -> tuple[int, _Level]:
    fmt = val(el.find(qn("w:numFmt"))) or "decimal"
    start = _int(val(el.find(qn("w:start"))), 1)
    return _int(el.get(qn("w:ilvl")), 0), _Level(fmt, val(el.find(qn("w:lvlText"))) or "", start)


MAX_NUMBER = 10_000  # a list start beyond this is not a treaty's numbering but a way to blow up labels


def _int(value: str | None, default: int) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return number if 0 <= number <= MAX_NUMBER else default


def _format(fmt: str, n: int) -> str:
    if fmt in ("none", "bullet") or not 0 <= n <= MAX_NUMBER:
        return ""
    if fmt in ("lowerLetter", "upperLetter"):
        letters = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman.upper() if fmt == "upperRoman" else roman
    return f"{n:02d}" if fmt == "decimalZero" else str(n)


def _roman(n: int) -> str:
    out = ""
    for value, digits in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc")):
        out, n = out + digits * (n // value), n % value
    for value, digits in ((50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        out, n = out + digits * (n // value), n % value
    return out


def _readable(printed: str, fmt: str, n: int) -> str:
    """The label as the text grammar can read it: as printed when it can, else the nearest it knows
    ("Article I" -> "Article 1", "1.1." -> "1.", "(A)" -> "(a)"); "" when there is none."""
    if not printed or ARTICLE_HEADING.match(printed) or _KNOWN_LABEL.fullmatch(printed):
        return printed
    word = _ARTICLE_WORD.match(printed)
    if word:
        return f"{word[1]} {n}"
    if fmt in ("lowerLetter", "upperLetter"):
        return f"({_format('lowerLetter', n)})" if 0 < n <= 26 else ""
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return f"{roman})" if roman and _ROMAN_LABEL.fullmatch(roman) else ""
    return f"{n}." if fmt not in ("none", "bullet") and 0 < n < 1000 else ""


def props(ppr: Any) -> Props:
    if ppr is None:
        return None, None, None
    style = ppr.find(qn("w:pStyle"))
    num = ppr.find(qn("w:numPr"))
    num_id = ilvl = None
    if num is not None:
        num_id, ilvl = val(num.find(qn("w:numId"))), val(num.find(qn("w:ilvl")))
    return val(style), num_id, ilvl


def val(el: Any) -> str | None:
    return None if el is None else el.get(qn("w:val"))


__all__ = ["Numbering", "Props", "Styles", "props", "val"]
