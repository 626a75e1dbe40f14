"""Instrument PDF time: 100 articles of 3 paragraphs (about 100 KB of text) with two signatures,
rendered by WeasyPrint with the proof embedded (DESIGN: 21 pages in < 1 s).

Prints the pages, the size, the median of several renders, the time to read the embedded proof back
and verify it, whether fonts are embedded (and how they were subset), and the peak resident memory.

    .venv/bin/python bench/instrument_pdf.py [--quick] [--runs N]
"""

from __future__ import annotations

import io
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Results, parse_args, section, vm_hwm_mib
from inwriting.exporters.instrument_pdf import read_pdf_proof, to_pdf
from inwriting.record.blob import blob_hash, new_salt
from inwriting.record.instrument import Proof, instrument_text, sign, verify_proof
from inwriting.record.keys import SigningKey
from redline import build, make_articles

GOAL_S_PER_PAGE = 1 / 21  # DESIGN: 21 pages in < 1 s
INSTRUMENT = "bench/treaty"


def make_proof(articles: int) -> Proof:
    draft = build(make_articles(random.Random(1972), articles), "Treaty on measures")
    keys = {"usa": SigningKey.generate(), "ussr": SigningKey.generate()}
    text = instrument_text(
        instrument=INSTRUMENT, kind="treaty", draft=draft, sources=["bench/text@v1"], parties=list(keys)
    )
    salt = new_salt()
    text_hash = blob_hash(salt, text)
    signatures = tuple(
        sign(
            key,
            instrument=INSTRUMENT,
            text_hash=text_hash,
            party=party,
            signatory=f"Signatory for {party}",
            place="Geneva",
            date="2024-05-01",
        )
        for party, key in keys.items()
    )
    public: dict[str, str] = {key.key_id: key.public.b64 for key in keys.values()}
    return Proof("https://log.example.org", INSTRUMENT, text_hash, salt, text, signatures, public)


def embedded_fonts(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = cast(dict[str, Any], page["/Resources"].get_object())
        for ref in cast(dict[str, Any], resources.get("/Font", {})).values():
            font = ref.get_object()
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described["/FontDescriptor"].get_object()
            if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return sorted(names)


def main() -> None:
    args = parse_args(
        __doc__.split("\n\n")[0], [("--runs", {"type": int, "default": 5, "help": "timed renders"})]
    )
    articles = 10 if args.quick else 100
    results = Results("instrument_pdf")
    section(f"an instrument of {articles} articles x 3 paragraphs, two signatures")
    proof = make_proof(articles)
    results.add("canonical text", len(proof.text) / 1000, "KB")
    from weasyprint.text.ffi import harfbuzz_subset  # type: ignore[import-untyped]

    if harfbuzz_subset is None:
        results.note(
            "libharfbuzz-subset0 is not installed: WeasyPrint subsets fonts with fontTools instead"
            " (slower, and deprecated by WeasyPrint)"
        )
    samples = []
    pdf = b""
    for _ in range(args.runs):
        started = time.perf_counter()
        pdf = to_pdf(proof, party_names={"usa": "United States", "ussr": "Soviet Union"})
        samples.append(time.perf_counter() - started)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    results.add("pages", pages, "pages")
    results.add("PDF size", len(pdf) / 1000, "KB")
    results.add(
        f"to_pdf(), {articles} articles (median of {args.runs})",
        statistics.median(samples),
        "s",
        higher_is_better=False,
        note=f"min {min(samples):.2f}, max {max(samples):.2f}; the first run loads the fonts",
    )
    results.add(
        "to_pdf() per page (DESIGN: 21 pages in < 1 s)",
        statistics.median(samples) / pages,
        "s",
        goal=GOAL_S_PER_PAGE if not args.quick else None,
        higher_is_better=False,
    )
    reads = []
    for _ in range(args.runs):
        started = time.perf_counter()
        verify_proof(read_pdf_proof(pdf))
        reads.append(time.perf_counter() - started)
    results.add(
        f"read_pdf_proof() + verify_proof() (median of {args.runs})",
        statistics.median(reads) * 1000,
        "ms",
        higher_is_better=False,
        note=f"first {reads[0] * 1000:.0f} ms",
    )
    fonts = embedded_fonts(pdf)
    results.note(f"fonts embedded: {', '.join(fonts) if fonts else 'NONE'}")
    results.add("peak resident memory (VmHWM)", vm_hwm_mib(), "MiB", higher_is_better=False)
    results.finish(args.json)


if __name__ == "__main__":
    main()
