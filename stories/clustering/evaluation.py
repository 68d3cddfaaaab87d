"""Running the engine over labelled JSONL files (docs in ``/work/shared/eval/README.md``).

Shared by the ``cluster_eval`` and ``bench_clustering`` commands and their tests, so the
numbers in reports and the regression floors in tests come from the same code.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from articles import embedding

from .baseline import SinglePassBaseline
from .consolidation import Consolidation, Schedule
from .engine import Engine, EngineConfig
from .metrics import BCubed, bcubed
from .representation import ArticleDoc
from .training import Stream

# The labelled streams the linker learns from and is judged on (../shared/eval/README.md).
STREAM_FILES = {
    "ecbplus-dev": "ecbplus-dev.jsonl",
    "gedikli-chains": "gedikli-chains.jsonl",
    "og2021-dev": "og2021-dev.jsonl",
    "ar-en-stories-dev": "ar-en-stories-dev.jsonl",
}
DEMO_FILE = Path(__file__).resolve().parents[2] / "articles" / "fixtures" / "demo" / "articles.jsonl"
PAIRS_FILE = "semeval2022-pairs.jsonl"


def stream_paths(eval_dir: Path) -> dict[str, Path]:
    """Each labelled stream's file: the evaluation data's, and the demo corpus shipped with the code."""
    return {name: eval_dir / file for name, file in STREAM_FILES.items()} | {"demo": DEMO_FILE}


def read_stream(name: str, path: Path, *, headlines: bool = True) -> Stream:
    """A labelled stream with its vectors, and (for full text, unless ``headlines`` is off) the
    same articles as bare headlines."""
    docs, gold = read_articles(path)
    stream = Stream(name, docs, gold, str(path))
    if headlines and not stream.headline_only:
        stream.headlines = with_vectors([dataclasses.replace(doc, text="", vector=None) for doc in docs])
    return stream


@dataclass(frozen=True, slots=True)
class EvalRun:
    predictions: dict[object, object]  # article id -> story id, in arrival order
    score: BCubed | None  # None when the file has no gold labels
    seconds: float

    @property
    def articles_per_second(self) -> float:
        return len(self.predictions) / self.seconds if self.seconds else 0.0


def with_vectors(docs: list[ArticleDoc], batch: int = 64) -> list[ArticleDoc]:
    """``docs`` with their sentence vectors, encoded as ingest encodes them (title and lead)."""
    texts = [embedding.embedding_text(doc.title, doc.text) for doc in docs]
    out: list[ArticleDoc] = []
    for start in range(0, len(docs), batch):
        vectors = embedding.encode(texts[start : start + batch])
        for doc, vector in zip(docs[start : start + batch], vectors, strict=True):
            out.append(dataclasses.replace(doc, vector=vector if vector.any() else None))
    return out


def read_articles(path: Path | str, *, vectors: bool = True) -> tuple[list[ArticleDoc], dict[object, object]]:
    """The file's articles in file order (with sentence vectors), and the gold story of each labelled one."""
    docs: list[ArticleDoc] = []
    gold: dict[object, object] = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            published = row.get("published_at")
            docs.append(
                ArticleDoc(
                    id=row["id"],
                    title=row.get("title") or "",
                    text=row.get("text") or "",
                    language=row.get("lang") or row.get("language"),
                    published_at=datetime.fromisoformat(published) if published else None,
                    source=row.get("source"),
                )
            )
            if row.get("story") is not None:
                gold[row["id"]] = row["story"]
    return (with_vectors(docs) if vectors else docs), gold


def read_pairs(
    path: Path | str, languages: tuple[str, str] | None = None
) -> list[tuple[ArticleDoc, ArticleDoc, float]]:
    """SemEval-2022 pairs as (article, article, overall), with sentence vectors."""
    firsts: list[ArticleDoc] = []
    seconds: list[ArticleDoc] = []
    overall: list[float] = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            row = json.loads(line)
            if languages is not None and (row["lang1"], row["lang2"]) != languages:
                continue
            firsts.append(ArticleDoc(f"{number}a", "", row["text1"], row["lang1"]))
            seconds.append(ArticleDoc(f"{number}b", "", row["text2"], row["lang2"]))
            overall.append(float(row["overall"]))
    encoded = with_vectors(firsts + seconds)
    return list(zip(encoded[: len(firsts)], encoded[len(firsts) :], overall, strict=True))


def evaluate(
    docs: Iterable[ArticleDoc],
    gold: dict[object, object],
    engine: Engine | None = None,
    *,
    config: EngineConfig | None = None,
    consolidation: Consolidation | None = None,
) -> EvalRun:
    """Cluster ``docs`` in order through one engine for every language, as production does,
    and score against ``gold``. With ``consolidation``, its pass runs at the stream-time
    cadence the beat keeps live (``consolidation.Schedule``), and once after the last article."""
    engine = engine if engine is not None else Engine(config)  # an empty Engine is falsy (len 0)
    schedule = Schedule(engine, consolidation) if consolidation is not None else None
    started = time.perf_counter()
    placed = []
    for doc in docs:
        if schedule is not None:
            schedule.before(doc.published_at)
        engine.assign(doc)
        placed.append(doc.id)
    if schedule is not None:
        schedule.finish()
    seconds = time.perf_counter() - started
    # Each article's story at the end: a merge moves the articles of the story merged away.
    predictions = {article_id: engine.story_of(article_id) for article_id in placed}
    score = bcubed(predictions, gold) if gold else None
    return EvalRun(predictions, score, seconds)


def evaluate_baseline(
    docs: Iterable[ArticleDoc], gold: dict[object, object], threshold: float = 0.2
) -> EvalRun:
    """The textbook single-pass baseline (``baseline.SinglePassBaseline``) over the same stream."""
    baseline = SinglePassBaseline(threshold)
    started = time.perf_counter()
    predictions: dict[object, object] = {doc.id: baseline.assign(doc) for doc in docs}
    seconds = time.perf_counter() - started
    return EvalRun(predictions, bcubed(predictions, gold) if gold else None, seconds)


def pair_correlation(
    path: Path | str, lang1: str = "ar", lang2: str = "ar", engine: Engine | None = None
) -> float:
    """Pearson correlation of ``engine.similarity`` with minus overall on a SemEval-2022 pairs file.

    The engine first observes every text of the selected pairs (unsupervised: document
    frequencies only), as it would have seen the surrounding news in production.
    """
    return pairs_correlation(read_pairs(path, (lang1, lang2)), engine)


def pairs_correlation(
    pairs: list[tuple[ArticleDoc, ArticleDoc, float]], engine: Engine | None = None
) -> float:
    engine = engine if engine is not None else Engine()  # an empty Engine is falsy (len 0)
    for a, b, _ in pairs:
        engine.observe(a)
        engine.observe(b)
    return pearson([engine.similarity(a, b) for a, b, _ in pairs], [-overall for _, _, overall in pairs])


def baseline_pairs_correlation(pairs: list[tuple[ArticleDoc, ArticleDoc, float]]) -> float:
    """The same correlation for the single-pass baseline's TF-IDF cosine."""
    baseline = SinglePassBaseline()
    for a, b, _ in pairs:
        baseline.observe(a)
        baseline.observe(b)
    return pearson([baseline.similarity(a, b) for a, b, _ in pairs], [-overall for _, _, overall in pairs])


def pearson(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx = sum((x - mx) ** 2 for x in xs)
    vy = sum((y - my) ** 2 for y in ys)
    return cov / math.sqrt(vx * vy) if vx and vy else 0.0
