from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery

from articles import services
from articles.models import Article


@pytest.mark.django_db
def test_stored_articles_carry_their_search_document_from_the_first_write():
    records = [
        (
            1,
            {
                "id": "a1",
                "title": "Harbour strike enters second day",
                "text": "Dock workers said the stevedores' union would meet the port authority on Friday.",
                "lang": "en",
                "url": "https://news.example/harbour",
            },
        ),
        (2, {"id": "a2", "title": "مفاوضات الهدنة", "text": "تواصلت المفاوضات في القاهرة.", "lang": "ar"}),
    ]
    services.import_articles(records=iter(records), source_name="Wire")

    body_word = Article.objects.filter(search_document=SearchQuery("stevedores", config="english"))
    assert list(body_word.values_list("guid", flat=True)) == ["a1"]
    arabic = Article.objects.filter(search_document=SearchQuery("القاهره", config="simple"))
    assert list(arabic.values_list("guid", flat=True)) == ["a2"]
