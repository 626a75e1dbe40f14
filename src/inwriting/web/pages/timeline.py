"""A track's timeline drawn on a time axis: one lane per kind of act (hand-overs, meetings, answers,
publications, instruments), one labelled, linked mark per act, placed on the day the act took place.
(Versions carry no such day, only the time they were recorded, which may be years later: they are
listed beside the timeline, not drawn on it.) Pure layout:
`items` reads the events a party may see, `layout` places them; the template draws the SVG."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from inwriting.domain import events as ev
from inwriting.domain.events import Event
from inwriting.web.pages.links import instrument_url, meeting_url, positions_url, text_url, version_url

LANES = (
    ("handover", "Hand-overs"),
    ("meeting", "Meetings"),
    ("answer", "Answers"),
    ("publication", "Publications"),
    ("instrument", "Instruments"),
)
WIDTH = 1200
LEFT, RIGHT, TOP, LANE, AXIS = 130, 40, 30, 64, 40
NUDGE = 12  # how far apart marks of one lane on one day are drawn
LABEL = 30  # characters of a label drawn on the axis (the whole of it is in the mark's tooltip)
MAX_TICKS = 8


@dataclass(frozen=True)
class Item:
    kind: str  # one of LANES
    day: str
    label: str  # short, drawn beside the mark
    title: str  # in full, as the mark's tooltip and in the list
    href: str
    seq: int


@dataclass(frozen=True)
class Mark:
    item: Item
    x: int
    y: int
    label_y: int
    label: str
    anchor: str  # "start" | "middle" | "end": labels near an edge run inward


@dataclass(frozen=True)
class Tick:
    x: int
    label: str


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    axis_y: int
    lanes: tuple[tuple[str, str, int], ...]  # kind, name, y
    marks: tuple[Mark, ...]
    ticks: tuple[Tick, ...]
    start: str
    end: str


def _s(event: Event, name: str) -> str:
    value = event.body.get(name)
    return value if isinstance(value, str) else ""


def _day(event: Event) -> str:
    value = _s(event, "date")
    return value if len(value) == 10 else event.time[:10]


def item_of(event: Event) -> Item | None:
    """The mark an event makes on its track's timeline, if it makes one."""
    t, who, day = event.type, event.actor.party, _day(event)
    if t == ev.HANDOVER_MADE:
        vid = _s(event, "version")
        to = ", ".join(p for p in event.body.get("to", []) if isinstance(p, str))
        due = f", answer due {_s(event, 'due')}" if _s(event, "due") else ""
        title = f"{vid} handed by {who} to {to} on {day}{due}"
        return Item("handover", day, f"{vid} → {to}", title, version_url(vid) + "#status", event.seq)
    if t == ev.MEETING_HELD:
        place, mid = _s(event, "place"), _s(event, "meeting")
        return Item(
            "meeting",
            day,
            place,
            f"Meeting at {place} on {day}",
            meeting_url(event.track or "", mid),
            event.seq,
        )
    if t == ev.ANSWER_GIVEN:
        vid, aid = _s(event, "version"), _s(event, "answer")
        title = f"{aid}: {who} answered {vid} on {day} ({_s(event, 'form')})"
        return Item("answer", day, f"{who} on {vid}", title, positions_url(vid, who), event.seq)
    if t in (ev.TEXT_PUBLISHED, ev.TEXT_PUBLISHED_ELSEWHERE):
        text = _s(event, "text")
        by = _s(event, "publisher") if t == ev.TEXT_PUBLISHED_ELSEWHERE else who
        version, sep, rest = text.partition("/answer/")
        short = f"{rest.split('/')[0]}'s answer" if sep else version
        return Item(
            "publication", day, short, f"{text} published by {by} on {day}", text_url(text), event.seq
        )
    if t in ev.INSTRUMENT_TYPES:
        iid, act = _s(event, "instrument"), t.split(".", 1)[1].replace("_", " ")
        title = f"{iid}: {act} by {who} on {day}"
        return Item("instrument", day, f"{act} ({who})", title, instrument_url(iid), event.seq)
    return None


def items(events: Iterable[Event]) -> list[Item]:
    return [found for found in (item_of(e) for e in events) if found is not None]


def _short(label: str) -> str:
    return label if len(label) <= LABEL else label[: LABEL - 1] + "…"


def _months(day: date, n: int) -> date:
    months = day.year * 12 + day.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


def ticks(start: date, end: date) -> list[tuple[date, str]]:
    """Dates to mark on the axis, at most MAX_TICKS of them: days, Mondays, first days of months or
    of years, whichever spacing the span calls for."""
    span = (end - start).days
    if span <= 2 * MAX_TICKS:
        step = max(1, -(-span // MAX_TICKS))
        return [(start + timedelta(days=d), "%Y-%m-%d") for d in range(0, span + 1, step)]
    if span <= 7 * MAX_TICKS:
        first = start + timedelta(days=-start.weekday() % 7)
        step = 7 * max(1, -(-span // (7 * MAX_TICKS)))
        return [(first + timedelta(days=d), "%Y-%m-%d") for d in range(0, (end - first).days + 1, step)]
    months = (end.year - start.year) * 12 + end.month - start.month
    if months <= 12 * MAX_TICKS:
        step = next(s for s in (1, 2, 3, 6, 12) if months / s <= MAX_TICKS)
        found = [_months(start, n) for n in range(1, months + 1)]
        return [(d, "%Y-%m") for d in found if (d.month - 1) % step == 0 and start < d <= end]
    years = -(-(end.year - start.year) // MAX_TICKS)
    return [(date(y, 1, 1), "%Y") for y in range(start.year + 1, end.year + 1) if y % years == 0]


def layout(found: Sequence[Item]) -> Layout:
    """Marks on a shared time axis, a lane per kind; marks of one lane and day side by side; each label
    above its mark, or below where that would overprint another, or left to the mark's tooltip (and
    the list under the drawing) where both would."""
    lanes = tuple((kind, name, TOP + LANE * i + LANE // 2) for i, (kind, name) in enumerate(LANES))
    axis_y = TOP + LANE * len(LANES) + 8
    days = sorted({date.fromisoformat(i.day) for i in found}) or [date.today()]
    start, end = days[0] - timedelta(days=1), days[-1] + timedelta(days=1)
    span = (end - start).days
    plot = WIDTH - LEFT - RIGHT

    def x_of(day: date) -> int:
        return LEFT + round(plot * (day - start).days / span)

    marks: list[Mark] = []
    for kind, _, y in lanes:
        mine = sorted((i for i in found if i.kind == kind), key=lambda i: (i.day, i.seq))
        taken: dict[str, int] = {}
        rows: dict[int, list[tuple[float, float]]] = {y - 12: [], y + 20: []}  # label spans, above/below
        for item in mine:
            nth = taken.get(item.day, 0)
            taken[item.day] = nth + 1
            x = x_of(date.fromisoformat(item.day)) + NUDGE * nth
            anchor = "end" if x > WIDTH - RIGHT - 80 else "start" if x < LEFT + 40 else "middle"
            label = _short(item.label)
            width = 6.2 * len(label) + 8  # about 11px text
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            extent = (left, left + width)
            free = [r for r, used in rows.items() if all(extent[1] <= a or extent[0] >= b for a, b in used)]
            if free:  # the first row where the label overprints nothing; else only the mark's tooltip
                rows[free[0]].append(extent)
                marks.append(Mark(item, x, y, free[0], label, anchor))
            else:
                marks.append(Mark(item, x, y, y - 12, "", anchor))
    axis = tuple(Tick(x_of(d), d.strftime(fmt)) for d, fmt in ticks(start, end))
    return Layout(WIDTH, axis_y + AXIS, axis_y, lanes, tuple(marks), axis, start.isoformat(), end.isoformat())
