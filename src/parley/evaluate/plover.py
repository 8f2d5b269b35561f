"""Score Parley's events on the PLOVER gold-standard records (openeventdata/PLOVER, PLOVER_GSR_CAMEO.txt).

The file is a JSON list; each record is one sentence from the CAMEO manual with its PLOVER `event` type
and `source` / `target` lists of {actorText, code, ...}; the record whose event is DOCUMENT is the file's
own documentation and is skipped. The records were coded with PLOVER 0.5b1, whose DEMAND, DISAPPROVE,
INVESTIGATE and FIGHT became REQUEST, ACCUSE, ACCUSE and ASSAULT in the 16 PLOVER types Parley codes
(openeventdata/PLOVER CAMEO2PLOVER-2021.txt); gold types are mapped so, and the unmapped type is kept
in the per-type counts. Parley's extra ASSESS type is never a gold type, so it is always wrong.

Each record's sentence is run as one document (published = the record's date). Reported:

- type accuracy (any event): some predicted event has the gold type;
- type accuracy (first event): the first predicted event (the extractor's main-clause act) has it;
  a record with no predicted event is wrong in both;
- macro-F1 over types, as single-label classification with the first event's type ('NONE' when there
  is none), averaged over the gold types (and, as sklearn's default would, over every label seen);
- actor F1, sources and targets separately, on the predicted event of the gold type (else the first
  one): a predicted actor matches a gold actorText when the actor's name, an alias, or its surface
  text in the sentence shares a non-stopword token with it, case-insensitive, one to one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from parley.evaluate.polnear import content_words, prf
from parley.pipeline import Pipeline
from parley.records import Document, DocumentResult, Event

# PLOVER 0.5b1 types in the gold file -> the 2021 types (CAMEO2PLOVER-2021.txt)
OLD_TYPES = {"DEMAND": "REQUEST", "DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE", "FIGHT": "ASSAULT"}
NONE = "NONE"


@dataclass
class PloverRecord:
    id: str
    text: str
    event: str  # as coded in the file
    type: str  # in the 2021 types
    sources: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    date: date | None = None


@dataclass
class RecordScore:
    record: PloverRecord
    result: DocumentResult
    predicted: list[str]  # event types in the extractor's order
    chosen: Event | None  # the event actors are scored on
    source_counts: tuple[int, int, int]  # matched, predicted, gold
    target_counts: tuple[int, int, int]


def read_records(path: Path, limit: int | None = None) -> list[PloverRecord]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of records")
    out: list[PloverRecord] = []
    for rec in data:
        event = str(rec.get("event", ""))
        if event == "DOCUMENT" or not rec.get("text"):
            continue
        try:
            day = date.fromisoformat(str(rec["date"])[:10]) if rec.get("date") else None
        except ValueError:
            day = None
        out.append(PloverRecord(
            id=str(rec.get("id") or f"record-{len(out)}"), text=str(rec["text"]), event=event,
            type=OLD_TYPES.get(event, event), sources=_actor_texts(rec.get("source")),
            targets=_actor_texts(rec.get("target")), date=day))
        if limit is not None and len(out) >= limit:
            break
    return out


def _actor_texts(value: Any) -> list[str]:
    if not value:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(a["actorText"]) for a in items if isinstance(a, dict) and a.get("actorText")]


def actor_forms(actor_id: str, result: DocumentResult) -> list[str]:
    """What a predicted actor is called: KB name, aliases, and its mentions in this text."""
    forms = [m.text for m in result.mentions if m.actor == actor_id]
    actor = next((a for a in result.actors if a.id == actor_id), None)
    if actor is not None:
        forms += [actor.name, *actor.aliases]
    return forms


def match_actors(predicted: Sequence[str], gold: Sequence[str],
                 result: DocumentResult) -> tuple[int, int, int]:
    """(matched, predicted, gold), one to one, gold in order taking the first predicted actor that fits."""
    remaining = list(dict.fromkeys(predicted))
    n_pred = len(remaining)
    matched = 0
    for text in gold:
        want = content_words(text)
        for actor_id in remaining:
            if any(want & content_words(f) for f in actor_forms(actor_id, result)):
                remaining.remove(actor_id)
                matched += 1
                break
    return matched, n_pred, len(gold)


def score_record(record: PloverRecord, result: DocumentResult) -> RecordScore:
    events = list(result.events)
    chosen = next((e for e in events if e.type == record.type), events[0] if events else None)
    src = match_actors(chosen.source if chosen else [], record.sources, result)
    tgt = match_actors(chosen.target if chosen else [], record.targets, result)
    return RecordScore(record, result, [e.type for e in events], chosen, src, tgt)


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> float:
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
        n_pred = sum(1 for p in pred if p == label)
        n_gold = sum(1 for g in gold if g == label)
        scores.append(prf(tp, n_pred, n_gold)["f1"])
    return sum(scores) / len(scores) if scores else 0.0


def summarise(scores: Sequence[RecordScore]) -> dict[str, Any]:
    n = len(scores)
    gold = [s.record.type for s in scores]
    first = [s.predicted[0] if s.predicted else NONE for s in scores]
    any_hit = sum(1 for s in scores if s.record.type in s.predicted)
    first_hit = sum(1 for g, p in zip(gold, first, strict=True) if g == p)
    with_prediction = sum(1 for s in scores if s.predicted)
    gold_labels = sorted(set(gold))
    all_labels = sorted(set(gold) | set(first))

    def actor_prf(attr: str) -> dict[str, float]:
        counts = [getattr(s, attr) for s in scores]
        return prf(sum(c[0] for c in counts), sum(c[1] for c in counts), sum(c[2] for c in counts))

    per_type: dict[str, dict[str, int]] = {}
    for s, p in zip(scores, first, strict=True):
        row = per_type.setdefault(s.record.type, {"gold": 0, "first correct": 0, "any correct": 0,
                                                   "no event": 0, "predicted first": 0})
        row["gold"] += 1
        row["first correct"] += p == s.record.type
        row["any correct"] += s.record.type in s.predicted
        row["no event"] += not s.predicted
    for p in first:
        per_type.setdefault(p, {"gold": 0, "first correct": 0, "any correct": 0, "no event": 0,
                                "predicted first": 0})["predicted first"] += 1
    return {
        "tasks": {
            # a prediction is the first event's type; records without one are not predictions
            "event type (first event)": prf(first_hit, with_prediction, n),
            "source actors": actor_prf("source_counts"),
            "target actors": actor_prf("target_counts"),
        },
        "type accuracy (any event)": any_hit / n if n else 0.0,
        "type accuracy (first event)": first_hit / n if n else 0.0,
        "type macro-F1 (gold types)": macro_f1(gold, first, gold_labels),
        "type macro-F1 (all labels)": macro_f1(gold, first, all_labels),
        "records": n,
        "records with an event": with_prediction,
        "gold types as coded": dict(sorted(Counter(s.record.event for s in scores).items())),
        "per type": dict(sorted(per_type.items())),
        "confusion (gold -> first predicted)": dict(Counter(
            f"{g}->{p}" for g, p in zip(gold, first, strict=True) if g != p).most_common(15)),
    }


def evaluate_plover(path: Path, pipeline: Pipeline, limit: int | None = None,
                    on_record: Callable[[RecordScore], None] | None = None) -> dict[str, Any]:
    """Run `pipeline` on every gold record's sentence and score its events (see module doc).
    `path` is the records file or a folder holding PLOVER_GSR_CAMEO.txt."""
    if path.is_dir():
        path = path / "PLOVER_GSR_CAMEO.txt"
    scores: list[RecordScore] = []
    for record in read_records(path, limit):
        document = Document(id=record.id, source=f"{path.name}#{record.id}", text=record.text,
                            published=record.date)
        score = score_record(record, pipeline.extract(document))
        if on_record is not None:
            on_record(score)
        scores.append(score)
    return summarise(scores)
