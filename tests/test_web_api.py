"""API and page tests of the web workbench over the seeds + sample corpus database (FastAPI TestClient)."""

from __future__ import annotations

import csv
import io
import json
import warnings
from contextlib import ExitStack
from urllib.parse import quote

import pytest
from conftest import SEEDS, needs
from test_web_data import (  # noqa: F401  (web_db: a fixture)
    EVIL_ACTOR,
    HOSTILE_ID,
    IMG,
    SCRIPT,
    WHY_NO_POSTGRES,
    postgres_copy,
    web_db,
)

pytestmark = needs(SEEDS)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def client(request, web_db):  # noqa: F811
    """The app over the test database, on SQLite and (with PARLEY_TEST_POSTGRES) on a PostgreSQL copy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note about httpx2
        from fastapi.testclient import TestClient

    from parley.web.app import create_app

    with ExitStack() as stack:
        if request.param == "postgres":
            if WHY_NO_POSTGRES:
                pytest.skip(WHY_NO_POSTGRES)
            db = stack.enter_context(postgres_copy(web_db))
        else:
            db = str(web_db)
        app = create_app(db, token="s3cret")
        yield stack.enter_context(TestClient(app, base_url="http://127.0.0.1"))


def get_json(client, url: str) -> dict:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


# -- every view has an endpoint, paginated -----------------------------------------------------------

LISTS = ["/api/v1/timeline", "/api/v1/events", "/api/v1/positions", "/api/v1/proposals", "/api/v1/quotes",
         "/api/v1/documents", "/api/v1/actors", "/api/v1/network/edge?a=RUS&b=UKR&types=CONSULT"]


@pytest.mark.parametrize("url", LISTS)
def test_lists_paginate(client, url):
    sep = "&" if "?" in url else "?"
    first = get_json(client, f"{url}{sep}limit=2")
    assert {"items", "total", "limit", "offset", "next_offset"} <= set(first)
    assert first["limit"] == 2 and first["offset"] == 0 and len(first["items"]) <= 2
    if first["next_offset"] is not None:
        second = get_json(client, f"{url}{sep}limit=2&offset=2")
        assert second["offset"] == 2
        assert {json.dumps(i, sort_keys=True) for i in first["items"]}.isdisjoint(
            json.dumps(i, sort_keys=True) for i in second["items"])
    assert client.get(f"{url}{sep}limit=0").status_code == 422
    assert client.get(f"{url}{sep}limit=501").status_code == 422
    assert client.get(f"{url}{sep}offset=-1").status_code == 422


def test_index_counts_and_openapi(client):
    index = get_json(client, "/api/v1/")
    assert index["counts"]["documents"] >= 15
    spec = get_json(client, "/api/v1/openapi.json")
    paths = set(spec["paths"])
    for path in ("/api/v1/timeline", "/api/v1/timeline/counts", "/api/v1/events", "/api/v1/network",
                 "/api/v1/network/edge", "/api/v1/positions", "/api/v1/positions/matrix", "/api/v1/proposals",
                 "/api/v1/quotes", "/api/v1/documents", "/api/v1/documents/{doc_id}", "/api/v1/actors",
                 "/api/v1/actors/{actor_id}", "/api/v1/facets"):
        assert path in paths, path
    assert not any(p.startswith("/timeline") or p == "/" for p in paths)  # pages stay out of the API document
    assert client.get("/docs").status_code == 404  # no CDN-loaded Swagger UI


def test_timeline_filters(client):
    everything = get_json(client, "/api/v1/timeline?limit=500")
    kinds = {i["kind"] for i in everything["items"]}
    assert kinds == {"event", "quote", "position"}
    events_only = get_json(client, "/api/v1/timeline?type=CONSULT&limit=500")
    assert events_only["total"] > 0 and all(i["kind"] == "event" and i["label"] == "CONSULT"
                                            for i in events_only["items"])
    quotes_only = get_json(client, "/api/v1/timeline?kind=quote&limit=500")
    assert all(i["kind"] == "quote" for i in quotes_only["items"])
    ceasefire = get_json(client, "/api/v1/timeline?topic=ceasefire&kind=position&limit=500")
    assert ceasefire["total"] > 0 and all(i["detail"] == "ceasefire" for i in ceasefire["items"])
    window = get_json(client, "/api/v1/timeline?from=2023-01-01&to=2023-12-31&limit=500")
    assert window["total"] > 0 and all("2023-01-01" <= i["date"] <= "2023-12-31" for i in window["items"])
    by_source = get_json(client, "/api/v1/timeline?source=reports.jsonl&limit=500")
    assert by_source["total"] > 0 and all("reports.jsonl" in i["doc"]["source"] for i in by_source["items"])
    oldest = get_json(client, "/api/v1/timeline?order=asc&limit=5")
    newest = get_json(client, "/api/v1/timeline?order=desc&limit=5")
    assert oldest["items"][0]["date"] <= newest["items"][0]["date"]
    assert client.get("/api/v1/timeline?from=yesterday").status_code == 422
    for item in everything["items"]:
        assert item["evidence_url"].startswith(f"/documents/{item['doc']['id']}?focus=")


def test_party_filter_expands_to_people(client):
    alone = get_json(client, "/api/v1/timeline?party=UKR&expand=false&limit=500")
    expanded = get_json(client, "/api/v1/timeline?party=UKR&limit=500")
    assert expanded["total"] >= alone["total"] > 0
    by_name = get_json(client, "/api/v1/timeline?party=Ukraine&expand=false&limit=1")
    assert by_name["total"] == alone["total"]


def test_timeline_counts(client):
    data = get_json(client, "/api/v1/timeline/counts")
    periods = [p["period"] for p in data["periods"]]
    assert periods == sorted(periods) and len(periods) >= 5
    assert all(len(p) == 7 for p in periods)


def test_network_and_edge(client):
    graph = get_json(client, "/api/v1/network")
    assert graph["edges"] and graph["nodes"]
    node_ids = {n["id"] for n in graph["nodes"]}
    for e in graph["edges"]:
        assert e["source"]["id"] in node_ids and e["target"]["id"] in node_ids and e["weight"] >= 1
        assert e["url"].startswith("/network/edge?")
    weights = [e["weight"] for e in graph["edges"]]
    assert weights == sorted(weights, reverse=True)
    top = graph["edges"][0]
    edge = get_json(client, top["api"])
    assert edge["total"] == top["weight"]
    for item in edge["items"]:
        ids = {a["id"] for a in item["source"] + item["target"]}
        assert {top["source"]["id"], top["target"]["id"]} <= ids
    narrow = get_json(client, "/api/v1/network?from=2025-01-01")
    assert sum(e["weight"] for e in narrow["edges"]) < sum(weights)
    consult = get_json(client, "/api/v1/network?types=CONSULT")
    assert consult["types"] == ["CONSULT"]


def test_positions_matrix(client):
    matrix = get_json(client, "/api/v1/positions/matrix")
    assert matrix["rows"] and matrix["columns"]
    keys = [c["key"] for c in matrix["columns"]]
    filled = 0
    for row in matrix["rows"]:
        assert set(row["cells"]) == set(keys)
        for cell in row["cells"].values():
            if cell:
                filled += 1
                latest = cell["latest"]
                assert latest["position_kind"] and latest["evidence_url"].startswith("/documents/")
                dated = [h["date"] for h in cell["history"] if h["date"]]
                assert dated == sorted(dated)
                if dated:
                    assert latest["date"] == dated[-1]
                assert cell["changes"] == len(cell["trajectory"]) - 1
    assert filled > 0
    picked = get_json(client, "/api/v1/positions/matrix?party=RUS&party=UKR&topic=ceasefire&topic=neutrality_nato")
    assert [r["party"]["id"] for r in picked["rows"]] == ["RUS", "UKR"]
    assert [c["key"] for c in picked["columns"]] == ["ceasefire", "neutrality_nato"]
    apart = get_json(client, "/api/v1/positions/matrix?rollup=false&max_parties=40")
    assert len(apart["rows"]) >= len(matrix["rows"])


def test_proposals_have_steps_and_reactions(client):
    plans = get_json(client, "/api/v1/proposals")
    assert plans["total"] >= 1
    for plan in plans["items"]:
        orders = [s["order"] for s in plan["steps"]]
        assert orders == sorted(orders)
        assert plan["evidence_url"].startswith("/documents/")
        for reaction in plan["reactions"]:
            assert reaction["party"]["id"] != (plan["proposer"] or {}).get("id")
    hostile = get_json(client, "/api/v1/proposals?proposer=" + quote(EVIL_ACTOR))
    assert hostile["total"] == 1 and hostile["items"][0]["reactions"] == []


def test_quote_search(client):
    found = get_json(client, "/api/v1/quotes?q=ceasefire")
    assert found["items"] and found["total"] is None
    assert all("ceasefire" in i["text"].lower() or "ceasefire" in (i["speaker_text"] or "").lower()
               for i in found["items"])
    speaker = next(i["speaker"]["id"] for i in get_json(client, "/api/v1/quotes?limit=200")["items"] if i["speaker"])
    by_speaker = get_json(client, "/api/v1/quotes?speaker=" + quote(speaker))
    assert by_speaker["items"] and all(i["speaker"]["id"] == speaker for i in by_speaker["items"])
    # FTS operators in user text cannot break the query
    for hostile_query in ['"', "NEAR(", "a OR", "*", "-x", "ceasefire)"]:
        assert client.get("/api/v1/quotes", params={"q": hostile_query}).status_code == 200


def test_document_search_and_list(client):
    found = get_json(client, "/api/v1/documents?q=grain")
    assert found["items"] and all(i["snippet"] for i in found["items"])
    listed = get_json(client, "/api/v1/documents?from=2024-01-01")
    assert listed["total"] > 0 and all(i["published"] >= "2024-01-01" for i in listed["items"])


def test_document_spans(client):
    doc_id = get_json(client, "/api/v1/documents?q=Istanbul")["items"][0]["id"]
    doc = get_json(client, f"/api/v1/documents/{doc_id}")
    assert doc["text"] and isinstance(doc["boilerplate"], list)
    kinds = {s["kind"] for s in doc["spans"]}
    assert {"mention", "quote"} <= kinds
    for s in doc["spans"]:
        assert 0 <= s["start"] <= s["end"] <= len(doc["text"])
        assert s["anchor"]
    assert client.get("/api/v1/documents/nope").status_code == 404


def test_actors(client):
    listed = get_json(client, "/api/v1/actors?type=COUNTRY&limit=500")
    assert listed["total"] > 0 and all(a["type"] == "COUNTRY" for a in listed["items"])
    found = get_json(client, "/api/v1/actors?q=russ")
    assert any(a["id"] == "RUS" for a in found["items"])
    russia = get_json(client, "/api/v1/actors/RUS")
    assert russia["actor"]["name"] == "Russia"
    assert russia["counts"]["events"] > 0 and russia["events"]
    assert isinstance(russia["roles"], list) and isinstance(russia["actor"]["aliases"], list)
    evil = get_json(client, "/api/v1/actors/" + quote(EVIL_ACTOR, safe=""))
    assert evil["actor"]["id"] == EVIL_ACTOR and evil["quotes"] and evil["positions"]
    assert client.get("/api/v1/actors/nobody").status_code == 404


# -- downloads ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/timeline?type=CONSULT", "/api/v1/events", "/api/v1/quotes?q=ceasefire",
                                 "/api/v1/positions", "/api/v1/proposals", "/api/v1/actors", "/api/v1/documents",
                                 "/api/v1/network", "/api/v1/positions/matrix"])
def test_csv_and_jsonl_downloads(client, url):
    sep = "&" if "?" in url else "?"
    r = client.get(f"{url}{sep}format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    j = client.get(f"{url}{sep}format=jsonl")
    assert j.status_code == 200 and j.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in j.text.splitlines()]
    assert len(rows) == len(lines) > 0
    if url.startswith(("/api/v1/events", "/api/v1/timeline", "/api/v1/positions?", "/api/v1/actors")):
        page = client.get(f"{url}{sep}limit=500").json()
        if page.get("total") is not None and page["total"] <= 500:
            assert len(lines) == page["total"]  # the whole filtered list, not one page


def test_download_limit_and_filters(client):
    r = client.get("/api/v1/events?type=CONSULT&format=jsonl&limit=3")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert len(lines) == 3 and all(x["label"] == "CONSULT" for x in lines)


# -- security ----------------------------------------------------------------------------------------

def test_security_headers(client):
    for url in ("/", "/api/v1/events", "/documents/" + HOSTILE_ID, "/static/css/parley.css"):
        r = client.get(url)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"


def test_writes_need_the_token(client):
    assert client.post("/api/v1/events", json={}).status_code == 401
    assert client.delete("/api/v1/documents/" + HOSTILE_ID).status_code == 401
    assert client.post("/api/v1/events", headers={"Authorization": "Bearer wrong"}).status_code == 401
    # with the token the request reaches the router, which has no write routes
    assert client.post("/api/v1/events", headers={"Authorization": "Bearer s3cret"}).status_code == 405


def test_read_only_without_token(web_db):  # noqa: F811
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note about httpx2
        from fastapi.testclient import TestClient
    from parley.web.app import create_app

    with TestClient(create_app(str(web_db)), base_url="http://127.0.0.1") as c:
        assert c.post("/api/v1/events").status_code == 403
        assert c.get("/api/v1/events?limit=1").status_code == 200
        # DNS rebinding: a foreign Host header is refused
        assert c.get("/api/v1/events", headers={"host": "evil.example"}).status_code == 400


def test_sql_injection_is_inert(client):
    for value in ("' OR 1=1 --", "RUS'; DROP TABLE events; --", '") UNION SELECT * FROM actors --'):
        r = client.get("/api/v1/timeline", params={"party": value, "source": value, "topic": value})
        assert r.status_code == 200 and r.json()["total"] == 0
        assert client.get("/api/v1/actors/" + quote(value, safe="")).status_code == 404
    assert get_json(client, "/api/v1/")["counts"]["events"] > 0


def test_hostile_document_json_is_data(client):
    doc = get_json(client, f"/api/v1/documents/{HOSTILE_ID}")
    assert SCRIPT in doc["text"] and IMG in doc["text"]  # JSON carries the text as it is; pages escape it


def test_hostile_document_renders_inert(client):
    r = client.get(f"/documents/{HOSTILE_ID}?focus=ps-badc0ffee0dd0004")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;" in html
    assert "<script>alert" not in html and "<img" not in html.lower() and "<svg" not in html.lower()
    assert "onerror=alert(1)>" not in html and "<b onmouseover" not in html
    assert 'href="javascript:' not in html.lower()
    assert "<script" not in html.lower()  # the evidence page loads no script at all
    assert 'class="hl k-position focus"' in html or "focus" in html


@pytest.mark.parametrize("page", ["/timeline", "/timeline?party=" + quote(EVIL_ACTOR), "/quotes?q=reject",
                                  "/quotes?q=script", "/positions?party=" + quote(EVIL_ACTOR), "/plans",
                                  "/actors/" + quote(EVIL_ACTOR, safe=""), "/actors?q=evil", "/documents?q=hostile",
                                  "/network", "/network/edge?a=" + quote(EVIL_ACTOR) + "&b=UKR", "/"])
def test_hostile_text_is_escaped_on_every_page(client, page):
    r = client.get(page)
    assert r.status_code == 200, page
    html = r.text.lower()
    assert "<script>alert" not in html and "<img" not in html and "<svg" not in html and "<b onmouseover" not in html
    assert 'href="javascript:' not in html
    scripts = [s for s in html.split("<script")[1:]]
    assert all(s.startswith(' src="/static/') for s in scripts), page  # only our own external scripts


# -- pages -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["/", "/timeline", "/timeline?type=CONSULT&from=2023-01-01&kind=event",
                                  "/network", "/network?types=CONSULT&from=2023-01-01", "/positions",
                                  "/positions?topic=ceasefire&rollup=0", "/plans", "/quotes", "/quotes?q=ceasefire",
                                  "/documents", "/documents?q=grain", "/actors", "/actors/RUS", "/api",
                                  "/timeline?from=not-a-date&offset=x"])
def test_pages_render(client, page):
    r = client.get(page)
    assert r.status_code == 200, (page, r.text[:500])
    assert "<h1" in r.text and "</html>" in r.text


def test_missing_pages_are_404(client):
    assert client.get("/documents/nope").status_code == 404
    assert client.get("/actors/nobody").status_code == 404


def test_matrix_cell_links_to_evidence(client):
    html = client.get("/positions").text
    link = html.split('class="position" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert link.startswith("/documents/") and "?focus=ps-" in link and "#ps-" in link
    focus = link.split("focus=", 1)[1].split("#", 1)[0]
    target = client.get(link.split("#", 1)[0]).text
    assert f'id="{focus}"' in target and "hl " in target and " focus" in target


def test_evidence_view_shows_boilerplate_and_typed_spans(client):
    doc = get_json(client, "/api/v1/documents?q=Istanbul")["items"][0]
    html = client.get(f"/documents/{doc['id']}").text
    assert "Removed boilerplate" in html
    assert "k-quote" in html and "k-mention" in html and 'class="tag tag-' in html


# -- parameter bounds, error formats, HEAD, late-installed vendor assets ------------------------------

PAGED = ["/api/v1/documents", "/api/v1/quotes", "/api/v1/timeline", "/api/v1/events", "/api/v1/actors",
         "/api/v1/positions", "/api/v1/proposals", "/api/v1/network",
         "/api/v1/network/edge?a=RUS&b=UKR"]


@pytest.mark.parametrize("url", PAGED)
@pytest.mark.parametrize("offset", [2**63, 2**64 + 1, 10**30])
def test_huge_offset_is_422_not_500(client, url, offset):
    # SQLite binds 64-bit integers: an unbounded offset used to raise OverflowError (a 500)
    sep = "&" if "?" in url else "?"
    r = client.get(f"{url}{sep}offset={offset}")
    assert r.status_code == 422, (url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["detail"][0]["loc"] == ["query", "offset"]
    assert client.get(f"{url}{sep}offset=1000000000").status_code == 200  # the bound itself is fine


def test_huge_min_weight_is_422(client):
    assert client.get(f"/api/v1/network?min_weight={2**63}").status_code == 422


DATED = ["/api/v1/timeline", "/api/v1/timeline/counts", "/api/v1/events", "/api/v1/network",
         "/api/v1/network/edge?a=RUS&b=UKR", "/api/v1/positions", "/api/v1/positions/matrix", "/api/v1/documents"]


@pytest.mark.parametrize("url", DATED)
@pytest.mark.parametrize("param,value", [("from", "2024-13-45"), ("to", "2024-02-30"), ("from", "2023-00"),
                                         ("to", "0000")])
def test_impossible_dates_are_422(client, url, param, value):
    sep = "&" if "?" in url else "?"
    r = client.get(f"{url}{sep}{param}={value}")
    assert r.status_code == 422, (url, param, value, r.status_code)
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["query", param] and value in detail["msg"]


@pytest.mark.parametrize("url", DATED)
def test_real_dates_still_accepted(client, url):
    sep = "&" if "?" in url else "?"
    for value in ("2024", "2024-02", "2024-02-29"):
        assert client.get(f"{url}{sep}from={value}&to=2025-12-31").status_code == 200, (url, value)


def test_page_ignores_impossible_date(client):
    # a page keeps rendering (a form typo), but the impossible date is not used as a filter
    def rows(html: str) -> str:
        return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]

    # oldest first: a filter taking 2024-13-45 as a bound would drop these (it sorts after 2024-12)
    unfiltered = rows(client.get("/timeline?order=asc").text)
    assert "2022-" in unfiltered
    assert rows(client.get("/timeline?order=asc&from=2024-13-45").text) == unfiltered


@pytest.mark.parametrize("url", ["/api/v1/quotes", "/api/v1/documents"])
def test_search_query_is_bounded(client, url):
    import time

    from parley.web.params import MAX_QUERY_CHARS, MAX_QUERY_TERMS

    started = time.perf_counter()
    r = client.get(url, params={"q": " ".join(["ceasefire"] * 1000)})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "q"]
    assert time.perf_counter() - started < 2  # refused before any full-text work (it took 13 s)
    many = client.get(url, params={"q": " ".join(["talks"] * (MAX_QUERY_TERMS + 1))})
    assert many.status_code == 422 and f"at most {MAX_QUERY_TERMS}" in many.text
    assert client.get(url, params={"q": " ".join(["talks"] * MAX_QUERY_TERMS)}).status_code == 200
    assert client.get(url, params={"q": "x" * (MAX_QUERY_CHARS + 1)}).status_code == 422


@pytest.mark.parametrize("page", ["/quotes", "/documents"])
def test_search_page_bounds_query(client, page):
    r = client.get(page, params={"q": " ".join(["ceasefire"] * 1000)})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "at most" in r.text and "</html>" in r.text


@pytest.mark.parametrize("path", ["/", "/timeline", "/network", "/positions", "/plans", "/quotes?q=ceasefire",
                                  "/documents", "/actors", "/actors/RUS", "/api", f"/documents/{HOSTILE_ID}",
                                  "/api/v1/", "/api/v1/events", "/static/favicon.svg"])
def test_head_answers_like_get(client, path):
    got, head = client.get(path), client.head(path)
    assert got.status_code == 200 and head.status_code == 200, (path, head.status_code)
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]
    assert "content-security-policy" in head.headers


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/documents/nope", "/api/v1/actors/nobody", "/api/nope"])
def test_api_errors_are_json(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert isinstance(r.json()["detail"], str)


@pytest.mark.parametrize("path", ["/nope", "/timeline/nope", "/documents/nope", "/actors/nobody", "/static/nope.js"])
def test_page_errors_are_html(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Not Found</h1>" in r.text or "<h1>Not found</h1>" in r.text
    assert 'href="/"' in r.text and "</html>" in r.text


def test_wrong_method_on_page_is_html_405(client):
    r = client.put("/timeline", headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/html")
    r = client.put("/api/v1/events", headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 405 and r.headers["content-type"].startswith("application/json")


def test_vendor_assets_installed_after_start_are_served(web_db, tmp_path, monkeypatch):  # noqa: F811
    """`npm ci` while the server runs: the charts' scripts are served without a restart."""
    from fastapi.testclient import TestClient

    from parley.web import app as web_app

    monkeypatch.setattr(web_app, "NODE_MODULES", tmp_path / "node_modules")
    with TestClient(web_app.create_app(str(web_db)), base_url="http://127.0.0.1") as c:
        script = "/static/vendor/chart.js/chart.umd.min.js"
        assert c.get(script).status_code == 404  # not installed yet: a 404, not a 500
        assert script not in c.get("/timeline").text
        dist = tmp_path / "node_modules" / "chart.js" / "dist"
        dist.mkdir(parents=True)
        (dist / "chart.umd.min.js").write_text("/* chart */", encoding="utf-8")
        r = c.get(script)
        assert r.status_code == 200 and r.text == "/* chart */"
        assert script in c.get("/timeline").text
        assert c.get("/static/vendor/chart.js/../../../app.py").status_code == 404  # still confined
