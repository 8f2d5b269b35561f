"""Parley's HTML extraction scored on the article-extraction benchmark, beside plain trafilatura.

The benchmark (scrapinghub/article-extraction-benchmark: ground-truth.json maps a page id to its
gold {'articleBody', 'url'}, html/<id>.html.gz holds the page) is scored the way its evaluate.py
does, so figures compare with its published table:

- text is cut into \\w+ tokens, and the tokens into overlapping 4-grams ("shingles"; ngram_n=1
  gives a plain bag of tokens);
- per page, true/false positives and false negatives are counted over the bags of shingles and
  normalised by their sum, so a long page weighs no more than a short one;
- precision and recall are the means over pages (an empty prediction counts for recall only),
  and F1 is computed from those two means.

Run it: python -m parley.evaluate.article_extraction [BENCH_DIR] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from parley.clean.html import extract_html

_TOKEN = re.compile(r"\w+")

Counts = tuple[float, float, float]  # true positives, false positives, false negatives


def evaluate_article_extraction(bench_dir: Path, limit: int | None = None, ngram_n: int = 4) -> dict:
    """Scores of `extract_html` and of `trafilatura.extract(html)` with its defaults, page by page
    on the same pages (the first `limit` ids in sorted order, or all).

    `bench_dir` is the benchmark folder or the folder holding it (shared/bench). Returns
    {"pages": n, "parley": {"precision", "recall", "f1"}, "trafilatura": {...},
     "seconds": {"parley", "trafilatura"}}."""
    import trafilatura

    folder = _benchmark_folder(Path(bench_dir))
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit is not None else sorted(truth)
    extractors: dict[str, Callable[[str, str | None], str]] = {
        "parley": lambda html, url: extract_html(html, url).text,
        "trafilatura": lambda html, url: trafilatura.extract(html) or "",
    }
    counts: dict[str, list[Counts]] = {name: [] for name in extractors}
    seconds = dict.fromkeys(extractors, 0.0)
    for page_id in ids:
        with gzip.open(folder / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8") as handle:
            html = handle.read()
        gold = truth[page_id].get("articleBody", "")
        for name, extract in extractors.items():
            started = time.perf_counter()
            predicted = extract(html, truth[page_id].get("url"))
            seconds[name] += time.perf_counter() - started
            counts[name].append(shingle_counts(gold, predicted, ngram_n))
    result: dict[str, Any] = {"pages": len(ids)}
    result.update({name: scores(page_counts) for name, page_counts in counts.items()})
    result["seconds"] = {name: round(value, 2) for name, value in seconds.items()}
    return result


def _benchmark_folder(path: Path) -> Path:
    if (path / "ground-truth.json").is_file():
        return path
    if (path / "article-extraction" / "ground-truth.json").is_file():
        return path / "article-extraction"
    raise FileNotFoundError(f"no ground-truth.json in {path} or {path / 'article-extraction'}")


def shingle_counts(true: str, predicted: str, ngram_n: int = 4) -> Counts:
    """(tp, fp, fn) over the bags of token n-grams of one page, normalised to sum to 1."""
    gold, pred = _shingles(true, ngram_n), _shingles(predicted, ngram_n)
    tp = sum((gold & pred).values())
    fp = sum((pred - gold).values())
    fn = sum((gold - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _shingles(text: str, n: int) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    # a text shorter than n tokens is one short shingle, as in the benchmark
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def scores(page_counts: list[Counts]) -> dict[str, float]:
    """Mean precision and recall over pages, and the F1 of those means (the benchmark's figures)."""
    precisions = [_precision(*c) for c in page_counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in page_counts if c[0] + c[2] > 0]
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[4] / "shared" / "bench"
    parser.add_argument("bench_dir", nargs="?", type=Path, default=default)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = evaluate_article_extraction(args.bench_dir, args.limit)
    result["seconds"]["total"] = round(time.perf_counter() - started, 2)
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
