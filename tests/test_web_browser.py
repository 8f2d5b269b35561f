"""End-to-end tests in real headless Chromium (Debian's /usr/bin/chromium through Playwright, no download).

The app runs under uvicorn on a free 127.0.0.1 port. Screenshots go to artifacts/screenshots/; with
PARLEY_SCREENSHOTS_TO_DOCS=1 the README set is also copied to docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import REPO, SEEDS, needs
from test_web_data import EVIL_ACTOR, HOSTILE_ID, IMG, SCRIPT, web_db  # noqa: F401  (fixture)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "artifacts" / "screenshots"
DOCS = REPO / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    needs(SEEDS),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(web_db) -> Iterator[str]:  # noqa: F811
    import uvicorn

    from parley.web.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(str(web_db)), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


class Watch:
    """A page's dialogs, console errors and failed requests: none may happen."""

    def __init__(self, page) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self.on_dialog)
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("requestfailed", lambda req: self.errors.append(f"failed {req.url}"))

    def on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 820}, device_scale_factor=1)
    pg = context.new_page()
    pg.watch = Watch(pg)
    yield pg
    context.close()


def shot(page, name: str, full: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    if os.environ.get("PARLEY_SCREENSHOTS_TO_DOCS") == "1" and not full:
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")
    return path


def clean(page) -> None:
    assert page.watch.dialogs == [], page.watch.dialogs
    assert page.watch.errors == [], page.watch.errors


# -- each view loads ---------------------------------------------------------------------------------

def test_overview(page, server):
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "Parley workbench"
    shot(page, "overview")
    clean(page)


def needs_vendor(package: str) -> None:
    """The charts are drawn by npm packages that are optional: without them there is nothing to wait for."""
    from parley.web.app import vendor_available

    if not vendor_available()[package]:
        pytest.skip(f"{package} not installed: npm ci --prefix src/parley/web")


def test_timeline_draws_its_chart(page, server):
    needs_vendor("chart.js")
    page.goto(server + "/timeline")
    page.wait_for_selector("#timeline-chart.ready canvas")
    assert page.locator("table.items tbody tr").count() >= 10
    shot(page, "timeline")
    # a filter narrows the list, and an item opens its evidence
    page.select_option("select[name=type]", "CONSULT")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#timeline-chart.ready canvas")
    kinds = page.locator("table.items tbody tr td:nth-child(2)").all_inner_texts()
    assert kinds and all(k.strip().lower() == "event" for k in kinds)
    page.locator("table.items a.evidence-link").first.click()
    page.wait_for_url("**/documents/**")
    assert page.locator(".hl.focus").count() >= 1
    clean(page)


def test_network_graph_and_edge(page, server):
    needs_vendor("cytoscape")
    page.goto(server + "/network")
    page.wait_for_selector("#network-graph.ready canvas")
    page.wait_for_timeout(300)
    shot(page, "network")
    page.locator("a.edge-link").first.click()
    page.wait_for_url("**/network/edge?**")
    assert page.locator("table.items tbody tr").count() >= 1
    clean(page)


def test_matrix_cell_to_evidence(page, server):
    page.goto(server + "/positions")
    assert page.locator("table.matrix tbody tr").count() >= 3
    shot(page, "positions")
    cell = page.locator("table.matrix a.position").first
    href = cell.get_attribute("href")
    assert href and "focus=ps-" in href
    anchor = href.split("#", 1)[1]
    cell.click()
    page.wait_for_url("**/documents/**")
    target = page.locator(f"[id='{anchor}']")
    assert target.count() == 1
    focused = page.locator(".evidence .hl.focus").first
    focused.wait_for()
    # the page scrolled to the span: it is inside the viewport
    box = focused.bounding_box()
    assert box is not None and 0 <= box["y"] < 820
    assert page.locator(".focus-note").is_visible()
    shot(page, "evidence")
    page.locator("details.boilerplate summary").click()
    assert page.locator("details.boilerplate[open]").count() == 1
    clean(page)


def test_plans(page, server):
    page.goto(server + "/plans")
    assert page.locator("article.plan").count() >= 1
    assert page.locator("article.plan ol.steps li").count() >= 1
    shot(page, "plans")
    clean(page)


def test_quote_search(page, server):
    page.goto(server + "/quotes")
    page.fill("form.filters input[name=q]", "ceasefire")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/quotes?q=ceasefire**")
    results = page.locator("ol.quotes li.quote")
    assert results.count() >= 1
    assert "ceasefire" in results.first.inner_text().lower()
    assert page.locator(".articles mark").count() >= 1
    shot(page, "quotes")
    results.first.locator("a.evidence-link").click()
    page.wait_for_url("**/documents/**")
    assert "ceasefire" in page.locator(".evidence .hl.focus").first.inner_text().lower() or \
        page.locator(".evidence .hl.focus").count() >= 1
    clean(page)


def test_actor_page(page, server):
    import httpx

    # a person with roles in the knowledge base when there is one, else a state
    actor_id = "vladimir-putin" if httpx.get(server + "/api/v1/actors/vladimir-putin").status_code == 200 else "RUS"
    page.goto(server + "/actors/" + actor_id)
    assert page.locator("h1").inner_text() in ("Vladimir Putin", "Russia")
    assert page.get_by_role("heading", name="Roles over time").is_visible()
    assert page.get_by_role("heading", name="Aliases").is_visible()
    shot(page, "actor")
    page.goto(server + "/actors")
    assert page.locator("table.actors tbody tr").count() >= 10
    clean(page)


def test_api_reference(page, server):
    page.goto(server + "/api")
    assert page.locator("section.endpoint").count() >= 12
    clean(page)


# -- hostile input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [f"/documents/{HOSTILE_ID}", f"/documents/{HOSTILE_ID}?focus=qt-badc0ffee0dd0001",
                                  "/actors/" + quote(EVIL_ACTOR, safe=""), "/quotes?q=reject", "/plans",
                                  "/timeline?party=" + quote(EVIL_ACTOR), "/network?from=2024-01-01"])
def test_hostile_article_is_inert(page, server, path):
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    # hover and click everything that scraped text could have turned into a handler or a link
    for locator in (page.locator(".evidence .hl"), page.locator("a.doc"), page.locator("blockquote a")):
        for i in range(min(locator.count(), 5)):
            locator.nth(i).hover()
    assert page.locator("img, svg, iframe, object, embed").count() == 0
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")]
    handlers = page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(
        el => [...el.attributes].filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name))""")
    assert handlers == []
    assert page.watch.dialogs == []
    if path.startswith("/documents/"):
        text = page.locator("#evidence-text").inner_text()
        assert SCRIPT in text and IMG in text and 'href="javascript:alert(1)"' in text
        shot(page, "hostile-evidence", full=True)
    clean(page)


def test_hostile_link_clicked_does_not_run(page, server):
    page.goto(f"{server}/documents/{HOSTILE_ID}")
    # the report's own URL is javascript:...: it must not become a link
    assert page.locator("a", has_text="original").count() == 0
    page.locator("#evidence-text").get_by_text("javascript:alert(1)", exact=False).first.click()
    page.wait_for_timeout(200)
    assert page.watch.dialogs == []
    assert page.url.startswith(f"{server}/documents/")


# -- without JavaScript -----------------------------------------------------------------------------

def test_reading_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 820})
    pg = context.new_page()
    try:
        pg.goto(server + "/quotes?q=ceasefire")
        assert pg.locator("ol.quotes li.quote").count() >= 1
        href = pg.locator("ol.quotes a.evidence-link").first.get_attribute("href")
        pg.goto(server + href)
        assert pg.locator(".evidence .hl.focus").count() >= 1
        assert pg.locator("aside.facts li").count() >= 1
        shot(pg, "no-javascript-evidence")
        pg.goto(server + "/positions")
        assert pg.locator("table.matrix tbody tr").count() >= 1
        pg.goto(server + "/network")
        assert pg.locator("table.edges tbody tr").count() >= 1  # the table stands in for the graph
        pg.goto(server + "/timeline?kind=quote")
        assert pg.locator("table.items tbody tr").count() >= 1
    finally:
        context.close()
