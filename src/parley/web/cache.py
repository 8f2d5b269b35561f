"""A small result cache for the aggregate views (timeline counts, network, positions matrix, facets).

Aggregates scan whole tables, so on a large store they cost far more than a page of a list. Their
results are kept per set of parameters for `ttl` seconds, and dropped as soon as the number of stored
documents changes (one cheap COUNT on any backend), so a running ingest shows up at once and a
re-ingest that replaces documents in place within `ttl` seconds. `ttl=0` turns caching off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from parley.store.base import Store

T = TypeVar("T")


class ResultCache:
    def __init__(self, ttl: float = 60.0, size: int = 256) -> None:
        self.ttl = ttl
        self.size = size
        self._data: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def version(store: Store) -> int:
        row = store.query_one("SELECT COUNT(*) AS n FROM documents")
        return int(row["n"]) if row else 0

    def get(self, store: Store, key: Hashable, compute: Callable[[], T]) -> T:
        if self.ttl <= 0:
            return compute()
        version = self.version(store)
        now = time.monotonic()
        with self._lock:
            entry = self._data.get(key)
            if entry is not None and entry[1] == version and now - entry[0] < self.ttl:
                self._data.move_to_end(key)
                self.hits += 1
                return entry[2]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self.misses += 1
            self._data[key] = (now, version, value)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
