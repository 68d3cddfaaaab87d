"""Arabic words as the engine's word index reads them: light stemming that keeps place names whole.

The stemmer shared with labels and dossiers (``articles.text.arabic_stem``, Larkey's light10)
strips the same affixes from every word, names included: «إيران» loses «ان» and becomes
«اير», while «بإيران» keeps its preposition and becomes «باير», so one country gets two
terms, neither of them a word. Here a word that is, or becomes once an attached article or
preposition is taken off (ال، و، ب، ل، بال، وال…), one of the places gazetteer's Arabic names
(``places.arabic_place_names``: countries and cities from CLDR) is kept whole; every other
word is stemmed by light10 as before. Adjectives of a place («الإيرانية»، «السوداني») still
reach the name through light10's suffixes.

For clustering evidence only: search folds words its own way (``articles.search.fold``), and
labels and dossiers keep the shared stemmer. The candidates from the package index were
measured first (``docs/evaluation.md``): Snowball's Arabic stemmer, NLTK's ISRI root stemmer,
Tashaphyne's light stemmer and Qalsadi's lemmatiser each cut names too («طهران» → «طهر»,
«السودان» → «سود», «واشنطن» → «اشنطن»), none separated same-story from other-story Arabic
articles better than light10, and Qalsadi took a hundred times as long.
"""

from __future__ import annotations

from functools import lru_cache

from articles.text import arabic_stem, stem_tokens

from .places import arabic_place_names, arabic_variants

__all__ = ["stem", "stems"]


@lru_cache(maxsize=1 << 16)
def stem(token: str) -> str:
    """One normalised Arabic word as the clustering index reads it."""
    names = _names()
    for variant in arabic_variants(token):
        name = names.get(variant)
        if name is not None:
            return name
    return arabic_stem(token)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Each place name, with and without its article, → the name without it: «السودان»,
    «سودان» → «سودان», so «للسودان» (لل + سودان) meets «السودان»."""
    names: dict[str, str] = {}
    for name in arabic_place_names():
        bare = name[2:] if name.startswith("ال") and len(name) >= 5 else name
        names.setdefault(name, bare)
        names.setdefault(bare, bare)
    return names


def stems(tokens: list[str], lang: str | None) -> list[str]:
    """``articles.text.stem_tokens`` with this module's Arabic stemmer."""
    return stem_tokens(tokens, lang, arabic=stem)
