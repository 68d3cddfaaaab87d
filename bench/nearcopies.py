"""The edited-copies benchmark: how many edited republications the near-copy test links, and
how often it links what is no copy.

Originals are real news texts from the evaluation sets, read by path from SILSILA_EVAL_DIR
(nothing is copied into the repository): the Arabic and English texts of SemEval-2022 pairs
(about 1,000 characters each; the title is the first sentence) and the ECB+ and Gedikli
articles (English, full length, with titles). Each original gets one copy of each kind, made
by a seeded generator, so the benchmark is reproducible:

* ``paraphrased_lead``: the lead (the first sentences, 15-30% of the words) rewritten: its
  clauses reordered and every third word replaced, as a desk rewrites a wire lead;
* ``trimmed_tail``: the last 20-50% of the text cut at a sentence end;
* ``inserted_paragraphs``: one or two paragraphs (15-35% of the length) from other texts of
  the same language inserted between sentences;
* ``changed_headline``: another headline (the title of another text in the same language).

Ingest is replayed in memory with the production functions (``articles.dedup``): originals
are stored one by one, each looked up among those before it through the LSH band keys, then
each copy is looked up among the originals. Recall is the share of copies linked to their
original (or to the original their original was itself linked to: links point at the first
stored text). Precision is the share of right links among all links made; a link between two
originals is wrong unless they share a passage (a run of PASSAGE_WORDS words: a real wire
copy in the data). ``near_copy_precision_strict`` counts every link between originals as
wrong. Same-story pairs (SemEval ``overall`` <= 1.5, ECB+ articles on one event) are among
the originals, so the test must tell a copy from another report of the event.

Pure: no Django.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from articles import dedup

KINDS = ("paraphrased_lead", "trimmed_tail", "inserted_paragraphs", "changed_headline")
SEED = 20261130
MIN_WORDS = 40
TITLE_WORDS = 20
# Originals sharing this many consecutive words share a copied passage (see run()).
PASSAGE_WORDS = 12
_SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+")


@dataclass(frozen=True)
class Text:
    key: str
    language: str
    title: str
    body: str

    @property
    def full(self) -> str:
        return f"{self.title}\n{self.body}"


@dataclass(frozen=True)
class Copy:
    original: str  # Text.key
    kind: str
    language: str
    title: str
    body: str

    @property
    def full(self) -> str:
        return f"{self.title}\n{self.body}"


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def load_texts(eval_dir: Path) -> list[Text]:
    """Distinct Arabic and English originals of the evaluation sets, in a fixed order."""
    texts: dict[str, Text] = {}

    def add(key: str, language: str, title: str, body: str) -> None:
        body = body.strip()
        if len(body.split()) < MIN_WORDS:
            return
        normalised = dedup.normalise_text(body)
        if normalised not in texts:
            key = f"{key}#{len(texts)}"  # a SemEval text can appear in several pairs
            texts[normalised] = Text(key, language, " ".join(title.split())[:300], body)

    for row in _read_jsonl(eval_dir / "semeval2022-pairs.jsonl"):
        for side in ("1", "2"):
            language = row[f"lang{side}"]
            if language in {"ar", "en"}:
                title, body = _title_and_body(row[f"text{side}"])
                add(f"semeval:{row['pair_id']}:{side}", language, title, body)
    for name in ("ecbplus-dev.jsonl", "gedikli-chains.jsonl"):
        for row in _read_jsonl(eval_dir / name):
            if row.get("lang", "en") == "en" and row.get("title"):
                add(f"{name.split('-')[0]}:{row['id']}", "en", row["title"], row.get("text") or "")
    return list(texts.values())


def _title_and_body(text: str) -> tuple[str, str]:
    """SemEval texts start with their headline, run into the body: the first sentence when it
    is headline-sized, else its first words."""
    first, *rest = sentences(text)
    words = first.split()
    if len(words) <= TITLE_WORDS:
        return first, " ".join(rest)
    return " ".join(words[:12]), " ".join([" ".join(words[12:]), *rest])


def _paragraphs(body: str) -> list[str]:
    return sentences(body)


def paraphrased_lead(text: Text, pool: list[str], rng: random.Random) -> Copy:
    words = text.body.split()
    # The lead: whole sentences up to 15-30% of the words; a first sentence longer than
    # that (common in Arabic, where sentences run on with commas) is cut at the share.
    share = round(rng.uniform(0.15, 0.3) * len(words))
    ends = [i + 1 for i, word in enumerate(words[: share + 1]) if _SENTENCE_END.match(word[-1:] + " ")]
    cut = ends[-1] if ends and ends[-1] >= share // 2 else share
    lead, rest = " ".join(words[:cut]), " ".join(words[cut:])
    parts = [rest] if rest else []
    clauses = [c.strip() for c in re.split(r"[,،;]", lead) if c.strip()]
    clauses.reverse()
    rewritten = []
    for clause in clauses:
        words = clause.split()
        for i in range(rng.randrange(3), len(words), 3):
            words[i] = rng.choice(pool)
        rewritten.append(" ".join(words))
    return Copy(
        text.key, "paraphrased_lead", text.language, text.title, " ".join([", ".join(rewritten), *parts])
    )


def trimmed_tail(text: Text, pool: list[str], rng: random.Random) -> Copy:
    words = text.body.split()
    keep = round(rng.uniform(0.5, 0.8) * len(words))
    # At the last sentence end before the cut, unless that loses much more than asked
    # (Arabic sentences run long): then mid-sentence, as a page cut by a layout does.
    ends = [i + 1 for i, word in enumerate(words[:keep]) if _SENTENCE_END.match(word[-1:] + " ")]
    cut = ends[-1] if ends and ends[-1] >= 0.8 * keep else keep
    return Copy(text.key, "trimmed_tail", text.language, text.title, " ".join(words[:cut]))


def inserted_paragraphs(text: Text, others: list[Text], rng: random.Random) -> Copy:
    parts = _paragraphs(text.body)
    total = sum(len(p.split()) for p in parts)
    budget = rng.uniform(0.15, 0.35) * total
    for _ in range(rng.choice((1, 2))):
        donor = rng.choice(others).body.split()
        # A paragraph, not most of the other text: at most a third of it.
        size = max(1, min(round(budget / 2), len(donor) // 3))
        start = rng.randrange(len(donor) - size + 1)
        paragraph = donor[start : start + size]
        parts.insert(rng.randrange(1, len(parts) + 1), " ".join(paragraph))
    return Copy(text.key, "inserted_paragraphs", text.language, text.title, " ".join(parts))


def changed_headline(text: Text, others: list[Text], rng: random.Random) -> Copy:
    return Copy(text.key, "changed_headline", text.language, rng.choice(others).title, text.body)


def make_copies(texts: list[Text], seed: int = SEED) -> list[Copy]:
    """One copy of each kind per original, the same on every run."""
    by_language: dict[str, list[Text]] = defaultdict(list)
    for text in texts:
        by_language[text.language].append(text)
    copies = []
    for index, text in enumerate(texts):
        rng = random.Random(f"{seed}:{index}")
        others = [t for t in by_language[text.language] if t.key != text.key]
        pool = rng.choice(others).body.split()
        copies.append(paraphrased_lead(text, pool, rng))
        copies.append(trimmed_tail(text, pool, rng))
        copies.append(inserted_paragraphs(text, others, rng))
        copies.append(changed_headline(text, others, rng))
    return copies


class Index:
    """The LSH lookup of find_original, in memory: band key -> ids of stored texts."""

    def __init__(self) -> None:
        self._bands: dict[int, list[int]] = defaultdict(list)
        self.signatures: list[dedup.MinHash] = []

    def find(self, signature: dedup.MinHash) -> int | None:
        candidates = sorted({i for band in signature.bands() for i in self._bands.get(band, ())})
        best = dedup.closest_copy(signature, [self.signatures[i] for i in candidates])
        return None if best is None else candidates[best]

    def add(self, signature: dedup.MinHash) -> int:
        self.signatures.append(signature)
        for band in signature.bands():
            self._bands[band].append(len(self.signatures) - 1)
        return len(self.signatures) - 1


def run(texts: list[Text], seed: int = SEED) -> dict:
    """Recall per kind and language, and precision, of the near-copy test on edited copies."""
    copies = make_copies(texts, seed)
    index = Index()
    linked_to: list[int] = []  # per original: the original it was linked to (itself if none)
    wrong = right = shared = between = 0
    for text in texts:
        signature = dedup.minhash(text.full)
        found = index.find(signature)
        position = index.add(signature)
        if found is not None:
            # Two originals that share a passage are a copy in the data, not a mistake.
            between += 1
            if shares_passage(text.full, texts[found].full):
                shared += 1
            else:
                wrong += 1
            linked_to.append(linked_to[found])
        else:
            linked_to.append(position)
    position_of = {text.key: i for i, text in enumerate(texts)}
    caught: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for copy in copies:
        found = index.find(dedup.minhash(copy.full))
        own = position_of[copy.original]
        hit = found is not None and linked_to[found] == linked_to[own]
        if found is not None:
            right += hit
            wrong += not hit
        for key in ((copy.kind, copy.language), (copy.kind, "all"), ("all", copy.language), ("all", "all")):
            caught[key][0] += hit
            caught[key][1] += 1
    out: dict = {
        "near_copy_originals": len(texts),
        "near_copy_copies": len(copies),
        "near_copy_recall": round(caught[("all", "all")][0] / caught[("all", "all")][1], 4),
        "near_copy_precision": round(right / (right + wrong), 4) if right + wrong else 1.0,
        "near_copy_precision_strict": round(right / (right + wrong + shared), 4) if right + wrong else 1.0,
        "near_copy_links_between_originals": between,
        "near_copy_links_between_originals_sharing_a_passage": shared,
    }
    for (kind, language), (hit, total) in sorted(caught.items()):
        if kind != "all" or language != "all":
            out[f"near_copy_recall_{kind}_{language}"] = round(hit / total, 4)
    return out


def shares_passage(a: str, b: str, run: int = PASSAGE_WORDS) -> bool:
    """Whether two texts have a run of `run` normalised words in common (a copied sentence)."""
    words_a, words_b = dedup.normalise_text(a).split(), dedup.normalise_text(b).split()
    runs = {tuple(words_a[i : i + run]) for i in range(len(words_a) - run + 1)}
    return any(tuple(words_b[i : i + run]) in runs for i in range(len(words_b) - run + 1))


def simhash_reference(texts: list[Text], seed: int = SEED) -> dict:
    """The previous test (SimHash within NEAR_DUPLICATE_DISTANCE bits) on the same copies."""
    copies = make_copies(texts, seed)
    fingerprints = {text.key: dedup.simhash(text.full) for text in texts}
    hits = sum(dedup.is_near_duplicate(fingerprints[c.original], dedup.simhash(c.full)) for c in copies)
    return {"near_copy_simhash_recall": round(hits / len(copies), 4)}
