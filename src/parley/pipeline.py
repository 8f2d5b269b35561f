"""The pipeline: ingest -> clean -> dedupe -> annotate -> resolve -> extract -> store.

`Pipeline.process` is the pure per-document part (clean to extract): a RawDocument in, a
DocumentResult out, with no I/O, so the same function runs in-process, in a process pool or as a Ray
task. `run` streams inputs through it into a store, one document at a time.

Whatever goes wrong inside one document (an exception in any stage, a text longer than the model takes,
a stage running past the document's time budget, a store error on its records) becomes that document's
Skipped reason; the batch goes on. Only a failure of the store as a whole (disk full, read-only or
unreachable database) ends the run, with the driver's own one-line error.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

from parley.annotate import Annotator
from parley.clean import clean
from parley.dedupe import Signature, signature
from parley.extract.events import EventExtractor
from parley.extract.positions import PositionExtractor
from parley.extract.proposals import ProposalExtractor
from parley.extract.quotes import QuoteExtractor
from parley.kb import KnowledgeBase, load_kb
from parley.learn.context import Context
from parley.learn.train import load_learned
from parley.records import Document, DocumentResult, RawDocument, Skipped, content_hash
from parley.resolve.actors import ActorResolver

MIN_TEXT_CHARS = 40
# Seconds one document may take from cleaning to extraction (env PARLEY_TIME_BUDGET; 0 or less: none).
DEFAULT_TIME_BUDGET = 120.0
# A text longer than the model takes (nlp.max_length) is annotated and extracted in pieces of at most this
# many characters, cut at paragraph or sentence ends: spaCy needs memory in proportion to a text's length
# and parts of resolution grow faster than linearly with it, so pieces keep both bounded.
CHUNK_CHARS = 100_000
# Texts longer than this are annotated on their own rather than in an nlp.pipe batch, so the time budget
# (checked between stages) counts their annotation too.
PIPE_CHARS = 100_000


class BudgetExceeded(Exception):
    """A document's processing ran past its time budget."""


class Deadline:
    """When one document's time is up; `check` between stages and pieces raises BudgetExceeded."""

    def __init__(self, budget: float | None) -> None:
        self.budget = budget if budget and budget > 0 else None
        self.end = time.monotonic() + self.budget if self.budget else None

    def check(self, stage: str) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise BudgetExceeded(f"time budget exceeded ({self.budget:g} s, at {stage})")


def default_time_budget() -> float:
    value = os.environ.get("PARLEY_TIME_BUDGET")
    return float(value) if value else DEFAULT_TIME_BUDGET


def failure(source: str, stage: str, exc: BaseException) -> Skipped:
    """The one-line reason every engine gives for an exception in a document's stages."""
    if isinstance(exc, BudgetExceeded):
        return Skipped(source, str(exc))
    return Skipped(source, f"{stage} failed: {type(exc).__name__}: {exc}"[:300])


def pieces(text: str, limit: int) -> list[tuple[int, int]]:
    """(start, end) pieces covering `text` in order, none longer than `limit`, each cut after the last
    paragraph break before the limit, else line end, else sentence end, else space (else at the limit)."""
    out: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        cut = start + limit
        for sep in ("\n\n", "\n", ". ", " "):
            at = text.rfind(sep, start + 1, start + limit - len(sep) + 1)
            if at > start:
                cut = at + len(sep)
                break
        out.append((start, cut))
        start = cut
    if len(text) > start:
        out.append((start, len(text)))
    return out


def _unique_ids(records: list) -> list:
    """Records with one id each: exact copies dropped, distinct records that share an id (two cues over one
    span, 'deny' and 'believe') told apart by a suffix, since the store keys every record by its id."""
    seen: dict[str, object] = {}
    out = []
    for record in records:
        other = seen.get(record.id)
        if other is not None:
            if other == record:
                continue
            n = 1
            while content_hash(f"{record.id}:{n}") in seen:
                n += 1
            record.id = content_hash(f"{record.id}:{n}")
        seen[record.id] = record
        out.append(record)
    return out


def _shifted(result: DocumentResult, offset: int) -> DocumentResult:
    """A piece's result with every offset moved by `offset` into the whole text; ids (hashes of the
    piece's offsets) re-hashed with the offset so pieces' records stay distinct and stable."""
    if offset == 0:
        return result

    def move(record) -> None:
        record.start += offset
        record.end += offset
        if hasattr(record, "id"):
            record.id = content_hash(f"{record.id}@{offset}")

    for record in (*result.mentions, *result.quotes, *result.events, *result.positions, *result.proposals):
        move(record)
    for proposal in result.proposals:
        for step in proposal.steps:
            step.start += offset
            step.end += offset
    return result


class Pipeline:
    """The per-document stages, built once (loading the model is the slow part)."""

    def __init__(self, kb: KnowledgeBase | None = None, model: str | None = None, learned: bool = True,
                 time_budget: float | None = None) -> None:
        self.kb = kb or load_kb()
        self.model = model
        self.time_budget = default_time_budget() if time_budget is None else time_budget
        self.annotator = Annotator(self.kb, model)
        # over this many characters a text is processed in pieces (the model refuses longer ones: E088)
        self.max_chars: int = self.annotator.nlp.max_length
        self.chunk_chars = CHUNK_CHARS
        self.resolver = ActorResolver(self.kb)
        self.quotes = QuoteExtractor(self.kb)
        self.events = EventExtractor(self.kb)
        self.positions = PositionExtractor(self.kb)
        self.proposals = ProposalExtractor(self.kb)
        # the event and position models `parley train` wrote into the package (None: rules only)
        self.learned = load_learned() if learned else None

    @cached_property
    def sentence_encoder_installed(self) -> bool:
        """Whether the learned components' sentence encoder can run (its weight package is installed)."""
        from parley.learn.encoder import INSTALL_HINT, model_zip

        if model_zip() is None:
            print(f"warning: the sentence encoder is not installed ({INSTALL_HINT}); the learned events and "
                  "positions run without sentence vectors, less accurately", file=sys.stderr)
            return False
        return True

    def encode_sentences(self, texts: list[str]):
        """Sentence vectors for the learned components (the encoder is loaded on first use: rules-only
        work never pays for it)."""
        from parley.learn.encoder import shared_encoder

        return shared_encoder().encode(texts)

    @property
    def user_kb_files(self) -> tuple[str, ...]:
        """The --kb files beyond the shipped ones, so a worker process can load the same KB."""
        from parley.kb import DATA_DIR

        return tuple(f for f in self.kb.files if not f.startswith(str(DATA_DIR)))

    def clean(self, raw: RawDocument) -> Document | Skipped:
        try:
            document = clean(raw, self.kb)  # pure: no state across documents
        except Exception as exc:  # a page that breaks the cleaner is skipped, not the batch
            return Skipped(raw.source, f"cleaning failed: {type(exc).__name__}: {exc}"[:300])
        if len(document.text.strip()) < MIN_TEXT_CHARS:
            return Skipped(raw.source, "no article text after cleaning")
        return document

    def rule_stages(self, document: Document, doc=None, deadline: Deadline | None = None) -> Context:
        """Annotate, resolve and extract by rules: what the learned components read (and train on)."""
        check = deadline.check if deadline is not None else (lambda stage: None)
        doc = doc if doc is not None else self.annotator(document.text)
        check("annotate")
        resolved = self.resolver.resolve(document, doc)
        check("resolve")
        quotes = self.quotes(resolved)
        check("quotes")
        proposals = self.proposals(resolved, quotes)
        positions = self.positions(resolved, quotes, proposals, self.proposals.passages)
        check("positions")
        events = self.events(resolved, quotes, positions)
        check("events")
        return Context(resolved, quotes, proposals, events, positions, parse_roles=self.events.actors_of,
                       encode=self.encode_sentences if self.sentence_encoder_installed else None)

    def needs_pieces(self, text: str) -> bool:
        """Whether a text is too long for the model to take whole."""
        return len(text) > self.max_chars

    def extract(self, document: Document, doc=None, deadline: Deadline | None = None) -> DocumentResult:
        """Annotate (unless `doc` is given), resolve and extract one document; a text the model cannot take
        whole is done piece by piece, every offset still counting characters of `document.text`."""
        if doc is None and self.needs_pieces(document.text):
            return self._extract_pieces(document, deadline)
        return self._extract_whole(document, doc, deadline)

    def _extract_pieces(self, document: Document, deadline: Deadline | None) -> DocumentResult:
        merged = DocumentResult(document=document)
        actors: dict[str, object] = {}
        for start, end in pieces(document.text, min(self.chunk_chars, self.max_chars)):
            if not document.text[start:end].strip():
                continue
            part = replace(document, text=document.text[start:end])
            result = _shifted(self._extract_whole(part, None, deadline), start)
            for actor in result.actors:
                actors.setdefault(actor.id, actor)
            merged.mentions += result.mentions
            merged.quotes += result.quotes
            merged.events += result.events
            merged.positions += result.positions
            merged.proposals += result.proposals
            if deadline is not None:
                deadline.check(f"characters {start}-{end} of {len(document.text)}")
            # the piece's Doc goes out of scope here: memory holds one piece's annotation at a time
        merged.actors = list(actors.values())  # type: ignore[arg-type]
        for name in ("quotes", "events", "positions", "proposals"):
            setattr(merged, name, _unique_ids(getattr(merged, name)))
        return merged

    def _extract_whole(self, document: Document, doc=None, deadline: Deadline | None = None) -> DocumentResult:
        ctx = self.rule_stages(document, doc, deadline)
        resolved, quotes, proposals = ctx.rd, ctx.quotes, ctx.proposals
        events, positions = ctx.rule_events, ctx.rule_positions
        if self.learned is not None:  # trained components read the rules' outputs and decide
            events, positions = self.learned.events(ctx), self.learned.positions(ctx)
            if self.learned.quotes is not None:  # after them: they were trained on the rules' quotes
                quotes = self.learned.quotes(resolved, ctx.quotes)
        used = {m.actor for m in resolved.mentions()} | {q.speaker for q in quotes if q.speaker} | {
            a for e in events for a in e.source + e.target} | {p.actor for p in positions} | {
            p.proposer for p in proposals if p.proposer}
        return DocumentResult(
            document=document,
            actors=[a for a in resolved.actors.values() if a.id in used],
            mentions=resolved.mentions(),
            quotes=_unique_ids(quotes),
            events=_unique_ids(events),
            positions=_unique_ids(positions),
            proposals=_unique_ids(proposals),
        )

    def process(self, raw: RawDocument) -> DocumentResult | Skipped:
        """One document, clean to extract: what the pool and Ray engines run; process_many gives the same
        results and the same reasons."""
        deadline = Deadline(self.time_budget)
        cleaned = self.clean(raw)
        if isinstance(cleaned, Skipped):
            return cleaned
        return self._guarded(cleaned, lambda: self.extract(cleaned, None, deadline))

    @staticmethod
    def _guarded(document: Document, work: Callable[[], DocumentResult]) -> DocumentResult | Skipped:
        try:
            return work()
        except Exception as exc:  # any failure inside one document is that document's skip
            return failure(document.source, "extraction", exc)

    def process_many(self, raws: Iterable[RawDocument | Skipped], batch_size: int = 16
                     ) -> Iterator[DocumentResult | Skipped]:
        """Stream: clean each input, annotate the cleaned texts in batches with nlp.pipe, extract each.

        Long texts (and texts needing pieces) are annotated on their own, within their time budget; when
        nlp.pipe fails, the rest of the batch is annotated one text at a time, so only the text that
        breaks the model is skipped, with the reason `process` would give."""
        batch: list[Document] = []

        def pipeable(document: Document) -> bool:
            return len(document.text) <= PIPE_CHARS and not self.needs_pieces(document.text)

        def flush() -> Iterator[DocumentResult | Skipped]:
            docs = iter(self.annotator.pipe([d.text for d in batch if pipeable(d)], batch_size=batch_size))
            broken = False
            for document in batch:
                doc = None
                if pipeable(document) and not broken:
                    try:
                        doc = next(docs)
                    except Exception:  # annotated alone below: the failing text fails again, by itself
                        broken = True
                # the budget of a batched text counts from its extraction: its annotation was shared
                deadline = Deadline(self.time_budget)
                yield self._guarded(document, lambda d=document, a=doc, t=deadline: self.extract(d, a, t))
            batch.clear()

        for raw in raws:
            if isinstance(raw, Skipped):
                yield raw
                continue
            cleaned = self.clean(raw)
            if isinstance(cleaned, Skipped):
                yield cleaned
                continue
            batch.append(cleaned)
            if len(batch) >= batch_size:
                yield from flush()
        if batch:
            yield from flush()


@dataclass
class RunSummary:
    """Counts of a run; the first reasons are kept for the summary (all are in the store's `skipped`)."""

    stored: int = 0
    unchanged: int = 0
    duplicates: int = 0
    skipped_count: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    keep: int = 200

    def skip(self, item: Skipped) -> None:
        self.skipped_count += 1
        if len(self.skipped) < self.keep:
            self.skipped.append(item)


def dedupe_check(store, document: Document) -> Skipped | Signature | None:
    """Skipped when the store already holds this text (exact) or a near copy of it; else the document's
    signature, to be stored with it."""
    original = store.duplicate_of(document.id, content_hash(document.text))
    if original:
        return Skipped(document.source, f"duplicate of {original}")
    sig = signature(document.text)
    if sig is not None:
        near = store.near_duplicate_of(document.id, sig)
        if near:
            return Skipped(document.source, f"near-duplicate of {near[0]} (similarity {near[1]:.2f})")
    return sig


def run(paths: Iterable[str], store, pipeline: Pipeline, progress: bool = True, batch_size: int = 16,
        max_bytes: int = 20_000_000, engine: str = "local", workers: int = 0, time_budget: float | None = None,
        total: int | None = None) -> RunSummary:
    """Ingest `paths` into `store`: unchanged inputs are passed over (resume, idempotent re-ingest),
    changed ones replaced, duplicates of a stored text skipped with a reason.

    `engine` is where the per-document stages run (parley.engines): 'local', 'pool' or 'ray'.
    `time_budget` (seconds per document; default the pipeline's) overrides the pipeline's for this run.
    `total` is the number of inputs, when known, for the progress bar.

    A store error on one document's records (a constraint, a value the database refuses) rolls that
    document back and records it as skipped with the reason; an error of the store as a whole
    (store.is_fatal: disk full, read-only, unreachable) is raised as the driver's exception, after the
    document's rollback, so nothing is half-written."""
    from datetime import datetime, timezone

    from tqdm import tqdm

    from parley.clean import document_id
    from parley.ingest import iter_inputs

    summary = RunSummary()
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")

    def pending() -> Iterator[RawDocument | Skipped]:
        for item in iter_inputs(paths, max_bytes=max_bytes):
            if isinstance(item, RawDocument) and store.is_current(document_id(item.source), item.content_hash):
                summary.unchanged += 1
                bar.update(1)  # passed over, but counted: the bar's total is every input
                continue
            yield item

    budget_before = pipeline.time_budget
    if time_budget is not None:
        pipeline.time_budget = time_budget  # for this run only (restored below)
    if engine == "local":
        results = pipeline.process_many(pending(), batch_size=batch_size)
    else:
        from parley import engines

        runner = {"pool": engines.run_pool, "ray": engines.run_ray}[engine]
        results = runner(pending(), workers, pipeline.user_kb_files, pipeline.model,
                         time_budget=pipeline.time_budget)
    bar = tqdm(desc="documents", unit="doc", total=total, disable=not progress)
    try:
        for result in results:
            bar.update(1)
            if isinstance(result, Skipped):
                summary.skip(result)
                store.record_skip(result, now)
                continue
            try:
                duplicate = dedupe_check(store, result.document)
                if not isinstance(duplicate, Skipped):
                    store.save(result, content_hash(result.document.text), now, duplicate)
            except Exception as exc:
                if store.is_fatal(exc):
                    raise
                # save() rolled the document back: it is stored whole or not at all
                skip = Skipped(result.document.source, f"store failed: {type(exc).__name__}: {exc}"[:300])
                summary.skip(skip)
                store.record_skip(skip, now)
                continue
            if isinstance(duplicate, Skipped):
                summary.duplicates += 1
                summary.skip(duplicate)
                store.record_skip(duplicate, now)
                continue
            summary.stored += 1
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # shut an engine's workers down even when the store ends the run
        bar.close()
        pipeline.time_budget = budget_before
    return summary
