# ruff: noqa: RUF001
from __future__ import annotations

from articles import text
from articles.text import detect_language, normalize, stopwords, terms, tokenize


def test_it_removes_arabic_diacritics_and_tatweel() -> None:
    assert normalize("مُحَمَّدٌ يَكْتُبُ", "ar") == "محمد يكتب"
    assert normalize("فلســـطين", "ar") == "فلسطين"


def test_it_unifies_alef_forms_alef_maqsura_and_taa_marbuta() -> None:
    assert normalize("أحمد إلى آخر ٱلله", "ar") == "احمد الي اخر الله"
    assert normalize("مدرسة", "ar") == "مدرسه"
    assert normalize("مستشفى", "ar") == "مستشفي"


def test_it_turns_eastern_arabic_and_persian_digits_into_ascii() -> None:
    assert normalize("٢٠٢٣ و۱۴۰۲", "ar") == "2023 و1402"
    assert normalize("Year ٢٠٢٣", "en") == "year 2023"


def test_it_casefolds_latin_and_applies_nfkc() -> None:
    assert normalize("Straße ﬁnal ＡＢＣ", "de") == "strasse final abc"


def test_persian_keeps_its_own_letters() -> None:
    assert normalize("مدرسة", "fa") == "مدرسة"


def test_it_tokenizes_numbers_with_separators_as_one_token() -> None:
    assert tokenize("Iran’s 2,000 protesters, 4.5%", "en") == ["iran", "s", "2,000", "protesters", "4.5"]


def test_english_terms_drop_stopwords_and_stem() -> None:
    assert terms("The protesters said the protests in Tehran continued", "en") == [
        "protest",
        "protest",
        "tehran",
        "continu",
    ]


def test_arabic_terms_strip_clitics_so_word_forms_meet() -> None:
    assert terms("الاحتجاجات في إيران واحتجاجات المتظاهرين", "ar") == ["احتجاج", "اير", "احتجاج", "متظاهر"]
    # The conjunction and the article come off together, as in light10.
    assert terms("والكتاب بالمدرسة", "ar") == ["كتاب", "مدرس"]


def test_arabic_terms_are_the_same_with_or_without_diacritics() -> None:
    assert terms("الحُكومةُ الإيرانيّةُ", "ar") == terms("الحكومه الايرانيه", "ar") == ["حكوم", "ايران"]


def test_spanish_terms_use_the_spanish_stemmer() -> None:
    assert terms("Las manifestaciones continúan en la capital", "es") == ["manifest", "continu", "capital"]


def test_stopword_lists_are_normalised() -> None:
    assert "الي" in stopwords("ar")  # إلى, folded
    assert "the" in stopwords("en")
    assert stopwords("xx") == frozenset()


def test_it_detects_arabic_by_script() -> None:
    assert detect_language("أعلنت الحكومة الإيرانية اليوم عن إجراءات جديدة") == "ar"


def test_it_detects_latin_script_languages() -> None:
    assert detect_language("The government announced new measures on Tuesday after the protests.") == "en"
    assert detect_language("El gobierno anunció nuevas medidas el martes tras las protestas.") == "es"


def test_short_or_empty_text_falls_back_to_the_hint() -> None:
    assert detect_language("", hint="ar") == "ar"
    assert detect_language("OK", hint="fr") == "fr"
    assert detect_language("") is None


def test_arabic_accusative_alef_comes_off_so_the_word_meets_its_other_forms() -> None:
    assert terms("احتجاجا", "ar") == terms("الاحتجاجات", "ar") == ["احتجاج"]
    # A short word keeps a final alef that belongs to its root.
    assert terms("دعا", "ar") == ["دعا"]


def test_arabic_letters_written_onto_numbers_are_split_off() -> None:
    assert tokenize("ارتفاع الوفيات لـ107 و2020", "ar") == ["ارتفاع", "الوفيات", "ل", "107", "و", "2020"]
    assert terms("لـ107", "ar") == terms("107", "ar") == ["107"]
    # Latin-script tokens keep letters and digits together ("g7", "covid19").
    assert tokenize("G7 covid19", "en") == ["g7", "covid19"]


def test_display_forms_give_back_the_writers_spelling_of_each_token():
    forms = text.display_forms("أكدت الخارجيةُ الإيرانية أن Iran's talks", "ar")
    assert forms[text.normalize("الخارجية", "ar")] == "الخارجية"
    assert forms["الايرانيه"] == "الإيرانية"
    assert forms["iran"] == "Iran"
    assert set(forms) == set(text.tokenize("أكدت الخارجيةُ الإيرانية أن Iran's talks", "ar"))
