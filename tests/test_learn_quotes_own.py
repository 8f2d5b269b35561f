"""The quote model trained on the project's own annotations: labels by the gold convention (scorer overlap or
token overlap, speaker by the scorer's name keys) and a fit on a slice of the annotated articles."""

from __future__ import annotations

import pytest
from conftest import REPO, SHARED, needs

from parley.learn.quotes import char_overlap, examples_from_gold, fit_own
from parley.records import Document

TEXTS = SHARED / "corpus" / "ukraine-crisis-2014"
ANNOTATIONS = REPO / "annotations" / "ukraine-crisis-2014"
TEXT = ("Russia rejected the plan on Monday, its foreign minister said. "
        "\u201cWe will not withdraw,\u201d Sergei Lavrov said. Ukraine asked for a ceasefire.")
QUOTE = "We will not withdraw,"
GOLD = {
    "actors": [{"id": "Sergei Lavrov", "type": "PERSON", "mentions": ["Sergei Lavrov", "its foreign minister"]},
               {"id": "Russia", "type": "COUNTRY", "mentions": ["Russia"]}],
    "quotes": [{"speaker": "Sergei Lavrov", "text": QUOTE, "kind": "direct", "start": TEXT.index(QUOTE),
                "end": TEXT.index(QUOTE) + len(QUOTE)}],
}


def test_char_overlap_is_the_scorers_rule():
    assert char_overlap((0, 10), (0, 10)) == 1.0
    assert char_overlap((0, 10), (20, 30)) == 0.0
    assert char_overlap((0, 10), (2, 6)) == pytest.approx(0.8)  # containment: 0.8 of the shorter span


@pytest.mark.parametrize("label", ["tokens", "scorer"])
def test_gold_quotes_label_candidates_and_speakers(pipeline, label):
    ctx = pipeline.rule_stages(Document(id="t", source="t.txt", text=TEXT))
    ex = examples_from_gold(ctx, GOLD, {"own_label": label})
    assert len(ex.keep_x) == len(ex.keep_y) == len(ex.keep_chars) and ex.gold_chars
    kept = [ex.keep_chars[k] for k, y in enumerate(ex.keep_y) if y]
    assert kept and all(char_overlap(c, ex.gold_chars[0]) > 0 for c in kept)
    # the sentence about Ukraine holds no gold quote: nothing there is a positive
    ukraine = TEXT.index("Ukraine")
    assert not any(s >= ukraine for s, _ in kept)
    # Lavrov is among the speaker candidates of the positive span, and labelled right
    assert len(ex.speaker_x) == len(ex.speaker_y) and any(ex.speaker_y) and not all(ex.speaker_y)


@needs(TEXTS)
@pytest.mark.slow
def test_fit_own_on_a_slice_predicts_valid_quotes(kb):
    from parley.learn.annotations import load_articles
    from parley.learn.train import prepare
    from parley.pipeline import Pipeline

    rules = Pipeline(kb, learned=False)
    prepared = prepare(rules, list(load_articles(ANNOTATIONS, TEXTS))[:6], TEXTS)
    model = fit_own(prepared[:5])
    assert 0.0 < model.config["keep_threshold"] < 1.0
    ctx = prepared[5].ctx
    quotes = model(ctx.rd, ctx.quotes)
    text = ctx.rd.document.text
    assert quotes
    for q in quotes:
        assert text[q.start:q.end] == q.text and q.doc == ctx.rd.document.id
        assert q.speaker is None or q.speaker in ctx.rd.actors
    assert fit_own(prepared[:5]).keep_model.to_data() == model.keep_model.to_data()  # seeded
