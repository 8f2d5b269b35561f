"""Engines: where the per-document stages run. The stage functions are the same everywhere.

* `local`: in this process, annotating in batches with `nlp.pipe` (the default).
* `pool`: a process pool on this machine; each worker loads its own pipeline once.
* `ray`: Ray tasks on a cluster (`pip install 'parley[ray]'`; `RAY_ADDRESS` selects the cluster, none
  starts a local one). Each Ray actor holds one pipeline; documents are sent in order and results come
  back in order, so the store sees the same stream whichever engine ran it.

Every engine takes an iterator of inputs and yields results as they are ready, keeping a bounded number
of documents in flight: memory does not grow with the corpus.

Every engine gives the same result or the same Skipped reason for the same input: the workers run
`Pipeline.process`, which turns any exception in a document's stages, and a stage that ends past the
document's time budget, into its skip (as `Pipeline.process_many` does locally). What only a remote engine
can suffer is handled here: a worker that dies (a crash, the OOM killer) or hangs inside one stage past
the budget (plus a grace period) is replaced, the document it held is skipped with the reason, and the
documents in flight with it are sent again.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from parley.records import DocumentResult, RawDocument, Skipped

Result = DocumentResult | Skipped

# Seconds beyond the time budget a worker may take before it is taken for hung (the budget is checked
# between stages, so one stage may overrun it a little).
GRACE_SECONDS = 30.0

_worker_pipeline = None  # one per pool worker process


def _init_worker(kb_files: tuple[str, ...], model: str | None, time_budget: float | None = None) -> None:
    global _worker_pipeline
    from parley.kb import load_kb
    from parley.pipeline import Pipeline

    _worker_pipeline = Pipeline(load_kb(kb_files), model=model, time_budget=time_budget)


def _process_in_worker(raw: RawDocument) -> Result:
    assert _worker_pipeline is not None
    return _worker_pipeline.process(raw)


def _ready() -> bool:
    return _worker_pipeline is not None


def _hard_timeout(time_budget: float | None) -> float | None:
    return time_budget + GRACE_SECONDS if time_budget and time_budget > 0 else None


def _worker_failure(raw: RawDocument, exc: BaseException) -> Skipped:
    return Skipped(raw.source, f"worker failed: {type(exc).__name__}: {exc}"[:300])


class _Bounded:
    """Submit work as results are taken, in input order, never more than `in_flight` at once.

    `submit(raw)` returns a handle; `wait(handle, timeout)` its result. When `wait` raises `restart_on`
    (a dead worker, a hang), `restart()` replaces the workers and every document in flight is submitted
    again; the document that was being waited for is retried once, then skipped with the reason."""

    def __init__(self, submit: Callable[[RawDocument], Any], wait: Callable[[Any, float | None], Result],
                 restart: Callable[[], None], restart_on: tuple[type[BaseException], ...],
                 timeout: float | None) -> None:
        self.submit, self.wait, self.restart = submit, wait, restart
        self.restart_on, self.timeout = restart_on, timeout
        self.queue: deque[tuple[RawDocument | Skipped, Any]] = deque()

    def _resubmit(self) -> None:
        self.restart()
        for k, (raw, _) in enumerate(self.queue):
            if isinstance(raw, RawDocument):
                self.queue[k] = (raw, self.submit(raw))

    def _take(self) -> Result:
        item, handle = self.queue.popleft()
        if isinstance(item, Skipped):
            return item
        for attempt in (1, 2):
            try:
                return self.wait(handle, self.timeout)
            except FutureTimeout as exc:
                # past budget and grace: the worker is stuck inside one stage; a new one takes over
                self._resubmit()
                return Skipped(item.source, f"time budget exceeded (no result after {self.timeout:g} s)"
                               if self.timeout else f"time budget exceeded: {exc}")
            except self.restart_on as exc:
                self._resubmit()
                if attempt == 2:  # it broke its worker twice: it is the document, not bad luck
                    return _worker_failure(item, exc)
                handle = self.submit(item)
            except Exception as exc:  # e.g. a result that cannot be sent back: this document only
                return _worker_failure(item, exc)
        raise AssertionError("unreachable")

    def run(self, items: Iterable[RawDocument | Skipped], in_flight: int) -> Iterator[Result]:
        for item in items:
            self.queue.append((item, None if isinstance(item, Skipped) else self.submit(item)))
            if len(self.queue) >= in_flight:
                yield self._take()
        while self.queue:
            yield self._take()


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor cannot cancel a running task; a hung worker must be killed for the pool to end.
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def run_pool(items: Iterable[RawDocument | Skipped], workers: int, kb_files: tuple[str, ...] = (),
             model: str | None = None, time_budget: float | None = None) -> Iterator[Result]:
    workers = workers or os.cpu_count() or 1

    def new_pool() -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                   initargs=(kb_files, model, time_budget))
        # Wait (untimed) until the workers have loaded their pipelines: the per-document timeout is for
        # processing, and loading the model takes seconds, more when a restarted pool loads it again.
        for future in [pool.submit(_ready) for _ in range(workers)]:
            future.result()
        return pool

    pools = [new_pool()]

    def restart() -> None:
        _kill_pool(pools[0])
        pools[0] = new_pool()

    def wait(future: Future, timeout: float | None) -> Result:
        return future.result(timeout=timeout)

    bounded = _Bounded(lambda raw: pools[0].submit(_process_in_worker, raw), wait, restart, (BrokenProcessPool,),
                       _hard_timeout(time_budget))
    try:
        yield from bounded.run(items, in_flight=workers * 4)
    finally:
        if bounded.queue:  # ended early (the store failed): do not wait for work nobody will take
            _kill_pool(pools[0])
        else:
            pools[0].shutdown(wait=True)


def run_ray(items: Iterable[RawDocument | Skipped], workers: int, kb_files: tuple[str, ...] = (),
            model: str | None = None, time_budget: float | None = None) -> Iterator[Result]:
    try:
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError
    except ImportError as exc:  # an optional engine: say how to get it
        raise RuntimeError("the ray engine needs Ray: pip install 'parley[ray]'") from exc

    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS"), include_dashboard=False, log_to_driver=False,
                 ignore_reinit_error=True)

    @ray.remote
    class PipelineActor:
        def __init__(self) -> None:
            _init_worker(kb_files, model, time_budget)

        def process(self, raw: RawDocument) -> Result:
            return _process_in_worker(raw)

    size = max(1, workers)
    actors = [PipelineActor.remote() for _ in range(size)]
    counter = iter(range(1 << 62))

    def submit(raw: RawDocument) -> Any:
        actor = actors[next(counter) % len(actors)]  # round robin keeps every actor busy
        return actor.process.remote(raw)

    def wait(ref: Any, timeout: float | None) -> Result:
        try:
            return ray.get(ref, timeout=timeout)
        except GetTimeoutError as exc:
            raise FutureTimeout(str(exc)) from exc

    def restart() -> None:
        # a dead or hung actor takes its queue with it: replace them all (each loads its pipeline again)
        for k, actor in enumerate(actors):
            ray.kill(actor)
            actors[k] = PipelineActor.remote()

    bounded = _Bounded(submit, wait, restart, (RayActorError,), _hard_timeout(time_budget))
    yield from bounded.run(items, in_flight=size * 4)
