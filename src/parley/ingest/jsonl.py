"""JSON input: .jsonl/.ndjson (one object a line, streamed) and .json (an object or a list of them).

Each object is one document, read from its `text` or `html` field with optional `url`, `title` and
`published`/`date`/`published_at` (see `files.record_from_fields`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from parley.ingest.files import (
    bounded_lines,
    has_undecodable,
    one_line,
    open_stream,
    read_text,
    record_from_fields,
)
from parley.records import RawDocument, Skipped

EXTENSIONS = (".jsonl", ".ndjson", ".json")
LINE_EXTENSIONS = (".jsonl", ".ndjson")
_JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
_JSON_TYPES[type(None)] = "null"


def read(path: Path, max_bytes: int) -> Iterator[RawDocument | Skipped]:
    if path.suffix.lower() in LINE_EXTENSIONS:
        yield from read_lines(path, max_bytes)
    else:
        yield from read_json(path, max_bytes)


def read_lines(path: Path, max_bytes: int) -> Iterator[RawDocument | Skipped]:
    """One document a line, read line by line: a file of a million articles is never held whole.

    `max_bytes` bounds each line (a record), not the file. A bad line is one Skipped named
    'path:line' and the lines after it are still read; blank lines are ignored."""
    with open_stream(path) as stream:
        if isinstance(stream, Skipped):
            yield stream
            return
        yield from _parse_lines(path, bounded_lines(stream, max_bytes), max_bytes)


def _parse_lines(
    path: Path, lines: Iterable[tuple[int, str | None]], max_bytes: int
) -> Iterator[RawDocument | Skipped]:
    records = 0
    for number, line in lines:
        where = f"{path}:{number}"
        if line is None:
            records += 1
            yield Skipped(where, f"too large: line over {max_bytes} characters")
            continue
        if not line.strip():
            continue
        records += 1
        if has_undecodable(line):
            yield Skipped(where, "undecodable bytes")
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            yield Skipped(where, f"invalid JSON: {one_line(exc)}")
            continue
        yield _record(f"{path}#line={number}", where, data, max_bytes)
    if not records:
        yield Skipped(str(path), "empty")


def read_json(path: Path, max_bytes: int) -> Iterator[RawDocument | Skipped]:
    """A .json file holding one object (one document, named by the path) or a list of objects
    (named 'path#item=N', from 1). The file is loaded whole, so `max_bytes` bounds the file.

    A .json file that is really JSON lines (several values, one a line) is read as such."""
    text = read_text(path, max_bytes)
    if isinstance(text, Skipped):
        yield text
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            numbered = ((number, line) for number, line in enumerate(text.splitlines(), start=1))
            yield from _parse_lines(path, numbered, max_bytes)
        else:
            yield Skipped(str(path), f"invalid JSON: {one_line(exc)}")
        return
    if isinstance(data, list):
        if not data:
            yield Skipped(str(path), "empty")
        for index, item in enumerate(data, start=1):
            source = f"{path}#item={index}"
            yield _record(source, source, item, max_bytes)
    else:
        yield _record(str(path), str(path), data, max_bytes)


def _record(source: str, where: str, data: Any, max_bytes: int) -> RawDocument | Skipped:
    if not isinstance(data, dict):
        return Skipped(where, f"not a JSON object but {_JSON_TYPES.get(type(data), 'another value')}")
    record = record_from_fields(source, data, max_bytes)
    return Skipped(where, record) if isinstance(record, str) else record
