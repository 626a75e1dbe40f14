"""Who sees what, in the service layer on SQLite and PostgreSQL: every read operation x every party x
every audience state. A party outside a text's audience gets the very NotFound a text that does not
exist gives (never Refused, which would tell that it exists); a party that may read only published
points gets those and not a byte of the others; status, owed and the matrix show a party only the
rows and columns that concern it. Acts by outsiders must be just as indistinguishable from acts on
nothing."""

from __future__ import annotations

import functools
import io
import json
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from inwriting.app import delegates, disclosure, drafts, registry, setup, talks
from inwriting.app import negotiation as neg
from inwriting.app.context import App
from inwriting.app.keystore import Keystore
from inwriting.domain.events import PartyId
from inwriting.domain.redline import redline_to_json
from inwriting.errors import InwritingError, NotFound
from inwriting.storage.store import Store
from tests.conftest import PG_ADMIN_URL, PG_UNAVAILABLE, StepClock
from tests.storage.helpers import log_size
from tests.storage.test_negotiation import fill

TODAY = "2022-02-01"
VIEWERS = ("operator", "RU", "US", "NATO", "DE", "PL")
STATES = ("author", "track", "parties", "public", "handed", "partial", "published")
ANSWERS = ("track-answer", "handed-answer", "public-answer")
ANSWER_IDS = {
    "track-answer": "track@v1/answer/US/1",
    "handed-answer": "handed@v1/answer/NATO/1",
    "public-answer": "public@v1/answer/US/1",
}
EVERYONE = frozenset(VIEWERS)
# Who reads each text whole; for "partial" everyone else reads art_1 only, for the rest nothing.
READS_ALL: dict[str, frozenset[str]] = {
    "author": frozenset({"operator", "RU"}),
    "track": frozenset({"operator", "RU", "US"}),  # ru-us: RU and US
    "parties": frozenset({"operator", "RU", "US", "DE"}),  # named: US and DE
    "public": EVERYONE,
    "handed": frozenset({"operator", "RU", "NATO", "DE"}),  # handed to NATO, of which DE is a member
    "partial": frozenset({"operator", "RU", "US"}),  # handed to US; art_1 published by RU
    "published": EVERYONE,
    "track-answer": frozenset({"operator", "RU", "US"}),  # the answering party and the author
    "handed-answer": frozenset({"operator", "RU", "NATO", "DE"}),  # NATO's: its members too
    "public-answer": frozenset({"operator", "RU", "US"}),  # on a public version, still US's own
}
PUBLISHED_POINTS = {"partial": ("art_1",)}


def visibility(state: str, viewer: str) -> str:
    """ "all", "partial" or "none"."""
    if viewer in READS_ALL[state]:
        return "all"
    return "partial" if state in PUBLISHED_POINTS else "none"


def version_of(state: str) -> str:
    return f"{state}@v1"


def as_viewer(viewer: str) -> PartyId | None:
    return None if viewer == "operator" else PartyId(viewer)


# ---- the texts: every point carries a word found nowhere else ----------------------------------------


def sentences(state: str) -> dict[str, str]:
    """Each point's sentence (and the preamble's), each with a word of its own."""
    return {
        "preamble": f"The parties keep the {state}preamblecode words between themselves.",
        "art_1": f"The {state}publishedcode article may be read by all.",
        "art_2": f"The {state}secondcode article must never leak.",
        "art_3__para_1": f"The {state}openingcode paragraph stays hidden.",
        "art_3__para_2": f"The {state}closingcode paragraph stays hidden too.",
    }


def code_of(sentence: str) -> str:
    return next(w for w in sentence.split() if w.endswith("code"))


def hidden_words(state: str) -> list[str]:
    """Every sentence and code word outside art_1."""
    found = []
    for where, sentence in sentences(state).items():
        if where != "art_1":
            found += [sentence, code_of(sentence)]
    return found


def draft_text(state: str) -> str:
    s = sentences(state)
    return (
        f"TITLE: The {state} text\n\nTHE {state.upper()} TEXT\n\n{s['preamble']}\n\n"
        f"Article 1\n\n{s['art_1']}\n\nArticle 2\n\n{s['art_2']}\n\n"
        f"Article 3\n\n{s['art_3__para_1']}\n\n{s['art_3__para_2']}\n"
    )


EIDS = ("art_1", "art_2", "art_3", "art_3__para_1", "art_3__para_2")
ANSWER_CODES = {  # words that only the answers carry
    "track-answer": "ustrackreasoncode",
    "handed-answer": "natohandedreasoncode",
    "public-answer": "uspublicamendcode",
}


# ---- databases that can be copied: the scenario is built once per backend --------------------------


class Backend:
    """Fresh databases on one backend, and copies of them (a file copy; a PostgreSQL template)."""

    def __init__(self, kind: str, root: Path) -> None:
        self.kind, self.root = kind, root
        self.created: list[str] = []

    def fresh(self) -> str:
        name = f"inwriting_test_{uuid.uuid4().hex[:12]}"
        if self.kind == "sqlite":
            return str(self.root / f"{name}.db")
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"

    def copy(self, url: str) -> str:
        """A copy of a database no engine holds open."""
        name = f"inwriting_test_{uuid.uuid4().hex[:12]}"
        if self.kind == "sqlite":
            target = self.root / f"{name}.db"
            for suffix in ("", "-wal", "-shm"):
                source = Path(url + suffix)
                if source.exists():
                    shutil.copyfile(source, str(target) + suffix)
            return str(target)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.rsplit("/", 1)[1]}"')
        self.created.append(name)
        return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"

    def drop_all(self) -> None:
        if self.kind == "sqlite" or not self.created:
            return
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clock_at(day: str) -> StepClock:
    clock = StepClock()
    clock.moment = datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)
    return clock


def open_app(url: str, keys: Path, day: str = TODAY) -> App:
    return App(Store.open(url), Keystore.resolve(keys), clock=clock_at(day))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    if request.param == "postgresql" and PG_UNAVAILABLE:
        pytest.skip(PG_UNAVAILABLE)
    found = Backend(request.param, tmp_path_factory.mktemp(request.param))
    try:
        yield found
    finally:
        found.drop_all()


def write_file(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


def answer_file(app: App, root: Path, version: str, said: dict[str, Any]) -> Path:
    return write_file(
        root, f"answer-{uuid.uuid4().hex[:6]}.md", fill(neg.answer_template(app, version), said)
    )


def build_scenario(app: App, root: Path) -> None:
    """RU, US, DE, PL and NATO (members: DE), every one with a key; RU's texts in each audience state;
    hand-overs, answers and publications as READS_ALL says."""
    for party, name in (
        ("RU", "Russian Federation"),
        ("US", "United States of America"),
        ("DE", "Federal Republic of Germany"),
        ("PL", "Republic of Poland"),
    ):
        registry.register_party(app, party, name)
    registry.register_party(app, "NATO", "North Atlantic Treaty Organization", "alliance", ["DE"])
    for party in ("RU", "US", "DE", "PL", "NATO"):
        registry.new_key(app, party)
    registry.new_process(app, "sg", "Security guarantees")
    registry.new_track(app, "ru-us", "sg", "Bilateral, Geneva", ["RU", "US"])
    registry.new_track(app, "nrc", "sg", "NATO-Russia Council, Brussels", ["RU", "NATO"])
    registry.new_track(app, "osce", "sg", "OSCE, Vienna", ["RU", "US", "NATO"])
    tables = {
        "author": ("ru-us", "author", ()),
        "track": ("ru-us", "track", ()),
        "parties": ("ru-us", "parties", ("US", "DE")),
        "public": ("osce", "public", ()),
        "handed": ("nrc", "author", ()),
        "partial": ("ru-us", "author", ()),
        "published": ("ru-us", "author", ()),
    }
    for state, (track, audience, named) in tables.items():
        file = write_file(root, f"{state}.txt", draft_text(state))
        drafts.import_draft(
            app, file, track=track, as_party="RU", document=state, audience=audience, audience_parties=named
        )
    neg.handover(app, "track@v1", to=["US"], due="2022-01-20", point_by_point=True, date="2022-01-10")
    neg.handover(app, "handed@v1", to=["NATO"], due="2022-01-25", point_by_point=True, date="2022-01-10")
    neg.handover(
        app, "public@v1", to=["US", "NATO"], due="2022-01-30", point_by_point=True, date="2022-01-11"
    )
    neg.handover(app, "partial@v1", to=["US"], due="2022-03-01", date="2022-01-12")
    said: dict[str, tuple[str, dict[str, Any]]] = {
        "track@v1": ("US", {"art_1": ("reject", None, f"The {ANSWER_CODES['track-answer']} reason.")}),
        "handed@v1": ("NATO", {"art_2": ("accept", None, f"The {ANSWER_CODES['handed-answer']} reason.")}),
        "public@v1": ("US", {"art_1": ("amend", f"The {ANSWER_CODES['public-answer']} text.", None)}),
    }
    for version, (party, points) in said.items():
        neg.answer(
            app, version, as_party=party, file=answer_file(app, root, version, points), date="2022-01-14"
        )
    disclosure.publish(app, "partial@v1", as_party="RU", points=["art_1"], date="2022-01-15")
    disclosure.publish(app, "published@v1", as_party="RU", date="2022-01-16")


@dataclass
class World:
    """The scenario to read (`app`), a copy of it to try acts on (`scratch`), and a folder for files."""

    app: App
    scratch: App
    root: Path


@pytest.fixture(scope="module")
def world(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp(f"access-{backend.kind}")
    keys = root / "keys"
    url = backend.fresh()
    setup.init(url, str(keys), origin="test.inwriting.local/log")
    builder = open_app(url, keys)
    build_scenario(builder, root)
    builder.close()
    scratch_url = backend.copy(url)
    found = World(open_app(url, keys), open_app(scratch_url, keys), root)
    try:
        yield found
    finally:
        found.app.close()
        found.scratch.close()


# ---- the outsider's NotFound is the NotFound of nothing at all ---------------------------------------


def ghost_of(text: str) -> str:
    """An id of the same shape that names nothing."""
    ghost = f"ghost{uuid.uuid4().hex[:10]}"
    if "/answer/" in text:
        return f"{ghost}@v1/answer/{text.split('/answer/')[1]}"
    return f"{ghost}@v1" if "@v" in text else ghost


def outcome(call: Callable[[], Any]) -> tuple[str, str, str | None] | None:
    """None when the call succeeds, else (error class, message, where)."""
    try:
        call()
    except InwritingError as exc:
        return type(exc).__name__, exc.message, exc.where
    return None


def assert_as_if_absent(call: Callable[[str], Any], text: str) -> None:
    """`call(text)` raises NotFound, worded exactly as for an id that names nothing."""
    ghost = ghost_of(text)
    with pytest.raises(NotFound) as seen:
        call(text)
    with pytest.raises(NotFound) as absent:
        call(ghost)
    assert type(seen.value) is type(absent.value) is NotFound
    expected = (absent.value.message.replace(ghost, text), (absent.value.where or "").replace(ghost, text))
    assert (seen.value.message, seen.value.where or "") == expected
    assert seen.value.to_dict()["code"] == "not_found"
    if "/answer/" in text:
        assert seen.value.message == f"answer {text} does not exist"
    elif "@v" in text:
        assert seen.value.message == f"version {text} does not exist"


def assert_no_hidden(data: bytes | str, state: str) -> None:
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    leaked = [w for w in hidden_words(state) if w in text]
    assert not leaked, f"unpublished text of {state}@v1 shown: {leaked}"


def docx_text(data: bytes) -> str:
    """Every part of a Word file, unzipped (its raw bytes are compressed)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist())


# ---- the read matrix -----------------------------------------------------------------------------


def read_get_version(world: World, state: str, viewer: str) -> None:
    def call(text: str) -> Any:
        return drafts.get_version(world.app, text, viewer=as_viewer(viewer))

    seen, vid = visibility(state, viewer), version_of(state)
    if seen == "none":
        assert_as_if_absent(call, vid)
        return
    version, draft = call(vid)
    full_version, full = drafts.get_version(world.app, vid)
    if seen == "all":
        assert version == full_version
        assert draft == full
        assert [p.eid for p in draft.walk()] == list(EIDS)
        return
    assert [p.eid for p in draft.walk()] == ["art_1"]
    assert version.outline == (("art_1", "Article 1"),)  # the outline names no unpublished point
    assert replace(version, outline=full_version.outline) == full_version
    assert draft.points[0].text == sentences(state)["art_1"]
    assert draft.preamble == "" and draft.amendments == ()
    assert_no_hidden(json.dumps([draft.title, draft.preamble, [p.text for p in draft.walk()]]), state)


def read_lineage(world: World, state: str, viewer: str) -> None:
    def call(document: str) -> Any:
        return drafts.lineage(world.app, document, viewer=as_viewer(viewer))

    if visibility(state, viewer) == "none":
        assert_as_if_absent(call, state)
        return
    assert [v.id for v in call(state)] == [version_of(state)]


def read_compare(world: World, state: str, viewer: str, *, reverse: bool) -> None:
    """The redline between the public text and this one (in either order)."""

    def call(text: str) -> Any:
        old, new = (text, "public@v1") if reverse else ("public@v1", text)
        return drafts.compare(world.app, old, new, viewer=as_viewer(viewer))

    seen, vid = visibility(state, viewer), version_of(state)
    if seen == "none":
        assert_as_if_absent(call, vid)
        return
    result = call(vid)
    as_operator = drafts.compare(world.app, *((vid, "public@v1") if reverse else ("public@v1", vid)))
    if seen == "all":
        assert result == as_operator
        return
    side = "old_eid" if reverse else "new_eid"
    dumped = redline_to_json(result)
    assert {p[side] for p in dumped["points"]} - {None} == {"art_1"}
    assert_no_hidden(json.dumps(dumped), state)


def read_export(world: World, state: str, viewer: str, *, fmt: str) -> None:
    def call(text: str) -> bytes:
        return drafts.export_version(world.app, text, fmt, viewer=as_viewer(viewer))

    seen, vid = visibility(state, viewer), version_of(state)
    if seen == "none":
        assert_as_if_absent(call, vid)
        return
    data = call(vid)
    readable = docx_text(data) if fmt == "docx" else data.decode("utf-8")
    if seen == "all":
        if fmt != "docx":
            assert data == drafts.export_version(world.app, vid, fmt)
        for where, sentence in sentences(state).items():
            assert code_of(sentence) in readable, (where, fmt)
        return
    assert code_of(sentences(state)["art_1"]) in readable
    assert_no_hidden(data, state)  # neither in the bytes as written
    assert_no_hidden(readable, state)  # nor in the unzipped parts of a Word file


def rows_for(state: str, *, members: bool) -> list[tuple[str, str | None]]:
    """Every recipient row of the version's status, as (party, through)."""
    handed = {"track": ["US"], "handed": ["NATO"], "public": ["US", "NATO"], "partial": ["US"]}
    rows: list[tuple[str, str | None]] = []
    for party in handed.get(state, []):
        rows.append((party, None))
        if members and party == "NATO":
            rows.append(("DE", "NATO"))
    return rows


def concerns(viewer: str, party: str, through: str | None) -> bool:
    """The operator and the author (RU) see every row; a party its own and its alliance's. An
    alliance does not see its members' own rows: a member's own answer is not the alliance's."""
    member_of = {"DE": "NATO"}
    return viewer in ("operator", "RU", party) or member_of.get(viewer) == party


def foreign_answers(viewer: str) -> list[str]:
    """The code words of the answers `viewer` may not read."""
    return [code for state, code in ANSWER_CODES.items() if visibility(state, viewer) == "none"]


def read_status(world: World, state: str, viewer: str, *, members: bool) -> None:
    def call(text: str) -> Any:
        return neg.status_report(world.app, text, members=members, viewer=as_viewer(viewer))

    seen, vid = visibility(state, viewer), version_of(state)
    if seen == "none":
        assert_as_if_absent(call, vid)
        return
    report = call(vid)
    expected = [(p, t) for p, t in rows_for(state, members=members) if concerns(viewer, p, t)]
    assert [(r["party"], r["through"]) for r in report["recipients"]] == expected
    dumped = json.dumps(report)
    leaked = [code for code in foreign_answers(viewer) if code in dumped]
    assert not leaked, f"answers {viewer} may not read shown in the status: {leaked}"
    if seen == "partial":
        assert_no_hidden(dumped, state)
        assert not any(eid in dumped for eid in EIDS if eid != "art_1")


def read_template(world: World, state: str, viewer: str) -> None:
    def call(text: str) -> str:
        return neg.answer_template(world.app, text, viewer=as_viewer(viewer))

    seen, vid = visibility(state, viewer), version_of(state)
    if seen == "none":
        assert_as_if_absent(call, vid)
        return
    template = call(vid)
    if seen == "all":
        assert template == neg.answer_template(world.app, vid)
        assert all(f"{{{eid}}}: ?" in template for eid in EIDS)
        return
    assert "{art_1}: ?" in template
    assert not any(f"{{{eid}}}" in template for eid in EIDS if eid != "art_1")
    assert_no_hidden(template, state)


def read_story(world: World, state: str, viewer: str) -> None:
    def call(text: str) -> Any:
        return disclosure.story(world.app, text, viewer=as_viewer(viewer))

    text = ANSWER_IDS.get(state) or version_of(state)
    seen = visibility(state, viewer)
    if seen == "none":
        assert_as_if_absent(call, text)
        return
    found = call(text).to_json()
    assert found["text"] == text and found["owner"] == ("RU" if state in STATES else text.split("/")[2])
    assert found["you_see"] == ("all" if seen == "all" else "published points")
    as_operator = disclosure.story(world.app, text).to_json()
    # Who else it was handed to is left open here: status hides other recipients' rows, the story
    # (today) names them; which is right is a question for the issue, not for this matrix.
    mine = ("you_see", "handed_to")
    assert {k: v for k, v in found.items() if k not in mine} == {
        k: v for k, v in as_operator.items() if k not in mine
    }
    if viewer in ("operator", "RU"):
        assert found["handed_to"] == as_operator["handed_to"]


READS: dict[str, Callable[[World, str, str], None]] = {
    "get_version": read_get_version,
    "lineage": read_lineage,
    "compare-new": lambda w, s, v: read_compare(w, s, v, reverse=False),
    "compare-old": lambda w, s, v: read_compare(w, s, v, reverse=True),
    **{f"export-{fmt}": functools.partial(read_export, fmt=fmt) for fmt in drafts.EXPORT_FORMATS},
    "status_report": lambda w, s, v: read_status(w, s, v, members=False),
    "status_report-members": lambda w, s, v: read_status(w, s, v, members=True),
    "answer_template": read_template,
    "story": read_story,
}
ON_ANSWERS = frozenset({"story"})

CASES = [
    pytest.param(op, viewer, state, id=f"{op}-{viewer}-{state}")
    for op in READS
    for state in (*STATES, *ANSWERS)
    if state in STATES or op in ON_ANSWERS
    for viewer in VIEWERS
]


@pytest.mark.parametrize(("op", "viewer", "state"), CASES)
def test_read(world: World, op: str, viewer: str, state: str) -> None:
    READS[op](world, state, viewer)


def test_the_matrix_covers_every_read_operation() -> None:
    assert set(drafts.EXPORT_FORMATS) == {"md", "akn", "docx", "html"}
    ops = {c.values[0] for c in CASES}
    assert ops == set(READS)
    assert len(CASES) == (len(READS) - 1) * len(STATES) * len(VIEWERS) + len((*STATES, *ANSWERS)) * len(
        VIEWERS
    )


# ---- what is owed, and the matrix: only rows and columns that concern the viewer ----------------------


OWED = {
    "operator": {
        ("track@v1", "US"),
        ("handed@v1", "NATO"),
        ("public@v1", "US"),
        ("public@v1", "NATO"),
        ("partial@v1", "US"),
    },
    "US": {("track@v1", "US"), ("public@v1", "US"), ("partial@v1", "US")},
    "NATO": {("handed@v1", "NATO"), ("public@v1", "NATO")},
    "DE": {("handed@v1", "NATO"), ("public@v1", "NATO")},  # what its alliance owes
    "PL": set(),  # it reads public@v1 and published@v1, but owes nothing and is owed nothing
}
OWED["RU"] = OWED["operator"]  # everything is owed to RU


@pytest.mark.parametrize("viewer", VIEWERS)
def test_owed(world: World, viewer: str) -> None:
    found = neg.owed(world.app, viewer=as_viewer(viewer))
    assert {(o.version, o.status.party) for o in found} == OWED[viewer]
    assert len(found) == len(OWED[viewer])


MATRIX = {  # versions in the rows, parties in the columns
    "operator": ({"track@v1", "handed@v1", "public@v1", "partial@v1"}, {"RU", "US", "NATO"}),
    "RU": ({"track@v1", "handed@v1", "public@v1", "partial@v1"}, {"RU", "US", "NATO"}),
    "US": ({"track@v1", "public@v1", "partial@v1"}, {"RU", "US"}),
    "NATO": ({"handed@v1", "public@v1"}, {"RU", "NATO"}),
    "DE": ({"handed@v1", "public@v1"}, {"RU", "NATO"}),
    "PL": ({"public@v1"}, {"RU"}),  # partial@v1: it reads art_1 only, so no row of it
}


@pytest.mark.parametrize("members", [False, True], ids=["parties", "members"])
@pytest.mark.parametrize("scope", ["sg", "ru-us"])
@pytest.mark.parametrize("viewer", VIEWERS)
def test_matrix(world: World, viewer: str, scope: str, members: bool) -> None:
    tracks = {"track@v1": "ru-us", "handed@v1": "nrc", "public@v1": "osce", "partial@v1": "ru-us"}
    versions, columns = MATRIX[viewer]
    versions = {v for v in versions if scope == "sg" or tracks[v] == scope}
    if members and viewer in ("operator", "RU", "DE") and versions & {"handed@v1", "public@v1"}:
        columns = columns | {"DE"}  # DE's own row, through NATO (not shown to NATO)
    if scope == "ru-us":
        columns = columns - {"NATO", "DE"} if versions else set()
    if scope == "ru-us" and viewer in ("NATO", "DE", "PL"):  # no part in it, nothing to read there
        with pytest.raises(NotFound, match="no track or process named ru-us"):
            neg.matrix(world.app, scope, members=members, viewer=as_viewer(viewer))
        return
    found = neg.matrix(world.app, scope, members=members, viewer=as_viewer(viewer))
    assert {r.version for r in found.rows} == versions
    assert set(found.columns) == columns
    for row in found.rows:
        assert row.eid in EIDS


# ---- a document's lineage shows only the versions the viewer may read ---------------------------------


def test_lineage_hides_versions_the_viewer_may_not_read(world: World) -> None:
    app = world.scratch
    first = write_file(world.root, "revised.txt", draft_text("revised"))
    drafts.import_draft(app, first, track="ru-us", as_party="RU", document="revised", audience="author")
    drafts.import_draft(
        app, first, track="ru-us", as_party="RU", document="revised", based_on="revised@v1", audience="track"
    )
    assert [v.id for v in drafts.lineage(app, "revised")] == ["revised@v1", "revised@v2"]
    assert [v.id for v in drafts.lineage(app, "revised", viewer=PartyId("RU"))] == [
        "revised@v1",
        "revised@v2",
    ]
    assert [v.id for v in drafts.lineage(app, "revised", viewer=PartyId("US"))] == ["revised@v2"]

    def hidden_from_us(text: str) -> Any:
        return drafts.compare(app, text, "revised@v2", viewer=PartyId("US"))

    assert_as_if_absent(hidden_from_us, "revised@v1")
    assert_as_if_absent(lambda d: drafts.lineage(app, d, viewer=PartyId("PL")), "revised")


def test_an_alliance_named_in_the_audience_reaches_its_members(world: World) -> None:
    app, de = world.scratch, PartyId("DE")
    file = write_file(world.root, "allied.txt", draft_text("allied"))
    drafts.import_draft(
        app,
        file,
        track="ru-us",
        as_party="RU",
        document="allied",
        audience="parties",
        audience_parties=["NATO"],
    )
    vid = "allied@v1"
    assert drafts.get_version(app, vid, viewer=PartyId("NATO"))[0].id == vid
    assert [v.id for v in drafts.lineage(app, "allied", viewer=de)] == [vid]
    calls: dict[str, Callable[[], Any]] = {
        "get_version": lambda: drafts.get_version(app, vid, viewer=de),
        "compare": lambda: drafts.compare(app, "public@v1", vid, viewer=de),
        "export-md": lambda: drafts.export_version(app, vid, "md", viewer=de),
        "status_report": lambda: neg.status_report(app, vid, viewer=de),
        "answer_template": lambda: neg.answer_template(app, vid, viewer=de),
        "story": lambda: disclosure.story(app, vid, viewer=de),
    }
    assert {op: outcome(call) for op, call in calls.items()} == dict.fromkeys(calls)


def test_publishing_an_article_makes_its_paragraphs_readable(world: World) -> None:
    """A partial publication of art_3, an article whose words are all in its two paragraphs."""
    app = world.scratch
    file = write_file(world.root, "articles.txt", draft_text("articles"))
    drafts.import_draft(app, file, track="ru-us", as_party="RU", document="articles", audience="author")
    disclosure.publish(app, "articles@v1", as_party="RU", points=["art_3"], date="2022-01-20")
    _, draft = drafts.get_version(app, "articles@v1", viewer=PartyId("PL"))
    assert [p.eid for p in draft.walk()] == ["art_3", "art_3__para_1", "art_3__para_2"]


# ---- acts by outsiders: indistinguishable from acts on a text that does not exist ---------------------


def act_calls(world: World, viewer: str) -> dict[str, Callable[[str], Any]]:
    app, party = world.scratch, viewer
    other = "PL" if viewer != "PL" else "US"
    filled = answer_file(app, world.root, "author@v1", {"art_1": "accept"})
    return {
        "handover": lambda t: neg.handover(app, t, to=[other], as_party=party, date="2022-01-20"),
        "receipt": lambda t: neg.receipt(app, t, as_party=party, date="2022-01-20"),
        "answer": lambda t: neg.answer(app, t, as_party=party, file=filled, date="2022-01-20"),
        "import-based-on": lambda t: drafts.import_draft(
            app, filled.with_name("author.txt"), track="ru-us", as_party=party, based_on=t, document="mine"
        ),
        "meeting-tabled": lambda t: talks.add_meeting(
            app, track="ru-us", date="2022-01-20", place="Geneva", tabled=[t], as_party=party
        ),
        "precondition-on": lambda t: talks.add_precondition(
            app, track="ru-us", as_party=party, text="First withdraw.", version=t, date="2022-01-20"
        ),
        "request-embargo": lambda t: disclosure.request_embargo(app, t, as_party=party, reason="Not yet."),
        "request-publication": lambda t: disclosure.request_publication(app, t, as_party=party),
        "consent": lambda t: disclosure.answer_request(app, t, as_party=party, consent=True),
        "refuse": lambda t: disclosure.answer_request(app, t, as_party=party, consent=False),
        "publish": lambda t: disclosure.publish(app, t, as_party=party),
        "published-elsewhere": lambda t: disclosure.published_elsewhere(
            app, t, as_party=party, publisher="Gazeta", source="https://example.org/a"
        ),
    }


VERSION_ACTS = ("handover", "receipt", "answer", "import-based-on", "meeting-tabled", "precondition-on")
TEXT_ACTS = ("request-embargo", "request-publication", "consent", "refuse", "publish", "published-elsewhere")


def outsiders(act: str) -> list[tuple[str, str]]:
    """(viewer, state) pairs where the viewer may not know the text exists."""
    return [
        (viewer, state)
        for state in (*STATES, *ANSWERS)
        if state in STATES or act in TEXT_ACTS
        for viewer in VIEWERS[1:]
        if visibility(state, viewer) == "none"
        # a meeting or a precondition on ru-us is recorded by its parties; others are refused first,
        # for a text as for nothing
        and (act not in ("meeting-tabled", "precondition-on") or viewer == "US")
    ]


def leak(world: World, act: str, viewer: str, state: str) -> str | None:
    """What the act tells `viewer` about a text it may not read (None: nothing); it writes nothing."""
    text = ANSWER_IDS.get(state) or version_of(state)
    call = act_calls(world, viewer)[act]
    before = log_size(world.scratch)
    ghost = ghost_of(text)
    on_nothing = outcome(lambda: call(ghost))
    assert on_nothing is not None and on_nothing[0] == "NotFound", on_nothing
    on_text = outcome(lambda: call(text))
    if log_size(world.scratch) != before:
        return f"{viewer} could {act} {text}, a text it may not read"
    if on_text != (on_nothing[0], on_nothing[1].replace(ghost, text), on_nothing[2]):
        return f"{act} by {viewer} on {text}: {on_text}; on nothing: {on_nothing}"
    return None


# Acts once found to tell an outsider that a text exists; each has its own test below.
LEAKING = frozenset({"handover", "receipt", "answer", "meeting-tabled", "precondition-on"})
ACT_CASES = [
    pytest.param(act, viewer, state, id=f"{act}-{viewer}-{state}")
    for act in (*VERSION_ACTS, *TEXT_ACTS)
    if act not in LEAKING
    for viewer, state in outsiders(act)
]


@pytest.mark.parametrize(("act", "viewer", "state"), ACT_CASES)
def test_act_by_an_outsider(world: World, act: str, viewer: str, state: str) -> None:
    assert leak(world, act, viewer, state) is None


def leaks_of(world: World, act: str) -> list[str]:
    found = [leak(world, act, viewer, state) for viewer, state in outsiders(act)]
    return [f for f in found if f is not None]


def test_handover_by_an_outsider_is_as_for_nothing(world: World) -> None:
    assert leaks_of(world, "handover") == []


def test_receipt_by_an_outsider_is_as_for_nothing(world: World) -> None:
    assert leaks_of(world, "receipt") == []


def test_answer_by_an_outsider_is_as_for_nothing(world: World) -> None:
    assert leaks_of(world, "answer") == []


def test_meeting_tabling_an_unseen_version_is_as_for_nothing(world: World) -> None:
    assert leaks_of(world, "meeting-tabled") == []


def test_precondition_on_an_unseen_version_is_as_for_nothing(world: World) -> None:
    assert leaks_of(world, "precondition-on") == []


def test_delegates_do_not_change_who_sees_what(world: World) -> None:
    """A party's delegates read what it reads; naming them grants no party anything."""
    app = world.scratch
    delegates.add_delegate(app, "PL", delegate="reader", name="A. Reader", title="Analyst", roles=["reader"])
    assert_as_if_absent(lambda t: drafts.get_version(app, t, viewer=PartyId("PL")), "author@v1")
    assert drafts.get_version(app, "public@v1", viewer=PartyId("PL"))[0].id == "public@v1"
