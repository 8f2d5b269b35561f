"""How far two annotators of the same articles agree, by the shared scorer's own rules.

One annotation set is read as the gold and the other as if it were Parley's export (a pseudo-export built from
its records), so the figures are on the same scale as Parley's: what a second careful reader scores against
the project's gold is the ceiling a model trained on that gold can be expected to reach. The same
pseudo-export of a set against itself scores 1.000 on every task (GUIDELINES.md's quality bar for a gold file),
which is how a malformed annotation shows up."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from parley.evaluate.gold import add_counts, report
from parley.learn.annotations import Article, load_articles


def gold_as_export(gold: dict[str, Any], name: str, text: str) -> dict[str, list[dict]]:
    """The records an export would hold if it said exactly what `gold` says, by kind (the scorer's input)."""
    doc = name
    kept = {line.strip() for line in gold.get("boilerplate_lines", [])}
    body = "\n".join(line for line in text.splitlines() if line.strip() not in kept)
    recs: dict[str, list[dict]] = {"document": [{"kind": "document", "id": doc, "source": name,
                                                 "title": gold.get("title", ""), "text": body}]}

    def actor(gold_id: str | None) -> str | None:
        return f"{doc}::{gold_id}" if gold_id else None

    recs["actor"] = [{"kind": "actor", "id": actor(a["id"]), "name": a["id"], "aliases": list(a.get("mentions", []))}
                     for a in gold.get("actors", [])]
    recs["mention"] = [{"kind": "mention", "doc": doc, "actor": actor(a["id"])} for a in gold.get("actors", [])]
    recs["quote"] = [{"kind": "quote", "doc": doc, "speaker": actor(q.get("speaker")), "text": q["text"]}
                     for q in gold.get("quotes", [])]
    recs["event"] = [{"kind": "event", "doc": doc, "type": e["type"], "evidence": e["evidence"],
                      "source": [actor(s) for s in e.get("source") or []],
                      "target": [actor(t) for t in e.get("target") or []]} for e in gold.get("events", [])]
    recs["position"] = [{"kind": "position", "doc": doc, "actor": actor(p.get("actor")), "evidence": p["evidence"],
                         "position_kind": p["kind"], "topic": p["topic"]} for p in gold.get("positions", [])]
    recs["proposal"] = [{"kind": "proposal", "doc": doc, "steps": [{"evidence": s["evidence"]}
                                                                   for s in p.get("steps", [])]}
                        for p in gold.get("proposals", [])]
    return recs


def score_pair(scorer: ModuleType, reference: Article, other: Article) -> dict[str, tuple[int, ...]]:
    """The scorer's per-task counts of `other`'s annotation read as an export against `reference`'s gold."""
    recs = gold_as_export(other.gold, other.name, other.text)
    actors = {a["id"]: a for a in recs["actor"]}
    doc = scorer.doc_for(reference.name, recs["document"])
    return scorer.score_doc(reference.gold, reference.text, doc, recs, actors)


def agreement(scorer: ModuleType, reference: Path, other: Path, texts: Path) -> dict[str, Any]:
    """Per-task P/R/F1 of the `other` annotation set against `reference`, on the articles both annotate."""
    first = {a.name: a for a in load_articles(reference, texts)}
    second = {a.name: a for a in load_articles(other, texts)}
    shared = sorted(set(first) & set(second))
    totals: dict[str, list[int]] = {}
    for name in shared:
        if first[name].text != second[name].text:
            raise ValueError(f"{name}: the two annotation sets point into different texts")
        add_counts(totals, score_pair(scorer, first[name], second[name]))
    return {**report(scorer, totals), "articles": shared}
