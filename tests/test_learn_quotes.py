"""The learned quote component: candidates, span selection, training on a slice of PolNeAR train, offsets
of its predictions, and the weights' save/load round trip."""

from __future__ import annotations

import pytest
from conftest import BENCH, needs

from parley.learn.quotes import QUOTES_FILE, QuoteModel, candidates, load_quote_model, select, train_quotes
from parley.records import Document

POLNEAR = BENCH / "polnear"
TEXT = ("Officials said the talks would resume next week in Geneva. The minister told reporters that no deal "
        "had been reached, according to a statement. \u201cWe will not withdraw,\u201d Sergei Lavrov said.")


def test_select_keeps_the_best_non_overlapping_spans():
    spans = [(0, 10), (2, 5), (10, 14), (12, 20)]
    kept = select(spans, [0.9, 0.95, 0.8, 0.3], threshold=0.5)
    # the whole clause outweighs a likelier piece of it; a span under the threshold is never kept
    assert kept == [0, 2]
    assert select(spans, [0.1, 0.2, 0.3, 0.4], threshold=0.5) == []


def test_candidates_cover_clausal_complements_and_rule_quotes(pipeline):
    document = Document(id="t", source="t.txt", text=TEXT)
    rd = pipeline.resolver.resolve(document, pipeline.annotator(TEXT))
    rule = pipeline.quotes(rd)
    cands = candidates(rd, rule)
    texts = {rd.doc[c.tok_start:c.tok_end].text for c in cands}
    assert "the talks would resume next week in Geneva" in texts
    assert any(c.rules for c in cands)  # every rule quote is a candidate, with the rules' decision on it
    for c in cands:
        assert c.tok_end > c.tok_start


@pytest.fixture(scope="module")
def trained(pipeline, tmp_path_factory):
    if not POLNEAR.exists():
        pytest.skip(f"{POLNEAR} not present")
    out = tmp_path_factory.mktemp("weights")
    record = train_quotes(pipeline, POLNEAR, out, limit=6, seed=13)
    return out, record


@pytest.mark.slow
@needs(POLNEAR)
def test_train_on_a_slice_records_its_config(trained):
    out, record = trained
    assert (out / QUOTES_FILE).is_file()
    assert record["train_articles"] == 6 and record["seed"] == 13
    assert record["data"] == "PolNeAR train" and all("/" not in a for a in record["articles"])
    assert record["examples"]["keep"] > record["examples"]["keep_positive"] > 0
    assert set(record["seconds"]) == {"prepare", "fit"}


@pytest.mark.slow
@needs(POLNEAR)
def test_predictions_carry_valid_offsets_ids_and_speakers(trained, pipeline):
    out, _ = trained
    model = load_quote_model(out)
    assert isinstance(model, QuoteModel)
    document = Document(id="t", source="t.txt", text=TEXT)
    rd = pipeline.resolver.resolve(document, pipeline.annotator(TEXT))
    quotes = model(rd, pipeline.quotes(rd))
    assert quotes, "a trained model keeps at least the plain 'said that' complement"
    assert len({q.id for q in quotes}) == len(quotes)
    for q in quotes:
        assert TEXT[q.start:q.end] == q.text and q.end > q.start
        assert q.speaker is None or q.speaker in rd.actors
        assert q.quote_kind in {"direct", "indirect"}
    ordered = sorted(quotes, key=lambda q: q.start)
    assert all(a.end <= b.start for a, b in zip(ordered, ordered[1:]))  # no two kept spans overlap


@pytest.mark.slow
@needs(POLNEAR)
def test_weights_round_trip(trained, pipeline, tmp_path):
    out, record = trained
    model = load_quote_model(out / QUOTES_FILE)
    assert model is not None
    from parley.learn.linear import load_models, save_models

    save_models(tmp_path / QUOTES_FILE, model.models, record)
    again = load_quote_model(tmp_path)
    assert again is not None and again.config == model.config
    document = Document(id="t", source="t.txt", text=TEXT)
    rd = pipeline.resolver.resolve(document, pipeline.annotator(TEXT))
    rule = pipeline.quotes(rd)
    assert again(rd, rule) == model(rd, rule)
    models, config = load_models(tmp_path / QUOTES_FILE)
    assert set(models) == {"keep", "speaker"} and config["seed"] == 13
    assert load_quote_model(tmp_path / "missing") is None
