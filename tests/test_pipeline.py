"""The whole run: bad input is skipped with reasons, re-ingest is idempotent, runs resume, engines agree."""

import json

import pytest

from parley.pipeline import run
from parley.store.sqlite import SQLiteStore

REPORTS = {
    "Antalya": "Envoys meet in Antalya\n\nAntalya - Foreign Minister Dmytro Kuleba met Turkish Foreign Minister "
               "Mevlut Cavusoglu on Thursday. \u201cWe are ready to talk about a ceasefire,\u201d Kuleba said "
               "after the meeting, adding that Russia must first withdraw its troops.",
    "Istanbul": "Grain corridor talks in Istanbul\n\nIstanbul - Turkish and UN officials discussed the "
                "inspection of cargo ships with Russian and Ukrainian delegations. The Kremlin said it wanted "
                "guarantees for its own fertiliser exports before any extension.",
    "Ankara": "Prisoner exchange agreed\n\nAnkara - Both sides agreed to swap 200 prisoners of war next "
              "week, according to the Turkish presidency. Kyiv called the deal a humanitarian step and "
              "urged Moscow to release civilians too.",
    "Geneva": "Nuclear plant inspection\n\nGeneva - The IAEA chief Rafael Grossi said his inspectors would "
              "return to the Zaporizhzhia plant and warned that shelling near the site was unacceptable. "
              "Moscow denied any responsibility for the strikes.",
}


def report(city: str) -> str:
    return REPORTS[city]


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(report("Antalya"), encoding="utf-8")
    (folder / "b.txt").write_text(report("Istanbul"), encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (folder / "feed.jsonl").write_text(
        json.dumps({"url": "https://example.org/1", "title": "Envoys meet in Ankara", "published": "2022-03-10",
                    "text": report("Ankara")}) + "\n{not json\n", encoding="utf-8")
    (folder / "page.html").write_text(
        "<html><head><title>Talks in Geneva</title><script>alert('x')</script></head><body>"
        "<article><h1>Talks in Geneva</h1><p>" + report("Geneva").replace("\n\n", "</p><p>")
        + "</p><p><a href=\"javascript:alert(1)\" onclick=\"steal()\">more</a></p></article></body></html>",
        encoding="utf-8")
    return folder


def test_bad_input_is_skipped_with_reasons_and_the_batch_goes_on(corpus, tmp_path, pipeline):
    store = SQLiteStore(tmp_path / "p.db")
    summary = run([str(corpus)], store, pipeline, progress=False)
    assert summary.stored == 4
    reasons = {s.source.rsplit("/", 1)[-1]: s.reason for s in store.skipped()}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert any("feed.jsonl" in source for source in reasons)
    html = next(d for d in store.documents() if d.source.endswith("page.html"))
    assert "alert" not in html.text and "steal" not in html.text
    assert "Grossi" in html.text


def test_reingest_is_idempotent_and_a_changed_file_is_updated(corpus, tmp_path, pipeline):
    store = SQLiteStore(tmp_path / "p.db")
    run([str(corpus)], store, pipeline, progress=False)
    before = store.counts()
    again = run([str(corpus)], store, pipeline, progress=False)
    assert again.stored == 0 and again.unchanged == 4
    assert store.counts() == before
    (corpus / "a.txt").write_text(report("Antalya") + " Talks will resume on Monday.", encoding="utf-8")
    changed = run([str(corpus)], store, pipeline, progress=False)
    assert changed.stored == 1 and changed.unchanged == 3
    doc = next(d for d in store.documents() if d.source.endswith("a.txt"))
    assert doc.text.endswith("Talks will resume on Monday.")
    assert store.counts()["documents"] == before["documents"]


def test_exact_duplicate_from_another_source_is_skipped(corpus, tmp_path, pipeline):
    (corpus / "copy.txt").write_text(report("Antalya"), encoding="utf-8")
    store = SQLiteStore(tmp_path / "p.db")
    summary = run([str(corpus)], store, pipeline, progress=False)
    assert summary.duplicates == 1
    assert any(s.reason.startswith("duplicate of") for s in store.skipped())


def test_interrupted_run_resumes(corpus, tmp_path, pipeline, monkeypatch):
    store = SQLiteStore(tmp_path / "p.db")
    real_save = store.save
    calls = {"n": 0}

    def crash_after_two(*args, **kwargs):
        if calls["n"] == 2:
            raise KeyboardInterrupt("power cut")
        calls["n"] += 1
        real_save(*args, **kwargs)

    monkeypatch.setattr(store, "save", crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        run([str(corpus)], store, pipeline, progress=False)
    assert store.counts()["documents"] == 2
    monkeypatch.setattr(store, "save", real_save)
    resumed = run([str(corpus)], store, pipeline, progress=False)
    assert resumed.unchanged == 2 and resumed.stored == 2
    assert store.counts()["documents"] == 4


@pytest.mark.slow
def test_process_pool_engine_gives_the_same_record(corpus, tmp_path, pipeline):
    local = SQLiteStore(tmp_path / "local.db")
    pooled = SQLiteStore(tmp_path / "pool.db")
    run([str(corpus)], local, pipeline, progress=False)
    run([str(corpus)], pooled, pipeline, progress=False, engine="pool", workers=2)
    assert local.counts() == pooled.counts()
    key = "SELECT doc, type, source, target, evidence FROM events ORDER BY doc, start_char, type"
    assert local.query(key) == pooled.query(key)


@pytest.mark.slow
def test_ray_engine_gives_the_same_record(corpus, tmp_path, pipeline):
    pytest.importorskip("ray")
    local = SQLiteStore(tmp_path / "local.db")
    distributed = SQLiteStore(tmp_path / "ray.db")
    run([str(corpus)], local, pipeline, progress=False)
    run([str(corpus)], distributed, pipeline, progress=False, engine="ray", workers=2)
    key = "SELECT doc, speaker, text FROM quotes ORDER BY doc, start_char"
    assert local.query(key) == distributed.query(key)
