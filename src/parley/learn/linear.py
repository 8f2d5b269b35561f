"""A small linear classifier with one weight vector per label, trained with scikit-learn and stored as data.

Training uses scikit-learn's LogisticRegression (liblinear, a fixed seed); prediction needs only numpy and
the stored weights, so a shipped model does not depend on the scikit-learn version that trained it, and a
weights file is plain JSON a reviewer can read (feature -> weight)."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

Features = dict[str, float]


class LinearModel:
    """Independent binary logistic models (one vs rest) over one sparse feature vocabulary."""

    def __init__(self, labels: list[str], vocab: dict[str, int], coef: np.ndarray, intercept: np.ndarray,
                 meta: dict[str, Any] | None = None) -> None:
        self.labels = labels
        self.vocab = vocab
        self.coef = coef  # (labels, features)
        self.intercept = intercept  # (labels,)
        self.meta = meta or {}

    # -- training ------------------------------------------------------------------------------------------
    @classmethod
    def train(cls, X: Sequence[Features], Y: Sequence[set[str]], labels: Sequence[str] | None = None,
              c: float = 1.0, min_count: int = 2, balanced: bool = False, seed: int = 13,
              meta: dict[str, Any] | None = None) -> LinearModel:
        """Fit one binary model per label; `Y[i]` is the set of labels of example i (empty: none)."""
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression

        counts = Counter(f for x in X for f in x)
        names = sorted(f for f, n in counts.items() if n >= min_count)
        vocab = {f: i for i, f in enumerate(names)}
        rows, cols, vals = [], [], []
        for r, x in enumerate(X):
            for f, v in x.items():
                j = vocab.get(f)
                if j is not None:
                    rows.append(r)
                    cols.append(j)
                    vals.append(v)
        matrix = csr_matrix((vals, (rows, cols)), shape=(len(X), len(vocab)), dtype=np.float64)
        labels = list(labels) if labels is not None else sorted({y for ys in Y for y in ys})
        coef = np.zeros((len(labels), len(vocab)))
        intercept = np.full(len(labels), -10.0)  # a label never seen is never predicted
        for k, label in enumerate(labels):
            y = np.array([label in ys for ys in Y], dtype=int)
            if y.min() == y.max():
                intercept[k] = 10.0 if y.min() == 1 else -10.0
                continue
            model = LogisticRegression(C=c, solver="liblinear", random_state=seed,
                                       class_weight="balanced" if balanced else None, max_iter=200)
            model.fit(matrix, y)
            coef[k] = model.coef_[0]
            intercept[k] = model.intercept_[0]
        return cls(labels, vocab, coef, intercept, meta)

    # -- prediction ----------------------------------------------------------------------------------------
    def scores(self, x: Features) -> np.ndarray:
        """Probability of each label (in `self.labels` order) for one example."""
        idx, vals = [], []
        for f, v in x.items():
            j = self.vocab.get(f)
            if j is not None:
                idx.append(j)
                vals.append(v)
        # one gather and one dot product: a loop of per-feature column updates cost ~100x more
        z = self.intercept + (self.coef[:, idx] @ np.asarray(vals) if idx else 0.0)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def prob(self, x: Features, label: str) -> float:
        return float(self.scores(x)[self.labels.index(label)])

    # -- storage -------------------------------------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        names = [None] * len(self.vocab)
        for f, i in self.vocab.items():
            names[i] = f
        weights = []
        for k in range(len(self.labels)):
            nz = {names[j]: round(float(w), 5) for j, w in enumerate(self.coef[k]) if abs(w) >= 1e-5}
            weights.append(nz)
        return {"labels": self.labels, "intercept": [round(float(b), 5) for b in self.intercept],
                "weights": weights, "meta": self.meta}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> LinearModel:
        names = sorted({f for w in data["weights"] for f in w})
        vocab = {f: i for i, f in enumerate(names)}
        coef = np.zeros((len(data["labels"]), len(vocab)))
        for k, w in enumerate(data["weights"]):
            for f, v in w.items():
                coef[k, vocab[f]] = v
        return cls(list(data["labels"]), vocab, coef, np.array(data["intercept"], dtype=float), data.get("meta"))


def save_models(path: Path, models: dict[str, Any], config: dict[str, Any]) -> None:
    """All of a component's models and the config that trained them, in one gzipped JSON file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"config": config, "models": {name: m.to_data() for name, m in models.items()}}
    # mtime=0: the same training gives the same bytes, so a retrain that changes nothing shows no diff
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        fh.write(json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def load_models(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A component's models (LinearModel, or Neighbours where stored as such) and their config."""
    with gzip.open(path, "rb") as fh:
        data = json.loads(fh.read().decode("utf-8"))
    from parley.learn.neighbours import Neighbours

    return {name: Neighbours.from_data(d) if d.get("kind") == Neighbours.kind else LinearModel.from_data(d)
            for name, d in data["models"].items()}, data["config"]
