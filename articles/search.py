"""The full-text document of an article, stored at write time for fast search (PostgreSQL).

Each text is indexed twice in one tsvector: through the `english` configuration (stemming:
"talks" finds "talk") and through `simple` over Arabic-normalised text (alef and hamza forms,
alef maqsura, taa marbuta, no diacritics or tatweel), which the reader's search matches by
prefix with and without attached clitics (stories/search.py says why not the `arabic`
configuration). Title weighs A, summary B, body C.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db.models import Func, TextField, Value

# The same mapping in Python (for queries) and SQL translate() (for documents).
ARABIC_FROM = "أإآٱىة"
ARABIC_TO = "اااايه"
ARABIC_DELETE = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0640"
ARABIC_TABLE = str.maketrans(ARABIC_FROM, ARABIC_TO, ARABIC_DELETE)
# Leads carry a news article; a cap keeps one long page from dominating the index size.
BODY_CHARS = 20_000


def normalise(text: str) -> str:
    return text.lower().translate(ARABIC_TABLE)


def normalised(expression) -> Func:
    return Func(
        expression,
        Value(ARABIC_FROM + ARABIC_DELETE),
        Value(ARABIC_TO),
        function="translate",
        output_field=TextField(),
    )


def search_vector(*weighted: tuple[object, str]) -> SearchVector:
    """`english` + normalised `simple` vectors of each (expression, weight), concatenated."""
    vector = None
    for expression, weight in weighted:
        for part in (
            SearchVector(expression, config="english", weight=weight),
            SearchVector(normalised(expression), config="simple", weight=weight),
        ):
            vector = part if vector is None else vector + part
    return vector


def document_of(*, title: str, summary: str, text: str) -> SearchVector | None:
    """The document of these texts, to assign to an Article before it is saved (one write).

    Built from the values, not the columns, so it works in an INSERT as well as an UPDATE.
    None off PostgreSQL, where the column stays empty.
    """
    if not settings.DATABASE_IS_POSTGRES:
        return None
    return search_vector(
        (Value(title, output_field=TextField()), "A"),
        (Value(summary, output_field=TextField()), "B"),
        (Value(text[:BODY_CHARS], output_field=TextField()), "C"),
    )
