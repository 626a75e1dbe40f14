"""`inwriting draft import` given files it must refuse, and drafts carried across formats, through
Typer's runner.

A refusal is exit 1, one `error:` line naming the problem (one {ok: false} envelope with --json) and
the record exactly as it was: same log, no new document or version, no stray file. A draft that
imports with warnings says so in `note:` lines. Export then re-import keeps every point, and a
re-numbered v2 keeps v1's point ids so that its redline shows only what really changed.
"""

from __future__ import annotations

import builtins
import functools
import io
import re
import shutil
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from lxml import etree

from inwriting.exporters.akn import to_akn
from inwriting.importers.text import parse_text
from tests.cli.test_cli import Cli, leaf_count, plain
from tests.importers.test_docx import BOB, _para, _save, _tracked
from tests.importers.test_pdf import SMALL_TREATY, _encrypt, make_pdf

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
TREATY = CORPUS / "draft_treaty_us_ru_2021-12-17.txt"

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {CORPUS}")

ON_TRACK = ("--track", "ru-us", "--as", "RU")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def drafted(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built record plus RU's treaty as t@v1 on the ru-us track."""
    root = tmp_path_factory.mktemp("drafted") / "record"
    shutil.copytree(built, root)
    Cli(root / "inwriting.db", root / "keys").ok("draft", "import", str(TREATY), *ON_TRACK, "--doc", "t")
    return root


@pytest.fixture
def c(drafted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    copy = tmp_path / "record"
    shutil.copytree(drafted, copy)
    return Cli(copy / "inwriting.db", copy / "keys")


def walk(points: list[dict[str, Any]]) -> list[tuple[str, str, str | None, str]]:
    """(eid, label, heading, text) of every point in `draft show --json`, depth first."""
    found = []
    for p in points:
        found.append((p["eid"], p["label"], p["heading"], p["text"]))
        found.extend(walk(p["children"]))
    return found


def files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in sorted(root.rglob("*")) if p.is_file()}


def record_state(c: Cli, root: Path) -> tuple[Any, ...]:
    """Everything a refused import must leave alone: the log, t's lineage and the files on disk."""
    return (
        leaf_count(c),
        c.ok_json("log", "show")["events"],
        c.ok_json("draft", "versions", "t")["versions"],
        files(root),
    )


# ---- files to refuse (each written as `inbox/NAME`; a refused import of it creates no document) ---


@functools.cache
def akn_treaty() -> bytes:
    """The treaty as the Akoma Ntoso file `draft export --format akn` writes."""
    return to_akn(parse_text(TREATY.read_bytes(), source=TREATY.name), name="t", author="RU")


def with_doctype(encoding: str) -> bytes:
    """The AKN treaty with an external entity declared and used: it would read /etc/passwd."""
    body = akn_treaty().decode("utf-8").split("?>", 1)[1].lstrip("\n")
    assert "The Parties shall seek" in body
    body = body.replace("The Parties shall seek", "&xxe; The Parties shall seek", 1)
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n'
    dtd = '<!DOCTYPE akomaNtoso [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    return (head + dtd + body).encode(encoding)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0">&lol2;</akomaNtoso>
"""
NO_POINTS = (
    "Dear colleagues,\n\nwe look forward to our meeting in Geneva.\n\nYours sincerely,\nThe Delegation\n"
)
# line 6 would display as "pay 100 .DSU 00": the override reverses what follows it
BIDI_TEXT = "Treaty on Payments\n\nArticle 1\n\nEach Party shall\npay 100 \u202e00 USD.\n"


def docx_tracked_bidi() -> bytes:
    """A Word draft whose only fault is a right-to-left override inside a tracked insertion."""
    document = docx.Document()
    _para(document, "Treaty on Payments", style="Title")
    _para(document, "Article 1")
    _para(document, "The Parties agree.")
    _para(document, "1. They shall ", ("w:ins", "pay 100 \u202e00 USD", BOB))
    return _save(document)


def docx_without_points() -> bytes:
    document = docx.Document()
    _para(document, NO_POINTS.replace("\n", " "))
    return _save(document)


def truncated_docx() -> bytes:
    whole = _save(_tracked())
    return whole[: len(whole) // 2]


def sparse_50_mb(path: Path) -> None:
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # a hole: no time spent writing it


def writes(data: Callable[[], bytes]) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(data())


BAD = [
    pytest.param("empty.txt", writes(lambda: b""), ["empty.txt:1", "the file is empty"], id="empty-txt"),
    pytest.param(
        "blank.txt", writes(lambda: b"\xef\xbb\xbf \n\t\n\n"), ["the file is empty"], id="blank-txt"
    ),
    pytest.param("empty.md", writes(lambda: b""), ["empty.md:1", "the file is empty"], id="empty-md"),
    pytest.param("empty.docx", writes(lambda: b""), ["empty.docx", "the file is empty"], id="empty-docx"),
    pytest.param("empty.pdf", writes(lambda: b""), ["empty.pdf", "empty file"], id="empty-pdf"),
    pytest.param("empty.akn", writes(lambda: b""), ["empty.akn:1", "Document is empty"], id="empty-akn"),
    pytest.param(
        "letter.txt",
        writes(NO_POINTS.encode),
        ["letter.txt", "no articles or numbered points found"],
        id="no-points-txt",
    ),
    pytest.param(
        "letter.docx",
        writes(docx_without_points),
        ["letter.docx", "no articles or numbered points found"],
        id="no-points-docx",
    ),
    pytest.param(
        "letter.pdf",
        writes(lambda: make_pdf([NO_POINTS.splitlines()])),
        ["letter.pdf", "no articles or numbered points found"],
        id="no-points-pdf",
    ),
    pytest.param(
        "huge.txt",
        sparse_50_mb,
        ["huge.txt is 52428800 bytes", "the limit is 20 MB"],
        id="50-mb",
    ),
    pytest.param(
        "truncated.docx",
        writes(truncated_docx),
        ["truncated.docx", "not a readable Word document"],
        id="truncated-docx",
    ),
    pytest.param(
        "noise.docx",
        writes(lambda: bytes(range(256)) * 16),
        ["noise.docx", "not a readable Word document"],
        id="random-bytes-docx",
    ),
    pytest.param(
        "locked.pdf",
        writes(lambda: _encrypt(make_pdf(SMALL_TREATY), user="secret", owner="owner")),
        ["locked.pdf", "the PDF is encrypted", "password"],
        id="encrypted-pdf",
    ),
    pytest.param(
        "spoof.txt",
        writes(BIDI_TEXT.encode),
        ["spoof.txt:6", "U+202E", "RIGHT-TO-LEFT OVERRIDE", "line 6", "column 9"],
        id="bidi-txt",
    ),
    pytest.param(
        "spoof.docx",
        writes(docx_tracked_bidi),
        ["spoof.docx", "U+202E", "RIGHT-TO-LEFT OVERRIDE", "paragraph 4"],
        id="bidi-in-tracked-insertion-docx",
    ),
    pytest.param(
        "xxe.akn",
        writes(lambda: with_doctype("UTF-8")),
        ["xxe.akn:2", "DOCTYPE declarations are not accepted"],
        id="xxe-akn",
    ),
    pytest.param(
        "xxe16.akn",
        writes(lambda: with_doctype("UTF-16")),
        ["xxe16.akn", "DOCTYPE declarations are not accepted"],
        id="xxe-utf16-akn",
    ),
    pytest.param(
        "laughs.xml",
        writes(lambda: BILLION_LAUGHS),
        ["laughs.xml:2", "DOCTYPE declarations are not accepted"],
        id="billion-laughs-xml",
    ),
    pytest.param("absent.txt", lambda path: None, ["no file at", "absent.txt"], id="missing"),
    pytest.param(
        "folder",
        Path.mkdir,
        ["folder", "is a directory"],
        id="directory",
    ),
]


@pytest.mark.parametrize(("name", "make", "words"), BAD)
def test_a_bad_file_is_refused_and_nothing_is_written(
    c: Cli, tmp_path: Path, name: str, make: Callable[[Path], object], words: list[str]
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / name
    make(path)
    before = record_state(c, tmp_path)

    line = c.fails("draft", "import", str(path), *ON_TRACK)
    for word in words:
        assert word in line, line
    assert "/etc/passwd" not in line and "root:" not in line
    assert c.fails_json("draft", "import", str(path), *ON_TRACK)["code"] == "invalid_input"
    # nor as the next version of an existing document
    c.fails("draft", "import", str(path), *ON_TRACK, "--doc", "t", "--based-on", "t@v1")

    assert record_state(c, tmp_path) == before
    c.fails("draft", "versions", Path(name).stem, mentions="does not exist")


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    c: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.md"
    sparse_50_mb(huge)
    opened: list[str] = []
    real_open = io.open

    def watching(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | Path) and Path(file) == huge:
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", watching)  # Path.open and Path.read_bytes go through io.open
    monkeypatch.setattr(builtins, "open", watching)
    size = leaf_count(c)
    c.fails("draft", "import", str(huge), *ON_TRACK, mentions="the limit is 20 MB")
    assert opened == []
    assert leaf_count(c) == size


# ---- warnings that are not errors ----------------------------------------------------------------


def test_gaps_in_the_corpus_draft_are_noted_not_refused(c: Cli) -> None:
    result = c.ok("draft", "import", str(TREATY), *ON_TRACK, "--doc", "gaps")
    assert result.stdout == ""
    first, *notes = plain(result.stderr).strip().splitlines()
    assert first.startswith("gaps@v1: 18 points, signed by RU")
    assert all(line.startswith("note: ") for line in notes) and "error" not in result.stderr
    # the corpus text marks five gaps: the preamble's end, Article 5's last paragraph, Article 7's
    # first and last paragraphs and the whole of Article 8
    gaps = [line for line in notes if "[GAP: ...]" in line]
    assert len(gaps) == 5, notes
    for where in ("preamble", "art_5__para_3", "art_7__para_1", "art_7__para_3", "art_8"):
        assert any(where in line for line in gaps), where

    imported = c.ok_json("draft", "import", str(TREATY), *ON_TRACK, "--doc", "gaps2")
    assert ["note: " + note for note in imported["notes"]] == notes  # the same warnings either way


# ---- across formats ------------------------------------------------------------------------------


def export(c: Cli, fmt: str, out: Path) -> Path:
    path = out / f"t.{fmt}"
    report = c.ok_json("draft", "export", "t@v1", "--format", fmt, "--out", str(path))
    size = path.stat().st_size
    assert size > 0
    assert report == {"ok": True, "version": "t@v1", "format": fmt, "path": str(path), "bytes": size}
    return path


def test_exports_re_import_to_the_same_points(c: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    original = c.ok_json("draft", "show", "t@v1")
    points = walk(original["points"])
    assert len(points) == 18

    html = export(c, "html", out).read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and original["title"] in html
    assert "t@v1" in html and "Article 6 [number inferred]" in html

    for number, fmt in enumerate(["akn", "docx", "md"], start=2):
        path = export(c, fmt, out)
        imported = c.ok_json("draft", "import", str(path), *ON_TRACK, "--doc", "t", "--based-on", "t@v1")
        assert (imported["version"], imported["points"]) == (f"t@v{number}", 18), fmt
        assert not any("keep the ids" in note for note in imported["notes"]), fmt  # none had to move

        again = c.ok_json("draft", "show", f"t@v{number}")
        assert walk(again["points"]) == points, fmt
        assert (again["title"], again["based_on"], again["amendments"]) == (original["title"], "t@v1", [])

        compared = c.ok_json("redline", "t@v1", f"t@v{number}")
        assert compared["summary"] == {
            "unchanged": 18,
            "changed": 0,
            "added": 0,
            "removed": 0,
            "moved": 0,
            "renumbered": 0,
        }, fmt
        assert {(p["status"], p["moved"], p["renumbered"]) for p in compared["points"]} == {
            ("unchanged", False, False)
        }

    lineage = c.ok_json("draft", "versions", "t")["versions"]
    assert [(v["version"], v["based_on"]) for v in lineage] == [
        ("t@v1", None),
        ("t@v2", "t@v1"),
        ("t@v3", "t@v1"),
        ("t@v4", "t@v1"),
    ]


NEW_ARTICLE = "Article 2\n\nEach Party shall publish this Treaty.\n\n"
SCRIPT = "<script>alert(1)</script>"


def second_draft() -> str:
    """The treaty with a new Article 2 (Articles 2-8 become 3-9) and, in the old Article 2, the word
    "principles" replaced by a script tag."""
    text = re.sub(
        r"(?m)^Article (\d+)",
        lambda m: f"Article {int(m[1]) + (int(m[1]) >= 2)}",
        TREATY.read_text(encoding="utf-8"),
    )
    assert text.count("\nArticle 3\n\nThe Parties shall seek") == 1
    text = text.replace(
        "\nArticle 3\n\nThe Parties shall seek", "\n" + NEW_ARTICLE + "Article 3\n\nThe Parties shall seek"
    )
    assert text.count("adhere to the principles") == 1
    return text.replace("adhere to the principles", f"adhere to the {SCRIPT}")


def test_a_renumbered_second_version_keeps_the_ids_and_redlines_what_changed(c: Cli, tmp_path: Path) -> None:
    v1 = walk(c.ok_json("draft", "show", "t@v1")["points"])
    path = tmp_path / "v2.txt"
    path.write_text(second_draft(), encoding="utf-8")
    imported = c.ok_json("draft", "import", str(path), *ON_TRACK, "--doc", "t", "--based-on", "t@v1")
    assert (imported["version"], imported["points"]) == ("t@v2", 19)
    # 7 renumbered articles and their 8 unnumbered paragraphs; the new article is not counted
    assert "15 points keep the ids they had in t@v1 (matched across renumbering)" in imported["notes"]

    v2 = walk(c.ok_json("draft", "show", "t@v2")["points"])
    eids = {label: eid for eid, label, _, _ in v2 if label.startswith("Article")}
    assert eids["Article 3"] == "art_2" and eids["Article 9"] == "art_8"
    for n in range(2, 9):  # every article after the new one: printed one higher, v1's id kept
        suffix = " [number inferred]" if n in (6, 7) else ""
        assert eids[f"Article {n + 1}{suffix}"] == f"art_{n}"
    fresh = eids["Article 2"]
    assert fresh not in {eid for eid, *_ in v1} and fresh.startswith("art_")
    assert [eid for eid, *_ in v2].count(fresh) == 1
    assert {eid for eid, *_ in v2} == {eid for eid, *_ in v1} | {fresh}
    old_texts = {eid: text for eid, _, _, text in v1}
    changed = {eid for eid, _, _, text in v2 if eid in old_texts and old_texts[eid] != text}
    assert changed == {"art_2"}

    compared = c.ok_json("redline", "t@v1", "t@v2")
    # 18 v1 points all found again: art_2's text changed, the other 17 did not; one point added;
    # the 7 articles after it (art_2..art_8) printed one higher; their unnumbered paragraphs have no
    # label to change, and nothing changed place relative to the rest
    assert compared["summary"] == {
        "unchanged": 17,
        "changed": 1,
        "added": 1,
        "removed": 0,
        "moved": 0,
        "renumbered": 7,
    }
    by_eid = {p["new_eid"]: p for p in compared["points"]}
    assert by_eid[fresh]["status"] == "added" and by_eid[fresh]["new_label"] == "Article 2"
    assert {e for e, p in by_eid.items() if p["renumbered"]} == {f"art_{n}" for n in range(2, 9)}
    art_2 = by_eid["art_2"]
    assert (art_2["status"], art_2["old_label"], art_2["new_label"]) == ("changed", "Article 2", "Article 3")
    assert [op for op in art_2["diff"] if op[0] != "equal"] == [["delete", "principles"], ["insert", SCRIPT]]

    piped = c.ok("redline", "t@v1", "t@v2").stdout  # not a terminal: changes marked in the text itself
    assert "[-principles-]{+" + SCRIPT + "+}" in piped
    assert "Article 3 [changed, renumbered] (was Article 2)" in piped

    html, word = tmp_path / "redline.html", tmp_path / "redline.docx"
    result = c.ok("redline", "t@v1", "t@v2", "--html", str(html), "--docx", str(word))
    assert result.stdout == ""
    messages = plain(result.stderr).splitlines()
    assert messages[:2] == [f"wrote {html}", f"wrote {word}"]
    assert "1 changed, 1 added, 0 removed, 0 moved, 7 renumbered, 17 unchanged" in messages[2]

    page = html.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()

    with zipfile.ZipFile(word) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    inserted = ["".join(t.text or "" for t in el.iter(f"{W}t")) for el in body.iter(f"{W}ins")]
    deleted = ["".join(t.text or "" for t in el.iter(f"{W}delText")) for el in body.iter(f"{W}del")]
    old_labels = ["Article 2", "Article 3", "Article 4", "Article 5", "Article 6 [number inferred]"]
    old_labels += ["Article 7 [number inferred]", "Article 8"]
    new_labels = ["Article 3", "Article 4", "Article 5", "Article 6", "Article 7 [number inferred]"]
    new_labels += ["Article 8 [number inferred]", "Article 9"]
    assert Counter(t for t in deleted if t) == Counter([*old_labels, "principles"])
    assert Counter(t for t in inserted if t) == Counter(
        [*new_labels, SCRIPT, "Article 2 Each Party shall publish this Treaty."]
    )
    assert docx.Document(str(word)).paragraphs  # Word's own reader opens it


# ---- Word tracked changes ------------------------------------------------------------------------


def test_tracked_changes_in_a_word_file_are_shown_as_amendments(c: Cli, tmp_path: Path) -> None:
    path = tmp_path / "tracked.docx"
    path.write_bytes(_save(_tracked()))
    assert c.ok_json("draft", "import", str(path), *ON_TRACK)["version"] == "tracked@v1"

    shown = c.ok_json("draft", "show", "tracked@v1")
    # the points read as the text stood before the changes; the changes are the proposals
    assert ("art_1__para_1", "1.", None, "The Parties shall not deploy forces.") in walk(shown["points"])
    assert shown["amendments"] == [
        {
            "eid": "art_1__para_1",
            "text": "The Parties shall deploy forces anywhere.",
            "author": "Alice",
            "date": "2021-12-20T10:00:00Z",
        },
        {
            "eid": "art_1__para_2",
            "text": "Each Party may notify the other.",
            "author": "Bob, Alice",
            "date": "2021-12-21T09:30:00Z",
        },
        {
            "eid": "art_2",
            "text": "This Treaty enters into force.",
            "author": "Bob",
            "date": "2021-12-21T09:30:00Z",
        },
        {
            "eid": "art_3",
            "text": "It is of unlimited duration open for signature.",
            "author": "Bob",
            "date": "2021-12-21T09:30:00Z",
        },
    ]

    table = plain(c.ok("draft", "show", "tracked@v1").stdout)
    assert "amendments proposed in the file (tracked changes)" in table
    amendments = table.split("amendments proposed in the file")[1]
    for eid, text, who in [
        ("art_1__para_1", "The Parties shall deploy forces anywhere.", "Alice"),
        ("art_1__para_2", "Each Party may notify the other.", "Bob, Alice"),
        ("art_2", "This Treaty enters into force.", "Bob"),
        ("art_3", "It is of unlimited duration open for signature.", "Bob"),
    ]:
        row = next(line for line in amendments.splitlines() if f" {eid} " in line)
        assert text in row and who in row, row
