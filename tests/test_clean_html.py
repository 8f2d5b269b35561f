"""HTML extraction: body, headline, date and removed lines from real (made-up) pages, broken and hostile ones
included; and the benchmark against plain trafilatura."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import pytest

from parley.clean.html import HtmlExtract, extract_html

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"

PARAGRAPHS = [
    "ISTANBUL, July 22 - Russia and Ukraine on Friday signed agreements to reopen Ukraine's Black Sea "
    "ports to grain exports, in a ceremony hosted by the Turkish president and the UN Secretary-General.",
    "The two warring sides did not sign a common text. Each signed a mirror document with Turkey and the "
    "United Nations, and a Ukrainian adviser said Kyiv does not sign documents with Russia.",
    "The initiative covers three ports and runs for 120 days, with renewal possible. A coordination centre "
    "in Istanbul, staffed by officials of all four parties, will oversee the traffic of the ships.",
    "Officials said the first shipments could leave within weeks, once the coordination centre is running "
    "and the safe lanes through the mined waters have been agreed by the military delegations.",
]
TITLE = "Russia and Ukraine sign separate grain export deals"


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


def article_page(extra_body: str = "", extra_head: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return page(
        "<header><nav><ul><li><a href='/world'>World</a></li><li><a href='/markets'>Markets</a></li>"
        "</ul></nav></header>"
        f"<main><article><h1>{TITLE}</h1><p class='byline'>By Wire staff</p>{paragraphs}{extra_body}"
        "</article>"
        "<aside class='share'><p>Share this article</p><a href='#'>Facebook</a></aside>"
        "<section class='related'><h2>Related</h2><ul><li><a href='/a/wheat'>Wheat prices fall on the deal"
        "</a></li></ul></section></main>"
        "<footer><p>&copy; Wire. All rights reserved.</p><p>Sign up for our newsletter</p></footer>",
        f"<title>{TITLE} | Wire</title>{extra_head}",
    )


def test_article_body_title_date_and_boilerplate() -> None:
    html = article_page(extra_head="<meta property='article:published_time' content='2022-07-22T16:30:00Z'>")

    result = extract_html(html, url="https://example.org/grain-deal")

    assert isinstance(result, HtmlExtract)
    assert result.title == TITLE
    assert result.published == date(2022, 7, 22)
    for paragraph in PARAGRAPHS:
        assert paragraph in result.text
    for furniture in ("Share this article", "Related", "Sign up for our newsletter", "Markets"):
        assert furniture not in result.text
        assert furniture in result.boilerplate
    assert "Wheat prices fall on the deal" in result.boilerplate
    assert not any(p in line for p in PARAGRAPHS for line in result.boilerplate)


def test_paragraphs_are_separated_by_a_blank_line() -> None:
    result = extract_html(article_page())

    body = result.text.split("\n\n")
    assert body[-len(PARAGRAPHS) :] == PARAGRAPHS
    assert "\n\n\n" not in result.text
    assert result.text == result.text.strip()


def test_date_from_a_meta_name_date_tag() -> None:
    result = extract_html(article_page(extra_head="<meta name='date' content='2023-02-24'>"))

    assert result.published == date(2023, 2, 24)


def test_script_and_event_handlers_never_reach_the_text() -> None:
    hostile = (
        "<script>alert(1); document.write('INJECTED')</script>"
        "<p>A photo <img src='x' onerror='alert(2)'> and a "
        "<a href='javascript:alert(3)' onclick='alert(4)'>dangerous link</a> in the story.</p>"
        "<style>body { background: url(javascript:alert(5)) }</style>"
        "<noscript>Enable JavaScript</noscript>"
    )
    html = article_page(extra_body=hostile, extra_head="<script>var tracker = 'alert(6)';</script>")

    result = extract_html(html)

    for text in [result.text, *result.boilerplate]:
        assert "alert" not in text
        assert "INJECTED" not in text
        assert "javascript" not in text.lower()
        assert "tracker" not in text
    assert PARAGRAPHS[0] in result.text


def test_broken_html_does_not_raise_and_keeps_the_prose() -> None:
    broken = (
        "<html><head><title>Broken</title><body><div><p>" + PARAGRAPHS[0] + "<p><b>" + PARAGRAPHS[1]
        + "</div></span></table><p>" + PARAGRAPHS[2] + "<<<>>> &bogus; <p " + PARAGRAPHS[3]
    )

    result = extract_html(broken)

    assert PARAGRAPHS[0] in result.text
    assert PARAGRAPHS[1] in result.text
    assert PARAGRAPHS[2] in result.text


@pytest.mark.parametrize(
    "html",
    ["", "   ", "<<<>>>", "\x00\x01\x02", "<?xml version='1.0' encoding='utf-8'?><html></html>", "</p>"],
)
def test_empty_or_garbage_input_gives_an_empty_text(html: str) -> None:
    result = extract_html(html)

    assert result.text == ""
    assert result.title is None
    assert result.published is None


def test_fragment_falls_back_to_paragraphs() -> None:
    # trafilatura rejects a lone fragment; the <p> fallback still reads it
    result = extract_html("<p>Short note on the talks.</p><p>Second line of it.</p><script>alert(1)</script>")

    assert result.text == "Short note on the talks.\n\nSecond line of it."


def test_layout_table_and_data_table() -> None:
    cell = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = page(
        f"<table><tr><td><a href='/'>Home</a></td><td><h1>{TITLE}</h1>{cell}"
        "<table><tr><th>Port</th><th>Ships</th></tr><tr><td>Odesa</td><td>12</td></tr></table>"
        "</td></tr></table>",
        f"<title>{TITLE}</title>",
    )

    result = extract_html(html)

    assert result.text.split("\n\n")[-len(PARAGRAPHS) - 1 : -1] == PARAGRAPHS
    assert result.text.endswith("Port | Ships\nOdesa | 12")


def test_no_network_access(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    html = article_page(
        extra_body="<img src='https://example.org/pixel.gif'><iframe src='https://example.org/ad'></iframe>",
        extra_head="<link rel='canonical' href='https://example.org/grain'>",
    )

    results = [
        extract_html(html, url="https://example.org/grain"),
        extract_html("https://example.org/some-article"),  # a URL given as the page is text, not fetched
    ]

    assert attempts == []
    assert PARAGRAPHS[0] in results[0].text
    assert results[1].text == ""


@pytest.mark.skipif(not (BENCH / "article-extraction").exists(), reason=f"{BENCH} not present")
def test_benchmark_parley_matches_or_beats_plain_trafilatura() -> None:
    from parley.evaluate.article_extraction import evaluate_article_extraction

    scores = evaluate_article_extraction(BENCH, limit=10)

    assert scores["pages"] == 10
    assert set(scores["parley"]) == {"precision", "recall", "f1"}
    assert scores["parley"]["f1"] > 0.8
    assert scores["parley"]["f1"] >= scores["trafilatura"]["f1"] - 0.01


def test_article_nested_deeper_than_libxml2_builds_is_extracted() -> None:
    # real pages wrap the article in hundreds of layout <div>s; libxml2 stops at depth 256
    paragraph = ("Paragraph {n}: the envoys of the two governments met again in the capital on Tuesday and "
                 "agreed to continue the talks on the exchange of prisoners next week.")
    body = "".join(f"<p>{paragraph.format(n=n)}</p>" for n in range(5))
    page = ("<html><head><title>Envoys meet again</title></head><body><nav><a href='/'>Home</a></nav>"
            + "<div class='wrap'>" * 270 + "<h1>Envoys meet again</h1>" + body + "</div>" * 270
            + "<footer>Contact us</footer></body></html>")

    extract = extract_html(page)

    for n in range(5):
        assert paragraph.format(n=n) in extract.text
    assert "Home" not in extract.text.split("\n\n")
    assert extract.title == "Envoys meet again"
