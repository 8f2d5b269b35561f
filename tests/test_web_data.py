"""The web workbench's test database, and unit tests of its building blocks.

`build_web_db` ingests the seeds and the bundled sample corpus with the real pipeline, then stores one
hostile document whose text, title, boilerplate, URL and extracted records carry script tags, event
handler attributes and javascript: links. The other test_web_* modules import it from here.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest
from conftest import EXAMPLES, SEEDS, needs

from parley.records import (
    Actor,
    Document,
    DocumentResult,
    Event,
    Mention,
    Position,
    Proposal,
    ProposalStep,
    Quote,
    content_hash,
)

HOSTILE_ID = "badc0ffee0ddf00d"
EVIL_ACTOR = "person:evil-<script>"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
LINK = '<a href="javascript:alert(1)">x</a>'
HOSTILE_TEXT = (
    f"Hostile report. {SCRIPT} The envoy said a ceasefire {IMG} was possible.\n\n"
    f"Evilson met Foreign Minister Umerov in Geneva. {LINK} Both sides agreed to talk again.\n\n"
    "Evilson said: \"We reject any javascript:alert(2) deal\" and demanded a plan <svg onload=alert(3)>.\n"
)


def span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def hostile_result() -> DocumentResult:
    text = HOSTILE_TEXT
    doc = Document(id=HOSTILE_ID, source="hostile/evil.html", text=text,
                   title=f"{SCRIPT} Hostile <b onmouseover=alert(4)>title</b>", url="javascript:alert(5)",
                   published=date(2024, 1, 15), boilerplate=[f"{SCRIPT} boilerplate", IMG, LINK],
                   raw_hash="hostile")
    evil = Actor(EVIL_ACTOR, '<script>alert("name")</script>Evilson', "PERSON", "UKR", "<i>envoy</i>", ["Evilson"])
    s1 = span(text, "Evilson met Foreign Minister Umerov in Geneva.")
    s_quote = span(text, "We reject any javascript:alert(2) deal")
    s_script = span(text, SCRIPT)
    s_img = span(text, f"a ceasefire {IMG} was possible")
    s_plan = span(text, "demanded a plan <svg onload=alert(3)>")
    m = span(text, "Evilson")
    return DocumentResult(
        document=doc,
        actors=[evil],
        mentions=[Mention(HOSTILE_ID, EVIL_ACTOR, m[0], m[1], "Evilson"),
                  Mention(HOSTILE_ID, "UKR", *span(text, "Umerov"), "Umerov")],
        quotes=[Quote("badc0ffee0dd0001", HOSTILE_ID, EVIL_ACTOR, "Evilson", "said", text[s_quote[0]:s_quote[1]],
                      *s_quote, "direct"),
                Quote("badc0ffee0dd0002", HOSTILE_ID, None, None, None, text[s_script[0]:s_script[1]], *s_script,
                      "indirect")],
        events=[Event("badc0ffee0dd0003", HOSTILE_ID, "CONSULT", "<b>meeting</b>", [EVIL_ACTOR], ["UKR"], None,
                      "2024-01-14", text[s1[0]:s1[1]], *s1)],
        positions=[Position("badc0ffee0dd0004", HOSTILE_ID, EVIL_ACTOR, "rejection", "ceasefire",
                            text[s_img[0]:s_img[1]], *s_img, "2024-01-15")],
        proposals=[Proposal("badc0ffee0dd0005", HOSTILE_ID, EVIL_ACTOR, f"{IMG} plan", text[s_plan[0]:s_plan[1]],
                            *s_plan, [ProposalStep(1, f"{SCRIPT} step", text[s_plan[0]:s_plan[1]], *s_plan)])],
    )


def build_web_db(path: Path, pipeline) -> Path:
    """Seeds + sample corpus through the real pipeline, plus the hostile document (built once a session)."""
    done = path.with_suffix(".ready")
    if done.exists():
        return path
    from parley.pipeline import run
    from parley.store.sqlite import SQLiteStore

    store = SQLiteStore(path)
    try:
        run([str(SEEDS), str(EXAMPLES)], store, pipeline, progress=False)
        result = hostile_result()
        store.save(result, content_hash(result.document.text), "2024-01-16T00:00:00+00:00")
    finally:
        store.close()
    done.write_text("ok")
    return path


POSTGRES_URL = os.environ.get("PARLEY_TEST_POSTGRES", "")
WHY_NO_POSTGRES = "" if POSTGRES_URL.startswith(("postgresql://", "postgres://")) else (
    "set PARLEY_TEST_POSTGRES=postgresql://user:password@host:port/dbname to test the web app on PostgreSQL")


@contextmanager
def postgres_copy(sqlite_path: Path) -> Iterator[str]:
    """The SQLite test database copied into a fresh PostgreSQL schema; yields its URL, drops it after."""
    import psycopg

    from parley.store import open_store
    from parley.store.sqlite import SQLiteStore

    schema = f"parley_web_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(POSTGRES_URL)
    options = f"-csearch_path={schema} -clock_timeout=20s -cstatement_timeout=120s"
    url = urlunsplit(parts._replace(query=urlencode([*parse_qsl(parts.query), ("options", options)],
                                                    quote_via=quote)))
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            with SQLiteStore(sqlite_path) as src, open_store(url) as dst:
                actors = src.actors()
                for i, document in enumerate(src.documents()):
                    result = src.result(document.id)
                    assert result is not None
                    result.actors = actors if i == 0 else []
                    dst.save(result, content_hash(document.text), "2024-01-16T00:00:00+00:00")
            yield url
        finally:
            admin.execute("SET lock_timeout = '20s'")
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def web_db(tmp_path_factory, pipeline) -> Path:
    if not SEEDS.exists() or not EXAMPLES.exists():
        pytest.skip("seeds or sample corpus not present")
    return build_web_db(tmp_path_factory.getbasetemp() / "web.db", pipeline)


# -- the database -----------------------------------------------------------------------------------

@needs(SEEDS)
def test_database_holds_corpus_and_hostile_document(web_db):
    from parley.store.sqlite import SQLiteStore

    with SQLiteStore(web_db) as store:
        counts = store.counts()
        assert counts["documents"] >= 15
        assert counts["events"] > 0 and counts["quotes"] > 0 and counts["positions"] > 0
        hostile = store.result(HOSTILE_ID)
        assert hostile is not None and SCRIPT in hostile.document.text


# -- evidence highlighting --------------------------------------------------------------------------

def test_highlight_escapes_every_piece_and_keeps_text():
    from markupsafe import Markup

    from parley.web.evidence import highlight

    text = f"a {SCRIPT} b {IMG} c"
    spans = [{"kind": "quote", "id": "q", "anchor": "qt-q", "start": 2, "end": 2 + len(SCRIPT), "label": IMG},
             {"kind": "event", "id": "e", "anchor": "ev-e", "start": 0, "end": len(text), "type": "CONSULT",
              "label": '"><script>x</script>'}]
    html = highlight(text, spans, focus="qt-q")
    assert isinstance(html, Markup)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'title="event: &#34;&gt;&lt;script&gt;x&lt;/script&gt;' in html
    assert 'id="qt-q"' in html and 'id="ev-e"' in html and "focus" in html
    # the visible text is the document's text, character for character
    import re
    from html import unescape

    visible = re.sub(r'<span class="tag[^"]*"[^>]*>[^<]*</span>', "", html)
    assert unescape(re.sub(r"<[^>]+>", "", visible)) == text


def test_highlight_handles_overlaps_and_bad_offsets():
    from parley.web.evidence import highlight

    text = "0123456789"
    spans = [{"kind": "quote", "id": "a", "anchor": "qt-a", "start": 0, "end": 6, "label": "a"},
             {"kind": "position", "id": "b", "anchor": "ps-b", "start": 3, "end": 9, "label": "b",
              "position_kind": "offer"},
             {"kind": "mention", "id": "0", "anchor": "mn-0", "start": 4, "end": 5, "label": "m"},
             {"kind": "event", "id": "c", "anchor": "ev-c", "start": 8, "end": 99, "label": "c"},  # past the end
             {"kind": "event", "id": "d", "anchor": "ev-d", "start": 5, "end": 5, "label": "empty"}]
    html = str(highlight(text, spans))
    assert 'class="hl k-mention k-position k-quote"' in html
    assert 'id="ev-c"' in html and 'id="ev-d"' not in html
    assert html.count('class="tag tag-') == 3


def test_snippet_marks_are_escaped():
    from parley.web.evidence import snippet_html

    html = str(snippet_html(f"before [{SCRIPT}] after [ok"))
    assert "<mark>&lt;script&gt;" in html and "<script>" not in html and "[ok" in html


def test_safe_url_only_links_http():
    from parley.web.pages import safe_url

    assert safe_url("https://example.org/a") == "https://example.org/a"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "", None):
        assert safe_url(bad) is None


# -- downloads ---------------------------------------------------------------------------------------

def test_flatten_and_formula_guard():
    from parley.web.downloads import csv_lines, flatten, safe_cell

    row = {"id": "1", "doc": {"id": "d", "title": "T"}, "source": [{"id": "RUS", "name": "Russia"}],
           "steps": [{"order": 1}], "text": "=HYPERLINK(\"http://x\")"}
    flat = flatten(row)
    assert flat["doc_id"] == "d" and flat["source"] == "RUS" and json.loads(flat["steps"]) == [{"order": 1}]
    assert safe_cell(flat["text"]).startswith("'=")
    assert safe_cell("-5 degrees") == "'-5 degrees" and safe_cell(3) == 3
    out = "".join(csv_lines(iter([[row], [{**row, "id": "2"}]])))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["1", "2"] and rows[0]["text"].startswith("'=")


# -- queries ------------------------------------------------------------------------------------------

@needs(SEEDS)
def test_queries_are_consistent(web_db):
    from parley.store.sqlite import SQLiteStore
    from parley.web import queries as Q

    with SQLiteStore(web_db) as store:
        everything = Q.timeline(store, Q.Filters(), limit=1000)
        n = store.counts()
        assert everything.total == n["events"] + n["quotes"] + n["positions"]
        dated = [i["date"] for i in everything.items if i["date"]]
        assert dated == sorted(dated, reverse=True)
        # the counts per month add up to the dated items
        per_month = Q.timeline_counts(store, Q.Filters())
        assert sum(p["event"] + p["quote"] + p["position"] for p in per_month) == sum(
            1 for i in everything.items if i["date"] and len(i["date"]) >= 7)
        # a party filter keeps only that party's items
        russia = Q.Filters(party="RUS", expand=False)
        russia.parties = Q.party_ids(store, "RUS", expand=False)
        for item in Q.timeline(store, russia, limit=500).items:
            ids = [a["id"] for a in item.get("source", []) + item.get("target", [])] if item["kind"] == "event" \
                else [item["actor"]["id"]]
            assert "RUS" in ids
        # network edges are symmetric pairs and their events involve both actors
        graph = Q.network(store)
        assert graph["edges"]
        edge = graph["edges"][0]
        events = Q.edge_events(store, edge["source"]["id"], edge["target"]["id"])
        assert events.total == edge["weight"]
        # every span of every document lies inside its text
        for doc in store.query("SELECT id FROM documents"):
            view = Q.document_view(store, doc["id"])
            assert view is not None
            for s in view["spans"]:
                assert 0 <= s["start"] <= s["end"] <= len(view["text"])
