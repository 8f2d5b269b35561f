"""The command-line side of learning: `parley train`, `parley eval --cv K`, `parley annotations`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from parley.learn.annotations import REPO_ANNOTATIONS

DEFAULT_ANNOTATIONS = REPO_ANNOTATIONS / "ukraine-crisis-2014"
DEFAULT_TEXTS = Path("../shared/corpus/ukraine-crisis-2014")


class LearnError(Exception):
    """A training or cross-validation request that cannot be carried out (missing data)."""


def add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--annotations", metavar="DIR", default=str(DEFAULT_ANNOTATIONS),
                   help="the project's offset annotations (NAME.json)")
    p.add_argument("--texts", metavar="DIR", default=str(DEFAULT_TEXTS),
                   help="the annotated articles' texts (NAME.txt), kept outside the repository")


def _annotations_in(folder: Path, option: str) -> Path:
    if not folder.is_dir() or not any(folder.glob("*.json")):
        raise LearnError(f"no annotations in {folder} ({option} DIR)")
    return folder


def _paths(args: argparse.Namespace) -> tuple[Path, Path]:
    ann, texts = _annotations_in(Path(args.annotations), "--annotations"), Path(args.texts)
    if not texts.is_dir():
        raise LearnError(f"no texts folder {texts} (--texts DIR: the corpus the annotations point into)")
    return ann, texts


def _config(args: argparse.Namespace) -> dict | None:
    if not getattr(args, "config", None):
        return None
    return json.loads(Path(args.config).read_text(encoding="utf-8"))


def cmd_train(args: argparse.Namespace, pipeline) -> int:
    from parley.learn.train import WEIGHTS, train

    ann, texts = _paths(args)
    out = Path(args.out) if args.out else WEIGHTS
    print(f"training on {ann} (texts {texts}) -> {out}", file=sys.stderr)
    record = train(pipeline, ann, texts, out, _config(args), limit=args.limit)
    print(f"trained on {len(record['articles'])} articles, {record['examples']['gold_events']} events, "
          f"{record['examples']['gold_positions']} positions in {record['seconds']['prepare']} s + "
          f"{record['seconds']['fit']} s; weights in {out}", file=sys.stderr)
    if args.polnear:
        from parley.learn.quotes import train_quotes

        polnear = Path(args.polnear)
        if not polnear.is_dir():
            raise LearnError(f"--polnear: no folder {polnear}")
        print(f"training the quote model on PolNeAR train ({polnear}); takes minutes", file=sys.stderr)
        q = train_quotes(pipeline, polnear, out, limit=args.polnear_limit)
        print(f"quotes: trained on {q['train_articles']} PolNeAR train articles; weights in {out}", file=sys.stderr)
    return 0


def cmd_cv(args: argparse.Namespace, pipeline, scorer_path: Path) -> int:
    from parley.evaluate.gold import load_scorer
    from parley.learn.train import cross_validate, print_cv

    ann, texts = _paths(args)
    from parley.learn.quotes import load_quote_model
    from parley.learn.train import WEIGHTS, quote_mode

    config = _config(args) or {}
    quotes = None
    mode = quote_mode()
    if mode == "own":
        # as shipped: a quote model fitted on each fold's training articles, like the event and position models
        config = {**config, "quotes": {**config.get("quotes", {}), "train_own": True}}
    elif mode == "polnear":
        quotes = load_quote_model(WEIGHTS)  # trained on PolNeAR train, never on these articles: applied as is
    only = None
    if getattr(args, "cv_only", None):
        only_dir = _annotations_in(Path(args.cv_only), "--cv-only")
        only = {json.loads(f.read_text(encoding="utf-8"))["doc"] for f in only_dir.glob("*.json")}
    report = cross_validate(pipeline, ann, texts, load_scorer(scorer_path), k=args.cv, config=config,
                            quotes=quotes, only=only)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_cv(report)
    return 0


def cmd_annotations(args: argparse.Namespace) -> int:
    from parley.learn.annotations import import_gold, load_articles, write_gold

    ann, texts = Path(args.annotations), Path(args.texts)
    if args.import_gold:
        n = import_gold(Path(args.import_gold), texts, ann)
        print(f"stored {n} annotation files in {ann}", file=sys.stderr)
    elif args.agreement:
        from parley.cli import format_report
        from parley.evaluate.agreement import agreement
        from parley.evaluate.gold import load_scorer

        other = _annotations_in(Path(args.agreement), "--agreement")
        scorer = Path(args.scorer) if args.scorer else texts.parent.parent / "eval" / "score.py"
        report = agreement(load_scorer(scorer), _paths(args)[0], other, texts)
        if args.json:
            print(json.dumps(report, indent=1))
        else:
            print(f"{other} read as an export against {ann}, on {len(report['articles'])} articles both annotate")
            print(format_report({**report, "articles": len(report["articles"])}))
    elif args.export_gold:
        n = write_gold(*_paths(args), Path(args.export_gold))
        print(f"wrote {n} gold files to {args.export_gold} (score with: score.py --gold {args.export_gold} "
              f"--texts {texts} --pred EXPORT.jsonl)", file=sys.stderr)
    else:
        articles = list(load_articles(*_paths(args)))
        counts = {k: sum(len(a.gold[k]) for a in articles) for k in ("actors", "quotes", "events", "positions")}
        print(f"{len(articles)} articles valid: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0
