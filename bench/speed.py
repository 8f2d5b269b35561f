#!/usr/bin/env python
"""Throughput and memory of Parley against the bare spaCy model it is built on.

    python bench/speed.py                      # examples/corpus + ../shared/corpus/seeds, ~200 docs
    python bench/speed.py DIR_OR_FILE ... --docs 500 --json speed.json
    python bench/speed.py --synthetic --docs 300
    python bench/speed.py --long-input 15      # peak RSS of one 15 MB document (multi-paragraph, one line)

Two measurements over the same articles, each in its own process (so peak RSS is its own):

  (a) bare:   spacy.load(model).pipe(texts) on the texts Parley's cleaner produced;
  (b) parley: Pipeline.process_many(RawDocuments): clean, annotate (model + KB entity ruler), resolve,
              extract quotes, events, positions and proposals; no store.

The corpus is read once (parley.ingest.iter_inputs, or plain .txt/.html reading where that is not
available) and repeated to reach --docs (cleaning is per document, so a copy is cleaned as its original
was). --synthetic instead builds distinct
articles from shuffled paragraphs of the corpus.

Each phase times one pass without tracing (articles/second, peak RSS from getrusage), then, unless
--no-tracemalloc, a second pass under tracemalloc for the peak of Python-level allocations (tracing slows
Python code, so it is kept out of the timing). Model loading is timed apart.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from parley.records import RawDocument, Skipped  # noqa: E402

DEFAULT_PATHS = [REPO / "examples" / "corpus", REPO.parent / "shared" / "corpus" / "seeds"]
Item = RawDocument | Skipped


# -- the corpus ----------------------------------------------------------------------------------------
def read_inputs(paths: list[Path]) -> list[Item]:
    try:
        from parley.ingest import iter_inputs
    except ImportError:
        return list(_read_plain(paths))
    return list(iter_inputs([str(p) for p in paths]))


def _read_plain(paths: list[Path]) -> Iterator[Item]:
    for root in paths:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for f in files:
            if f.suffix.lower() in {".txt", ".html", ".htm"}:
                kind = "html" if f.suffix.lower() != ".txt" else "text"
                yield RawDocument(source=str(f), content=f.read_text(encoding="utf-8", errors="replace"),
                                  content_type=kind)  # type: ignore[arg-type]


def synthetic(raws: list[RawDocument], n: int, seed: int = 13) -> list[RawDocument]:
    """n distinct articles, each a headline and 6-14 paragraphs drawn from the plain-text inputs."""
    paragraphs = [p.strip() for r in raws if r.content_type == "text"
                  for p in r.content.split("\n\n") if len(p.split()) > 12]
    if not paragraphs:
        raise SystemExit("no plain-text paragraphs to build synthetic articles from")
    rng = random.Random(seed)
    out = []
    for i in range(n):
        body = rng.sample(paragraphs, min(len(paragraphs), rng.randint(6, 14)))
        headline = " ".join(body[0].split()[:9]).rstrip(".,;:")
        content = f"{headline}\n\n" + "\n\n".join(body)
        out.append(RawDocument(source=f"synthetic/{i:05d}.txt", content=content))
    return out


def corpus(paths: list[Path], docs: int, use_synthetic: bool
           ) -> tuple[list[list[RawDocument]], int, list[str]]:
    """The inputs as passes (each a list cleaned as one batch), the number of distinct inputs, and the
    inputs the readers could not use (e.g. a README.md beside the articles)."""
    items = read_inputs(paths)
    raws = [i for i in items if isinstance(i, RawDocument)]
    unreadable = [f"{i.source}: {i.reason}" for i in items if isinstance(i, Skipped)]
    if not raws:
        raise SystemExit(f"no readable documents under {', '.join(map(str, paths))}")
    if use_synthetic:
        return [synthetic(raws, docs)], docs, unreadable
    passes = max(1, -(-docs // len(raws)))
    return [list(raws) for _ in range(passes)], len(raws), unreadable


# -- measuring -----------------------------------------------------------------------------------------
def maxrss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


def measure(run: Callable[[], int], trace: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    n = run()
    seconds = time.perf_counter() - t0
    out: dict[str, Any] = {"docs": n, "seconds": seconds, "docs_per_second": n / seconds if seconds else 0.0,
                           "maxrss_mb": maxrss_mb()}
    if trace:
        tracemalloc.start()
        run()
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return out


def phase_parley(args: argparse.Namespace) -> dict[str, Any]:
    from parley.pipeline import Pipeline

    t0 = time.perf_counter()
    pipeline = Pipeline(model=args.model)
    load = time.perf_counter() - t0
    passes, distinct, unreadable = corpus(args.paths, args.docs, args.synthetic)
    texts: list[str] = []
    skipped: list[str] = []
    counts: dict[str, int] = {}

    def stream() -> Iterable[RawDocument]:
        for batch in passes:
            yield from batch

    def run() -> int:
        texts.clear()
        skipped.clear()
        counts.update(quotes=0, events=0, positions=0)
        for result in pipeline.process_many(stream(), batch_size=args.batch_size):
            if isinstance(result, Skipped):
                skipped.append(f"{result.source}: {result.reason}")
                continue
            texts.append(result.document.text)
            counts["quotes"] += len(result.quotes)
            counts["events"] += len(result.events)
            counts["positions"] += len(result.positions)
        return len(texts)

    out = measure(run, trace=not args.no_tracemalloc)
    out.update(load_seconds=load, distinct_inputs=distinct, unreadable_inputs=unreadable,
               skipped=len(skipped), skip_reasons=skipped[:5],
               chars=sum(map(len, texts)), extracted=dict(counts))
    Path(args.texts).write_text(json.dumps(texts), encoding="utf-8")
    return out


def phase_bare(args: argparse.Namespace) -> dict[str, Any]:
    import spacy

    from parley.annotate import model_name

    texts: list[str] = json.loads(Path(args.texts).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    nlp = spacy.load(model_name(args.model))
    load = time.perf_counter() - t0

    sentences: list[list[str]] = []

    def run() -> int:
        sentences.clear()
        for doc in nlp.pipe(texts, batch_size=args.batch_size):
            sentences.append([s.text.strip() for s in doc.sents])
        return len(sentences)

    out = measure(run, trace=not args.no_tracemalloc)
    out.update(load_seconds=load, chars=sum(map(len, texts)), pipes=list(nlp.pipe_names))
    # (c) the bare sentence encoder on the same sentences, a document at a time as the pipeline runs it
    from parley.learn.encoder import model_zip, shared_encoder

    if model_zip() is not None:
        encoder = shared_encoder()
        t0 = time.perf_counter()
        for doc_sentences in sentences:
            encoder.encode(doc_sentences)
        out.update(encoder_seconds=time.perf_counter() - t0, sentences=sum(map(len, sentences)))
    return out


def long_text(paths: list[Path], mb: float, shape: str) -> str:
    """About `mb` MB of article paragraphs in one text: blank-line separated ('paragraphs') or all on one
    line ('line', nothing to cut at but sentence ends and spaces)."""
    paragraphs = [p.strip() for r in read_inputs(paths) if isinstance(r, RawDocument) and r.content_type == "text"
                  for p in r.content.split("\n\n") if len(p.split()) > 12]
    if not paragraphs:
        raise SystemExit("no plain-text paragraphs to build a long input from")
    rng = random.Random(5)
    out: list[str] = []
    size = 0
    while size < mb * 1_000_000:
        out.append(rng.choice(paragraphs).replace("\n", " "))
        size += len(out[-1]) + 2
    return ("\n\n" if shape == "paragraphs" else " ").join(out)


def phase_long(args: argparse.Namespace) -> dict[str, Any]:
    """One long document through Pipeline.extract (pieces of CHUNK_CHARS), no time budget: its peak RSS."""
    from parley.pipeline import Pipeline
    from parley.records import Document

    pipeline = Pipeline(model=args.model, time_budget=0)
    text = long_text(args.paths, args.long_input, args.shape)
    before = maxrss_mb()
    t0 = time.perf_counter()
    result = pipeline.extract(Document(id="long", source="long", text=text))
    seconds = time.perf_counter() - t0
    return {"shape": args.shape, "chars": len(text), "seconds": seconds, "chars_per_second": len(text) / seconds,
            "maxrss_mb": maxrss_mb(), "maxrss_before_mb": before, "quotes": len(result.quotes),
            "events": len(result.events), "mentions": len(result.mentions)}


def long_inputs(args: argparse.Namespace) -> int:
    rows = []
    for shape in ("paragraphs", "line"):
        cmd = [sys.executable, __file__, "--phase", "long", "--shape", shape, "--long-input", str(args.long_input),
               *[str(p) for p in args.paths], *(["--model", args.model] if args.model else [])]
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"the long-input phase ({shape}) failed (exit {done.returncode})")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{'one long document':20} {'chars':>12} {'seconds':>8} {'chars/s':>9} {'maxrss MB':>10} "
          f"{'after load':>10} {'quotes':>7}")
    for r in rows:
        print(f"{r['shape']:20} {r['chars']:12,} {r['seconds']:8.1f} {r['chars_per_second']:9.0f} "
              f"{r['maxrss_mb']:10.1f} {r['maxrss_before_mb']:10.1f} {r['quotes']:7d}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


def child(phase: str, args: argparse.Namespace, texts: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--phase", phase, "--texts", str(texts), "--docs", str(args.docs),
           "--batch-size", str(args.batch_size), *[str(p) for p in args.paths]]
    cmd += ["--model", args.model] if args.model else []
    cmd += ["--synthetic"] if args.synthetic else []
    cmd += ["--no-tracemalloc"] if args.no_tracemalloc else []
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {phase} phase failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(report: dict[str, Any]) -> str:
    bare, parley = report["bare"], report["parley"]
    rows = [("(a) bare spaCy nlp.pipe", bare), ("(b) Parley process_many", parley)]
    head = (f"{'':26} {'docs':>5} {'seconds':>8} {'docs/s':>8} {'maxrss MB':>10} {'traced MB':>10} "
            f"{'load s':>7}")
    lines = [head]
    for name, r in rows:
        traced = f"{r['tracemalloc_peak_mb']:10.1f}" if "tracemalloc_peak_mb" in r else f"{'-':>10}"
        lines.append(f"{name:26} {r['docs']:5d} {r['seconds']:8.2f} {r['docs_per_second']:8.2f} "
                     f"{r['maxrss_mb']:10.1f} {traced} {r['load_seconds']:7.2f}")
    ratio = report["ratio"]
    traced = f"{ratio['tracemalloc_peak']:10.2f}" if "tracemalloc_peak" in ratio else f"{'-':>10}"
    lines.append(f"{'ratio (b)/(a)':26} {'':5} {ratio['seconds']:8.2f} {ratio['docs_per_second']:8.2f} "
                 f"{ratio['maxrss']:10.2f} {traced}")
    if "encoder_seconds" in bare:
        both = bare["seconds"] + bare["encoder_seconds"]
        lines.append(f"{'(c) bare nlp.pipe + encoder':26} {bare['docs']:5d} {both:8.2f} {bare['docs'] / both:8.2f}"
                     f"   ({bare['sentences']:,} sentences; encoder alone {bare['encoder_seconds']:.2f} s)")
        lines.append(f"{'ratio (b)/(c)':26} {'':5} {parley['seconds'] / both:8.2f} "
                     f"{ratio['docs_per_second_vs_bare_with_encoder']:8.2f}")
    lines.append(f"model {report['model']}, batch size {report['batch_size']}, {parley['distinct_inputs']} "
                 f"distinct inputs ({len(parley['unreadable_inputs'])} files not read), "
                 f"{parley['chars']:,} characters, {parley['skipped']} skipped by the pipeline")
    lines.append(f"extracted {parley['extracted']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: examples/corpus and "
                        "../shared/corpus/seeds)")
    parser.add_argument("--docs", type=int, default=200, help="repeat the inputs to about this many (200)")
    parser.add_argument("--synthetic", action="store_true", help="distinct articles from shuffled paragraphs")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--model", help="spaCy model package (default: Parley's)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the traced second pass")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--long-input", type=float, metavar="MB",
                        help="instead: peak RSS of one document of this many MB, as paragraphs and as one line")
    parser.add_argument("--shape", choices=["paragraphs", "line"], default="paragraphs", help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=["bare", "parley", "long"], help=argparse.SUPPRESS)
    parser.add_argument("--texts", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.paths = args.paths or [p for p in DEFAULT_PATHS if p.exists()]

    if args.phase == "long":
        print(json.dumps(phase_long(args)))
        return 0
    if args.long_input:
        return long_inputs(args)
    if args.phase:
        result = phase_parley(args) if args.phase == "parley" else phase_bare(args)
        print(json.dumps(result))
        return 0

    from parley.annotate import model_name

    with tempfile.TemporaryDirectory() as tmp:
        texts = Path(tmp) / "texts.json"
        parley = child("parley", args, texts)  # first: it writes the cleaned texts the bare run reads
        bare = child("bare", args, texts)
    ratio = {"seconds": parley["seconds"] / bare["seconds"],
             "docs_per_second": parley["docs_per_second"] / bare["docs_per_second"],
             "maxrss": parley["maxrss_mb"] / bare["maxrss_mb"]}
    if "encoder_seconds" in bare:  # the measure where an encoder is added: against both bare parts
        ratio["docs_per_second_vs_bare_with_encoder"] = (bare["seconds"] + bare["encoder_seconds"]) / parley["seconds"]
    if "tracemalloc_peak_mb" in parley and bare.get("tracemalloc_peak_mb"):
        ratio["tracemalloc_peak"] = parley["tracemalloc_peak_mb"] / bare["tracemalloc_peak_mb"]
    report = {"model": model_name(args.model), "batch_size": args.batch_size,
              "paths": [str(p) for p in args.paths], "synthetic": args.synthetic,
              "bare": bare, "parley": parley, "ratio": ratio}
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
