"""The full-text document of an article, stored at write time for fast search.

Each text is indexed twice in one tsvector: through the `english` configuration (stemming:
"talks" finds "talk") and through `simple` over Arabic-normalised text (alef and hamza forms,
alef maqsura, taa marbuta, no diacritics or tatweel), which the reader's search matches by
prefix with and without attached clitics (stories/reader/search.py says why not the `arabic`
configuration). Title weighs A, summary B, body C.

SQLite has neither configuration, so the same reading is done in Python: `fold_words` turns a
text into the words search compares, Arabic words normalised and stripped of one attached
clitic and one suffix, other words Snowball-stemmed (the stemmer PostgreSQL's `english`
configuration uses). SQLite stores those words in FTS5 tables kept by triggers that call
`silsila_fold` (registered on every SQLite connection by `register_sqlite_functions`), so a
word is found whole, never as a substring ("dam" is not in "Rotterdam").

`matching` filters any queryset by the same reading of a query over any text columns,
computed per query on both backends: the editors' lists and pickers search with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import Stemmer
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Func, QuerySet, TextField, Value
from django.db.models.functions import Coalesce

# The same mapping in Python (for queries) and SQL translate() (for documents).
ARABIC_FROM = "أإآٱىة"
ARABIC_TO = "اااايه"
ARABIC_DELETE = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0640"
ARABIC_TABLE = str.maketrans(ARABIC_FROM, ARABIC_TO, ARABIC_DELETE)
# Leads carry a news article; a cap keeps one long page from dominating the index size.
BODY_CHARS = 20_000


_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
_WORD = re.compile(r"\w+")
# Clitics written attached to the next word, longest first; each combination is tried.
ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "ولل", "لل", "ال", "و", "ف", "ب", "ل", "ك")
_ARABIC_SUFFIXES = ("ات", "ين", "ون", "يه", "ه", "ي")  # noqa: RUF001
_ENGLISH = Stemmer.Stemmer("english")
# PostgreSQL's `english` configuration ignores these in a query (tsearch_data/english.stop);
# SQLite searches skip them too, so "the strike" finds the same stories on both.
ENGLISH_STOPWORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did doing
    a an the and but if or because as until while of at by for with about against between into
    through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now
    """.split()  # noqa: SIM905 - the list as PostgreSQL ships it, one line per line
)


def normalise(text: str) -> str:
    return text.lower().translate(ARABIC_TABLE)


def is_arabic(word: str) -> bool:
    return bool(_ARABIC_LETTER.search(word))


def arabic_core(term: str) -> str:
    """Strip one leading clitic and one suffix, keeping at least three letters."""
    for clitic in ARABIC_CLITICS:
        if term.startswith(clitic) and len(term) - len(clitic) >= 3:
            term = term[len(clitic) :]
            break
    for suffix in _ARABIC_SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 3:
            term = term[: -len(suffix)]
            break
    return term


@lru_cache(maxsize=50_000)
def fold_word(word: str) -> str:
    """One normalised word as search compares it: an Arabic core, or an English stem."""
    return arabic_core(word) if is_arabic(word) else _ENGLISH.stemWord(word)


def fold_words(text: str) -> list[str]:
    return [fold_word(word) for word in _WORD.findall(normalise(text))]


def fold(text: str | None) -> str:
    """The words of `text` as search compares them, space-separated (what SQLite indexes)."""
    return " ".join(fold_words(text or ""))


MAX_TERMS = 8


def query_terms(query: str) -> list[tuple[str, bool]]:
    """Each query word folded as documents are, and whether it matches by prefix (Arabic).

    English stopwords are left out, as PostgreSQL's `english` configuration leaves them out,
    unless the query has nothing else.
    """
    words = _WORD.findall(normalise(query))[:MAX_TERMS]
    kept = [word for word in words if word not in ENGLISH_STOPWORDS] or words
    return [(fold_word(word), is_arabic(word)) for word in kept]


def prefix_tsquery(query: str) -> str:
    """A raw tsquery for the `simple` half of the vector: every term required, Arabic by prefix.

    Terms are \\w+ runs, so nothing in them can be tsquery syntax.
    """
    groups = []
    for term in _WORD.findall(normalise(query))[:MAX_TERMS]:
        if is_arabic(term):
            core = arabic_core(term)
            groups.append(
                "(" + " | ".join(f"{v}:*" for v in [core, *(c + core for c in ARABIC_CLITICS)]) + ")"
            )
        else:
            # Whole words: "dam" must not find "damage" (the `english` half finds "dams").
            groups.append(f"({term})")
    return " & ".join(groups)


def search_query(query: str) -> SearchQuery:
    """PostgreSQL: the query against both halves of a `search_vector` document."""
    found = SearchQuery(query, config="english", search_type="websearch")
    raw = prefix_tsquery(query)
    return found | SearchQuery(raw, config="simple", search_type="raw") if raw else found


class JSONValues(Func):
    """The string values of a JSON object column, space-separated: names in every language."""

    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(SELECT coalesce(string_agg(value, ' '), '') FROM jsonb_each_text({sql}))", params  # noqa: S608

    def as_sqlite(self, compiler, connection, **extra):
        # Django writes JSON with \\u escapes on SQLite; json_each gives the decoded strings.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(SELECT coalesce(group_concat(value, ' '), '') FROM json_each({sql}))", params  # noqa: S608


def matching(queryset: QuerySet, query: str, *, fields: Sequence) -> QuerySet:
    """The rows of `queryset` in which every word of `query` is found among `fields`.

    Read as the reader's search reads a query, on both backends: hamza forms and clitics
    folded, an Arabic core matched by prefix, English whole words stemmed. The documents are
    computed per query (the editors' lists, not an index): PostgreSQL builds the same
    two-configuration vector as the reader's story search, SQLite folds each row's text with
    `silsila_fold` and compares folded words. `fields` are names or expressions of text.
    """
    terms = query_terms(query)
    if not terms:
        return queryset.none()
    if settings.DATABASE_IS_POSTGRES:
        vector = search_vector(*((field, "A") for field in fields))
        return queryset.annotate(search_found_in=vector).filter(search_found_in=search_query(query))
    # One flat expression: nested CONCAT pairs overflow SQLite's parser stack.
    folded = Func(
        *(Coalesce(field, Value(""), output_field=TextField()) for field in fields),
        template="(' ' || silsila_fold(%(expressions)s) || ' ')",
        arg_joiner=" || ' ' || ",
        output_field=TextField(),
    )
    queryset = queryset.annotate(search_folded=folded)
    for term, prefix in terms:
        # Folded words are separated by single spaces: " term" starts a word, " term " is one.
        queryset = queryset.filter(search_folded__contains=f" {term}" if prefix else f" {term} ")
    return queryset


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: the FTS5 triggers of SQLite databases call silsila_fold."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("silsila_fold", 1, fold, deterministic=True)


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


# Words arrive folded (lower case, Arabic normalised), so the tokenizer only splits on spaces.
FTS_TOKENIZER = "unicode61 remove_diacritics 0"


def install_sqlite_index(connection, *, table: str, title: str, body: str, watched: tuple[str, ...]) -> None:
    """Create (if missing) `<table>_fts` and the triggers that keep it, and index missing rows.

    Idempotent, so it runs from the migration and again after every `migrate`: SQLite
    rebuilds a table for most schema changes, and the table's triggers go with the old copy.
    `title` and `body` are SQL over the row's columns, written with `{row}` before each name.
    """
    fts = f"{table}_fts"

    def values(row: str) -> str:
        return f"silsila_fold({title.format(row=row)}), silsila_fold({body.format(row=row)})"

    # Table and column names come from the constants below, never from input.
    statements = [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(title, body, tokenize='{FTS_TOKENIZER}')",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table} BEGIN
          INSERT INTO {fts}(rowid, title, body) VALUES (new.id, {values("new.")});
        END""",  # noqa: S608
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {", ".join(watched)} ON {table} BEGIN
          DELETE FROM {fts} WHERE rowid = old.id;
          INSERT INTO {fts}(rowid, title, body) VALUES (new.id, {values("new.")});
        END""",  # noqa: S608
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} BEGIN
          DELETE FROM {fts} WHERE rowid = old.id;
        END""",  # noqa: S608
        # Rows written while the triggers were missing, and rows deleted meanwhile.
        f"DELETE FROM {fts} WHERE rowid NOT IN (SELECT id FROM {table})",  # noqa: S608
        f"""INSERT INTO {fts}(rowid, title, body)
          SELECT id, {values("")} FROM {table} WHERE id NOT IN (SELECT rowid FROM {fts})""",  # noqa: S608
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_sqlite_index(connection, *, table: str) -> None:
    with connection.cursor() as cursor:
        for trigger in ("insert", "update", "delete"):
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{trigger}")
        cursor.execute(f"DROP TABLE IF EXISTS {table}_fts")


ARTICLE_INDEX = {
    "table": "articles_article",
    "title": "{row}title",
    "body": f"{{row}}summary || ' ' || substr({{row}}text, 1, {BODY_CHARS})",
    "watched": ("title", "summary", "text"),
}


def install_article_index(sender=None, *, using: str = "default", **kwargs) -> None:
    """`post_migrate` receiver (and the migration's operation) for the articles' SQLite index."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite" and "articles_article" in connection.introspection.table_names():
        install_sqlite_index(connection, **ARTICLE_INDEX)
