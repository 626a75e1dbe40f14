"""Where each thing's page is: one function per kind of page, used by the page modules and (as
globals) by the templates, so that every link is built and quoted the same way."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def _seg(value: str) -> str:
    return quote(value, safe="@")


def version_url(version: str) -> str:
    return f"/versions/{_seg(version)}"


def positions_url(version: str, party: str) -> str:
    return f"/versions/{_seg(version)}/answers/{_seg(party)}"


def answer_form_url(version: str) -> str:
    return f"/versions/{_seg(version)}/answer"


def alignment_url(answer: str) -> str:
    """A prose answer's paragraphs beside the points they seem to answer, and their confirmation."""
    return f"/answers/{quote(answer, safe='@/')}/alignment"


def handover_url(version: str) -> str:
    return f"/versions/{_seg(version)}/handover"


def export_url(version: str, fmt: str) -> str:
    return f"/versions/{_seg(version)}/export?{urlencode({'format': fmt})}"


def text_url(text: str) -> str:
    """A version's page, or for an answer the answering party's positions on its version."""
    version, sep, rest = text.partition("/answer/")
    return positions_url(version, rest.split("/")[0]) if sep else version_url(version)


def track_url(track: str) -> str:
    return f"/tracks/{_seg(track)}"


def import_url(track: str) -> str:
    return f"/tracks/{_seg(track)}/import"


def meeting_anchor(meeting: str) -> str:
    return "meeting-" + meeting.replace("/", "--")


def meeting_url(track: str, meeting: str) -> str:
    return f"{track_url(track)}#{meeting_anchor(meeting)}"


def matrix_url(scope: str) -> str:
    return f"/matrix/{_seg(scope)}"


def redline_url(old: str, new: str) -> str:
    return f"/redline?{urlencode({'old': old, 'new': new})}"


def disclosure_url(text: str) -> str:
    return f"/disclosure?{urlencode({'text': text})}"


def instrument_url(instrument: str) -> str:
    return f"/instruments/{_seg(instrument)}"


def search_url(query: str) -> str:
    return f"/search?{urlencode({'q': query})}"


GLOBALS = {
    f.__name__: f
    for f in (
        version_url,
        positions_url,
        answer_form_url,
        alignment_url,
        handover_url,
        export_url,
        text_url,
        track_url,
        import_url,
        meeting_anchor,
        meeting_url,
        matrix_url,
        redline_url,
        disclosure_url,
        instrument_url,
        search_url,
    )
}
