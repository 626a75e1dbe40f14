"""Write a ready-to-fill answer file for a version: every point listed with `?` for its position
(and its heading in a comment), in the convention that `importers.answer` reads. The draft's text is
not copied in: an answer is kept as received, and publishing it must not publish the draft.
"""

from __future__ import annotations

from inwriting.domain.documents import DraftText, Point
from inwriting.domain.model import POSITIONS

_GUIDE = f"""<!--
How to answer: after each point's colon, replace "?" with one position:
  {" | ".join(POSITIONS)}
amend, counter and clarify need their text quoted under the heading ("> ..."): the new text, the
counter-text or the question. Add a paragraph "Reason: ..." to say why (optional).
A point left at "?" (or deleted) stays unanswered, and `inwriting status` will name it.
A position on an article covers its paragraphs unless a paragraph has its own.
Add points of your own as "## New: LABEL" with their text quoted below.
Read the draft's text beside this file (`inwriting draft show VERSION`): it is not copied here,
because your answer is kept as received and may be published one day without the draft.
-->"""


def _comment(text: str) -> str:
    # "-->" inside would close the comment early and "--" is not allowed in a comment at all: break
    # every run of hyphens ("--->" included) until none is left
    while "--" in text:
        text = text.replace("--", "- -")
    return "<!-- " + text.replace("\n\n", "\n") + " -->"


def _sections(point: Point, path: str, out: list[str]) -> None:
    label = f"{path} {point.label}".strip() if point.label else path
    out.append(f"## {label} {{{point.eid}}}: ?")
    if point.heading:  # only the heading: the answer is kept as received and may be published one
        out.append(_comment(point.heading))  # day, when it must not carry the draft's words with it
    for child in point.children:
        _sections(child, label, out)


def to_answer_template(version: str, draft: DraftText) -> str:
    blocks = [f"# Answer to {version}: {draft.title.replace(chr(10), ' ')}", _GUIDE]
    for point in draft.points:
        _sections(point, "", blocks)
    return "\n\n".join(blocks) + "\n"
