"""Export stage: the stored record as JSONL (the contract in shared/gold/FORMAT.md), CSV or Parquet."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from parley.records import to_dict
from parley.store.base import Store

KINDS = ("document", "actor", "mention", "quote", "event", "position", "proposal")


def iter_records(store: Store) -> Iterator[dict[str, Any]]:
    """Every record, `kind` first, documents followed by what was extracted from them."""
    used_actors: set[str] = set()
    for document in store.documents():
        row = {"kind": "document", **to_dict(document)}
        row.pop("raw_hash", None)
        yield row
        result = store.result(document.id)
        assert result is not None
        for kind, records in (("mention", result.mentions), ("quote", result.quotes), ("event", result.events),
                              ("position", result.positions), ("proposal", result.proposals)):
            for record in records:
                yield {"kind": kind, **asdict(record)}
        used_actors.update(m.actor for m in result.mentions)
        used_actors.update(q.speaker for q in result.quotes if q.speaker)
        used_actors.update(a for e in result.events for a in e.source + e.target)
        used_actors.update(p.actor for p in result.positions)
        used_actors.update(p.proposer for p in result.proposals if p.proposer)
    for actor in store.actors():
        if actor.id in used_actors:
            yield {"kind": "actor", **asdict(actor)}


def write_jsonl(store: Store, out: IO[str]) -> int:
    n = 0
    for record in iter_records(store):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        n += 1
    return n


def _flat(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


def write_tables(store: Store, folder: Path, fmt: str = "csv") -> dict[str, Path]:
    """One file per kind ('documents.csv', 'events.parquet', ...); lists are JSON-encoded cells in CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    for record in iter_records(store):
        kind = record.pop("kind")
        rows[kind].append(record)
    paths: dict[str, Path] = {}
    for kind, records in rows.items():
        path = folder / f"{kind}s.{fmt}"
        if fmt == "csv":
            fields = list(records[0]) if records else []
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=fields)
                writer.writeheader()
                for r in records:
                    writer.writerow({k: _flat(v) for k, v in r.items()})
        elif fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pylist([{k: _flat(v) for k, v in r.items()} for r in records])
            pq.write_table(table, path)
        else:
            raise ValueError(f"unknown table format {fmt!r}")
        paths[kind] = path
    return paths
