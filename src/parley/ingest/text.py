"""Plain-text files (.txt, .text): the whole file is one document.

A file name that starts with an ISO date (2022-03-29_talks.txt), as scrapers and archives often
name files, gives the publication date."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from parley.ingest.files import parse_date, read_text
from parley.records import RawDocument, Skipped

EXTENSIONS = (".txt", ".text")  # not .md: in a corpus folder that is its README


def read(path: Path, max_bytes: int) -> Iterator[RawDocument | Skipped]:
    """One RawDocument with the decoded text; the headline is left to the clean stage, which knows
    how to find it among the page furniture of a scraped text."""
    text = read_text(path, max_bytes)
    if isinstance(text, Skipped):
        yield text
    else:
        published = parse_date(path.name)
        yield RawDocument(source=str(path), content=text, content_type="text", published=published)
