"""Places as language-free evidence: one code for a country or city in any language."""

from __future__ import annotations

from stories.clustering import ArticleDoc, Engine
from stories.clustering.linker import FEATURES
from stories.clustering.places import place_codes


def test_a_country_and_its_capital_have_one_code_in_every_language():
    english = place_codes(
        "Iran's foreign minister texted the United States envoy",
        "a channel between Tehran and Washington",
        "en",
    )
    arabic = place_codes("عراقجي راسل ويتكوف", "قناة اتصال بين طهران وواشنطن بعد احتجاجات إيران", "ar")
    spanish = place_codes(
        "El ministro de Irán escribió al enviado", "un canal entre Teherán y Washington", "es"
    )
    # Russian names its places in declined forms ("Ирана", "Тегераном"), which a list of
    # nominatives does not match: the sentence vectors carry those.
    assert {"IR", "tz:Asia/Tehran"} <= english
    assert {"IR", "tz:Asia/Tehran"} <= arabic
    assert {"IR", "tz:Asia/Tehran"} <= spanish
    assert "US" in english


def test_arabic_attached_prepositions_and_articles_are_tried_off():
    assert "IR" in place_codes("اعتقالات بإيران", "", "ar")
    assert "tz:Asia/Tehran" in place_codes("مظاهرات وطهران تغلي", "", "ar")
    assert "EG" in place_codes("المركزي يرفع الفائدة في مصر", "", "ar")


def test_text_without_places_has_none():
    assert (
        place_codes("Shares rose after the central bank held rates", "Investors welcomed the decision.", "en")
        == frozenset()
    )


def test_the_engine_counts_places_an_arabic_and_an_english_article_share():
    engine = Engine()
    english = ArticleDoc("en", "Ceasefire talks on Sudan resume", "Envoys met to end the war in Sudan.", "en")
    arabic = ArticleDoc(
        "ar", "استئناف محادثات الهدنة في السودان", "مبعوثون يجتمعون لإنهاء الحرب في السودان", "ar"
    )
    elsewhere = ArticleDoc("ch", "Elections in Chile", "Voters in Chile went to the polls.", "en")
    places = FEATURES.index("places")
    assert engine.pair_features(english, arabic)[places] > 0
    assert engine.pair_features(english, elsewhere)[places] == 0
