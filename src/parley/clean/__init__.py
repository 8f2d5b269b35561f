"""Clean stage: a RawDocument in, a Document (clean body, headline, removed lines) out."""

from __future__ import annotations

import re

from parley.clean.text import clean_text
from parley.kb import KnowledgeBase
from parley.records import Document, RawDocument, content_hash

__all__ = ["clean", "document_id"]


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def document_id(source: str) -> str:
    """A document is identified by where it came from, so a changed article updates its record."""
    return content_hash(source)


def guess_language(text: str) -> str:
    """'en' when the text reads as English (share of common function words); 'und' otherwise.

    Parley's models are English ones: the language is recorded so other-language input is visible."""
    words = re.findall(r"[a-zA-Z]+", text[:5000].lower())
    if not words:
        return "und"
    common = {"the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "was", "said", "by"}
    share = sum(w in common for w in words) / len(words)
    return "en" if share > 0.12 else "und"


def clean(raw: RawDocument, kb: KnowledgeBase) -> Document:
    """A pure function of the one document and the KB, so any engine, batch or resume gives one record."""
    # NUL and other C0 controls are never article text, and PostgreSQL cannot store NUL
    content = _CONTROLS.sub("", raw.content)
    if raw.content_type == "html":
        from parley.clean.html import extract_html  # trafilatura is only needed for HTML input

        extract = extract_html(content, raw.url)
        text, title, boilerplate = extract.text, raw.title or extract.title, extract.boilerplate
        published = raw.published or extract.published
        if title and text and not text.startswith(title):
            text = f"{title}\n\n{text}"
    else:
        result = clean_text(content, kb, title=raw.title)
        text, title, boilerplate, published = result.text, result.title, result.boilerplate, raw.published
    return Document(
        id=document_id(raw.source),
        source=raw.source,
        text=text,
        title=title,
        url=raw.url,
        published=published,
        language=guess_language(text),
        boilerplate=boilerplate,
        raw_hash=raw.content_hash,
    )
