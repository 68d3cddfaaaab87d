from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles import services


def read_jsonl(path: Path, errors: list[str]) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each good line; a bad line is an error and the rest go on."""
    with path.open("rb") as handle:
        for number, raw_line in enumerate(handle, start=1):
            try:
                line = raw_line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                errors.append(f"line {number}: not UTF-8 ({exc.reason} at byte {exc.start})")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"line {number}: not JSON ({exc.msg})")
                continue
            if not isinstance(record, dict):
                errors.append(f"line {number}: not a JSON object")
                continue
            yield number, record


class Command(BaseCommand):
    help = (
        "Import articles from a JSONL file (id, lang, title, text, summary, published_at, source, url) "
        "through the same dedup and storage path as fetched articles."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", help="store every article under this source name")

    def handle(self, *args, file: Path, source: str | None, **options):
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        parse_errors: list[str] = []
        summary = services.import_articles(records=read_jsonl(file, parse_errors), source_name=source)
        errors = sorted([*parse_errors, *summary.errors], key=_line_number)
        for error in errors:
            self.stderr.write(error)
        if source:
            services.record_import_errors(source_name=source, file_name=file.name, errors=errors)
        self.stdout.write(
            f"read {summary.read + len(parse_errors)} line(s): created {summary.created}, "
            f"already stored {summary.skipped_duplicates}, near-duplicates linked {summary.near_duplicates}, "
            f"errors {len(errors)}"
        )


def _line_number(error: str) -> int:
    head = error.split(":", 1)[0].removeprefix("line ")
    return int(head) if head.isdigit() else 0
