from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory

from articles.embedding import EncodingError, embedding_text, encode_one, to_bytes
from articles.models import Article, Source, url_hash
from articles.search import document_of

BASE_TIME = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")
    url = factory.Sequence(lambda n: f"https://source{n}.example/feed.xml")
    language = "en"


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    source = factory.SubFactory(SourceFactory)
    guid = factory.Sequence(lambda n: f"guid-{n}")
    url = factory.Sequence(lambda n: f"https://news.example/articles/{n}")
    canonical_url = factory.LazyAttribute(lambda a: a.url)
    url_hash = factory.LazyAttribute(lambda a: url_hash(a.canonical_url))
    title = factory.Sequence(lambda n: f"Headline number {n}")
    summary = ""
    text = "Officials met on Tuesday to discuss the plan.\nThe talks will resume next week."
    language = "en"
    published_at = factory.Sequence(lambda n: BASE_TIME + timedelta(minutes=n))
    status = Article.Status.EXTRACTED
    # As store_text() writes it for real articles.
    search_document = factory.LazyAttribute(
        lambda a: document_of(title=a.title, summary=a.summary, text=a.text)
    )
    embedding = factory.LazyAttribute(lambda a: embedding_bytes(embedding_text(a.title, a.text or a.summary)))


def embedding_bytes(basis: str) -> bytes | None:
    try:
        return to_bytes(encode_one(basis))
    except EncodingError:
        return None
