"""Render a signed instrument as an A4 PDF (WeasyPrint) that carries its own proof: the proof file is
embedded as `instrument-proof.json`, so `inwriting instrument verify THIS.pdf` checks the signatures
with no server and no network. `read_pdf_proof` reads that attachment back.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, StrictUndefined
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError

from inwriting.errors import InvalidInput
from inwriting.record.instrument import (
    PROOF_FORMAT,
    SIGNATURE_DOMAIN,
    InstrumentText,
    Proof,
    TextPoint,
    load_proof,
    read_text,
)

PROOF_ATTACHMENT = "instrument-proof.json"
MAX_PDF = 64 << 20

# Autoescape is on for every value, so no party's text can ever be read as markup.
_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)

_TEMPLATE = _ENV.from_string(
    """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="inwriting">
<title>{{ text.title }}</title>
<style>
@page {
  size: A4;
  margin: 22mm 20mm 24mm 22mm;
  @bottom-left { content: element(footer); vertical-align: top; }
  @bottom-right { content: "page " counter(page) " of " counter(pages); vertical-align: top;
                  font: 8.5pt serif; color: #555; }
}
html { font: 11pt/1.45 serif; color: #111; }
body { margin: 0; overflow-wrap: anywhere; }
.running { position: running(footer); font-size: 8.5pt; color: #555; }
.running p { margin: 0; }
.kind { font-size: 10pt; letter-spacing: .04em; margin: 0; color: #444; }
h1 { font-size: 17pt; line-height: 1.25; margin: .2em 0 .5em; }
h2 { font-size: 12.5pt; margin: 1.6em 0 .5em; break-after: avoid; }
table.facts { border-collapse: collapse; font-size: 9.5pt; margin-bottom: 1em; }
table.facts th { text-align: left; font-weight: bold; padding: 0 1em .15em 0; vertical-align: top;
                 white-space: nowrap; }
table.facts td { padding: 0 0 .15em 0; }
.text { white-space: pre-wrap; }
.preamble { margin: 1.2em 0; }
.point { margin: .45em 0 .45em calc(var(--depth) * 1.6em); }
.point .head { font-weight: bold; break-after: avoid; margin: .9em 0 .25em; }
.point p { margin: .3em 0; }
.label { font-weight: bold; }
.signatures { break-before: auto; }
.signature { break-inside: avoid; border-top: 1px solid #999; padding-top: .4em; margin-top: 1em; }
.signature h3 { font-size: 11pt; margin: 0 0 .3em; }
code, .mono { font-family: monospace; font-size: 8.5pt; white-space: nowrap; }
.sig { font-family: monospace; font-size: 7.5pt; word-break: break-all; overflow-wrap: anywhere; }
.hash { font-family: monospace; font-size: 8.5pt; word-break: break-all; }
.verify { font-size: 9.5pt; break-inside: avoid; }
.verify pre { font-size: 8.5pt; background: #f3f3f3; padding: .4em .6em; white-space: pre-wrap; }
</style>
</head>
<body>
<div class="running">
<p>Instrument {{ proof.instrument }}{% if generated %} · generated {{ generated }}{% endif %}</p>
</div>
<header>
<p class="kind">{{ kind }}</p>
<h1>{{ text.title }}</h1>
<table class="facts">
{% for label, value in status %}
<tr class="status"><th>{{ label }}</th><td>{{ value }}</td></tr>
{% endfor %}
<tr><th>Instrument</th><td>{{ proof.instrument }}</td></tr>
<tr><th>Log</th><td>{{ proof.origin }}</td></tr>
<tr><th>Parties</th><td>{% for party in text.parties %}{{ name(party) }}{% if not loop.last %}; {% endif %}\
{% endfor %}</td></tr>
{% if text.sources %}
<tr><th>Text of</th><td>{{ text.sources | join(", ") }}</td></tr>
{% endif %}
</table>
</header>
<main>
{% if text.preamble %}
<section class="preamble">
{% for para in paragraphs(text.preamble) %}
<p class="text">{{ para }}</p>
{% endfor %}
</section>
{% endif %}
{% for point, depth in points %}
<section class="point" id="{{ point.eid }}" style="--depth: {{ depth }}">
{% if point.heading is not none or depth == 0 %}
<p class="head">{{ point.label }}{% if point.heading %} {{ point.heading }}{% endif %}</p>
{% for para in paragraphs(point.text) %}
<p class="text">{{ para }}</p>
{% endfor %}
{% else %}
{% for para in paragraphs(point.text) or [""] %}
<p class="text">{% if loop.first and point.label %}<span class="label">{{ point.label }}</span> {% endif %}\
{{ para }}</p>
{% endfor %}
{% endif %}
</section>
{% endfor %}
</main>
<section class="signatures">
<h2>Signatures</h2>
{% for s in proof.signatures %}
<div class="signature">
<h3>For {{ name(s.party) }}</h3>
<table class="facts">
<tr><th>Signatory</th><td>{{ s.signatory }}</td></tr>
<tr><th>Place</th><td>{{ s.place }}</td></tr>
<tr><th>Date</th><td>{{ s.date }}</td></tr>
<tr><th>Key id</th><td class="mono">{{ s.key_id }}</td></tr>
<tr><th>Signature</th><td class="sig">{{ s.signature }}</td></tr>
</table>
</div>
{% else %}
<p>No party has signed this text.</p>
{% endfor %}
<p><strong>Text hash</strong> <span class="hash">{{ proof.text_hash }}</span></p>
</section>
<section class="verify">
<h2>How to verify offline</h2>
<p>This PDF embeds the file <code>{{ attachment }}</code> ({{ proof_format }}): the instrument's canonical
text with its salt, the signatures above and the signers' public keys. Check it with no server and
no network:</p>
<pre>inwriting instrument verify THIS.pdf</pre>
<p>The check recomputes SHA-256(salt ‖ text) over the embedded text, which must give the text hash
above, and verifies each Ed25519 signature over the bytes <code>{{ domain }}</code> followed by the
RFC 8785 canonical JSON of {instrument, text, party, signatory, place, date, key_id}, where
<code>text</code> is that hash. One changed character in the text makes every signature fail.</p>
<p>The check covers the embedded text, which these pages render; any PDF reader lists the attachment.
Whether a key is really a party's is what the negotiation's log says: compare the key ids above with
the party keys in the log, verified with <code>inwriting verify BUNDLE</code>.</p>
</section>
</body>
</html>
"""
)


def to_pdf(
    proof: Proof,
    *,
    party_names: Mapping[str, str] = {},
    status: Sequence[tuple[str, str]] = (),
    generated: str | None = None,
) -> bytes:
    """The instrument in `proof` as an A4 PDF with `proof.dumps()` embedded as `instrument-proof.json`.

    `party_names` maps party ids to the names shown beside them; `status` rows (label, value) are shown
    under the title; `generated` is a timestamp for the footer. The proof is rendered as given: verify
    it first. Raises InvalidInput if the proof's text is not an instrument text.
    """
    # WeasyPrint (and pango) load when a PDF is made, never when one is only read
    from weasyprint import HTML, Attachment  # type: ignore[import-untyped]

    text = read_text(proof.text)

    def name(party: str) -> str:
        shown = party_names.get(party)
        return f"{shown} ({party})" if shown and shown != party else party

    html = _TEMPLATE.render(
        proof=proof,
        text=text,
        kind=text.kind.replace("-", " ").capitalize(),
        points=_with_depth(text),
        status=list(status),
        generated=generated,
        name=name,
        paragraphs=_paragraphs,
        attachment=PROOF_ATTACHMENT,
        proof_format=PROOF_FORMAT,
        domain=SIGNATURE_DOMAIN.decode("ascii").replace("\n", "\\n"),
    )
    fetcher = _offline()
    now = datetime.now(UTC)
    attachment = Attachment(
        string=proof.dumps(),
        name=PROOF_ATTACHMENT,
        description=f"Signed instrument proof ({PROOF_FORMAT}): inwriting instrument verify THIS.pdf",
        created=now,
        modified=now,
        url_fetcher=fetcher,
    )
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(attachments=[attachment])
    return pdf


def read_pdf_proof(data: bytes) -> Proof:
    """The proof embedded in a PDF made by `to_pdf`.

    Raises InvalidInput for a file over 64 MB, a file pypdf cannot read (not a PDF, truncated), a PDF
    that needs a password, and a PDF without exactly one `instrument-proof.json` that is a proof.
    """
    if len(data) > MAX_PDF:
        raise InvalidInput(f"the file is {len(data)} bytes; an instrument PDF is at most 64 MB")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise InvalidInput("the PDF is encrypted and needs a password to open; use the unprotected copy")
        found = reader.attachments.get(PROOF_ATTACHMENT, [])
    except InvalidInput:
        raise
    except (
        PyPdfError,
        DependencyError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OSError,
    ) as exc:
        # pypdf reports a damaged file through its own errors and, deeper in, through these
        raise InvalidInput(f"the file is not a readable PDF: {exc or type(exc).__name__}") from None
    if not found:
        raise InvalidInput(f"the PDF has no {PROOF_ATTACHMENT} attachment: it is not an instrument PDF")
    if len(found) > 1:
        raise InvalidInput(f"the PDF has {len(found)} attachments named {PROOF_ATTACHMENT}; expected one")
    try:
        return load_proof(found[0])
    except InvalidInput as exc:
        raise InvalidInput(exc.message, where=f"{PROOF_ATTACHMENT} in the PDF") from None


def _offline() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL (an empty set of allowed protocols), so that
    nothing in a text can make the renderer read a file or reach the network."""
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    return URLFetcher(allowed_protocols=frozenset())


def _with_depth(text: InstrumentText) -> list[tuple[TextPoint, int]]:
    depth: dict[str, int] = {}
    out = []
    for point in text.points:
        # a parent always comes before its sub-points; an unknown parent leaves the point at the top
        depth[point.eid] = depth.get(point.parent, -1) + 1 if point.parent else 0
        out.append((point, depth[point.eid]))
    return out


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


__all__ = ["MAX_PDF", "PROOF_ATTACHMENT", "read_pdf_proof", "to_pdf"]
