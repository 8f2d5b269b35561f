"""Agreement between two annotation sets of the same articles, scored by the shared scorer's rules."""

from __future__ import annotations

import copy
import json

from conftest import REPO, SHARED, needs
from test_learn import GOLD, TEXT

from parley.evaluate.agreement import agreement, gold_as_export
from parley.evaluate.gold import load_scorer
from parley.learn.annotations import from_gold

SCORER = SHARED / "eval" / "score.py"
TEXTS = SHARED / "corpus" / "ukraine-crisis-2014"
ANNOTATIONS = REPO / "annotations" / "ukraine-crisis-2014"


def write_set(folder, gold, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.json").write_text(json.dumps(from_gold(gold, text)), encoding="utf-8")


@needs(SCORER)
def test_a_second_annotator_who_differs_is_scored_as_an_export(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text(TEXT, encoding="utf-8")
    other = copy.deepcopy(GOLD)
    other["events"] = other["events"][:1]                  # misses the REQUEST
    other["positions"][0]["topic"] = "other"               # reads the topic differently
    other["quotes"][0]["speaker"] = "Russia"               # credits the state, not the minister
    write_set(tmp_path / "first", GOLD, TEXT)
    write_set(tmp_path / "second", other, TEXT)
    report = agreement(load_scorer(SCORER), tmp_path / "first", tmp_path / "second", tmp_path / "texts")
    tasks = {t: r["f1"] for t, r in report["tasks"].items()}
    assert report["articles"] == ["a.txt"]
    assert tasks["events (type)"] == 2 * 1.0 * 0.5 / 1.5  # P 1/1, R 1/2
    assert tasks["positions (actor)"] == 1.0 and tasks["positions (actor+kind+topic)"] == 0.0
    assert tasks["quotes (span)"] == 1.0 and tasks["quotes + speaker"] == 0.0
    assert tasks["actors"] == 1.0


def test_the_pseudo_export_keeps_actor_ids_apart_between_articles():
    a = gold_as_export(GOLD, "a.txt", TEXT)
    b = gold_as_export(GOLD, "b.txt", TEXT)
    assert not {r["id"] for r in a["actor"]} & {r["id"] for r in b["actor"]}
    assert a["event"][0]["source"] == ["a.txt::Russia"]


@needs(TEXTS)
def test_every_project_annotation_read_as_an_export_scores_one_against_itself():
    # GUIDELINES.md's quality bar for a gold file: a record the scorer cannot match to itself is malformed
    report = agreement(load_scorer(SCORER), ANNOTATIONS, ANNOTATIONS, TEXTS)
    assert len(report["articles"]) == len(list(ANNOTATIONS.glob("*.json")))
    assert {t: r["f1"] for t, r in report["tasks"].items() if r["f1"] < 1.0} == {}


SECOND = REPO / "annotations" / "agreement" / "ukraine-crisis-2014"


@needs(TEXTS)
def test_the_stored_second_annotation_is_valid_and_agrees_with_the_project_on_spans():
    # the blind second annotation of 8 articles (README, "Agreement"): offsets valid, articles shared
    report = agreement(load_scorer(SCORER), ANNOTATIONS, SECOND, TEXTS)
    assert len(report["articles"]) == len(list(SECOND.glob("*.json"))) == 8
    tasks = {t: r["f1"] for t, r in report["tasks"].items()}
    assert tasks["quotes (span)"] > 0.8 and 0.0 < tasks["events (type+actors)"] < 1.0
