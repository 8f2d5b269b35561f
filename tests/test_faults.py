"""Faults: an exception in one document, in any engine, is that document's skip; a store error on one
document is its skip (rolled back) and a rerun goes past it; record ids are unique per document; a
`parley ingest` killed with SIGKILL and run again, or two run at once into one database, leave exactly
what one clean run leaves; a full disk or a read-only database ends the run with a one-line error and
nothing half-written.

The corpus is generated here: ~200 short distinct reports (every line differs, so no line looks like site
furniture and no report is a near copy of another)."""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from parley.extract.quotes import QuoteExtractor
from parley.pipeline import Pipeline, run
from parley.records import Quote
from parley.resolve.actors import ActorResolver
from parley.store import open_store
from parley.store.sqlite import SQLiteStore

PEOPLE = ["Dmytro Kuleba", "Sergei Lavrov", "Antony Blinken", "Mevlut Cavusoglu", "Rafael Grossi",
          "Antonio Guterres", "Emmanuel Macron", "Olaf Scholz", "Recep Tayyip Erdogan", "Volodymyr Zelensky"]
CITIES = ["Antalya", "Istanbul", "Geneva", "Ankara", "Vienna", "Paris", "Berlin", "Warsaw", "Brussels", "Rome"]
TOPICS = ["a ceasefire", "prisoner exchanges", "grain exports", "the nuclear plant", "sanctions relief",
          "humanitarian corridors", "security guarantees", "the withdrawal of troops"]
WORDS = ["quiet", "long", "tense", "brief", "frank", "difficult", "useful", "cautious", "late", "early"]


def reports(n: int, seed: int = 7) -> dict[str, str]:
    rng = random.Random(seed)
    out = {}
    for i in range(n):
        a, b = rng.sample(PEOPLE, 2)
        city, topic, other = rng.choice(CITIES), rng.choice(TOPICS), rng.choice(TOPICS)
        mood = rng.sample(WORDS, 3)
        out[f"r{i:03d}.txt"] = (
            f"{a} and {b} hold {mood[0]} talks in {city} (report {i})\n\n"
            f"{city} - {a} met {b} for a {mood[1]} meeting on day {i + 3} of the {mood[2]} round. "
            f"\u201cWe discussed {topic} and agreed to meet again in {rng.randint(2, 40)} days,\u201d "
            f"{a.split()[-1]} said. {b.split()[-1]} said that {other} would need {rng.randint(2, 9)} "
            f"more rounds, according to officials present at session {i * 7 + 11}.")
    return out


def write_corpus(folder: Path, n: int = 200) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in reports(n).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def ingest_cmd(folder: Path, db: str) -> list[str]:
    return [sys.executable, "-m", "parley.cli", "ingest", str(folder), "--db", db, "--quiet"]


def ingest(folder: Path, db: str, **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(ingest_cmd(folder, db), capture_output=True, text=True, timeout=300, **kwargs)


TABLES = ("documents", "actors", "mentions", "quotes", "events", "event_actors", "positions", "proposals",
          "skipped", "signatures", "signature_bands")
VOLATILE = {"ingested_at", "at"}  # when, not what


def snapshot(db: str) -> dict[str, list[str]]:
    """Every table's rows (as sorted JSON, times left out): equal snapshots are equal databases, and a
    duplicated row shows as one row too many."""
    with open_store(db) as store:
        out = {}
        for table in TABLES:
            rows = []
            for row in store.query(f"SELECT * FROM {table}"):
                row = {k: v for k, v in row.items() if k not in VOLATILE}
                if table == "actors":  # concurrent writers merge aliases in either order
                    row["aliases"] = sorted(json.loads(row["aliases"]))
                rows.append(json.dumps(row, sort_keys=True, default=str))
            out[table] = sorted(rows)
        return out


def per_document_counts(db: str) -> dict[str, dict[str, int]]:
    with open_store(db) as store:
        return {d.id: {t: store.query_one(f"SELECT COUNT(*) AS n FROM {t} WHERE doc = ?", (d.id,))["n"]
                       for t in ("mentions", "quotes", "events", "positions", "signatures")}
                for d in store.documents()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("faults") / "in")


@pytest.fixture(scope="module")
def reference(corpus: Path) -> dict[str, list[str]]:
    """What one clean `parley ingest` of the corpus leaves."""
    db = str(corpus.parent / "reference.db")
    done = ingest(corpus, db)
    assert done.returncode == 0, done.stderr
    snap = snapshot(db)
    assert len(snap["documents"]) == 200 and not snap["skipped"]
    return snap


# -- one document's failure is its skip, in every engine ---------------------------------------------


def small_corpus(folder: Path, n: int = 6) -> Path:
    texts = reports(n, seed=11)
    texts["r001.txt"] = texts["r001.txt"].replace("(report 1)", "(report 1 BOOM)")
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_an_exception_in_one_document_is_its_skip_in_every_engine(pipeline: Pipeline, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = ActorResolver.resolve

    def boom(self, document, doc):
        if "BOOM" in document.text:
            raise RuntimeError("resolver broke")
        return real(self, document, doc)

    # patched on the class: pool workers are forked from this process and build their pipeline from it
    monkeypatch.setattr(ActorResolver, "resolve", boom)
    folder = small_corpus(tmp_path / "in")
    results = {}
    for engine in ("local", "pool"):
        store = SQLiteStore(tmp_path / f"{engine}.db")
        summary = run([str(folder)], store, pipeline, progress=False, engine=engine, workers=2)
        results[engine] = (summary.stored, [(s.source, s.reason) for s in store.skipped()],
                           store.query("SELECT doc, text FROM quotes ORDER BY doc, start_char"))
    assert results["local"] == results["pool"]
    stored, skipped, _ = results["local"]
    assert stored == 5
    assert [(Path(s).name, r) for s, r in skipped] == [("r001.txt", "extraction failed: RuntimeError: resolver broke")]


@pytest.mark.slow
def test_a_pool_worker_hung_past_the_budget_is_replaced(pipeline: Pipeline, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from parley import engines

    real = ActorResolver.resolve

    def hang(self, document, doc):
        if "BOOM" in document.text:
            time.sleep(60)  # stuck inside one stage: the between-stage check never comes
        return real(self, document, doc)

    monkeypatch.setattr(ActorResolver, "resolve", hang)
    monkeypatch.setattr(engines, "GRACE_SECONDS", 4.0)
    folder = small_corpus(tmp_path / "in")
    store = SQLiteStore(tmp_path / "p.db")
    start = time.monotonic()
    summary = run([str(folder)], store, pipeline, progress=False, engine="pool", workers=2, time_budget=2.0)
    assert time.monotonic() - start < 45
    assert summary.stored == 5
    [skip] = store.skipped()
    assert skip.source.endswith("r001.txt") and skip.reason.startswith("time budget exceeded")


def test_a_failing_nlp_pipe_costs_only_the_failing_text(pipeline: Pipeline, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = small_corpus(tmp_path / "in")
    expected = run([str(folder)], SQLiteStore(tmp_path / "a.db"), pipeline, progress=False)

    def broken_pipe(texts, batch_size=16):
        raise MemoryError("pipe broke")
        yield  # a generator, as nlp.pipe is

    monkeypatch.setattr(pipeline.annotator, "pipe", broken_pipe)
    store = SQLiteStore(tmp_path / "b.db")
    summary = run([str(folder)], store, pipeline, progress=False)
    assert (summary.stored, summary.skipped_count) == (expected.stored, expected.skipped_count) == (6, 0)


# -- store errors on one document ------------------------------------------------------------------


def test_distinct_records_on_one_span_get_distinct_ids(pipeline: Pipeline, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Two cues over one content ('denied ... believed') gave two quotes one id: UNIQUE constraint failed:
    # quotes.id, and the batch (and every rerun) stopped at that document.
    real = QuoteExtractor.__call__

    def two_cues(self, rd):
        quotes = real(self, rd)
        copies = [Quote(q.id, q.doc, q.speaker, q.speaker_text, "believe", q.text, q.start, q.end, q.quote_kind)
                  for q in quotes if q.cue != "believe"]
        return quotes + copies + [quotes[0]]  # and one exact copy, which is dropped

    monkeypatch.setattr(QuoteExtractor, "__call__", two_cues)
    if pipeline.learned is not None:  # the rules' quotes reach the store as they are, not the quote model's
        monkeypatch.setattr(pipeline.learned, "quotes", None)
    folder = small_corpus(tmp_path / "in", n=3)
    store = SQLiteStore(tmp_path / "p.db")
    summary = run([str(folder)], store, pipeline, progress=False)
    assert summary.stored == 3 and summary.skipped_count == 0
    rows = store.query("SELECT id, doc, start_char, end_char, cue FROM quotes")
    assert len({r["id"] for r in rows}) == len(rows)
    spans = [(r["doc"], r["start_char"], r["end_char"]) for r in rows]
    assert all(spans.count(s) == 2 for s in spans)  # both cues kept, the exact copy not


def test_a_store_error_on_one_document_is_its_skip_and_a_rerun_goes_on(pipeline: Pipeline, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = small_corpus(tmp_path / "in")
    store = SQLiteStore(tmp_path / "p.db")
    real = store.after_save

    def refuse(result):  # after every insert of the document, before its commit
        if "BOOM" in result.document.text:
            raise sqlite3.IntegrityError("UNIQUE constraint failed: quotes.id")
        real(result)

    monkeypatch.setattr(store, "after_save", refuse)
    for _ in range(2):  # the rerun passes over what was stored and fails the same document again, alone
        summary = run([str(folder)], store, pipeline, progress=False)
        assert summary.skipped_count == 1
        [skip] = store.skipped()
        assert skip.source.endswith("r001.txt")
        assert skip.reason == "store failed: IntegrityError: UNIQUE constraint failed: quotes.id"
    assert store.counts()["documents"] == 5  # nothing of the refused document was written
    assert store.query("SELECT COUNT(*) AS n FROM mentions WHERE doc NOT IN (SELECT id FROM documents)") == [
        {"n": 0}]
    monkeypatch.setattr(store, "after_save", real)
    again = run([str(folder)], store, pipeline, progress=False)
    assert again.stored == 1 and store.skipped() == [] and store.counts()["documents"] == 6


# -- a database that cannot be written ---------------------------------------------------------------


def test_a_full_disk_ends_the_run_with_nothing_half_written(pipeline: Pipeline, tmp_path: Path) -> None:
    # Root ignores file modes, so the full disk is SQLite's own page limit: writes past it fail with
    # SQLITE_FULL ('database or disk is full'), exactly as on a full file system.
    folder = write_corpus(tmp_path / "in", n=40)
    full = tmp_path / "full.db"
    store = SQLiteStore(full)
    pages = store.query_one("PRAGMA page_count")["page_count"]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 12}")
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full") as failure:
        run([str(folder)], store, pipeline, progress=False)
    assert store.is_fatal(failure.value) and "\n" not in str(failure.value)
    store.close()
    clean = tmp_path / "clean.db"
    run([str(folder)], SQLiteStore(clean), pipeline, progress=False)
    partial, whole = per_document_counts(str(full)), per_document_counts(str(clean))
    assert 0 < len(partial) < len(whole)
    assert all(partial[d] == whole[d] for d in partial)  # every stored document is whole
    with sqlite3.connect(full) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_read_only_database_ends_the_run_and_is_unchanged(pipeline: Pipeline, tmp_path: Path) -> None:
    # chmod 444 does not stop root; SQLite's read-only open (a file: URI with mode=ro) does.
    folder = write_corpus(tmp_path / "in", n=8)
    db = tmp_path / "p.db"
    first = sorted(folder.iterdir())[:3]
    run([str(p) for p in first], SQLiteStore(db), pipeline, progress=False)
    before = snapshot(str(db))
    store = SQLiteStore(f"file:{db}?mode=ro")
    with pytest.raises(sqlite3.OperationalError, match="readonly") as failure:
        run([str(folder)], store, pipeline, progress=False)
    assert store.is_fatal(failure.value)
    store.close()
    assert snapshot(str(db)) == before


@pytest.mark.slow
def test_cli_on_a_full_disk_exits_non_zero_with_one_line(corpus: Path, reference, tmp_path: Path) -> None:
    # A file-size limit (RLIMIT_FSIZE, which binds root too) is the full disk of the ingest process:
    # SQLite's write fails (EFBIG) and the save is rolled back.
    db = tmp_path / "p.db"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))

    done = ingest(corpus, str(db), preexec_fn=limit)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert "disk" in last.lower() or "full" in last.lower(), done.stderr[-2000:]
    stored = per_document_counts(str(db))
    whole = per_document_counts(str(corpus.parent / "reference.db"))
    assert 0 < len(stored) < len(whole) and all(stored[d] == whole[d] for d in stored)


# -- kill -9 and concurrent writers ------------------------------------------------------------------


def documents_in(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created (or not migrated) yet


@pytest.mark.slow
def test_kill_9_then_rerun_equals_one_clean_run(corpus: Path, reference, tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    point = random.Random().randint(5, 150)  # a random point of the run, in stored documents
    proc = subprocess.Popen(ingest_cmd(corpus, str(db)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while proc.poll() is None and documents_in(db) < point and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert 0 < documents_in(db) < 200
    done = ingest(corpus, str(db))
    assert done.returncode == 0, done.stderr
    assert snapshot(str(db)) == reference


@pytest.mark.slow
def test_two_ingests_into_one_sqlite_file_equal_one_run(corpus: Path, reference, tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    procs = [subprocess.Popen(ingest_cmd(corpus, str(db)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert snapshot(str(db)) == reference


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("PARLEY_TEST_POSTGRES"), reason="PARLEY_TEST_POSTGRES is not set")
def test_two_ingests_into_one_postgres_database_equal_one_run(corpus: Path, reference) -> None:
    from test_store import postgres_schema, postgres_url

    with postgres_schema() as one, postgres_schema() as shared:
        done = ingest(corpus, postgres_url(one))
        assert done.returncode == 0, done.stderr
        sequential = snapshot(postgres_url(one))
        procs = [subprocess.Popen(ingest_cmd(corpus, postgres_url(shared)), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        errors = [p.communicate(timeout=300)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], errors
        assert snapshot(postgres_url(shared)) == sequential
        assert len(sequential["documents"]) == len(reference["documents"])
