"""HTML pages to article text: trafilatura finds the body, headline and date, and what it left out is
kept as `boilerplate` so a user can see what was removed.

Settings, measured on the 181 pages of the article-extraction benchmark
(parley.evaluate.article_extraction, 4-gram shingle F1 as the benchmark computes it):
trafilatura defaults 0.953; include_comments=False 0.960; favor_precision=True on top 0.964 (a
table-free variant 0.957: old sites lay the whole article out in a <table>); and the check against
a lost article below 0.969. favor_recall and fast=True scored lower.

Precision mode now and then keeps a small wrong block and drops the article (a reprint notice in place
of the story); when its text is under a fifth of what the balanced mode finds, the balanced text is
used. That costs a second trafilatura pass per page (about 15 ms).

No network: trafilatura and htmldate are only ever handed the page itself, never a URL to fetch;
`url` is metadata (trafilatura resolves links and names the source with it).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from parley.ingest.files import parse_date

# trafilatura warns about every page it can't extract; we report that in the result instead
for _name in ("trafilatura", "htmldate", "justext", "readability"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

SETTINGS: dict[str, Any] = {"favor_precision": True, "include_comments": False, "include_tables": True}
LIBXML_MAX_DEPTH = 255  # libxml2 without XML_PARSE_HUGE drops what is nested deeper
LOST_ARTICLE_RATIO = 0.2  # precision text under this share of the balanced text: precision lost the article

# elements of a page that are never seen as text
_INVISIBLE = (
    "//head|//script|//style|//noscript|//template|//svg|//math|//iframe|//object|//embed|//canvas"
    "|//select|//textarea|//*[@hidden]|//*[@aria-hidden='true']"
)
# HTML elements that start a new line of visible text
_HTML_BLOCKS = frozenset((
    "address", "article", "aside", "blockquote", "br", "button", "caption", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "label", "legend", "li", "main", "nav", "ol", "option", "p", "pre", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
))
# inline elements of trafilatura's output tree; any other element there is a block
_XML_INLINE = frozenset(("hi", "ref", "del", "lb", "span", "sub", "sup", "abbr"))
_XML_CONTAINERS_IN_CELL = "self::p or self::head or self::list or self::quote or self::table or self::code"


# layout containers that carry no text structure of their own: dropped when a page is nested too deep
_WRAPPER_TAG = re.compile(r"</?(?:div|span|section|font|center)\b[^>]*>", re.IGNORECASE)


@dataclass
class HtmlExtract:
    """The article of a page: body as plain text (paragraphs separated by a blank line), headline,
    publication date, and the page's visible lines that are not in the body."""

    text: str
    title: str | None = None
    published: date | None = None
    boilerplate: list[str] = field(default_factory=list)


def extract_html(html: str, url: str | None = None) -> HtmlExtract:
    """The article in `html`. Never raises: broken or empty HTML gives an empty text at worst.

    When trafilatura finds no body, the page's <p> texts are used, so a bare fragment or a page
    trafilatura misreads still yields its prose."""
    page = visible_tree(html)
    precise = _trafilatura(html, url, favor_precision=True)
    text = body_text(precise)
    balanced_text = body_text(_trafilatura(html, url, favor_precision=False))
    if len(text) < LOST_ARTICLE_RATIO * len(balanced_text):
        text = balanced_text
    if page is not None and tree_depth(page) >= LIBXML_MAX_DEPTH:
        # libxml2 (under trafilatura) stops building the tree at depth 256, so it never sees an article
        # nested deeper (real pages wrap it in hundreds of <div>s); without the wrappers the depth is gone
        shallow = _WRAPPER_TAG.sub("\n", html)
        shallow_precise = _trafilatura(shallow, url, favor_precision=True)
        shallow_text = body_text(shallow_precise) or body_text(_trafilatura(shallow, url, favor_precision=False))
        if len(shallow_text) > len(text):
            text, precise = shallow_text, shallow_precise or precise
    if not text and page is not None:
        text = fallback_paragraphs(page)

    title = _clean_title(getattr(precise, "title", None)) if precise is not None else None
    published = parse_date(getattr(precise, "date", None)) if precise is not None else None
    if precise is None:
        title, published = _metadata(html, url)
    if title is None and page is not None:
        title = _first_heading(page)

    boilerplate = removed_lines(visible_lines(page), text, title) if page is not None else []
    return HtmlExtract(text=text, title=title, published=published, boilerplate=boilerplate)


def _trafilatura(html: str, url: str | None, favor_precision: bool) -> Any:
    """trafilatura's Document (body tree, title, date) or None; its own failures count as nothing found."""
    import trafilatura

    settings = {**SETTINGS, "favor_precision": favor_precision}
    try:
        return trafilatura.bare_extraction(html, url=url, with_metadata=favor_precision, **settings)
    except Exception:  # trafilatura raises on some odd markup; for us that page has no body
        return None


def _metadata(html: str, url: str | None) -> tuple[str | None, date | None]:
    """Title and date when trafilatura found no body (it then returns no metadata either)."""
    from trafilatura.metadata import extract_metadata

    try:
        meta = extract_metadata(html, default_url=url)
    except Exception:  # same as above: no metadata rather than a crash
        return None, None
    return _clean_title(meta.title), parse_date(meta.date)


def _clean_title(title: str | None) -> str | None:
    title = " ".join((title or "").split())
    return title or None


# -- the body: trafilatura's XML tree as plain text -------------------------------------------------


def body_text(document: Any) -> str:
    """trafilatura's body tree as paragraphs separated by "\\n\\n"; a line break inside a paragraph
    (<br>) stays a single "\\n". Each list item, heading and quote is a paragraph; a data table is
    one paragraph with a row a line and cells joined by " | "; a layout table (cells holding
    paragraphs) is read as the paragraphs it holds."""
    body = getattr(document, "body", None)
    if body is None:
        return ""
    paragraphs: list[str] = []
    _blocks(body, paragraphs)
    return "\n\n".join(paragraphs)


def _blocks(element: Any, out: list[str]) -> None:
    buffer = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):  # comment or processing instruction
            buffer.append(child.tail or "")
            continue
        if child.tag in _XML_INLINE:
            buffer.append(_inline(child))
        else:
            _flush(buffer, out)
            buffer = []
            if child.tag == "table" and not child.xpath(f".//cell/*[{_XML_CONTAINERS_IN_CELL}]"):
                _data_table(child, out)
            else:
                _blocks(child, out)
        buffer.append(child.tail or "")
    _flush(buffer, out)


def _inline(element: Any) -> str:
    if element.tag == "lb":
        return "\n"
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _flush(buffer: list[str], out: list[str]) -> None:
    lines = (" ".join(line.split()) for line in "".join(buffer).split("\n"))
    paragraph = "\n".join(line for line in lines if line)
    if paragraph:
        out.append(paragraph)


def _data_table(table: Any, out: list[str]) -> None:
    rows = []
    for row in table.iter("row"):
        cells = [" ".join(_inline(cell).split()) for cell in row if cell.tag == "cell"]
        if any(cells):
            rows.append(" | ".join(cells))
    if rows:
        out.append("\n".join(rows))


# -- the page as a reader sees it ---------------------------------------------------------------------


def visible_tree(html: str) -> Any:
    """The page parsed by lxml without the parts a reader never sees (scripts, styles, <head>,
    hidden elements); None when there is nothing to parse."""
    # huge_tree: without it libxml2 drops everything nested deeper than 256 elements
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        # bytes with the encoding given: lxml refuses a str that declares an encoding (<?xml ...?>)
        root = lxml_html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    for element in root.xpath(_INVISIBLE):
        element.drop_tree()  # keeps the element's tail text, which is visible
    return root


def tree_depth(root: Any) -> int:
    """How deep elements nest under `root`, counted without recursion (the tree may be very deep)."""
    depth = deepest = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def visible_lines(root: Any) -> list[str]:
    """The lines of text a browser would show, one per block element, whitespace collapsed."""
    if root is None:
        return []
    parts: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else None
        if event == "start":
            if tag in _HTML_BLOCKS:
                parts.append("\n")
            if tag and element.text:
                parts.append(element.text)
        else:
            if tag in _HTML_BLOCKS:
                parts.append("\n")
            if element.tail and element is not root:
                parts.append(element.tail)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def fallback_paragraphs(root: Any) -> str:
    """The page's <p> texts: the last resort when trafilatura finds no body."""
    paragraphs = (" ".join(p.text_content().split()) for p in root.iter("p"))
    return "\n\n".join(p for p in paragraphs if p)


def _first_heading(root: Any) -> str | None:
    for heading in root.iter("h1"):
        text = " ".join(heading.text_content().split())
        if text:
            return text
    return None


def removed_lines(page_lines: list[str], text: str, title: str | None = None) -> list[str]:
    """The page's visible lines that are not in the body (nor the headline), each once, in page order.

    A line counts as body when it is a line of the body, or, with five words or more, occurs in it
    between word boundaries; a short line ("Share", "World") must match a whole body line, or it
    would be found inside some sentence."""
    body_lines = {" ".join(line.split()) for line in text.split("\n")}
    body_lines.add(" ".join((title or "").split()))
    flat = " " + " ".join(text.split()) + " "
    removed, seen = [], set()
    for line in page_lines:
        if line in body_lines or line in seen:
            continue
        if len(line.split()) >= 5 and f" {line} " in flat:
            continue
        seen.add(line)
        removed.append(line)
    return removed
