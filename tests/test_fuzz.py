"""Fuzzed ingest: random bytes, encodings, HTML trees and quote soup, written to files and read the way a
run reads them (parley.ingest.iter_inputs), then cleaned and extracted by the session pipeline.

Whatever comes in, nothing raises, every skip has a reason, and every record's offsets slice the
document's text to the record's own text. Bounded for CI (PARLEY_FUZZ_EXAMPLES, default 25 examples
per test, a few seconds in all); run longer with e.g. PARLEY_FUZZ_EXAMPLES=2000. The number of cases
run is printed at the end of the session (and written to PARLEY_FUZZ_COUNT_FILE when that is set).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_robustness import check

from parley.ingest import iter_inputs
from parley.records import RawDocument, Skipped

EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
CASES: Counter[str] = Counter()

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252", "cp1251"]
WORDS = ["Moscow", "Kyiv", "said", "talks", "ceasefire", "the", "plan", "Lavrov", "Zelensky", "would",
         "not", "if", "Genève", "Zürich", "Москва", "переговоры", "\u00e0", "withdraw", "NATO", "1991"]
QUOTES = ['"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "\u201e", "\u201a", "\u2039",
          "\u203a", "``", "''", "\u300c", "\u300d", "-", "\u2013", "\u2014", ":", ",", ".", "\n", "\n\n", " "]

sentence = st.lists(st.sampled_from(WORDS + QUOTES), min_size=0, max_size=60).map(" ".join)
quote_soup = st.lists(st.one_of(st.sampled_from(QUOTES), st.sampled_from(WORDS)), max_size=200).map("".join)


@st.composite
def encoded_text(draw: st.DrawFn) -> bytes:
    """Text in a random encoding, sometimes with broken sequences spliced in."""
    text = draw(st.one_of(sentence, quote_soup, st.text(max_size=300)))
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xe2\x80", b"\x80\x81", b"\xed\xa0\x80", b"\x00",
                                     b"\xfe\xff", b"\xf0\x9f"]))
        at = draw(st.integers(0, len(data)))
        data = data[:at] + junk + data[at:]
    return data


TAGS = ["div", "p", "span", "b", "i", "a", "table", "tr", "td", "ul", "li", "h1", "h2", "article", "section",
        "script", "style", "noscript", "iframe", "svg", "template", "br", "img", "form", "select"]


@st.composite
def html_tree(draw: st.DrawFn, depth: int = 0) -> str:
    """An HTML fragment: nested elements, some unclosed, scripts, huge or hostile attributes."""
    parts = []
    for _ in range(draw(st.integers(0, 4 if depth < 4 else 1))):
        kind = draw(st.integers(0, 9))
        if kind <= 3:
            parts.append(draw(sentence).replace("<", "&lt;"))
        elif kind == 4:
            parts.append(f"<script>{draw(quote_soup)}</script>")
        else:
            tag = draw(st.sampled_from(TAGS))
            attribute = draw(st.sampled_from(["", ' class="x"', ' onclick="alert(1)"', ' hidden',
                                              ' style="' + "a" * 20_000 + '"', ' title="' + "\u201c" * 500 + '"',
                                              " data-x='" + "<" * 50 + "'"]))
            inner = draw(html_tree(depth + 1)) if depth < 6 else draw(sentence)
            closed = draw(st.booleans()) or tag in ("script", "style")
            parts.append(f"<{tag}{attribute}>{inner}" + (f"</{tag}>" if closed else ""))
    return "".join(parts)


@st.composite
def html_page(draw: st.DrawFn) -> bytes:
    nesting = draw(st.sampled_from([0, 0, 10, 255, 300, 800]))
    body = "<div>" * nesting + draw(html_tree()) + ("</div>" * nesting if draw(st.booleans()) else "")
    head = draw(st.sampled_from(["", "<meta charset='utf-8'>", "<meta charset='windows-1251'>",
                                 "<meta charset='no-such-charset'>", "<title>" + draw(sentence) + "</title>"]))
    page = f"<html><head>{head}</head><body>{body}</body></html>"
    return page.encode(draw(st.sampled_from(["utf-8", "utf-16", "cp1251", "latin-1"])), errors="replace")


def run_case(pipeline, name: str, data: bytes, kind: str) -> None:
    """Write one input file, read it as a run would, and push every document through the pipeline."""
    CASES[kind] += 1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        items = list(iter_inputs(path))
        assert items, "every input gives a document or a reason"
        for item in items:
            if isinstance(item, Skipped):
                assert item.reason
                continue
            assert isinstance(item, RawDocument)
            result = pipeline.process(item)
            check(result)


class _CaseCountReport:
    """A plugin registered by this module: prints the count in pytest's terminal summary."""

    def pytest_terminal_summary(self, terminalreporter) -> None:
        total = sum(CASES.values())
        terminalreporter.write_line(
            f"fuzz: {total} cases run ({', '.join(f'{k} {v}' for k, v in sorted(CASES.items()))})")
        if os.environ.get("PARLEY_FUZZ_COUNT_FILE"):
            Path(os.environ["PARLEY_FUZZ_COUNT_FILE"]).write_text(f"{total}\n", encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def report_case_count(request):
    plugins = request.config.pluginmanager
    if not plugins.has_plugin("parley-fuzz-count"):
        plugins.register(_CaseCountReport(), "parley-fuzz-count")
    yield


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["a.txt", "a.html", "a.json", "a.jsonl", "a.csv"]))
def test_random_bytes(pipeline, data, name):
    run_case(pipeline, name, data, "bytes")


@FUZZ
@given(encoded_text(), st.sampled_from(["a.txt", "a.html"]))
def test_random_encodings_and_broken_sequences(pipeline, data, name):
    run_case(pipeline, name, data, "encodings")


@FUZZ
@given(html_page())
def test_random_html_trees(pipeline, data):
    run_case(pipeline, "page.html", data, "html")


@FUZZ
@given(quote_soup, st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_quote_mark_soup(pipeline, text, encoding):
    run_case(pipeline, "soup.txt", text.encode(encoding, errors="replace"), "quotes")
