"""Reading a prose answer against the points it answers: which paragraphs address which points, the
position each seems to take and the sentence that carries it, and which points no paragraph addresses.

Pure code. An engine (`inwriting.alignment`) scores how alike every paragraph and every point are;
this module adds what the words say outright (a paragraph or its heading naming "Article 3"), decides
the links, reads the position from cue phrases, and turns a delegate's decisions into positions.
Suggestions are only suggestions: nothing counts toward completeness until a delegate confirms it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from inwriting.domain.model import Decision, Position

ENGINES = ("tfidf", "embeddings", "keyword")  # the engines `inwriting.alignment` offers

# --- what the engines read -------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """One block of the prose answer; a heading is the answer's own and addresses nothing by itself,
    but names what the paragraphs under it are about (`context`)."""

    index: int  # 1-based, as people count paragraphs
    text: str
    heading: bool = False
    context: str = ""  # the nearest heading above it


@dataclass(frozen=True)
class PointText:
    eid: str
    label: str  # as printed: "Article 1", "1.", "(a)", "Question 4"
    path: str  # with its ancestors' labels: "Article 5 1."
    text: str  # its heading and text
    parent: str | None = None


def paragraphs_of(blocks: Iterable[tuple[str, bool]]) -> tuple[Paragraph, ...]:
    """Number the blocks `(text, is_heading)` an importer read, giving each its heading as context."""
    result = []
    context = ""
    for i, (text, heading) in enumerate(blocks, 1):
        result.append(Paragraph(i, text, heading, "" if heading else context))
        if heading:
            context = text
    return tuple(result)


# --- points named in words -------------------------------------------------------------------------

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_KINDS = {
    "article": "article",
    "articles": "article",
    "art": "article",
    "arts": "article",
    "question": "question",
    "questions": "question",
    "q": "question",
    "section": "section",
    "sections": "section",
    "proposal": "proposal",
    "proposals": "proposal",
    "recommendation": "recommendation",
    "recommendations": "recommendation",
    "comment": "comment",
    "comments": "comment",
    "point": "",
    "points": "",
    "paragraph": "",
    "paragraphs": "",
    "para": "",
    "paras": "",
    "item": "",
    "items": "",
}
_NUM = r"(?:\d{1,3}|[IVXLC]{1,6})(?:\s?\((?:\d{1,2}|[a-z])\))?"
_REFERENCE = re.compile(
    r"\b(?P<kind>" + "|".join(sorted(_KINDS, key=len, reverse=True)) + r")\.?\s*"
    r"(?P<nums>" + _NUM + r"(?:\s*(?:,|and|&|to|-|–|or)\s*" + _NUM + r")*)",
    re.IGNORECASE,
)
_ONE = re.compile(r"(\d{1,3}|[IVXLC]{1,6})(?:\s?\((\d{1,2}|[a-z])\))?")
# "paragraph 2 of Article 5": a sub-point of a named point
_PART_OF = re.compile(
    r"\b(?:paragraph|para\.?|point|item|subparagraph)\s+\(?(\d{1,2}|[a-z])\)?\s+of\s+(?:Article|Art\.?)\s+(\d{1,3})\b",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\s*(?:to|-|–)\s*$")
# "Article 5 of the Washington Treaty": a point of another text, unless that text is this one
_OF_ANOTHER = re.compile(r"\s+of\s+the\s+((?:[A-Z][\w-]*\s*){1,4})")
_LABEL = re.compile(r"^\s*(?:(?P<kind>[A-Za-z]+)\.?\s+)?\(?(?P<num>\d{1,3}|[IVXLC]{1,6}|[a-z])[.)]?\s*$")


def _number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    total, last = 0, 0
    for ch in reversed(token.lower()):
        value = _ROMAN.get(ch)
        if value is None:
            return None
        total += -value if value < last else value
        last = max(last, value)
    return total


def _label_key(label: str) -> tuple[str, int | str] | None:
    """("article", 5) for "Article 5", ("", 2) for "2.", ("", "b") for "(b)"."""
    m = _LABEL.match(re.sub(r"\[[^\]]*\]", "", label))  # "Article 6 [number inferred]": editorial marks
    if m is None:
        return None
    kind = _KINDS.get((m["kind"] or "").lower(), None if m["kind"] else "")
    if kind is None:
        return None
    num = m["num"]
    if len(num) == 1 and num.isalpha() and num.islower():
        return (kind, num)
    value = _number(num)
    return None if value is None else (kind, value)


class References:
    """Finds the points of one outline that a text names ("Article 3", "Questions 4 to 6", "point 2")."""

    def __init__(self, points: Sequence[PointText], title: str = "") -> None:
        self._by_key: dict[tuple[str, int | str], list[PointText]] = {}
        self._children: dict[str, dict[int | str, str]] = {}
        self._title = title.lower()
        for p in points:
            key = _label_key(p.label)
            if key is None:
                continue
            if p.parent is None:
                self._by_key.setdefault(key, []).append(p)
            else:
                self._children.setdefault(p.parent, {})[key[1]] = p.eid
            if key[0] and p.parent is not None:  # "Question 4" nested under a section
                self._by_key.setdefault(key, []).append(p)

    def named(self, text: str) -> tuple[str, ...]:
        found: list[str] = []
        for m in _PART_OF.finditer(text):
            for p in self._lookup("article", int(m.group(2))):
                sub = m.group(1)
                eid = self._children.get(p.eid, {}).get(int(sub) if sub.isdigit() else sub) or p.eid
                if eid not in found:
                    found.append(eid)
        text = _PART_OF.sub(" ", text)
        for m in _REFERENCE.finditer(text):
            tail = _OF_ANOTHER.match(text, m.end())
            if tail and not self._is_this_text(tail.group(1)):
                continue
            kind = _KINDS[m["kind"].lower()]
            numbers = self._numbers(m["nums"])
            for value, sub in numbers:
                for p in self._lookup(kind, value):
                    key = (int(sub) if sub.isdigit() else sub) if sub else None
                    child = self._children.get(p.eid, {}).get(key) if key is not None else None
                    eid = child or p.eid
                    if eid not in found:
                        found.append(eid)
        return tuple(found)

    def _is_this_text(self, name: str) -> bool:
        words = [w for w in re.findall(r"[a-z]+", name.lower()) if w not in {"the", "of", "and"}]
        return bool(words) and all(w in self._title for w in words)

    def _lookup(self, kind: str, value: int) -> list[PointText]:
        hits = self._by_key.get((kind, value))
        if hits:
            return hits
        if kind == "":  # "point 2" of a draft whose points are printed "2." or "Article 2"
            return [p for (k, v), ps in self._by_key.items() if v == value for p in ps if k == ""] or [
                p for (k, v), ps in self._by_key.items() if v == value for p in ps
            ]
        return []

    @staticmethod
    def _numbers(nums: str) -> list[tuple[int, str | None]]:
        result: list[tuple[int, str | None]] = []
        pos = 0
        previous: int | None = None
        for m in _ONE.finditer(nums):
            value = _number(m.group(1))
            if value is None:
                continue
            between = nums[pos : m.start()]
            if previous is not None and _RANGE.search(between) and 0 < value - previous <= 20:
                result.extend((v, None) for v in range(previous + 1, value))
            result.append((value, m.group(2)))
            previous, pos = value, m.end()
        return result


# --- positions from cue phrases --------------------------------------------------------------------

_NOT = r"(?:cannot|can ?not|could not|can't|do(?:es)? not|did not|will not|won't|would not|unable to|not)"
# (position, pattern, weight): the strongest cue in a paragraph names its position
CUES: tuple[tuple[str, re.Pattern[str], float], ...] = tuple(
    (position, re.compile(pattern, re.IGNORECASE), weight)
    for position, pattern, weight in (
        (
            "reject",
            _NOT + r"\s+(?:\w+\s+){0,3}?(?:accept|agree|support|endorse|entertain|consent|allow)\w*",
            3.0,
        ),
        (
            "reject",
            r"\b(?:reject\w*|unacceptable|not acceptable|non-starters?|oppose[sd]?|objects? to|disagree\w*"
            r"|refus\w+|no room|out of the question|not (?:on the table|up for discussion|negotiable)"
            r"|should be (?:deleted|removed|dropped)|strongly against|firmly against|no basis)\b",
            2.5,
        ),
        (
            "accept",
            r"\b(?:accept(?:s|ed)?|support(?:s|ed)?|agree(?:s|d)? (?:with|to))"
            r" (?:the|these|this|that|all|both)(?: \w+)?"
            r" (?:recommendations?|proposals?|suggestions?|points?|requests?|comments?)\b",
            3.0,
        ),
        (  # what was asked has been done: "we have added", "the Convention was ratified"
            "accept",
            r"\b(?:(?:ha(?:ve|s|d)|was|were|been)\s+(?:now\s+|already\s+|also\s+|further\s+|been\s+)*"
            r"|(?:we|slovenia|the government)\s+(?:now\s+|also\s+)?)"
            r"(?:added|included|clarified|corrected|revised|changed|performed|implemented|adopted|ratified"
            r"|introduced|established|defined|expanded|updated|removed|conducted|carried out|strengthened"
            r"|incorporated|addressed|amended|extended|signed|enacted|launched|set up|created|fixed"
            r"|reformed|continued|carried out|organi[sz]ed|financed|funded|provided|trained)\b",
            2.2,
        ),
        ("clarify", r"\?\s*$", 2.0),
        (
            "clarify",
            r"\b(?:clarif\w+|what is meant|unclear|not clear|explain\w*|elaborat\w+|more details?"
            r"|further information|seek(?:s|ing)? (?:an )?understanding"
            r"|ask(?:s|ed)? (?:for|whether|how|what))\b",
            2.0,
        ),
        (
            "defer",
            r"\b(?:at a later (?:stage|date|time)|later stage"
            r"|further (?:consideration|discussion|study|reflection)"
            r"|return to|revisit\w*|premature|in due course|reserves? (?:its|our|the) (?:position|right)"
            r"|needs? (?:more )?time|will (?:consider|study|examine|reflect)|under (?:consideration|review)"
            r"|consult\w* (?:with )?(?:our )?allies|postpone\w*|defer\w*|not (?:yet )?ready)\b",
            2.0,
        ),
        (
            "counter",
            r"\b(?:instead|alternative\w*|rather than|counter-?propos\w+|in place of|our (?:own )?proposal"
            r"|(?:we|the united states|nato|allies|russia) (?:would )?(?:propose|suggest|offer)s?"
            r"|propose[sd]? (?:that|to|a|an|the)|offer(?:s|ed)? to|reciprocal)\b",
            1.8,
        ),
        (
            "amend",
            r"\b(?:amend\w*|modif\w+|revis\w+|reword\w*|rephras\w+|wording|redraft\w*"
            r"|should (?:be changed|read|include|specify|also|be expanded|be narrowed)"
            r"|replac\w+|insert\w*|subject to|with the (?:following )?(?:changes|exceptions?)"
            r"|provided that|on condition that|qualif\w+|strengthen\w*|narrow\w*|broaden\w*)\b",
            1.6,
        ),
        (
            "accept",
            r"\b(?:agree[sd]?|accept(?:s|ed|able)?|support(?:s|ed)?|welcome[sd]?|endorse[sd]?|concur\w*"
            r"|in favou?r|ready to|prepared to|willing to|can live with|no objections?|committed to"
            r"|consistent with|share[sd]? (?:the|this|that|your) (?:view|concern|goal|objective))\b",
            1.5,
        ),
        (
            "noted",
            r"\b(?:not(?:e|es|ed)|take note|acknowledg\w+|recall\w*|observ\w+|understand\w*"
            r"|recogni[sz]\w+)\b",
            0.8,
        ),
    )
)
# Resolves a tie between cues of equal weight: the more committal reading first.
_PRIORITY = ("reject", "clarify", "defer", "counter", "amend", "accept", "noted")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[\"'“(A-Z0-9])")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def read_position(text: str) -> tuple[str | None, float, str | None]:
    """(position, confidence 0..1, the sentence that carries it) from the cue phrases in `text`.

    A sentence's position is its strongest cue (a negated "accept" is a rejection, so the negation is
    tried first and its words are not counted again); the paragraph's is the position with the most
    weight over its sentences, carried by its strongest sentence.
    """
    totals: dict[str, float] = {}
    best: dict[str, tuple[float, str]] = {}
    for sentence in sentences(text):
        rest = sentence
        for position, pattern, weight in CUES:
            hits = pattern.findall(rest)
            if not hits:
                continue
            rest = pattern.sub(" ", rest)  # a cue counts once: "do not agree" is not also "agree"
            score = weight * len(hits)
            totals[position] = totals.get(position, 0.0) + score
            if score > best.get(position, (0.0, ""))[0]:
                best[position] = (score, sentence)
    if not totals:
        return None, 0.0, None
    position = max(totals, key=lambda p: (totals[p], -_PRIORITY.index(p)))
    share = totals[position] / sum(totals.values())
    strength = min(1.0, totals[position] / 3.0)
    return position, round(0.5 * share + 0.5 * strength, 2), best[position][1]


# --- links ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tuning:
    """How similarity scores become links (set on the labelled set, see bench/alignment.py)."""

    floor: float  # a point is linked only at this similarity or more …
    ratio: float  # … and at least this share of the paragraph's best score
    most: int = 3  # at most this many points by similarity alone
    min_words: int = 6  # shorter paragraphs ("Thank you.") address nothing unless they name a point
    beside_heading: bool = True  # under a heading that names points, also link points scored alike
    heading_ratio: float = 0.5  # of the points a heading names, link those scored this share of the best


@dataclass(frozen=True)
class Link:
    eid: str
    score: float  # the engine's similarity; 1.0 when the paragraph (or its heading) names the point
    named: bool


@dataclass(frozen=True)
class Suggestion:
    paragraph: int
    links: tuple[Link, ...]
    position: str | None
    confidence: float
    sentence: str | None

    @property
    def points(self) -> tuple[str, ...]:
        return tuple(link.eid for link in self.links)


@dataclass(frozen=True)
class Alignment:
    """An engine's suggestions for every paragraph, and the points that none of them addresses."""

    engine: str
    paragraphs: tuple[Paragraph, ...]
    suggestions: tuple[Suggestion, ...]
    unanswered: tuple[str, ...]


_LEADING_NUMBERS = re.compile(r"^(?:\(?\d{1,3}[.)],?\s+)+")  # "2. …", "59., 60. …", "(3) …"


def align(
    paragraphs: Sequence[Paragraph],
    points: Sequence[PointText],
    scores: Sequence[Sequence[float]],
    *,
    engine: str,
    tuning: Tuning,
    title: str = "",
) -> Alignment:
    """Suggest links for every paragraph from `scores[i][j]` (paragraph i, point j) and the points
    the paragraph or its heading names.

    - A paragraph that names points ("Article 4", "Questions 3 to 5") addresses just those.
    - An answer numbered like the draft ("1. Slovenia accepts …" answering point 1) is read so, but
      only when the numbers agree with the words: in most numbered paragraphs, the point of that
      number is among the three the engine finds most alike (else the numbers are the answer's own).
    - Under a heading that names points, a paragraph addresses those of them its words are closest
      to, and (with `beside_heading`) other points it is alike enough to.
    - Otherwise the engine's scores decide: at least `floor`, at least `ratio` of the best, `most` at most.
    """
    refs = References(points, title)
    index = {p.eid: j for j, p in enumerate(points)}
    heading_names: dict[int, tuple[str, ...]] = {}
    current: tuple[str, ...] = ()
    for p in paragraphs:
        if p.heading:
            current = refs.named(p.text)
        heading_names[p.index] = current
    numbers = _numbered_like_the_draft(paragraphs, points, scores, refs)
    suggestions = []
    for p, row in zip(paragraphs, scores, strict=True):
        links: list[Link] = []
        if p.heading:  # a heading addresses nothing, unless it answers outright: "Article 4: not acceptable"
            if read_position(p.text)[0] not in (None, "noted"):
                links = [Link(eid, 1.0, True) for eid in refs.named(p.text)]
        else:
            own = refs.named(p.text) or numbers.get(p.index, ())
            similar: list[Link] = []
            if len(p.text.split()) >= tuning.min_words and row:
                top = max(row)
                ranked = sorted(range(len(row)), key=lambda j: -row[j])[: tuning.most]
                similar = [
                    Link(points[j].eid, round(float(row[j]), 3), False)
                    for j in ranked
                    if row[j] >= tuning.floor and row[j] >= tuning.ratio * top
                ]
            under = heading_names[p.index]
            if own:
                links = [Link(eid, 1.0, True) for eid in own]
            elif under and (len(p.text.split()) >= tuning.min_words or read_position(p.text)[0] is not None):
                links = _closest(under, row, index, tuning)
                if tuning.beside_heading:
                    links += [link for link in similar if link.eid not in under]
            else:
                links = similar
        position, confidence, sentence = (None, 0.0, None)
        if links:
            position, confidence, sentence = read_position(p.text)
            if position is None:
                position, confidence = "noted", 0.2
            strength = max(link.score for link in links)
            confidence = round(confidence * (0.6 + 0.4 * min(1.0, strength)), 2)
        suggestions.append(Suggestion(p.index, tuple(links), position, confidence, sentence))
    linked = {eid for s in suggestions for eid in s.points}
    unanswered = tuple(pt.eid for pt in points if not addressed(pt, linked, points))
    return Alignment(engine, tuple(paragraphs), tuple(suggestions), unanswered)


def _closest(
    named: Sequence[str], row: Sequence[float], index: Mapping[str, int], tuning: Tuning
) -> list[Link]:
    """Of the points a heading names, those a paragraph under it is closest to (all, when one)."""
    if len(named) == 1 or not row:
        return [Link(eid, 1.0, True) for eid in named]
    scored = [(eid, float(row[index[eid]])) for eid in named if eid in index]
    best = max(score for _, score in scored)
    return [Link(eid, round(score, 3), True) for eid, score in scored if score >= tuning.heading_ratio * best]


def _numbered_like_the_draft(
    paragraphs: Sequence[Paragraph],
    points: Sequence[PointText],
    scores: Sequence[Sequence[float]],
    refs: References,
) -> dict[int, tuple[str, ...]]:
    numbered: dict[int, tuple[str, ...]] = {}
    agree = 0
    index = {p.eid: j for j, p in enumerate(points)}
    for p, row in zip(paragraphs, scores, strict=True):
        m = _LEADING_NUMBERS.match(p.text)
        if p.heading or m is None:
            continue
        said = re.findall(r"\d{1,3}", m.group(0))
        found = tuple(eid for n in said for eid in refs.named(f"point {n}") if eid in index)
        if not found:
            continue
        numbered[p.index] = found
        top3 = sorted(range(len(row)), key=lambda j: -row[j])[:3]
        agree += any(index[eid] in top3 for eid in found)
    if len(numbered) < 3 or agree < 0.5 * len(numbered):
        return {}
    return numbered


def addressed(point: PointText, linked: set[str], points: Sequence[PointText]) -> bool:
    """A point is addressed itself, through its parent, or through all of its sub-points."""
    if point.eid in linked:
        return True
    by_eid = {p.eid: p for p in points}
    parent = point.parent
    while parent is not None:
        if parent in linked:
            return True
        parent = by_eid[parent].parent if parent in by_eid else None
    children = [p for p in points if p.parent == point.eid]
    return bool(children) and all(addressed(c, linked, points) for c in children)


# --- confirmed decisions ----------------------------------------------------------------------------


def merge(standing: Iterable[Decision], new: Iterable[Decision]) -> tuple[Decision, ...]:
    """The decisions that stand after `new` is confirmed: the latest one per paragraph."""
    by_paragraph = {d.paragraph: d for d in standing}
    by_paragraph.update((d.paragraph, d) for d in new)
    return tuple(by_paragraph[i] for i in sorted(by_paragraph))


# When several confirmed paragraphs address one point, the most committal position stands.
_COMMITTAL = ("reject", "counter", "amend", "clarify", "defer", "accept", "noted")


def positions_from(decisions: Sequence[Decision], answering: str | None = None) -> tuple[Position, ...]:
    """The positions the confirmed paragraphs take. The answering party's own reading comes first
    (the author's reading of another paragraph never overrules it on a point); then, on a point that
    several paragraphs address, the one addressing the fewest points speaks most directly to it;
    among equals the most committal position stands (a rejection over a general welcome), then the
    earlier paragraph. The reason names the paragraph."""
    best: dict[str, tuple[tuple[bool, int, int, int], Decision]] = {}
    for d in decisions:
        if d.decision == "drop" or not d.points or d.position is None:
            continue
        rank = (d.by != answering, len(d.points), _COMMITTAL.index(d.position), d.paragraph)
        for eid in d.points:
            if eid not in best or rank < best[eid][0]:
                best[eid] = (rank, d)
    return tuple(
        Position(eid, d.position or "noted", d.text, f"in prose, paragraph {d.paragraph}")
        for eid, (_, d) in sorted(best.items(), key=lambda item: item[1][1].paragraph)
    )


def summary(decisions: Sequence[Decision], names: Mapping[str, str] | None = None) -> str:
    """ "answered in prose, confirmed by US (J. Sullivan)" for a status line."""
    who: list[str] = []
    for d in sorted(decisions, key=lambda d: d.seq):
        name = f"{d.by} ({d.delegate})" if d.delegate else str(d.by)
        if names:
            name = names.get(name, name)
        if name not in who:
            who.append(name)
    return "answered in prose, confirmed by " + ", ".join(who) if who else "answered in prose, not confirmed"
