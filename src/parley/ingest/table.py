"""CSV tables: one document a row, from a `text` or `html` column, with optional `url`, `title` and
`published`/`date`/`published_at` columns; other columns go to `meta`.

Rows are read one at a time, so a table of a million articles is never held whole. Each document is
named 'path#row=N' (N counts data rows from 1); a bad row is one Skipped named 'path:line' and the
rows after it are still read."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from parley.ingest.files import (
    CONTENT_FIELDS,
    bounded_lines,
    has_undecodable,
    one_line,
    open_stream,
    record_from_fields,
)
from parley.records import RawDocument, Skipped

EXTENSIONS = (".csv",)
DELIMITERS = (",", ";", "\t")


def read(path: Path, max_bytes: int) -> Iterator[RawDocument | Skipped]:
    """`max_bytes` bounds each row's content, not the file."""
    # a row's html can be far longer than csv's default field limit (128 KiB); the limit is global,
    # so it is only ever raised
    csv.field_size_limit(max(csv.field_size_limit(), max_bytes + 1))
    with open_stream(path) as stream:
        if isinstance(stream, Skipped):
            yield stream
            return
        yield from _read_rows(path, stream, max_bytes)


def _read_rows(path: Path, stream: TextIO, max_bytes: int) -> Iterator[RawDocument | Skipped]:
    pending: list[Skipped] = []  # overlong lines found while feeding the csv reader

    def lines() -> Iterator[str]:
        for number, line in bounded_lines(stream, max_bytes):
            if line is None:
                pending.append(Skipped(f"{path}:{number}", f"too large: line over {max_bytes} characters"))
                yield "\n"  # an empty line: the reader skips it and goes on
            else:
                yield line

    feed = lines()
    first = next(feed, "")
    # the delimiter is the one the header line uses most: exports from European spreadsheets use ';'
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(itertools.chain([first], feed), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower().lstrip("\ufeff") for name in next(reader)]
    except (StopIteration, csv.Error) as exc:
        yield Skipped(str(path), f"no header row: {one_line(exc)}" if isinstance(exc, csv.Error) else "empty")
        return
    if not any(name in header for name in CONTENT_FIELDS):
        yield Skipped(str(path), f"no 'text' or 'html' column (columns: {', '.join(header)[:200]})")
        return

    rows = 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows += len(pending)
            yield from _drain(pending)
            rows += 1
            yield Skipped(f"{path}:{start}", f"malformed row: {one_line(exc)}")
            continue
        rows += len(pending)  # an overlong line was a row: later rows keep their numbers
        yield from _drain(pending)
        if not any(cell.strip() for cell in row):
            continue  # blank line
        rows += 1
        where = f"{path}:{start}"
        if len(row) != len(header):
            yield Skipped(where, f"malformed row: {len(row)} fields, the header has {len(header)}")
        elif any(has_undecodable(cell) for cell in row):
            yield Skipped(where, "undecodable bytes")
        else:
            record = record_from_fields(f"{path}#row={rows}", dict(zip(header, row, strict=True)), max_bytes)
            yield Skipped(where, record) if isinstance(record, str) else record
    rows += len(pending)
    yield from _drain(pending)
    if not rows:
        yield Skipped(str(path), "empty: a header and no rows")


def _drain(pending: list[Skipped]) -> Iterator[Skipped]:
    while pending:
        yield pending.pop(0)
