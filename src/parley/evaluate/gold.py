"""Score Parley on a gold folder (shared/gold format) with the shared scorer's own rules.

The scorer is loaded from its file rather than re-implemented, so Parley is measured exactly as the
project's evaluation measures it."""

from __future__ import annotations

import importlib.util
import io
import json
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from parley.export import write_jsonl
from parley.pipeline import Pipeline, run
from parley.store.sqlite import SQLiteStore


def load_scorer(path: Path) -> ModuleType:
    if not path.is_file():
        raise FileNotFoundError(f"no scorer at {path}; pass --scorer PATH/score.py")
    spec = importlib.util.spec_from_file_location("parley_gold_scorer", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_counts(totals: dict[str, list[int]], counts: dict[str, tuple[int, ...]]) -> None:
    """Add one document's per-task counts (the scorer's `score_doc`) into running totals."""
    for task, values in counts.items():
        t = totals.setdefault(task, [0, 0, 0, 0])
        for i, c in enumerate(values):
            t[i] += c


def report(scorer: ModuleType, totals: dict[str, list[int]]) -> dict[str, Any]:
    """P/R/F1 per task and the macro F1, from summed counts, by the scorer's own `prf`."""
    rows = {task: scorer.prf(*c) for task, c in totals.items()}
    macro = sum(f for _, _, f in rows.values()) / (len(rows) or 1)
    return {"tasks": {t: {"precision": p, "recall": r, "f1": f} for t, (p, r, f) in rows.items()},
            "macro_f1": macro}


def evaluate_gold(gold_dir: Path, pipeline: Pipeline, scorer_path: Path | None = None,
                  export_to: Path | None = None) -> dict[str, Any]:
    """Ingest the gold folder's articles into a fresh store, export, and score the export."""
    scorer = load_scorer(scorer_path or gold_dir.parent / "eval" / "score.py")
    texts = sorted(p for p in gold_dir.glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "eval.db")
        run([str(p) for p in texts], store, pipeline, progress=False)
        buffer = io.StringIO()
        write_jsonl(store, buffer)
        store.close()
    export = buffer.getvalue()
    if export_to:
        export_to.write_text(export, encoding="utf-8")
    recs: dict[str, list[dict]] = {}
    for line in export.splitlines():
        rec = json.loads(line)
        recs.setdefault(rec["kind"], []).append(rec)
    actors = {a["id"]: a for a in recs.get("actor", [])}
    totals: dict[str, list[int]] = {}
    for gpath in sorted(gold_dir.glob("*.gold.json")):
        gold = json.loads(gpath.read_text(encoding="utf-8"))
        raw = (gold_dir / gold["doc"]).read_text(encoding="utf-8")
        doc = scorer.doc_for(gold["doc"], recs.get("document", []))
        add_counts(totals, scorer.score_doc(gold, raw, doc, recs, actors))
    return {**report(scorer, totals), "documents": len(texts)}
