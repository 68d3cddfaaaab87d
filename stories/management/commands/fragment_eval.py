"""How many of the engine's story fragments the review queue surfaces, on a labelled JSONL file.

Clusters the file in memory as production does, then asks `stories.curation.fragments` which small
stories belong to a larger one. A *gold fragment* is a predicted story that is not the
largest piece of its gold story (by majority label); it is *surfaced* when the queue pairs it
with a piece of the same gold story. The similarity threshold is chosen by leave-one-story-
out cross-validation: for each gold story, the threshold that does best on all the others is
applied to it, so no figure is scored with a threshold fitted to it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from articles import text
from articles.embedding import embedding_text, encode
from stories.clustering.evaluation import evaluate, read_articles
from stories.curation.fragments import FragmentSettings, StoryProfile, candidate_pairs, centroid

THRESHOLDS = [round(0.30 + 0.05 * i, 2) for i in range(14)]  # 0.30 … 0.95


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = "Share of the engine's story fragments that the review queue surfaces, cross-validated."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="JSONL with id, title, text, lang, published_at, story")
        parser.add_argument("--small-max", type=int, default=FragmentSettings.small_max)

    def handle(self, *args: object, file: Path, small_max: int, **options: object) -> None:
        docs, gold = read_articles(file)
        run = evaluate(docs, gold)
        vectors = encode([embedding_text(d.title, d.text) for d in docs])
        members: dict[object, list[int]] = defaultdict(list)
        for i, doc in enumerate(docs):
            members[run.predictions[doc.id]].append(i)
        profiles, majority = [], {}
        for story, idx in members.items():
            dates = [docs[i].published_at or datetime(2000, 1, 1, tzinfo=UTC) for i in idx]
            words = " ".join(docs[i].title for i in idx)
            profiles.append(
                StoryProfile(
                    id=story,
                    size=len(idx),
                    first=min(dates),
                    last=max(dates),
                    centroid=centroid(vectors[i] for i in idx),
                    terms=frozenset(text.terms(words, docs[idx[0]].language)),
                )
            )
            majority[story] = Counter(gold[docs[i].id] for i in idx).most_common(1)[0][0]
        home = {}
        for story in sorted(members, key=lambda s: -len(members[s])):
            home.setdefault(majority[story], story)
        fragments = {s for s in members if home[majority[s]] != s}
        small = {s for s in fragments if len(members[s]) <= small_max}
        settings = FragmentSettings(small_max=small_max)
        pairs = [p for p in candidate_pairs(profiles, settings) if p[3] == "vectors"]
        by_story = defaultdict(list)
        for pair in pairs:
            by_story[majority[pair[0].id]].append(pair)

        def outcome(chosen: list, threshold: float) -> tuple[set, set]:
            """(correctly surfaced small stories, wrongly paired small stories) at `threshold`."""
            best = {}
            for s, large, score, _basis in chosen:
                if score >= threshold and s.id not in best:
                    best[s.id] = large.id
            right = {s for s, large in best.items() if majority[large] == majority[s]}
            return right, set(best) - right

        surfaced, wrong, picked = set(), set(), []
        for held_out in {majority[s] for s in members}:
            train = [p for g, ps in by_story.items() if g != held_out for p in ps]
            train_fragments = {s for s in small if majority[s] != held_out}

            def f1(threshold: float, train=train, train_fragments=train_fragments) -> float:
                right, bad = outcome(train, threshold)
                found = len(right & train_fragments)
                precision = found / (found + len(bad)) if found + len(bad) else 0.0
                recall = found / len(train_fragments) if train_fragments else 0.0
                return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

            threshold = max(THRESHOLDS, key=lambda t: (f1(t), t))
            picked.append(threshold)
            right, bad = outcome(by_story.get(held_out, []), threshold)
            surfaced |= right & small
            wrong |= bad
        default_right, default_bad = outcome(pairs, settings.vector_similarity)
        median = sorted(picked)[len(picked) // 2]
        lines = [
            f"{file.name}: {len(docs)} articles, {len(set(gold.values()))} gold stories, "
            f"{len(members)} predicted stories",
            f"gold fragments: {len(fragments)} ({len(small)} of at most {small_max} articles)",
        ]
        if small:
            lines += [
                f"cross-validated: surfaced {len(surfaced)}/{len(small)} ({len(surfaced) / len(small):.0%}), "
                f"wrong pairings {len(wrong)}; thresholds chosen per fold: median {median:.2f}, "
                f"range {min(picked):.2f} to {max(picked):.2f}",
                f"at the shipped threshold {settings.vector_similarity:.2f}: surfaced "
                f"{len(default_right & small)}/{len(small)}, wrong pairings {len(default_bad)}",
            ]
        self.stdout.write("\n".join(lines))
