import pytest

from parley.annotate import NOT_ACTOR_ID, build_nlp, entity_patterns, model_name


def test_ruler_fixes_places_and_metonyms(pipeline):
    doc = pipeline.annotator("Fighting in Donbass went on as Kyiv and the Kremlin traded blame.")
    ents = {e.text: (e.label_, e.ent_id_) for e in doc.ents}
    assert ents["Donbass"] == ("GPE", NOT_ACTOR_ID)
    assert ents["Kyiv"][1] == "UKR" and ents["Kyiv"][0] != "PERSON"
    assert ents["the Kremlin"][1] == "RUS"


def test_surnames_and_transliterations_resolve_to_kb_ids(pipeline):
    doc = pipeline.annotator("Podolak and Zelenskiy spoke; Lavrov answered.")
    ids = {e.text: e.ent_id_ for e in doc.ents}
    assert ids["Podolak"] == ids.get("Podolak") and ids["Podolak"]
    assert "zelensk" in ids["Zelenskiy"]
    assert "lavrov" in ids["Lavrov"]


def test_patterns_come_from_the_kb_not_code(kb):
    patterns = entity_patterns(kb)
    assert len(patterns) > 1000
    texts = {p["pattern"] for p in patterns}
    assert {"Moscow", "Kiev", "Kyiv", "Donbass"} <= texts
    assert "May" not in texts  # a month, not Theresa May's surname


def test_model_name_is_configurable(monkeypatch, kb):
    monkeypatch.setenv("PARLEY_MODEL", "xx_not_installed_model")
    assert model_name() == "xx_not_installed_model"
    with pytest.raises(RuntimeError, match="not installed"):
        build_nlp(kb)


def test_typographic_apostrophe_matches_the_kb_name(pipeline):
    doc = pipeline.annotator("Rebels of the Donetsk People\u2019s Republic said they would talk.")
    ids = {e.text: e.ent_id_ for e in doc.ents}
    assert ids.get("Donetsk People\u2019s Republic") == "DPR"


def test_paragraph_first_word_stays_with_its_verb(pipeline):
    text = ("Nuland: At least 400-500 Russian soldiers killed in Ukraine\n\n"
            "Nuland said Moscow continues to deny its military presence in the Donbas.")
    sents = [s.text.strip() for s in pipeline.annotator(text).sents]
    assert any(s.startswith("Nuland said Moscow") for s in sents), sents
    assert "Nuland" not in sents
