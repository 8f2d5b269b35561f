"""The plain-text cleaner measured on real pages: the article-extraction benchmark's 181 HTML pages,
flattened to the visible lines a scraper saves (as in the seed articles), then cleaned by
`parley.clean.text.clean_text`. Scored with the benchmark's own shingle metric against the gold body,
beside the two trivial answers: keep every line, and keep only lines of running text (>= 12 words)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from parley.clean.html import visible_lines, visible_tree
from parley.clean.text import LineRepetition, clean_text
from parley.evaluate.article_extraction import _benchmark_folder, scores, shingle_counts
from parley.kb import KnowledgeBase


def evaluate_text_cleaning(bench_dir: Path, kb: KnowledgeBase, limit: int | None = None) -> dict[str, Any]:
    folder = _benchmark_folder(Path(bench_dir))
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit is not None else sorted(truth)
    repetition = LineRepetition()
    counts: dict[str, list] = {"parley": [], "all lines": [], "long lines only": []}
    for page_id in ids:
        with gzip.open(folder / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8") as handle:
            lines = visible_lines(visible_tree(handle.read()))
        gold = truth[page_id].get("articleBody", "")
        page = "\n\n".join(lines)
        counts["parley"].append(shingle_counts(gold, clean_text(page, kb, repetition).text))
        counts["all lines"].append(shingle_counts(gold, page))
        counts["long lines only"].append(shingle_counts(gold, "\n".join(x for x in lines if len(x.split()) >= 12)))
    return {"pages": len(ids), **{name: scores(c) for name, c in counts.items()}}
