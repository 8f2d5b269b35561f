"""The PolNeAR and PLOVER benchmark readers and scorers, on hand-made inputs and on the real data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BENCH, needs

from parley.evaluate.plover import OLD_TYPES, evaluate_plover, macro_f1, read_records
from parley.evaluate.polnear import (
    GoldAttribution,
    citron_overlap,
    evaluate_polnear,
    ggt_match,
    load_articles,
    parse_brat,
    prf,
)
from parley.records import Quote

TEXT = "The New York Post reports that the team avoided the hospital. \u201cWe were careful,\u201d she said."
ANN = "\n".join([
    "T1\tSource 0 17\tThe New York Post",
    "T2\tCue 18 25\treports",
    "T3\tContent 26 60\tthat the team avoided the hospital",
    "T4\tAttribution 18 25\treports",
    "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
    "T5\tContent 62 80;81 84\t\u201cWe were careful,\u201d she",
    "T6\tCue 85 89\tsaid",
    "T7\tAttribution-no-source 85 89\tsaid",
    "E2\tAttribution-no-source:T7 Content:T5 Cue:T6",
    "T8\tDiscard 0 3\tThe",
    "",
])


def quote(start: int, end: int, kind: str = "direct") -> Quote:
    return Quote(id=f"q{start}", doc="d", speaker=None, speaker_text=None, cue=None, text="",
                 start=start, end=end, quote_kind=kind)  # type: ignore[arg-type]


def test_parse_brat_reads_exact_spans_and_roles(tmp_path: Path) -> None:
    (tmp_path / "a.ann").write_text(ANN, encoding="utf-8")
    atts = parse_brat((tmp_path / "a.ann").read_text(encoding="utf-8"), TEXT)
    assert [a.id for a in atts] == ["E1", "E2"]
    first, second = atts
    assert first.contents == [(26, 60)] and first.sources == [(0, 17)] and first.cues == [(18, 25)]
    assert second.contents == [(62, 80), (81, 84)] and second.sources == [] and second.cues == [(85, 89)]
    assert second.content_chars() == set(range(62, 80)) | {81, 82, 83}


def test_parse_brat_rejects_offsets_that_disagree_with_the_text() -> None:
    with pytest.raises(ValueError, match="offsets give"):
        parse_brat("T1\tSource 0 3\tNew\nE1\tAttribution:T1 Content:T1\n", TEXT)


def test_load_articles_takes_the_first_annotator(tmp_path: Path) -> None:
    (tmp_path / "text").mkdir()
    (tmp_path / "attributions").mkdir()
    (tmp_path / "text" / "nyt_2016-10-01_some-title.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "attributions" / "nyt_2016-10-01_some-title_beef.ann").write_text(ANN, encoding="utf-8")
    (tmp_path / "attributions" / "nyt_2016-10-01_some-title_4e07.ann").write_text(
        "\n".join(ANN.splitlines()[:5]), encoding="utf-8")
    articles, n_files = load_articles(tmp_path)
    assert n_files == 2 and len(articles) == 1
    assert articles[0].annotator == "4e07" and len(articles[0].attributions) == 1


def test_ggt_matching_thresholds_and_one_to_one() -> None:
    gold = [GoldAttribution("E1", [(0, 10)]), GoldAttribution("E2", [(20, 30)])]
    preds = [quote(0, 4), quote(2, 10), quote(40, 50)]
    at3 = ggt_match(gold, preds, 0.3)
    assert [(m.gold.id, m.quote.start, m.score) for m in at3] == [("E1", 2, 0.8)]  # the larger share wins
    assert ggt_match(gold, preds, 0.8) == []  # 0.8 is not above 0.8
    anyo = ggt_match(gold, [quote(5, 25)], 0.0)
    assert [(m.gold.id, m.score) for m in anyo] == [("E1", 0.5)]  # one prediction, one gold
    assert prf(1, 3, 2) == pytest.approx({"precision": 1 / 3, "recall": 0.5, "f1": 0.4})


def test_citron_overlap_sums_over_pairs_in_tokens() -> None:
    pred = [[(0, 4)], [(10, 12)]]
    gold = [[(2, 6)], [(9, 11), (20, 22)]]
    assert citron_overlap(pred, gold) == (3, 6, 8)  # 2 + 1 shared; 4 + 2 predicted; 4 + 2 + 2 gold


def test_read_plover_records_skips_documentation_and_maps_old_types(tmp_path: Path) -> None:
    path = tmp_path / "gsr.txt"
    path.write_text(json.dumps([
        {"id": "DOC", "event": "DOCUMENT", "eventText": "about this file"},
        {"id": "R1", "date": "2000-01-01", "event": "AGREE", "text": "Hungary and Romania agreed.",
         "source": [{"actorText": "Hungary", "code": "HUN"}, {"actorText": "Romania", "code": "ROU"}]},
        {"id": "R2", "event": "DISAPPROVE", "text": "France criticised Germany.",
         "source": [{"actorText": "France"}], "target": [{"actorText": "Germany"}]},
    ]), encoding="utf-8")
    records = read_records(path)
    assert [r.id for r in records] == ["R1", "R2"]
    assert records[0].sources == ["Hungary", "Romania"] and records[0].targets == []
    assert str(records[0].date) == "2000-01-01" and records[1].date is None
    assert (records[1].event, records[1].type) == ("DISAPPROVE", "ACCUSE")
    assert OLD_TYPES["DEMAND"] == "REQUEST" and OLD_TYPES["FIGHT"] == "ASSAULT"
    assert len(read_records(path, limit=1)) == 1


def test_macro_f1_is_the_mean_of_per_label_f1() -> None:
    gold = ["AGREE", "AGREE", "REJECT", "ACCUSE"]
    pred = ["AGREE", "NONE", "REJECT", "REJECT"]
    # AGREE: P 1, R .5 -> 2/3; REJECT: P .5, R 1 -> 2/3; ACCUSE: 0
    assert macro_f1(gold, pred, ["ACCUSE", "AGREE", "REJECT"]) == pytest.approx((2 / 3 + 2 / 3) / 3)


def _in_unit(value: object) -> bool:
    return isinstance(value, float) and 0.0 <= value <= 1.0


@needs(BENCH / "polnear")
@needs(BENCH / "plover")
@pytest.mark.slow
def test_benchmarks_on_real_data(pipeline) -> None:
    report = evaluate_polnear(BENCH / "polnear", pipeline, limit=3)
    assert report["articles"] == 3
    articles, _ = load_articles(BENCH / "polnear", limit=3)
    assert report["gold attributions"] == sum(len(a.attributions) for a in articles) > 0
    assert {"content overlap (Citron, tokens)", "content match >0.3 (GGT)"} <= set(report["tasks"])
    for row in report["tasks"].values():
        assert all(_in_unit(row[k]) for k in ("precision", "recall", "f1"))
    assert _in_unit(report["speaker accuracy (all)"])
    assert _in_unit(report["speaker accuracy (gold source is a name)"])

    report = evaluate_plover(BENCH / "plover" / "PLOVER_GSR_CAMEO.txt", pipeline, limit=20)
    assert report["records"] == 20 == sum(report["gold types as coded"].values())
    assert {"event type (first event)", "source actors", "target actors"} == set(report["tasks"])
    for row in report["tasks"].values():
        assert all(_in_unit(row[k]) for k in ("precision", "recall", "f1"))
    for key in ("type accuracy (any event)", "type accuracy (first event)", "type macro-F1 (gold types)"):
        assert _in_unit(report[key])
    assert report["type accuracy (any event)"] >= report["type accuracy (first event)"]
