"""The pipeline: ingest -> clean -> dedupe -> annotate -> resolve -> extract -> store.

`Pipeline.process` is the pure per-document part (clean to extract): a RawDocument in, a
DocumentResult out, with no I/O, so the same function runs in-process, in a process pool or as a Ray
task. `run` streams inputs through it into a store, one document at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

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


class Pipeline:
    """The per-document stages, built once (loading the model is the slow part)."""

    def __init__(self, kb: KnowledgeBase | None = None, model: str | None = None, learned: bool = True) -> None:
        self.kb = kb or load_kb()
        self.model = model
        self.annotator = Annotator(self.kb, model)
        self.resolver = ActorResolver(self.kb)
        self.quotes = QuoteExtractor(self.kb)
        self.events = EventExtractor(self.kb)
        self.positions = PositionExtractor(self.kb)
        self.proposals = ProposalExtractor(self.kb)
        # the event and position models `parley train` wrote into the package (None: rules only)
        self.learned = load_learned() if learned else None

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

    def rule_stages(self, document: Document, doc=None) -> Context:
        """Annotate, resolve and extract by rules: what the learned components read (and train on)."""
        doc = doc if doc is not None else self.annotator(document.text)
        resolved = self.resolver.resolve(document, doc)
        quotes = self.quotes(resolved)
        proposals = self.proposals(resolved, quotes)
        positions = self.positions(resolved, quotes, proposals, self.proposals.passages)
        events = self.events(resolved, quotes, positions)
        return Context(resolved, quotes, proposals, events, positions)

    def extract(self, document: Document, doc=None) -> DocumentResult:
        ctx = self.rule_stages(document, doc)
        resolved, quotes, proposals = ctx.rd, ctx.quotes, ctx.proposals
        events, positions = ctx.rule_events, ctx.rule_positions
        if self.learned is not None:  # trained components read the rules' outputs and decide
            events, positions = self.learned.events(ctx), self.learned.positions(ctx)
        used = {m.actor for m in resolved.mentions()} | {q.speaker for q in quotes if q.speaker} | {
            a for e in events for a in e.source + e.target} | {p.actor for p in positions} | {
            p.proposer for p in proposals if p.proposer}
        return DocumentResult(
            document=document,
            actors=[a for a in resolved.actors.values() if a.id in used],
            mentions=resolved.mentions(),
            quotes=quotes,
            events=events,
            positions=positions,
            proposals=proposals,
        )

    def process(self, raw: RawDocument) -> DocumentResult | Skipped:
        cleaned = self.clean(raw)
        if isinstance(cleaned, Skipped):
            return cleaned
        try:
            return self.extract(cleaned)
        except Exception as exc:
            return Skipped(raw.source, f"extraction failed: {type(exc).__name__}: {exc}"[:300])

    def process_many(self, raws: Iterable[RawDocument | Skipped], batch_size: int = 16
                     ) -> Iterator[DocumentResult | Skipped]:
        """Stream: clean each input, annotate the cleaned texts in batches with nlp.pipe, extract each."""
        batch: list[Document] = []

        def flush() -> Iterator[DocumentResult | Skipped]:
            docs = self.annotator.pipe([d.text for d in batch], batch_size=batch_size)
            for document, doc in zip(batch, docs):
                try:
                    yield self.extract(document, doc)
                except Exception as exc:
                    yield Skipped(document.source, f"extraction failed: {type(exc).__name__}: {exc}"[:300])
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
        max_bytes: int = 20_000_000, engine: str = "local", workers: int = 0) -> RunSummary:
    """Ingest `paths` into `store`: unchanged inputs are passed over (resume, idempotent re-ingest),
    changed ones replaced, duplicates of a stored text skipped with a reason.

    `engine` is where the per-document stages run (parley.engines): 'local', 'pool' or 'ray'."""
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
                continue
            yield item

    if engine == "local":
        results = pipeline.process_many(pending(), batch_size=batch_size)
    else:
        from parley import engines

        runner = {"pool": engines.run_pool, "ray": engines.run_ray}[engine]
        results = runner(pending(), workers, pipeline.user_kb_files, pipeline.model)
    bar = tqdm(desc="documents", unit="doc", disable=not progress)
    for result in results:
        bar.update(1)
        if isinstance(result, Skipped):
            summary.skip(result)
            store.record_skip(result, now)
            continue
        duplicate = dedupe_check(store, result.document)
        if isinstance(duplicate, Skipped):
            summary.duplicates += 1
            summary.skip(duplicate)
            store.record_skip(duplicate, now)
            continue
        store.save(result, content_hash(result.document.text), now, duplicate)
        summary.stored += 1
    bar.close()
    return summary
