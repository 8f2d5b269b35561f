"""Ingest stage: paths in, RawDocuments (or the reason a file or row was skipped) out.

One reader per format, chosen by file extension:

- text.py: .txt .text, one document a file
- html.py: .html .htm .xhtml, one document a file (content_type "html")
- jsonl.py: .jsonl .ndjson (streamed, one document a line) and .json (an object or a list of them)
- table.py: .csv (streamed, one document a row)

Readers never raise for bad input: each problem is a Skipped with a one-line reason, so a run over a
messy folder reports what it left out and goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from parley.ingest import html, jsonl, table, text
from parley.ingest.files import one_line, parse_date, walk
from parley.records import RawDocument, Skipped

__all__ = ["iter_inputs", "parse_date", "READERS"]

Reader = Callable[[Path, int], Iterator["RawDocument | Skipped"]]

READERS: dict[str, Reader] = {
    extension: module.read for module in (text, html, jsonl, table) for extension in module.EXTENSIONS
}


def iter_inputs(
    paths: Iterable[str | Path] | str | Path, max_bytes: int = 20_000_000
) -> Iterator[RawDocument | Skipped]:
    """Every document under `paths` (files, or folders walked recursively in sorted order).

    `max_bytes` bounds what is held in memory at once: a whole text, HTML or .json file, and one
    line or row of a .jsonl or .csv file (those are streamed, so the file itself may be any size).
    A single path given as a string is taken as one path, not as an iterable of characters."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    for item in walk(paths):
        if isinstance(item, Skipped):
            yield item
            continue
        suffix = item.suffix.lower()
        reader = READERS.get(suffix)
        if reader is None:
            yield Skipped(str(item), f"unsupported file type: {suffix or 'no extension'}")
            continue
        try:
            yield from reader(item, max_bytes)
        except Exception as exc:  # a reader's bug on one odd file must not end the run
            yield Skipped(str(item), f"unreadable: {type(exc).__name__}: {one_line(exc)}")
