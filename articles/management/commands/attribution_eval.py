"""Score attribution (articles/attribution.py) on the written sentence sets and an article stream.

The sentence sets are articles/tests/data/attribution/{dev,test}.jsonl (see
articles/attribution_metrics.py for their format); the stream is a JSONL of articles whose
README lists its rewrites and their originals (``ar-en-stories-dev.jsonl``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles import attribution_metrics as metrics
from articles.attribution import OutletIndex

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "attribution"


@contextmanager
def _labelled(path: Path) -> Iterator[None]:
    """A file that is not labelled data (a line not JSON, an item without its fields) is a
    CommandError naming it, not a traceback."""
    try:
        yield
    except (ValueError, KeyError, TypeError) as exc:
        detail = f"no {exc} field" if isinstance(exc, KeyError) else str(exc)
        raise CommandError(f"{path} is not labelled data as expected: {detail}") from None


class Command(BaseCommand):
    help = "Precision and recall of attribution per language on the written sets (and on a labelled stream)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--set", action="append", dest="sets", help="sentence set(s) to score (default: dev, test)"
        )
        parser.add_argument(
            "--stream", type=Path, help="an article stream JSONL with a README.md listing rewrites"
        )
        parser.add_argument("--errors", action="store_true", help="list every item scored wrong")

    def handle(self, *args, sets: list[str] | None, stream: Path | None, errors: bool, **options):
        index = OutletIndex(metrics.read_sources(DATA / "sources.json"))
        for name in sets or ["dev", "test"]:
            path = DATA / f"{name}.jsonl"
            if not path.is_file():
                raise CommandError(f"no such set: {path}")
            with _labelled(path):
                scores = metrics.score_sentences(metrics.read_items(path), index)
            for lang, score in sorted(scores.items()):
                self._report(score, f"{name} {lang}", errors)
        if stream is not None:
            readme = stream.with_name(stream.stem + ".README.md")
            if not stream.is_file() or not readme.is_file():
                raise CommandError(f"need {stream} and {readme}")
            with _labelled(stream):
                score, _ = metrics.score_stream(metrics.read_items(stream), metrics.read_rewrites(readme))
            self._report(score, f"stream {stream.name}", errors)

    def _report(self, score: metrics.Score, label: str, errors: bool) -> None:
        self.stdout.write(score.line(label))
        for line in score.errors if errors else ():
            self.stdout.write(f"    {line}")
