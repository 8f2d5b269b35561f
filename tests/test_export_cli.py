"""Export formats and the command line, on a database built from two short reports."""

import csv
import json

import pytest

from parley.cli import main

REPORTS = {
    "a.txt": "Ministers talk\n\nForeign Minister Dmytro Kuleba said on Monday that Kyiv was ready for talks "
             "only if Russia withdraws its troops. \u201cThere can be no ceasefire without withdrawal,\u201d he said.",
    "b.txt": "Kremlin replies\n\nKremlin spokesman Dmitry Peskov rejected the demand and said Moscow would not "
             "accept any conditions set by Kyiv.",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = tmp_path_factory.mktemp("db") / "cli.db"
    assert main(["ingest", str(folder), "--db", str(path), "--quiet"]) == 0
    return path


def test_jsonl_export(db, capsys):
    assert main(["export", "--db", str(db), "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    docs = [r for r in records if r["kind"] == "document"]
    assert len(docs) == 2 and {d["title"] for d in docs} == {"Ministers talk", "Kremlin replies"}
    quotes = [r for r in records if r["kind"] == "quote" and r["quote_kind"] == "direct"]
    assert quotes[0]["text"] == "There can be no ceasefire without withdrawal"
    actors = {r["id"]: r for r in records if r["kind"] == "actor"}
    assert quotes[0]["speaker"] in actors and "Kuleba" in actors[quotes[0]["speaker"]]["name"]


def test_csv_export_one_file_per_kind(db, tmp_path):
    out = tmp_path / "csv"
    assert main(["export", "--db", str(db), "--format", "csv", "--out", str(out)]) == 0
    with (out / "documents.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 and json.loads(rows[0]["boilerplate"]) == []
    with (out / "events.csv").open(encoding="utf-8") as fh:
        events = list(csv.DictReader(fh))
    assert events and all(isinstance(json.loads(e["source"]), list) for e in events)


def test_parquet_export(db, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "pq"
    assert main(["export", "--db", str(db), "--format", "parquet", "--out", str(out)]) == 0
    table = pq.read_table(out / "quotes.parquet")
    assert table.num_rows >= 2 and "speaker" in table.column_names


def test_brief_names_parties_with_sources(db, capsys):
    assert main(["brief", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Parley briefing: 2 reports" in out
    assert "Dmytro Kuleba" in out and "Ministers talk" in out


def test_brief_for_one_party(db, capsys):
    assert main(["brief", "--db", str(db), "--party", "Russia"]) == 0
    out = capsys.readouterr().out
    assert out.count("=" * 78) == 1 and "Russia (COUNTRY" in out


def test_kb_lookup(capsys):
    assert main(["kb", "--find", "Podolyak"]) == 0
    out = capsys.readouterr().out
    assert "PERSON" in out and "UKR" in out


def test_eval_needs_a_target(capsys):
    assert main(["eval"]) == 2
