"""Nearest neighbours over the sentence encoder's vectors: the labels of the training sentences most like
this one. A topic is what a sentence is about, and sentences about the same thing are near in the encoder's
space even when they share no word, which a linear model over 83 articles' features learns only in part;
blended with the linear model's scores, the neighbours' votes gained positions + kind + topic (README)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import numpy as np

Features = dict[str, float]
PREFIX = "e"  # the sentence features holding the encoder vector (parley.learn.context: e0 ... e383)


def vector_of(x: Features, dim: int) -> np.ndarray | None:
    """The unit encoder vector inside a sentence's features, or None where the sentence was not encoded."""
    if f"{PREFIX}0" not in x:
        return None
    v = np.array([x.get(f"{PREFIX}{k}", 0.0) for k in range(dim)], dtype=np.float32)
    norm = float(np.linalg.norm(v))
    return v / norm if norm else None


class Neighbours:
    """The similarity-weighted label votes of the k labelled training sentences nearest to one sentence."""

    kind = "neighbours"

    def __init__(self, labels: list[str], vectors: np.ndarray, targets: np.ndarray, k: int) -> None:
        self.labels = labels
        self.vectors = vectors  # (examples, dim), unit rows
        self.targets = targets  # (examples, labels), 0/1
        self.k = k

    @classmethod
    def train(cls, X: Sequence[Features], Y: Sequence[set[str]], labels: Sequence[str], k: int = 10,
              dim: int = 384) -> Neighbours:
        rows, targets = [], []
        for x, ys in zip(X, Y):
            v = vector_of(x, dim)
            if v is not None and ys:
                rows.append(v)
                targets.append([float(label in ys) for label in labels])
        vectors = np.stack(rows) if rows else np.zeros((0, dim), dtype=np.float32)
        targets_array = np.array(targets, dtype=np.float32).reshape(len(rows), len(labels))
        return cls(list(labels), vectors, targets_array, k)

    def scores(self, x: Features) -> np.ndarray:
        """A distribution over the labels (all zeros where the sentence has no vector or nothing was learned)."""
        v = vector_of(x, self.vectors.shape[1])
        if v is None or not len(self.vectors):
            return np.zeros(len(self.labels))
        sims = self.vectors @ v
        nearest = np.argsort(-sims, kind="stable")[: self.k]
        weights = np.maximum(sims[nearest], 0.0)
        votes = (weights[:, None] * self.targets[nearest]).sum(axis=0)
        total = float(votes.sum())
        return votes / total if total else np.zeros(len(self.labels))

    # -- storage: the vectors as float16 bytes (a third of the size of JSON numbers, and exact to 1e-3) ----
    def to_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "labels": self.labels, "k": self.k, "dim": int(self.vectors.shape[1]),
                "vectors": base64.b64encode(self.vectors.astype("<f2").tobytes()).decode("ascii"),
                "targets": [[j for j, t in enumerate(row) if t] for row in self.targets.tolist()]}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Neighbours:
        dim, labels = data["dim"], list(data["labels"])
        flat = np.frombuffer(base64.b64decode(data["vectors"]), dtype="<f2").astype(np.float32)
        vectors = flat.reshape(-1, dim)
        targets = np.zeros((len(vectors), len(labels)), dtype=np.float32)
        for r, row in enumerate(data["targets"]):
            targets[r, row] = 1.0
        return cls(labels, vectors, targets, int(data["k"]))
