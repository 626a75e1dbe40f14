"""Every importer, fed damaged copies of real files and arbitrary bytes: it reads them or refuses them
with InvalidInput (a clear message), and never fails any other way. The seeds are a real treaty draft
(as text, Markdown, Word, PDF and Akoma Ntoso, each made by our own exporters), an answer file and a
prose answer; hypothesis flips, cuts and splices their bytes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inwriting.errors import InvalidInput
from inwriting.importers import parse_file
from inwriting.importers.answer import parse_answer
from inwriting.importers.prose import MEDIA_TYPES, read_prose

TREATY = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "draft_treaty_us_ru_2021-12-17.txt"
pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {TREATY.parent}")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@cache
def seeds() -> dict[str, bytes]:
    """A real draft in every format the importers read, written by our exporters."""
    from inwriting.exporters.akn import to_akn
    from inwriting.exporters.docx import to_docx
    from inwriting.exporters.html import to_html
    from inwriting.exporters.markdown import to_markdown

    data = TREATY.read_bytes()
    draft = parse_file(data, name=TREATY.name)
    from weasyprint import HTML

    return {
        "draft.txt": data,
        "draft.md": to_markdown(draft).encode(),
        "draft.docx": to_docx(draft),
        "draft.xml": to_akn(draft, name="t"),
        "draft.pdf": HTML(string=to_html(draft)).write_pdf(),
    }


@st.composite
def damaged(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed with some bytes flipped, a piece cut out, or a piece of noise spliced in."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "splice", "truncate"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 512))]
        elif kind == "splice":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            del data[at:]
    return bytes(data)


def reads_or_refuses(name: str, data: bytes) -> None:
    try:
        parse_file(data, name=name)
    except InvalidInput as exc:
        assert exc.message


@pytest.mark.parametrize("name", ["draft.txt", "draft.md", "draft.docx", "draft.xml", "draft.pdf"])
def test_damaged_drafts_are_read_or_refused(name: str) -> None:
    seed = seeds()[name]

    @FUZZ
    @given(damaged(seed))
    def check(data: bytes) -> None:
        reads_or_refuses(name, data)

    check()


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(["a.txt", "a.md", "a.docx", "a.xml", "a.pdf"]))
def test_any_bytes_are_read_or_refused(data: bytes, name: str) -> None:
    reads_or_refuses(name, data)


OUTLINE = (("art_1", "Article 1"), ("art_2", "Article 2"), ("art_4", "Article 4"))
ANSWER = b"""# Answer

## Article 1 {art_1}: accept

## Article 4 {art_4}: counter
> NATO's door remains open.

Reason: the Paris Charter.

## New: Article 9
> Notifications of exercises.
"""


@FUZZ
@given(damaged(ANSWER))
def test_damaged_answer_files_are_read_or_refused(data: bytes) -> None:
    try:
        parse_answer(data, outline=OUTLINE, source="answer.md")
    except InvalidInput as exc:
        assert exc.message


@pytest.mark.parametrize("name", ["draft.txt", "draft.md", "draft.docx", "draft.pdf"])
def test_damaged_prose_answers_are_read_or_refused(name: str) -> None:
    kind = {"txt": "text", "md": "markdown", "docx": "docx", "pdf": "pdf"}[name.rsplit(".", 1)[1]]

    @FUZZ
    @given(damaged(seeds()[name]))
    def check(data: bytes) -> None:
        try:
            read_prose(data, media_type=MEDIA_TYPES[kind], source=name)
        except InvalidInput as exc:
            assert exc.message

    check()
