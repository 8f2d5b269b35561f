"""Engines: where the per-document stages run. The stage functions are the same everywhere.

* `local`: in this process, annotating in batches with `nlp.pipe` (the default).
* `pool`: a process pool on this machine; each worker loads its own pipeline once.
* `ray`: Ray tasks on a cluster (`pip install 'parley[ray]'`; `RAY_ADDRESS` selects the cluster, none
  starts a local one). Each Ray actor holds one pipeline; documents are sent in order and results come
  back in order, so the store sees the same stream whichever engine ran it.

Every engine takes an iterator of inputs and yields results as they are ready, keeping a bounded number
of documents in flight: memory does not grow with the corpus.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from parley.records import DocumentResult, RawDocument, Skipped

Result = DocumentResult | Skipped

_worker_pipeline = None  # one per pool worker process


def _init_worker(kb_files: tuple[str, ...], model: str | None) -> None:
    global _worker_pipeline
    from parley.kb import load_kb
    from parley.pipeline import Pipeline

    _worker_pipeline = Pipeline(load_kb(kb_files), model=model)


def _process_in_worker(raw: RawDocument) -> Result:
    assert _worker_pipeline is not None
    return _worker_pipeline.process(raw)


def _bounded(submit, items: Iterable[RawDocument | Skipped], in_flight: int) -> Iterator[Result]:
    """Submit work as results are taken, in input order, never more than `in_flight` at once."""
    queue: deque[Future | Skipped] = deque()
    for item in items:
        queue.append(item if isinstance(item, Skipped) else submit(item))
        if len(queue) >= in_flight:
            head = queue.popleft()
            yield head if isinstance(head, Skipped) else head.result()
    while queue:
        head = queue.popleft()
        yield head if isinstance(head, Skipped) else head.result()


def run_pool(items: Iterable[RawDocument | Skipped], workers: int, kb_files: tuple[str, ...] = (),
             model: str | None = None) -> Iterator[Result]:
    workers = workers or os.cpu_count() or 1
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(kb_files, model)) as pool:
        yield from _bounded(lambda raw: pool.submit(_process_in_worker, raw), items, in_flight=workers * 4)


def run_ray(items: Iterable[RawDocument | Skipped], workers: int, kb_files: tuple[str, ...] = (),
            model: str | None = None) -> Iterator[Result]:
    try:
        import ray
    except ImportError as exc:  # an optional engine: say how to get it
        raise RuntimeError("the ray engine needs Ray: pip install 'parley[ray]'") from exc

    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS"), include_dashboard=False, log_to_driver=False,
                 ignore_reinit_error=True)

    @ray.remote
    class PipelineActor:
        def __init__(self) -> None:
            _init_worker(kb_files, model)

        def process(self, raw: RawDocument) -> Result:
            return _process_in_worker(raw)

    actors = [PipelineActor.remote() for _ in range(max(1, workers))]
    counter = iter(range(1 << 62))

    class RayFuture:
        def __init__(self, ref) -> None:
            self.ref = ref

        def result(self) -> Result:
            return ray.get(self.ref)

    def submit(raw: RawDocument) -> RayFuture:
        actor = actors[next(counter) % len(actors)]  # round robin keeps every actor busy
        return RayFuture(actor.process.remote(raw))

    yield from _bounded(submit, items, in_flight=max(1, workers) * 4)
