"""What only the PostgreSQL store does: GIN indexes the searches use, stemming, headlines, migration lock,
and a connection that stays usable. The tests both stores pass are in test_store.py.

Runs when PARLEY_TEST_POSTGRES holds a postgresql:// URL (`.ci/run` starts a server), else skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_store import Backend, full_result, make_backend, needs_postgres, save, small_result

from parley.store import open_store
from parley.store.base import MIGRATIONS, Store

pytestmark = [pytest.mark.postgres, needs_postgres]


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    with make_backend("postgres", tmp_path) as b:
        yield b


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()


def test_open_store_picks_postgres(backend: Backend, store: Store) -> None:
    from parley.store.postgres import PostgresStore

    assert isinstance(store, PostgresStore) and store.name == "postgres" and store.placeholder == "%s"
    legacy = open_store(backend.db.replace("postgresql://", "postgres://", 1))
    try:
        assert isinstance(legacy, PostgresStore)
    finally:
        legacy.close()


def test_full_text_indexes_exist_and_are_used(store: Store) -> None:
    indexes = {r["indexname"]: r["indexdef"] for r in store.query(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")}
    for name in ("quotes_fts", "documents_fts"):
        assert "USING gin" in indexes[name] and "to_tsvector('english'::regconfig" in indexes[name]
    save(store, full_result())
    # the search expressions must be the indexed ones, or every search reads the whole table
    from parley.store.postgres import DOCUMENTS_TSV, QUOTES_TSV

    store.execute("SET LOCAL enable_seqscan = off")
    for table, tsv in (("quotes", QUOTES_TSV), ("documents", DOCUMENTS_TSV)):
        query = f"EXPLAIN SELECT {table}.id FROM {table} WHERE {tsv} @@ plainto_tsquery('english', ?)"
        plan = store.query(query, ("ceasefire",))
        assert f"Bitmap Index Scan on {table}_fts" in "\n".join(r["QUERY PLAN"] for r in plan)
    store.conn.rollback()


def test_search_uses_english_stemming(store: Store) -> None:
    save(store, full_result())
    assert [h["id"] for h in store.search_quotes("ceasefires")] == ["doc-1:q1"]
    assert [h["id"] for h in store.search_quotes("trading territories")] == ["doc-1:q1"]
    assert [h["id"] for h in store.search_documents("proposing summits")] == ["doc-1"]
    # a query of stop words only matches nothing (and is no error)
    assert store.search_quotes("the of and") == []
    assert store.search_documents("the of and") == []


def test_document_snippet_is_a_bracketed_headline(store: Store) -> None:
    save(store, full_result())
    [hit] = store.search_documents("prisoners")
    assert "[prisoner]" in hit["snippet"]
    assert len(hit["snippet"].split()) <= 14
    assert "[" not in store.search_documents("summit")[0]["snippet"].replace("[summit]", "")


def test_connection_survives_a_failed_statement(store: Store) -> None:
    import psycopg

    save(store, full_result())
    with pytest.raises(psycopg.errors.UndefinedTable):
        store.query("SELECT * FROM no_such_table")
    assert store.counts()["documents"] == 1  # not "current transaction is aborted"
    save(store, small_result())
    assert store.counts()["quotes"] == 1


def test_reads_do_not_leave_a_transaction_open(store: Store) -> None:
    from psycopg.pq import TransactionStatus

    save(store, full_result())
    for read in (store.counts, store.actors, store.skipped, lambda: store.result("doc-1"),
                 lambda: store.search_quotes("ceasefire"), lambda: store.search_documents("ceasefire"),
                 lambda: store.is_current("doc-1", "raw-doc-1")):
        read()
        assert store.conn.info.transaction_status == TransactionStatus.IDLE


def test_concurrent_openings_migrate_once(backend: Backend) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_one() -> None:
        try:
            start.wait()
            backend.open()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    versions = backend.open().query("SELECT version FROM schema_version ORDER BY version")
    assert versions == [{"version": v} for v in range(1, len(MIGRATIONS) + 1)]  # each migration once


def test_a_save_is_invisible_to_others_until_committed(backend: Backend, store: Store,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    save(store, full_result())
    reader = backend.open()
    seen: dict[str, int] = {}

    def commit() -> None:  # look from another connection just before the save commits
        seen.update(reader.counts())
        store.conn.commit()

    monkeypatch.setattr(store, "commit", commit)
    save(store, small_result())
    assert seen["quotes"] == 3 and seen["documents"] == 1  # the old version, whole
    assert reader.counts()["quotes"] == 1
