"""HTML files (.html, .htm, .xhtml): the whole file is one document, extracted later by the clean stage.

A file name that starts with an ISO date gives the publication date, as for text files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from parley.ingest.files import parse_date, read_text
from parley.records import RawDocument, Skipped

EXTENSIONS = (".html", ".htm", ".xhtml")

# <meta charset="x"> or <meta http-equiv="Content-Type" content="text/html; charset=x">
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def declared_charset(head: bytes) -> str | None:
    """The charset the page declares in its first bytes: a saved page that is not UTF-8 usually says
    what it is, which beats guessing from byte statistics."""
    match = _META_CHARSET.search(head)
    return match.group(1).decode("ascii").lower() if match else None


def read(path: Path, max_bytes: int) -> Iterator[RawDocument | Skipped]:
    text = read_text(path, max_bytes, hint=declared_charset)
    if isinstance(text, Skipped):
        yield text
    else:
        published = parse_date(path.name)
        yield RawDocument(source=str(path), content=text, content_type="html", published=published)
