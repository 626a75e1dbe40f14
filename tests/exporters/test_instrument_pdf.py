"""The instrument PDF: it shows the text, the signatures and the text hash, it carries the proof that
`inwriting instrument verify` checks offline, a changed character fails every signature, parties' text
stays text, and the renderer fetches nothing. Proofs are built with real keys and real signatures.
"""

from __future__ import annotations

import dataclasses
import http.server
import io
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import weasyprint  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from inwriting.domain.documents import DraftText, Point
from inwriting.errors import InvalidInput, VerificationError
from inwriting.exporters import instrument_pdf
from inwriting.exporters.instrument_pdf import PROOF_ATTACHMENT, read_pdf_proof, to_pdf
from inwriting.record.blob import blob_hash, new_salt
from inwriting.record.instrument import Proof, check_proof, instrument_text, read_text, sign, verify_proof
from inwriting.record.keys import SigningKey

INSTRUMENT = "usa-ussr/incsea"
NAMES = {"usa": "United States of America", "ussr": "Union of Soviet Socialist Republics"}
SIGNATORIES = {"usa": "John W. Warner", "ussr": "Sergei G. Gorshkov"}
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def _draft(extra: str = "") -> DraftText:
    return DraftText(
        "Agreement on the Prevention of Incidents On and Over the High Seas",
        "The Parties,\n\nDesiring to assure the safety of navigation, have agreed as follows:",
        (
            Point(
                "art_1",
                "Article 1",
                "For the purposes of this Agreement:",
                "Definitions",
                (
                    Point("art_1__para_1", "1.", '"Ship" means any warship of the Parties.'),
                    Point(
                        "art_1__para_2",
                        "2.",
                        "Aircraft means military manned heavier-than-air craft",
                        None,
                        (Point("art_1__para_2__point_a", "(a)", "[GAP: not available]"),),
                    ),
                ),
            ),
            Point("art_2", "Article 2", f"The Parties shall take measures to observe the Rules.{extra}"),
        ),
    )


def _proof(draft: DraftText, *, signatory: dict[str, str] = SIGNATORIES) -> Proof:
    keys = {"usa": SigningKey.generate(), "ussr": SigningKey.generate()}
    text = instrument_text(
        instrument=INSTRUMENT, kind="agreement", draft=draft, sources=["incsea/text@v4"], parties=list(keys)
    )
    salt = new_salt()
    text_hash = blob_hash(salt, text)
    signatures = tuple(
        sign(
            key,
            instrument=INSTRUMENT,
            text_hash=text_hash,
            party=party,
            signatory=signatory[party],
            place="Moscow",
            date="1972-05-25",
        )
        for party, key in keys.items()
    )
    public: dict[str, str] = {key.key_id: key.public.b64 for key in keys.values()}
    return Proof("https://log.example.org", INSTRUMENT, text_hash, salt, text, signatures, public)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _shows(pdf_text: str, needle: str) -> bool:
    """`needle` is in the text, wherever the layout broke its lines."""
    return "".join(needle.split()) in "".join(pdf_text.split())


@pytest.fixture(scope="module")
def proof() -> Proof:
    return _proof(_draft())


@pytest.fixture(scope="module")
def pdf(proof: Proof) -> bytes:
    return to_pdf(
        proof,
        party_names=NAMES,
        status=[("Status", "In force since 1972-05-25")],
        generated="2024-05-01 12:00 UTC",
    )


def test_the_pages_show_the_text_the_signatures_and_the_hash(proof: Proof, pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    shown = read_text(proof.text)
    for needle in [
        shown.title,
        "Agreement",
        INSTRUMENT,
        "Desiring to assure the safety of navigation",
        *(p.label for p in shown.points),
        "Definitions",
        "[GAP: not available]",
        *SIGNATORIES.values(),
        *NAMES.values(),
        *(s.key_id for s in proof.signatures),
        *(s.signature for s in proof.signatures),
        proof.text_hash,
        "Status",
        "In force since 1972-05-25",
        "generated 2024-05-01 12:00 UTC",
        "How to verify offline",
        "inwriting instrument verify THIS.pdf",
        "inwriting/instrument-signature/v1\\n",
    ]:
        assert _shows(text, needle), needle


def test_every_page_says_page_n_of_m(pdf: bytes) -> None:
    pages = PdfReader(io.BytesIO(pdf)).pages
    for number, page in enumerate(pages, 1):
        assert f"page {number} of {len(pages)}" in page.extract_text()


def test_sub_points_are_indented_under_their_parent(pdf: bytes) -> None:
    starts: dict[str, float] = {}

    def seen(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        word = text.strip().split(" ")[0]
        if word in {"Article", "1.", "(a)"} and word not in starts:
            starts[word] = cm[4] + tm[4] * cm[0]

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=seen)
    assert starts["Article"] < starts["1."] < starts["(a)"]


def test_the_embedded_proof_is_the_proof_and_verifies(proof: Proof, pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments[PROOF_ATTACHMENT] == [proof.dumps()]
    back = read_pdf_proof(pdf)
    assert back == proof
    report = verify_proof(back)
    assert report.ok and report.computed_hash == proof.text_hash
    assert {s.party for s in report.signatures} == {"usa", "ussr"}


def test_one_changed_character_fails_every_signature(proof: Proof) -> None:
    tampered = dataclasses.replace(proof, text=proof.text.replace(b"observe", b"0bserve"))
    back = read_pdf_proof(to_pdf(tampered, party_names=NAMES))
    assert back.text == tampered.text
    report = check_proof(back)
    assert not report.ok and report.computed_hash != proof.text_hash
    assert [s.ok for s in report.signatures] == [False, False]
    with pytest.raises(VerificationError) as failed:
        verify_proof(back)
    assert "2 of 2 signatures fail" in str(failed.value)
    for party, signatory in SIGNATORIES.items():
        assert f"{party} ({signatory}" in str(failed.value)


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A web server on the loopback that records every request; yields its URL and the requests."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    try:
        httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    except OSError as exc:
        pytest.skip(f"no loopback network to serve on: {exc}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_hostile_text_is_rendered_as_text_and_fetches_nothing(server: tuple[str, list[str]]) -> None:
    url, requests = server
    markup = (
        f'<script>fetch("{url}/script")</script><img src={url}/img>'
        f'<link rel=stylesheet href="{url}/css"><a rel=attachment href="{url}/file">x</a>'
        f'<style>@import "{url}/import"; p {{ background: url({url}/bg) }}</style>'
    )
    hostile = _proof(_draft(extra=f" {markup}"), signatory={"usa": HOSTILE, "ussr": "Gorshkov"})
    pdf = to_pdf(
        hostile,
        party_names={"usa": HOSTILE},
        status=[(HOSTILE, HOSTILE)],
        generated=f"<img src={url}/footer>",
    )
    text = _text(pdf)
    assert _shows(text, markup)
    assert _shows(text, f"{HOSTILE} (usa)")
    assert text.count('<script>alert("x")</script>') >= 4  # party name, status label and value, signatory
    assert requests == []
    assert read_pdf_proof(pdf) == hostile


@pytest.mark.parametrize("offline", [True, False], ids=["offline fetcher", "control: default fetcher"])
def test_the_renderer_refuses_every_url(offline: bool, server: tuple[str, list[str]]) -> None:
    """Markup that did reach the renderer still fetches nothing; the control shows the server answers."""
    url, requests = server
    fetcher = instrument_pdf._offline() if offline else weasyprint.urls.URLFetcher(timeout=5)
    html = f'<link rel=stylesheet href="{url}/css"><img src="{url}/img"><p>text</p>'
    weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert (requests == []) is offline


def _plain_pdf(attachments: Sequence[tuple[str, bytes]] = ()) -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for name, data in attachments:
        writer.add_attachment(name, data)
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _encrypted(pdf: bytes, *, user: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password=user, owner_password="owner-secret", algorithm="AES-256")
    return _bytes(writer)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("garbage", "not a readable PDF"),
        ("empty", "not a readable PDF"),
        ("truncated", "not a readable PDF"),
        ("no attachment", f"no {PROOF_ATTACHMENT} attachment"),
        ("two attachments", f"2 attachments named {PROOF_ATTACHMENT}"),
        ("not a proof", "not an instrument proof"),
        ("needs a password", "needs a password"),
        ("too big", "at most 64 MB"),
    ],
)
def test_read_pdf_proof_refuses_what_is_not_an_instrument_pdf(pdf: bytes, case: str, message: str) -> None:
    makers: dict[str, Callable[[], bytes]] = {
        "garbage": lambda: b"this is not a PDF at all\n" * 40,
        "empty": lambda: b"",
        "truncated": lambda: pdf[: len(pdf) // 2],
        "no attachment": lambda: _bytes(_plain_pdf()),
        "two attachments": lambda: _bytes(_plain_pdf([(PROOF_ATTACHMENT, b"{}"), (PROOF_ATTACHMENT, b"{}")])),
        "not a proof": lambda: _bytes(_plain_pdf([(PROOF_ATTACHMENT, b'{"format": "something else"}')])),
        "needs a password": lambda: _encrypted(pdf, user="user-secret"),
        "too big": lambda: pdf + b"\0" * (64 << 20),
    }
    with pytest.raises(InvalidInput, match=message):
        read_pdf_proof(makers[case]())


def test_reading_a_pdf_does_not_load_weasyprint(pdf: bytes, tmp_path: Path) -> None:
    """`inwriting instrument verify F.pdf` needs pypdf only, not WeasyPrint and pango."""
    (tmp_path / "signed.pdf").write_bytes(pdf)
    script = (
        "import sys; from pathlib import Path;"
        " from inwriting.exporters.instrument_pdf import read_pdf_proof;"
        f" read_pdf_proof(Path({str(tmp_path / 'signed.pdf')!r}).read_bytes());"
        " print(sorted(m for m in sys.modules if m.split('.')[0] in ('weasyprint', 'pydyf', 'tinycss2')))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_pdf_that_opens_without_a_password_is_read(proof: Proof, pdf: bytes) -> None:
    """Encryption that only restricts printing or copying does not hide the proof."""
    assert read_pdf_proof(_encrypted(pdf, user="")) == proof


_TEXTS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200)


@settings(max_examples=8, deadline=None)
@given(title=_TEXTS, own=_TEXTS, sub=_TEXTS)
def test_any_text_round_trips_through_the_embedded_proof(title: str, own: str, sub: str) -> None:
    draft = DraftText(
        title, "", (Point("art_1", "Article 1", own, None, (Point("art_1__para_1", "1.", sub),)),)
    )
    original = _proof(draft)
    back = read_pdf_proof(to_pdf(original))
    assert back == original
    shown = read_text(back.text)
    assert (shown.title, shown.points[0].text, shown.points[1].text) == (title, own, sub)
    assert verify_proof(back).ok
