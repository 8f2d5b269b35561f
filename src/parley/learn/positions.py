"""Learned positions: which sentences state what a party wants or holds, of which kind and topic, and whose.

Kinds and topics are independent yes/no decisions per sentence (one logistic model each over the sentence's
features, the rules' cues among them); every kept kind is paired with every kept topic. The holder is the
candidate actor the holder model scores highest: the speaker, or the party the text frames the view as,
never merely the party the demand is about (the model sees whether a mention is inside reported content)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parley.learn.context import Context, GoldActors, concatenate, conjoin
from parley.learn.linear import LinearModel
from parley.records import POSITION_KINDS, TOPICS, Position, content_hash

DEFAULTS: dict[str, Any] = {"c_kind": 0.5, "c_topic": 0.5, "c_holder": 1.0, "kind_threshold": 0.3,
                            "topic_threshold": 0.3, "max_per_sentence": 3, "min_count": 2, "balanced": True,
                            "keep_rules": True}


@dataclass
class PositionExamples:
    sentences: list[dict[str, float]]
    kinds: list[set[str]]
    topics: list[set[str]]
    holders: list[dict[str, float]]
    is_holder: list[set[str]]


def examples(ctx: Context, gold: dict[str, Any]) -> PositionExamples:
    by_sentence: dict[int, list[dict]] = {}
    for p in gold.get("positions", []):
        i = ctx.sentence_of(p["start"], p["end"])
        if i is not None:
            by_sentence.setdefault(i, []).append(p)
    match = GoldActors(gold.get("actors", []), ctx.rd)
    ex = PositionExamples([], [], [], [], [])
    for i in range(len(ctx.sentences)):
        ex.sentences.append(ctx.sentence_features(i))
        ex.kinds.append({p["kind"] for p in by_sentence.get(i, [])})
        ex.topics.append({p["topic"] for p in by_sentence.get(i, [])})
    for i, positions in by_sentence.items():
        cands = ctx.candidates(i)
        for p in positions:
            for actor, feats in cands.items():
                ex.holders.append(conjoin(feats, p["kind"]))
                ex.is_holder.append({"yes"} if match.same(p["actor"], actor) else set())
    return ex


def merge(parts: list[PositionExamples]) -> PositionExamples:
    return concatenate(PositionExamples, parts)


class PositionModel:
    def __init__(self, models: dict[str, LinearModel], config: dict[str, Any]) -> None:
        self.kind_model = models["kind"]
        self.topic_model = models["topic"]
        self.holder_model = models["holder"]
        self.config = {**DEFAULTS, **config}

    @classmethod
    def train(cls, ex: PositionExamples, config: dict[str, Any] | None = None, seed: int = 13) -> PositionModel:
        cfg = {**DEFAULTS, **(config or {})}
        models = {
            "kind": LinearModel.train(ex.sentences, ex.kinds, labels=list(POSITION_KINDS), c=cfg["c_kind"],
                                      min_count=cfg["min_count"], balanced=cfg["balanced"], seed=seed),
            "topic": LinearModel.train(ex.sentences, ex.topics, labels=list(TOPICS), c=cfg["c_topic"],
                                       min_count=cfg["min_count"], balanced=cfg["balanced"], seed=seed),
            "holder": LinearModel.train(ex.holders, ex.is_holder, labels=["yes"], c=cfg["c_holder"],
                                        min_count=cfg["min_count"], seed=seed),
        }
        return cls(models, cfg)

    @property
    def models(self) -> dict[str, LinearModel]:
        return {"kind": self.kind_model, "topic": self.topic_model, "holder": self.holder_model}

    def __call__(self, ctx: Context) -> list[Position]:
        cfg = self.config
        rd = ctx.rd
        out: list[Position] = []
        for i in range(len(ctx.sentences)):
            feats = ctx.sentence_features(i)
            kp = self.kind_model.scores(feats)
            kinds = [k for p, k in sorted(zip(kp, self.kind_model.labels), reverse=True) if p >= cfg["kind_threshold"]]
            if not kinds:
                continue
            tp = self.topic_model.scores(feats)
            ranked_topics = sorted(zip(tp, self.topic_model.labels), reverse=True)
            topics = [t for p, t in ranked_topics if p >= cfg["topic_threshold"]] or [ranked_topics[0][1]]
            cands = ctx.candidates(i)
            if not cands:
                continue
            start, evidence = ctx.evidence(i)
            pairs = [(k, t) for k in kinds for t in topics][: cfg["max_per_sentence"]]
            for kind, topic in pairs:
                scores = {a: self.holder_model.scores(conjoin(f, kind))[0] for a, f in cands.items()}
                holder = max(scores, key=lambda a: scores[a])
                pos = Position(id="", doc=rd.document.id, actor=holder, position_kind=kind, topic=topic,
                               evidence=evidence, start=start, end=start + len(evidence),
                               date=rd.document.published.isoformat() if rd.document.published else None)
                pos.id = content_hash(f"{pos.doc}:position:{start}:{pos.end}:{kind}:{topic}")
                out.append(pos)
        if cfg["keep_rules"]:
            # a sentence where the rules' cues read a position keeps the rules' reading (their cues are exact
            # when they fire); the model adds positions in sentences the cues do not reach
            ruled = [(p.start, p.end) for p in ctx.rule_positions]
            out = [p for p in out if not any(s < p.end and p.start < e for s, e in ruled)] + list(ctx.rule_positions)
        return out
