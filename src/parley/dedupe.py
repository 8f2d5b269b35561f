"""Dedupe stage: the same article reaching us twice is stored once.

* exact: the cleaned text's hash (a copy under another file name or URL);
* near: MinHash over word 5-gram shingles with LSH banding (a syndicated wire story with another
  headline, a changed byline or a trailing sentence). Signatures and band keys live in the store, so the
  check is one indexed look-up per document and memory does not grow with the corpus.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

SHINGLE = 5
PERMUTATIONS = 64
BANDS = 16  # 16 bands of 4 rows: pairs above ~0.7 Jaccard meet in some band with high probability
ROWS = PERMUTATIONS // BANDS
NEAR_DUPLICATE = 0.85  # estimated Jaccard similarity of shingle sets above which a text is a copy
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20221)  # fixed: signatures must agree across runs and machines
_A = _rng.integers(1, _PRIME, PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, PERMUTATIONS, dtype=np.uint64)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Signature:
    values: tuple[int, ...]

    def bands(self) -> list[str]:
        out = []
        for b in range(BANDS):
            chunk = ",".join(str(v) for v in self.values[b * ROWS : (b + 1) * ROWS])
            out.append(f"{b}:{hashlib.blake2b(chunk.encode(), digest_size=8).hexdigest()}")
        return out

    def similarity(self, other: Signature) -> float:
        same = sum(a == b for a, b in zip(self.values, other.values))
        return same / PERMUTATIONS

    def dumps(self) -> str:
        return ",".join(str(v) for v in self.values)

    @classmethod
    def loads(cls, text: str) -> Signature:
        return cls(tuple(int(v) for v in text.split(",")))


def shingle_hashes(text: str) -> np.ndarray:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        grams = [" ".join(words)] if words else []
    else:
        grams = [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    hashes = {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little") >> 4 for g in grams}
    return np.fromiter(hashes, dtype=np.uint64, count=len(hashes))


def signature(text: str) -> Signature | None:
    """MinHash signature of a text, or None for a text too short to compare."""
    hashes = shingle_hashes(text)
    if len(hashes) < 3:
        return None
    # (a*x + b) mod p in uint64 wraps: reduce x and a first so the product stays meaningful as a hash
    x = hashes % np.uint64(1 << 31)
    values = (np.outer(_A % np.uint64(1 << 31), x) + _B[:, None]) % np.uint64(_PRIME)
    return Signature(tuple(int(v) for v in values.min(axis=1)))
