"""Whether a prose answer still reads into the paragraphs its confirmed reading names.

An `answer.aligned` event signs the digest of the answer's paragraphs as read (`reading`) and their
count; the rules cannot read the stored answer, so the recorder (on append) and `log verify` (on
every answer) read it here and refuse a reading that does not match the words.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from inwriting.domain.model import Answer
from inwriting.errors import InvalidInput
from inwriting.importers.prose import read_prose, reading_of
from inwriting.storage import schema as t


def reading_mismatch(conn: Connection, answer: Answer) -> str | None:
    """Why the answer's stored text does not read as its confirmed reading says, or None."""
    if answer.reading is None:
        return None
    row = conn.execute(
        select(t.blobs.c.content, t.blobs.c.media_type).where(t.blobs.c.hash == answer.content)
    ).first()
    if row is None:
        return f"its text {answer.content} is not stored"
    try:
        blocks = read_prose(bytes(row.content), media_type=row.media_type, source=answer.id)
    except InvalidInput as exc:
        return f"its text cannot be read as paragraphs: {exc.message}"
    if len(blocks) != answer.paragraphs:
        return f"its text reads as {len(blocks)} paragraphs; the confirmed reading says {answer.paragraphs}"
    found = reading_of(blocks)
    if found != answer.reading:
        return f"its text reads as {found}; the confirmed reading signed {answer.reading}"
    return None
