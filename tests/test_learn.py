"""Learned extraction: the annotation store, the linear models, training on a slice, cross-validation."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, SHARED, needs

from parley.learn.annotations import AnnotationError, from_gold, load_articles, sha256, to_gold, validate
from parley.learn.linear import LinearModel, load_models, save_models

TEXTS = SHARED / "corpus" / "ukraine-crisis-2014"
ANNOTATIONS = REPO / "annotations" / "ukraine-crisis-2014"

TEXT = ("Talks stall in Geneva\n\nRussia rejected the plan on Monday, its foreign minister said. "
        "\u201cWe will not withdraw,\u201d Sergei Lavrov said. Ukraine asked for a ceasefire.")
GOLD = {
    "doc": "a.txt", "title": "Talks stall in Geneva", "boilerplate_lines": [],
    "actors": [{"id": "Russia", "type": "COUNTRY", "country": "RUS", "role": None, "mentions": ["Russia"]},
               {"id": "Sergei Lavrov", "type": "PERSON", "country": "RUS", "role": "Foreign Minister",
                "mentions": ["Sergei Lavrov", "its foreign minister"]},
               {"id": "Ukraine", "type": "COUNTRY", "country": "UKR", "role": None, "mentions": ["Ukraine"]}],
    "quotes": [{"speaker": "Sergei Lavrov", "text": "We will not withdraw,", "kind": "direct"}],
    "events": [{"type": "REJECT", "source": ["Russia"], "target": [], "when": "on Monday", "date": None,
                "evidence": "Russia rejected the plan on Monday"},
               {"type": "REQUEST", "source": ["Ukraine"], "target": [], "when": None, "date": None,
                "evidence": "Ukraine asked for a ceasefire."}],
    "positions": [{"actor": "Sergei Lavrov", "kind": "red_line", "topic": "withdrawal",
                   "evidence": "We will not withdraw"}],
    "proposals": [], "notes": "test",
}


def test_annotation_round_trip_keeps_every_string():
    ann = from_gold(GOLD, TEXT)
    assert ann["text_sha256"] == sha256(TEXT)
    assert "We will not" not in json.dumps(ann)  # offsets, not copied text
    back = to_gold(ann, TEXT)
    assert back["title"] == GOLD["title"]
    assert [q["text"] for q in back["quotes"]] == [q["text"] for q in GOLD["quotes"]]
    assert [e["evidence"] for e in back["events"]] == [e["evidence"] for e in GOLD["events"]]
    assert back["actors"][1]["mentions"] == GOLD["actors"][1]["mentions"]
    for e in back["events"]:
        assert TEXT[e["start"]:e["end"]] == e["evidence"]


@pytest.mark.parametrize("breakage, message", [
    (lambda a: a["events"][0].update(evidence=[5, 10_000]), "out of range"),
    (lambda a: a["events"][0].update(evidence=[9, 3]), "out of range"),
    (lambda a: a["positions"][0].update(actor="Nobody"), "not declared"),
    (lambda a: a["events"][0].update(type="DANCE"), "type"),
    (lambda a: a["positions"][0].update(topic="weather"), "kind/topic"),
    (lambda a: a.update(text_sha256="0" * 64), "text changed"),
])
def test_validation_rejects_broken_annotations(breakage, message):
    ann = from_gold(GOLD, TEXT)
    breakage(ann)
    with pytest.raises(AnnotationError, match=message):
        validate(ann, TEXT)


def test_a_string_not_in_the_text_cannot_be_stored():
    bad = {**GOLD, "quotes": [{"speaker": "Russia", "text": "never said this", "kind": "direct"}]}
    with pytest.raises(AnnotationError, match="not a substring"):
        from_gold(bad, TEXT)


@needs(TEXTS)
def test_project_annotations_are_valid_and_cover_the_corpus():
    files = sorted(ANNOTATIONS.glob("*.json"))
    assert len(files) >= 30
    articles = list(load_articles(ANNOTATIONS, TEXTS))  # validates every offset and record
    assert len(articles) == len(files)
    for a in articles:
        for kind, field in (("quotes", "text"), ("events", "evidence"), ("positions", "evidence")):
            for r in a.gold[kind]:
                assert a.text[r["start"]:r["end"]] == r[field]
    assert sum(len(a.gold["events"]) for a in articles) > 5 * len(articles) / 2


def test_linear_model_learns_and_survives_storage(tmp_path):
    X = [{"w:attack": 1.0}, {"w:shell": 1.0, "w:attack": 1.0}, {"w:meet": 1.0}, {"w:talks": 1.0, "w:meet": 1.0}] * 5
    Y = [{"ASSAULT"}, {"ASSAULT"}, {"CONSULT"}, {"CONSULT"}] * 5
    model = LinearModel.train(X, Y, labels=["ASSAULT", "CONSULT", "AID"], c=10.0, min_count=1)
    s = model.scores({"w:attack": 1.0})
    assert s[0] > 0.8 and s[1] < 0.2 and s[2] < 0.01  # a label never seen is never predicted
    save_models(tmp_path / "m.json.gz", {"type": model}, {"seed": 1})
    again, config = load_models(tmp_path / "m.json.gz")
    assert config == {"seed": 1}
    assert again["type"].scores({"w:meet": 1.0}) == pytest.approx(model.scores({"w:meet": 1.0}), abs=1e-4)
    first = (tmp_path / "m.json.gz").read_bytes()
    save_models(tmp_path / "m.json.gz", {"type": model}, {"seed": 1})
    assert (tmp_path / "m.json.gz").read_bytes() == first  # same model, same bytes


def test_neighbours_vote_the_topics_of_the_most_similar_sentences_and_survive_storage(tmp_path):
    from parley.learn.neighbours import Neighbours

    def sentence(*vector):
        return {"w:x": 1.0, **{f"e{k}": v for k, v in enumerate(vector)}}

    X = [sentence(1, 0, 0), sentence(0.9, 0.1, 0), sentence(0, 1, 0), sentence(0, 0.9, 0.1), sentence(0, 0, 1)]
    Y = [{"territory"}, {"territory"}, {"sanctions"}, {"sanctions"}, set()]  # no topic: no vote
    model = Neighbours.train(X, Y, labels=["territory", "sanctions", "nato"], k=2, dim=3)
    assert len(model.vectors) == 4
    votes = model.scores(sentence(0.8, 0.2, 0))
    assert votes.sum() == pytest.approx(1.0) and votes[0] > votes[1] and votes[2] == 0
    assert not model.scores({"w:x": 1.0}).any()  # a sentence the encoder did not read gets no vote
    save_models(tmp_path / "n.json.gz", {"topic_neighbours": model}, {})
    again = load_models(tmp_path / "n.json.gz")[0]["topic_neighbours"]
    assert isinstance(again, Neighbours)
    assert again.scores(sentence(0, 0.7, 0.3)) == pytest.approx(model.scores(sentence(0, 0.7, 0.3)), abs=1e-3)


@needs(TEXTS)
@pytest.mark.slow
def test_training_on_a_slice_gives_models_whose_records_point_into_the_text(tmp_path, kb):
    from parley.learn.train import load_learned, train
    from parley.pipeline import Pipeline
    from parley.records import RawDocument

    rules = Pipeline(kb, learned=False)
    record = train(rules, ANNOTATIONS, TEXTS, tmp_path, limit=6)
    assert len(record["articles"]) == 6 and record["seed"] == 13
    assert (tmp_path / "quotes_own.json.gz").is_file()
    learned = load_learned(tmp_path)
    assert learned is not None and learned.quotes is not None  # the quote model is on by default
    # the topic neighbours are stored beside the linear models, with the encoder's vectors of the slice
    neighbours = learned.positions.topic_neighbours
    assert neighbours is not None and (len(neighbours.vectors) > 0 or not rules.sentence_encoder_installed)
    rules.learned = learned
    text = (TEXTS / "article_0.txt").read_text(encoding="utf-8")
    result = rules.process(RawDocument(source="article_0.txt", content=text))
    assert result.events or result.positions
    assert result.quotes
    for q in result.quotes:
        assert result.document.text[q.start:q.end] == q.text
        assert q.speaker is None or q.speaker in {x.id for x in result.actors}
    for e in result.events:
        assert result.document.text[e.start:e.end] == e.evidence
        assert e.source and all(a in {x.id for x in result.actors} for a in e.source + e.target)
    for p in result.positions:
        assert result.document.text[p.start:p.end] == p.evidence
    assert len({e.id for e in result.events}) == len(result.events)
    assert len({p.id for p in result.positions}) == len(result.positions)


@needs(TEXTS)
@pytest.mark.slow
def test_cross_validation_scores_held_out_folds(kb):
    from parley.evaluate.gold import load_scorer
    from parley.learn.annotations import load_articles
    from parley.learn.train import cross_validate, folds, prepare
    from parley.pipeline import Pipeline

    names = [f"n{i}" for i in range(10)]
    parts = folds(names, 3)
    assert sorted(sum(parts, [])) == sorted(names) and all(parts)
    assert folds(names, 3) == parts  # seeded
    rules = Pipeline(kb, learned=False)
    prepared = prepare(rules, list(load_articles(ANNOTATIONS, TEXTS))[:6], TEXTS)
    report = cross_validate(rules, ANNOTATIONS, TEXTS, load_scorer(SHARED / "eval" / "score.py"), k=2,
                            prepared=prepared)
    assert report["articles"] == 6
    tasks = report["learned"]["tasks"]
    assert {"events (type)", "positions (actor+kind+topic)"} <= set(tasks)
    assert 0.0 <= report["learned"]["macro_f1"] <= 1.0
    assert report["rules"]["tasks"]["quotes (span)"]["f1"] == tasks["quotes (span)"]["f1"]  # quotes stay rules
    one = prepared[0].article.name
    alone = cross_validate(rules, ANNOTATIONS, TEXTS, load_scorer(SHARED / "eval" / "score.py"), k=2,
                           prepared=prepared, only={one})
    assert alone["articles"] == 1  # scored on that article alone, trained as before
    assert alone["rules"] != report["rules"]


@needs(TEXTS)
def test_shipped_weights_were_trained_on_the_current_annotations():
    import gzip

    from parley.learn.train import WEIGHTS, annotations_digest

    for name in ("events.json.gz", "positions.json.gz", "quotes_own.json.gz"):
        with gzip.open(WEIGHTS / name) as fh:
            config = json.loads(fh.read())["config"]
        names = [p.name.replace(".json", ".txt") for p in ANNOTATIONS.glob("*.json")]
        assert sorted(config["articles"]) == sorted(names), "run `parley train` after changing the annotations"
        assert config["annotations_sha256"] == annotations_digest(ANNOTATIONS, config["articles"])
        assert config["seed"] == 13


@needs(TEXTS)
@pytest.mark.slow
def test_training_is_reproducible(tmp_path, kb):
    from parley.learn.linear import load_models
    from parley.learn.train import train
    from parley.pipeline import Pipeline

    rules = Pipeline(kb, learned=False)
    train(rules, ANNOTATIONS, TEXTS, tmp_path / "a", limit=4)
    train(rules, ANNOTATIONS, TEXTS, tmp_path / "b", limit=4)
    stored = {}
    for name in ("events.json.gz", "positions.json.gz", "quotes_own.json.gz"):
        a, _ = load_models(tmp_path / "a" / name)
        b, _ = load_models(tmp_path / "b" / name)
        # whole stored models: a linear model's weights, the topic neighbours' vectors and labels
        assert {k: m.to_data() for k, m in a.items()} == {k: m.to_data() for k, m in b.items()}
        stored[name] = set(a)
    assert "topic_neighbours" in stored["positions.json.gz"]


def test_cli_train_and_cv_need_their_data(tmp_path):
    from parley.cli import main

    assert main(["train", "--annotations", str(tmp_path), "--texts", str(tmp_path)]) == 1
    assert main(["eval", "--cv", "1"]) == 2


@needs(SHARED / "bench" / "polnear" / "data" / "dev")
def test_shipped_quote_model_never_saw_polnear_dev():
    import gzip

    from parley.learn.train import WEIGHTS

    with gzip.open(WEIGHTS / "quotes.json.gz") as fh:
        config = json.loads(fh.read())["config"]
    dev = {p.stem for p in (SHARED / "bench" / "polnear" / "data" / "dev" / "text").iterdir()}
    assert config["data"] == "PolNeAR train" and config["seed"] == 13
    assert config["articles"] and not set(config["articles"]) & dev


def test_the_quote_model_in_use_is_chosen_by_parley_quotes(monkeypatch, tmp_path, capsys):
    from parley.learn.quotes import QuoteModel
    from parley.learn.train import WEIGHTS, load_learned, quote_mode

    monkeypatch.delenv("PARLEY_QUOTES", raising=False)
    assert quote_mode() == "own"
    monkeypatch.setenv("PARLEY_QUOTES", "learned")  # the earlier name of the PolNeAR-trained model
    assert quote_mode() == "polnear"
    monkeypatch.setenv("PARLEY_QUOTES", "rules")
    assert quote_mode() == "rules" and load_learned(WEIGHTS).quotes is None
    monkeypatch.setenv("PARLEY_QUOTES", "own")
    assert isinstance(load_learned(WEIGHTS).quotes, QuoteModel)
    monkeypatch.setenv("PARLEY_QUOTES", "bogus")
    assert quote_mode() == "own" and "not one of" in capsys.readouterr().err


def test_a_pronoun_subject_makes_its_antecedent_an_event_candidate(kb):
    from datetime import date

    from parley.learn.events import role_features
    from parley.pipeline import Pipeline
    from parley.records import Document

    rules = Pipeline(kb, learned=False)
    text = ("Envoy visits\n\nThe Red Cross envoy Dominik Stillhart spoke in Geneva on Monday. "
            "He arrived in Kyiv on Wednesday to discuss the exchange of prisoners.")
    ctx = rules.rule_stages(Document(id="t", source="t.txt", text=text, published=date(2014, 7, 30)))
    i = next(k for k, s in enumerate(ctx.sentences) if s.text.startswith("He arrived"))
    stillhart = next(a for a, actor in ctx.rd.actors.items() if actor.name.endswith("Stillhart"))
    assert stillhart not in ctx.candidates(i)  # not named in the sentence: positions never see it there
    feats = role_features(ctx, i, "CONSULT")[stillhart]
    assert feats["pronoun"] == 1.0 and feats["dep:nsubj"] == 1.0 and feats["side:before"] == 1.0


def test_a_sentence_reads_the_same_whichever_sentence_is_read_first(kb):
    """The role reading records the groups it names; it is done once, up front, so a sentence's candidates
    do not depend on which sentences a model (or an earlier cross-validation fold) read before it."""
    from datetime import date

    from parley.learn.events import role_features
    from parley.pipeline import Pipeline
    from parley.records import Document

    rules = Pipeline(kb, learned=False)
    text = ("Crimea tensions\n\nThe Azov Battalion stayed outside Mariupol on Sunday. "
            "Oplot remained in Donetsk. Berkut stood on the square in Kharkiv.")
    ctx = rules.rule_stages(Document(id="t", source="t.txt", text=text, published=date(2014, 3, 2)))
    spans = len(ctx.rd.spans)
    candidates = [set(ctx.candidates(i)) for i in range(len(ctx.sentences))]
    assert "group:azov-battalion" in candidates[1]  # the unresolved subject is a candidate from the start
    for i in reversed(range(len(ctx.sentences))):
        for etype in ("MOBILIZE", "PROTEST", "CONSULT"):
            role_features(ctx, i, etype)
    assert len(ctx.rd.spans) == spans
    ctx._candidates.clear()
    assert [set(ctx.candidates(i)) for i in range(len(ctx.sentences))] == candidates


def test_a_news_outlet_is_quoted_but_is_no_party_to_what_it_reports(kb):
    """An outlet speaks ('Interfax reported ...'), so it is a quote's speaker; the view and the act it relays are
    a party's, so it is neither a candidate holder or actor nor, through its quote, a rule position's holder."""
    from datetime import date

    from parley.pipeline import Pipeline
    from parley.records import Document

    rules = Pipeline(kb, learned=False)
    text = ("Talks\n\nThe Interfax news agency reported on Monday that Russia demands the withdrawal of all "
            "Ukrainian troops from the Donbas region as a condition for a ceasefire.")
    ctx = rules.rule_stages(Document(id="t", source="t.txt", text=text, published=date(2014, 3, 2)))
    assert any(q.speaker == "INTERFAX" for q in ctx.quotes)
    i = next(k for k, s in enumerate(ctx.sentences) if "Interfax" in s.text)
    assert "RUS" in ctx.candidates(i) and "INTERFAX" not in ctx.candidates(i)
    assert all(p.actor != "INTERFAX" for p in ctx.rule_positions)


def test_parties_in_one_conjunction_each_hold_the_position(kb):
    """'The decision was declared illegal by the US and the EU': one view, two holders, one record each; the
    parties a view is about ('rejected the demands of Russia and China') are not its holders."""
    from datetime import date

    from parley.learn.context import conjoined_subjects
    from parley.pipeline import Pipeline
    from parley.records import Document

    rules = Pipeline(kb, learned=False)
    text = ("Vote\n\nThe referendum was declared illegal by the United States and the European Union. "
            "Germany, France and Poland demanded new talks. "
            "Ukraine rejected the demands of Russia and China.")
    ctx = rules.rule_stages(Document(id="t", source="t.txt", text=text, published=date(2014, 3, 2)))
    found = {}
    for i, sent in enumerate(ctx.sentences):
        cands = ctx.candidates(i)
        for holder in cands:
            found[(sent.text.split()[0].strip(","), holder)] = set(conjoined_subjects(ctx, i, holder, cands))
    assert found[("The", "USA")] == {"EU"}
    assert found[("Germany", "DEU")] == {"FRA", "POL"}
    assert found[("Ukraine", "UKR")] == set() and found[("Ukraine", "RUS")] == set()

