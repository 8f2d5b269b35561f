"""The plain-text cleaner measured on real pages: the article-extraction benchmark's 181 HTML pages,
flattened to the visible lines a scraper saves (as in the seed articles), then cleaned by
`parley.clean.text.clean_text`. Scored with the benchmark's own shingle metric against the gold body,
beside the two trivial answers: keep every line, and keep only lines of running text (>= 12 words).

Shingle recall hides a lost line among many kept ones, so the lines are counted too: a page line is
a content line when it has three words or more and its words occur, in order, in the gold body;
`content lines lost` counts the content lines the cleaner removed (the cost of a wrong removal,
which the record never gets back), and `pages under half kept` the pages whose cleaned text keeps
under half of the gold body's shingles. With `lost_lines=True` (or `python -m
parley.evaluate.text_cleaning DIR --lost`) the report also lists the lost lines of each page, to study
what the cleaner takes for furniture."""

from __future__ import annotations

import argparse
import gzip
import json
import re
from pathlib import Path
from typing import Any

from parley.clean.html import visible_lines, visible_tree
from parley.clean.text import clean_text
from parley.evaluate.article_extraction import _benchmark_folder, scores, shingle_counts
from parley.kb import KnowledgeBase

_TOKEN = re.compile(r"\w+")
CONTENT_MIN_WORDS = 3  # a shorter line ('Share', 'World') occurs inside some sentence of any body


def _tokens(text: str) -> str:
    return " ".join(_TOKEN.findall(text.lower()))


def content_lines(lines: list[str], gold: str) -> list[str]:
    """The page lines that are gold body text (see the module docstring)."""
    body = f" {_tokens(gold)} "
    found = []
    for line in lines:
        words = _tokens(line)
        if len(words.split()) >= CONTENT_MIN_WORDS and f" {words} " in body:
            found.append(line)
    return found


def evaluate_text_cleaning(bench_dir: Path, kb: KnowledgeBase, limit: int | None = None,
                           lost_lines: bool = False) -> dict[str, Any]:
    folder = _benchmark_folder(Path(bench_dir))
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit is not None else sorted(truth)
    counts: dict[str, list] = {"parley": [], "all lines": [], "long lines only": []}
    content = lost = under_half = 0
    lost_by_page: dict[str, list[str]] = {}
    for page_id in ids:
        with gzip.open(folder / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8") as handle:
            lines = visible_lines(visible_tree(handle.read()))
        gold = truth[page_id].get("articleBody", "")
        page = "\n\n".join(lines)
        cleaned = clean_text(page, kb).text
        counts["parley"].append(shingle_counts(gold, cleaned))
        counts["all lines"].append(shingle_counts(gold, page))
        counts["long lines only"].append(shingle_counts(gold, "\n".join(x for x in lines if len(x.split()) >= 12)))
        kept = {line.strip() for line in cleaned.split("\n\n")}
        gold_lines = content_lines(lines, gold)
        content += len(gold_lines)
        missing = [line.strip() for line in gold_lines if line.strip() not in kept]
        lost += len(missing)
        if missing:
            lost_by_page[page_id] = missing
        tp, _, fn = counts["parley"][-1]
        under_half += tp + fn > 0 and tp < fn
    report: dict[str, Any] = {
        "pages": len(ids),
        **{name: scores(c) for name, c in counts.items()},
        "content lines": content,
        "content lines lost": lost,
        "pages under half kept": under_half,
    }
    if lost_lines:
        report["lost lines"] = lost_by_page
    return report


def main(argv: list[str] | None = None) -> int:
    from parley.kb import load_kb

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench_dir", type=Path)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--lost", action="store_true", help="list the content lines the cleaner removed")
    args = parser.parse_args(argv)
    report = evaluate_text_cleaning(args.bench_dir, load_kb(), limit=args.limit, lost_lines=args.lost)
    for page_id, lines in report.pop("lost lines", {}).items():
        print(page_id)
        for line in lines:
            print(f"    {line}")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
