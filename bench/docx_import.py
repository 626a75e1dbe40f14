"""Word import of a ~500-page draft: `parse_docx` time and memory, with the export and the plain-text
parse of the same draft for scale.

The draft is synthetic: 1,000 articles of 3 numbered paragraphs of 85 words (255,000 words, ~510 pages
at 500 words a page), every 20th paragraph carrying an amendment written as Word tracked changes. The
parse runs in a fresh process so that its peak resident memory (VmHWM) is its own.

    .venv/bin/python bench/docx_import.py [--quick]
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Results, parse_args, section, vm_hwm_mib
from inwriting.domain.documents import Amendment, DraftText, Point
from inwriting.exporters.docx import to_docx
from inwriting.exporters.markdown import to_markdown
from inwriting.importers.docx import parse_docx
from inwriting.importers.text import parse_markdown

WORDS_PER_PAGE = 500
WORDS = (
    "the Parties shall not deploy forces armaments territory security guarantees cooperation military"
    " alliance coalition international organization principle Charter United Nations undertake refrain"
    " measures interests national airspace waters consultation mechanism dispute settlement provisions"
)
VOCABULARY = WORDS.split()


def sentence(rng: random.Random, words: int) -> str:
    return "The " + " ".join(rng.choice(VOCABULARY) for _ in range(words - 1)) + "."


def make_draft(articles: int, paras: int, words: int) -> DraftText:
    rng = random.Random(2021)
    points = []
    amendments = []
    for a in range(1, articles + 1):
        children = []
        for n in range(1, paras + 1):
            eid = f"art_{a}__para_{n}"
            text = sentence(rng, words)
            children.append(Point(eid, f"{n}.", text))
            if ((a - 1) * paras + n) % 20 == 0:
                changed = text.split(" ")
                changed[5:9] = ["shall", "never"]
                amendments.append(Amendment(eid, " ".join(changed), "Bench", "2026-01-01T00:00:00Z"))
        points.append(Point(f"art_{a}", f"Article {a}", "", "Heading", tuple(children)))
    return DraftText(
        "Synthetic treaty", "The Parties have agreed as follows:", tuple(points), (), (), tuple(amendments)
    )


def word_like(data: bytes) -> bytes:
    """The same file with each paragraph's text split into runs of ~10 words carrying run properties and
    revision ids, as Word writes text that was edited over time (its XML is several times larger)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document(io.BytesIO(data))
    for run in list(document.element.body.iter(qn("w:r"))):
        t = run.find(qn("w:t"))
        if t is None or not t.text:
            continue
        words = t.text.split(" ")
        for i in range(0, len(words), 10):
            piece = OxmlElement("w:r", {qn("w:rsidR"): f"{i:08X}"})
            rpr = OxmlElement("w:rPr")
            rpr.append(
                OxmlElement("w:rFonts", {qn("w:ascii"): "Times New Roman", qn("w:hAnsi"): "Times New Roman"})
            )
            rpr.append(OxmlElement("w:sz", {qn("w:val"): "24"}))
            piece.append(rpr)
            text = OxmlElement(
                "w:delText" if t.tag == qn("w:delText") else "w:t", {qn("xml:space"): "preserve"}
            )
            text.text = " ".join(words[i : i + 10]) + (" " if i + 10 < len(words) else "")
            piece.append(text)
            run.addprevious(piece)
        run.getparent().remove(run)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def parse_in_child(path: Path) -> dict[str, float]:
    """Run this script with --parse in a fresh process; return its figures."""
    out = subprocess.run(
        [sys.executable, __file__, "--parse", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def child(path: Path) -> None:
    data = path.read_bytes()
    before = vm_hwm_mib()
    started = time.perf_counter()
    draft = parse_docx(data, source=path.name)
    seconds = time.perf_counter() - started
    hwm = vm_hwm_mib()
    del draft
    tracemalloc.start()  # a second run, slower, for the Python-heap peak (lxml's C heap is not traced)
    draft = parse_docx(data, source=path.name)
    traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    figures = {
        "seconds": seconds,
        "points": sum(1 for _ in draft.walk()),
        "amendments": len(draft.amendments),
        "hwm_before": before,
        "hwm_after": hwm,
        "traced_peak": traced,
    }
    print(json.dumps(figures))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--parse":
        child(Path(sys.argv[2]))
        return
    args = parse_args(__doc__.split("\n\n")[0])
    articles, paras, words = (50, 3, 85) if args.quick else (1_000, 3, 85)
    results = Results("docx_import")
    draft = make_draft(articles, paras, words)
    total_words = sum(len(p.text.split()) for p in draft.walk())
    section(f"a draft of {articles:,} articles x {paras} paragraphs x {words} words")
    results.add("words", total_words, "words")
    results.add("pages at 500 words a page", total_words / WORDS_PER_PAGE, "pages")
    results.add("amendments (tracked changes)", len(draft.amendments), "amendments")
    started = time.perf_counter()
    data = to_docx(draft)
    results.add("to_docx", time.perf_counter() - started, "s", higher_is_better=False)
    expected = (sum(1 for _ in draft.walk()), len(draft.amendments))
    for name, variant in (("as to_docx writes it", data), ("as Word writes it", word_like(data))):
        with tempfile.TemporaryDirectory(prefix="inwriting-bench-") as tmp:
            path = Path(tmp) / "synthetic.docx"
            path.write_bytes(variant)
            section(f"parse_docx in a fresh process, the file {name}")
            figures = parse_in_child(path)
        results.add(f"{name}: file size", len(variant) / 1024 / 1024, "MiB", higher_is_better=False)
        results.add(f"{name}: parse_docx", figures["seconds"], "s", higher_is_better=False)
        per_100 = figures["seconds"] / (total_words / WORDS_PER_PAGE) * 100
        results.add(f"{name}: parse_docx per 100 pages", per_100, "s", higher_is_better=False)
        results.add(f"{name}: peak resident memory of the process", figures["hwm_after"], "MiB")
        results.add(f"{name}:   grown during parse_docx", figures["hwm_after"] - figures["hwm_before"], "MiB")
        results.add(f"{name}: Python-heap peak (tracemalloc)", figures["traced_peak"], "MiB")
        if (figures["points"], figures["amendments"]) != expected:
            results.note(
                f"{name}: read {figures['points']} points, {figures['amendments']} amendments;"
                f" expected {expected[0]} and {expected[1]}"
            )
    section("for scale: the same draft as Markdown through parse_markdown")
    text = to_markdown(draft)
    started = time.perf_counter()
    parse_markdown(text)
    results.add("parse_markdown", time.perf_counter() - started, "s", higher_is_better=False)
    results.finish(args.json)


if __name__ == "__main__":
    main()
