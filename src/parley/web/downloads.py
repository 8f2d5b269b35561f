"""CSV and JSONL downloads of any filtered list, streamed a chunk of rows at a time.

CSV cells are flat: a nested reference ({"id", "name"}) becomes `key_id`, `key_name` columns, a list of
references the `; `-joined ids, any other list JSON. Scraped text is hostile input for spreadsheets too:
a text cell that begins with a formula character (= + - @ or a tab/CR) gets a leading apostrophe so it
opens as text, not as a formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from starlette.responses import StreamingResponse

from parley.store.base import Store
from parley.web.app import Stores

CHUNK_ROWS = 2000
MAX_ROWS = 1_000_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}

Fetch = Callable[[Store, int, int], list[dict[str, Any]]]


def flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "_"))
        elif isinstance(value, list):
            if value and all(isinstance(v, dict) and "id" in v for v in value):
                out[name] = "; ".join(str(v["id"]) for v in value)
            else:
                out[name] = json.dumps(value, ensure_ascii=False)
        else:
            out[name] = value
    return out


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def iter_rows(stores: Stores, fetch: Fetch, limit: int, offset: int) -> Iterator[list[dict[str, Any]]]:
    """Chunks of rows, each fetched with its own store checkout (chunks may run on different threads)."""
    done = 0
    while done < limit:
        n = min(CHUNK_ROWS, limit - done)
        with stores.use() as store:
            chunk = fetch(store, n, offset + done)
        if not chunk:
            return
        yield chunk
        done += len(chunk)
        if len(chunk) < n:
            return


def csv_lines(chunks: Iterator[list[dict[str, Any]]]) -> Iterator[str]:
    fields: list[str] | None = None
    buffer = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    for chunk in chunks:
        flat = [flatten(r) for r in chunk]
        if writer is None:
            fields = list(dict.fromkeys(k for r in flat for k in r))
            writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore", restval="")
            writer.writeheader()
        for r in flat:
            writer.writerow({k: safe_cell(v) for k, v in r.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if writer is None:
        yield ""


def jsonl_lines(chunks: Iterator[list[dict[str, Any]]]) -> Iterator[str]:
    for chunk in chunks:
        yield "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk)


def download(stores: Stores, name: str, fmt: str, fetch: Fetch, limit: int | None, offset: int
             ) -> StreamingResponse:
    chunks = iter_rows(stores, fetch, min(limit or MAX_ROWS, MAX_ROWS), offset)
    body = csv_lines(chunks) if fmt == "csv" else jsonl_lines(chunks)
    return StreamingResponse(body, media_type=MEDIA[fmt],
                             headers={"content-disposition": f'attachment; filename="parley-{name}.{fmt}"'})
