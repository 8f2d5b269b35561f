"""The project's annotations: gold records stored as character offsets into texts kept outside the repo.

An annotation file (`annotations/<corpus>/NAME.json`) holds no article text: every span is `[start, end]`
into `NAME.txt` of the corpus folder, plus the SHA-256 of that text so a changed text is detected rather
than silently misread. `to_gold` rebuilds the shared gold format (FORMAT.md / GUIDELINES.md) from it, so the
shared scorer and the training code read one format.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parley.records import PLOVER_TYPES, POSITION_KINDS, TOPICS

REPO_ANNOTATIONS = Path(__file__).resolve().parents[3] / "annotations"
ACTOR_TYPES = {"PERSON", "ORG", "COUNTRY", "GROUP"}
QUOTE_KINDS = {"direct", "indirect"}


class AnnotationError(ValueError):
    """An annotation file that does not fit its text or the schema."""


@dataclass
class Article:
    """One annotated article: its name, its text (read from the corpus folder) and its gold records."""

    name: str  # file name of the text, e.g. article_12.txt
    text: str
    gold: dict[str, Any]  # the shared gold format, strings rebuilt from the offsets


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- gold (strings) -> annotation (offsets) ---------------------------------------------------------------
def _locate(text: str, s: str, avoid_before: int = 0) -> list[int]:
    """Offsets of substring `s`: its first occurrence at or after `avoid_before` (the body, past the headline),
    else its first occurrence at all."""
    at = text.find(s, avoid_before)
    if at < 0:
        at = text.find(s)
    if at < 0:
        raise AnnotationError(f"not a substring of the text: {s[:80]!r}")
    return [at, at + len(s)]


def from_gold(gold: dict[str, Any], text: str) -> dict[str, Any]:
    """An annotation with offsets from a gold file with strings (every string must occur in `text`)."""
    title = gold.get("title") or ""
    body_from = len(title) if title and text.startswith(title) else 0

    def span(s: str | None, body: bool = True) -> list[int] | None:
        return None if not s else _locate(text, s, body_from if body else 0)

    return {
        "doc": gold["doc"],
        "text_sha256": sha256(text),
        "title": span(title, body=False),
        "boilerplate_lines": [span(b, body=False) for b in gold.get("boilerplate_lines", [])],
        "actors": [{"id": a["id"], "type": a["type"], "country": a.get("country"), "role": a.get("role"),
                    "mentions": [span(m, body=False) for m in a.get("mentions", [])]}
                   for a in gold.get("actors", [])],
        "quotes": [{"speaker": q.get("speaker"), "kind": q["kind"], "span": span(q["text"])}
                   for q in gold.get("quotes", [])],
        "events": [{"type": e["type"], "source": list(e.get("source") or []), "target": list(e.get("target") or []),
                    "when": span(e.get("when")), "date": e.get("date"), "evidence": span(e["evidence"])}
                   for e in gold.get("events", [])],
        "positions": [{"actor": p["actor"], "kind": p["kind"], "topic": p["topic"], "evidence": span(p["evidence"])}
                      for p in gold.get("positions", [])],
        "proposals": [{"proposer": p.get("proposer"), "name": p.get("name"), "evidence": span(p.get("evidence")),
                       "steps": [{"order": s["order"], "summary": s.get("summary"), "evidence": span(s["evidence"])}
                                 for s in p.get("steps", [])]}
                      for p in gold.get("proposals", [])],
        "notes": gold.get("notes", ""),
    }


# -- annotation (offsets) -> gold (strings) ---------------------------------------------------------------
def validate(ann: dict[str, Any], text: str) -> None:
    """Raise AnnotationError unless every offset is in range and every record is well formed."""
    name = ann.get("doc", "?")

    def fail(msg: str) -> None:
        raise AnnotationError(f"{name}: {msg}")

    if ann.get("text_sha256") != sha256(text):
        fail("the text changed since it was annotated (text_sha256 differs)")

    def check_span(sp: Any, where: str, nullable: bool = False) -> None:
        if sp is None and nullable:
            return
        if not (isinstance(sp, list) and len(sp) == 2 and all(isinstance(x, int) for x in sp)):
            fail(f"{where}: span must be [start, end], got {sp!r}")
        if not 0 <= sp[0] < sp[1] <= len(text):
            fail(f"{where}: span {sp} out of range 0..{len(text)}")

    ids = set()
    for a in ann.get("actors", []):
        if not isinstance(a.get("id"), str) or not a["id"] or a["id"] in ids:
            fail(f"actor id missing or repeated: {a.get('id')!r}")
        ids.add(a["id"])
        if a.get("type") not in ACTOR_TYPES:
            fail(f"actor {a['id']}: type {a.get('type')!r}")
        for i, m in enumerate(a.get("mentions", [])):
            check_span(m, f"actor {a['id']} mention {i}")

    def check_actor(x: Any, where: str) -> None:
        if x not in ids:
            fail(f"{where}: actor {x!r} is not declared")

    check_span(ann.get("title"), "title", nullable=True)
    for i, b in enumerate(ann.get("boilerplate_lines", [])):
        check_span(b, f"boilerplate {i}")
    for i, q in enumerate(ann.get("quotes", [])):
        check_span(q.get("span"), f"quote {i}")
        if q.get("kind") not in QUOTE_KINDS:
            fail(f"quote {i}: kind {q.get('kind')!r}")
        if q.get("speaker") is not None:
            check_actor(q["speaker"], f"quote {i}")
    for i, e in enumerate(ann.get("events", [])):
        check_span(e.get("evidence"), f"event {i}")
        check_span(e.get("when"), f"event {i} when", nullable=True)
        if e.get("type") not in PLOVER_TYPES:
            fail(f"event {i}: type {e.get('type')!r}")
        for x in list(e.get("source", [])) + list(e.get("target", [])):
            check_actor(x, f"event {i}")
    for i, p in enumerate(ann.get("positions", [])):
        check_span(p.get("evidence"), f"position {i}")
        check_actor(p.get("actor"), f"position {i}")
        if p.get("kind") not in POSITION_KINDS or p.get("topic") not in TOPICS:
            fail(f"position {i}: kind/topic {p.get('kind')!r}/{p.get('topic')!r}")
    for i, p in enumerate(ann.get("proposals", [])):
        check_span(p.get("evidence"), f"proposal {i}", nullable=True)
        if p.get("proposer") is not None:
            check_actor(p["proposer"], f"proposal {i}")
        for j, s in enumerate(p.get("steps", [])):
            check_span(s.get("evidence"), f"proposal {i} step {j}")
            if s.get("order") != j + 1:
                fail(f"proposal {i} step {j}: order {s.get('order')!r}, expected {j + 1}")


def to_gold(ann: dict[str, Any], text: str) -> dict[str, Any]:
    """The shared gold format, every string cut from `text` at the stored offsets."""
    validate(ann, text)

    def cut(sp: list[int] | None) -> str | None:
        return None if sp is None else text[sp[0]:sp[1]]

    return {
        "doc": ann["doc"],
        "title": cut(ann.get("title")) or "",
        "boilerplate_lines": [cut(b) for b in ann.get("boilerplate_lines", [])],
        "actors": [{"id": a["id"], "type": a["type"], "country": a.get("country"), "role": a.get("role"),
                    "mentions": [cut(m) for m in a.get("mentions", [])]} for a in ann.get("actors", [])],
        "quotes": [{"speaker": q.get("speaker"), "text": cut(q["span"]), "kind": q["kind"], "start": q["span"][0],
                    "end": q["span"][1]} for q in ann.get("quotes", [])],
        "events": [{"type": e["type"], "source": e.get("source", []), "target": e.get("target", []),
                    "when": cut(e.get("when")), "date": e.get("date"), "evidence": cut(e["evidence"]),
                    "start": e["evidence"][0], "end": e["evidence"][1]} for e in ann.get("events", [])],
        "positions": [{"actor": p["actor"], "kind": p["kind"], "topic": p["topic"], "evidence": cut(p["evidence"]),
                       "start": p["evidence"][0], "end": p["evidence"][1]} for p in ann.get("positions", [])],
        "proposals": [{"proposer": p.get("proposer"), "name": p.get("name"), "evidence": cut(p.get("evidence")),
                       "steps": [{"order": s["order"], "summary": s.get("summary"), "evidence": cut(s["evidence"])}
                                 for s in p.get("steps", [])]} for p in ann.get("proposals", [])],
        "notes": ann.get("notes", ""),
    }


def load_articles(annotations: Path, texts: Path) -> Iterator[Article]:
    """Every annotated article of a corpus, in name order, its gold rebuilt from the offsets."""
    files = sorted(annotations.glob("*.json"), key=_natural)
    if not files:
        raise AnnotationError(f"no annotation files in {annotations}")
    for path in files:
        ann = json.loads(path.read_text(encoding="utf-8"))
        text_path = texts / ann["doc"]
        if not text_path.is_file():
            raise AnnotationError(f"{path.name}: its text {text_path} is missing")
        text = text_path.read_text(encoding="utf-8")
        yield Article(ann["doc"], text, to_gold(ann, text))


def write_gold(annotations: Path, texts: Path, out: Path) -> int:
    """Rebuild NAME.gold.json files (for ../shared/eval/score.py --texts TEXTS) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for article in load_articles(annotations, texts):
        gold = {k: v for k, v in article.gold.items()}
        for kind in ("quotes", "events", "positions"):
            gold[kind] = [{k: v for k, v in r.items() if k not in ("start", "end")} for r in gold[kind]]
        (out / (article.name.rsplit(".", 1)[0] + ".gold.json")).write_text(
            json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8")
        n += 1
    return n


def _natural(path: Path) -> tuple:
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.stem))


def import_gold(gold_dir: Path, texts: Path, out: Path) -> int:
    """Store gold files written with strings (NAME.gold.json) as offset annotations (NAME.json) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for path in sorted(gold_dir.glob("*.gold.json"), key=_natural):
        gold = json.loads(path.read_text(encoding="utf-8"))
        text = (texts / gold["doc"]).read_text(encoding="utf-8")
        ann = from_gold(gold, text)
        validate(ann, text)
        (out / (gold["doc"].rsplit(".", 1)[0] + ".json")).write_text(
            json.dumps(ann, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        n += 1
    return n
