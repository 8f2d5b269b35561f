"""Hostile and random input never crashes a document's processing, and every span points at its text."""

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.records import DocumentResult, RawDocument, Skipped

WORDS = ["Moscow", "Kyiv", "said", "that", "\u201c", "\u201d", "\u00ab", '"', "ceasefire", "if", "not", "the",
         "Putin", "Zelensky", "talks", "first", "step", "then", ",", ".", "\n\n", "according", "to", "he",
         "rejected", "NATO", "plan", "\u2013", ":", ";", "would", "withdraw", "\x00", "<script>", "''"]


def check(result):
    assert isinstance(result, DocumentResult | Skipped)
    if isinstance(result, Skipped):
        assert result.reason
        return
    text = result.document.text
    for m in result.mentions:
        assert text[m.start:m.end] == m.text
    for q in result.quotes:
        assert text[q.start:q.end] == q.text
    for e in result.events + result.positions:
        assert text[e.start:e.end] == e.evidence
    for p in result.proposals:
        for s in p.steps:
            assert text[s.start:s.end] == s.evidence


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=0, max_size=120))
def test_word_salad_never_crashes(pipeline, words):
    check(pipeline.process(RawDocument(source="salad.txt", content=" ".join(words))))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=0, max_size=400))
def test_arbitrary_unicode_never_crashes(pipeline, text):
    check(pipeline.process(RawDocument(source="any.txt", content=text)))


@pytest.mark.parametrize("html", [
    "<html><body><p>unclosed <b>bold <i>italic</p></div></span>",
    "<script>while(1){}</script>",
    "<html>" + "<div>" * 2000 + "deep" + "</div>" * 2000 + "</html>",
    "<?xml version='1.0' encoding='utf-8'?><html><body><p>Kyiv said talks would resume.</p></body></html>",
    "\ufeff<html><body><p>" + "Moscow rejected the plan. " * 30 + "</p></body></html>",
])
def test_broken_html_never_crashes(pipeline, html):
    result = pipeline.process(RawDocument(source="page.html", content=html, content_type="html"))
    check(result)
    if isinstance(result, DocumentResult):
        assert "<script" not in result.document.text and "while(1)" not in result.document.text


def test_hypothesis_is_in_the_test_extra():
    # these tests import hypothesis: `pip install -e '.[test]'` must bring it, or the suite fails to collect
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    extra = project["project"]["optional-dependencies"]["test"]
    names = {re.split(r"[<>=!~\[ ]", requirement, maxsplit=1)[0].lower() for requirement in extra}
    assert "hypothesis" in names
