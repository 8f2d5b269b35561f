"""Learned positions: which sentences state what a party wants or holds, of which kind and topic, and whose.

Whether a sentence states a position at all is one yes/no decision over the sentence's features (the rules'
cues among them); its kind and its topic are then each chosen by a model fitted only on sentences that do
state one, so "demand or assessment" and "sanctions or other" are learned apart from "position or not". The
holder is the candidate actor the holder model scores highest: the speaker, or the party the text frames the view as,
never merely the party the demand is about (the model sees whether a mention is inside reported content)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parley.learn.context import Context, GoldActors, concatenate, conjoin, conjoined_subjects
from parley.learn.linear import LinearModel
from parley.learn.neighbours import Neighbours
from parley.records import POSITION_KINDS, TOPICS, Position, content_hash

DEFAULTS: dict[str, Any] = {"c_detect": 0.5, "c_kind": 0.5, "c_topic": 0.5, "c_holder": 1.0,
                            "detect_threshold": 0.5, "second_kind": 0.7, "other_ratio": 0.5, "min_count": 2,
                            "balanced": True, "keep_rules": True, "conjoined_holders": True,
                            "topic_neighbours": 0.3, "neighbours_k": 10}


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
        quoted = reports_words(ctx, i)
        for p in positions:
            for actor, feats in cands.items():
                ex.holders.append(holder_features(feats, p["kind"], quoted))
                ex.is_holder.append({"yes"} if match.same(p["actor"], actor) else set())
    return ex


def reports_words(ctx: Context, i: int) -> bool:
    """Whether sentence i reports someone's words: a quote with a speaker lies in it."""
    return any(q.speaker for q in ctx.quotes_in(ctx.sentences[i]))


def holder_features(feats: dict[str, float], kind: str, quoted: bool) -> dict[str, float]:
    """A candidate holder's features, alone and joined with the position's kind and with whether the
    sentence reports someone's words (where it does, its speaker is the usual holder)."""
    out = conjoin(feats, kind)
    out.update(conjoin(feats, "quoted" if quoted else "unquoted"))
    return out


def merge(parts: list[PositionExamples]) -> PositionExamples:
    return concatenate(PositionExamples, parts)


class PositionModel:
    def __init__(self, models: dict[str, Any], config: dict[str, Any]) -> None:
        self.detect_model = models["detect"]
        self.kind_model = models["kind"]
        self.topic_model = models["topic"]
        self.holder_model = models["holder"]
        self.topic_neighbours: Neighbours | None = models.get("topic_neighbours")
        self.config = {**DEFAULTS, **config}

    @classmethod
    def train(cls, ex: PositionExamples, config: dict[str, Any] | None = None, seed: int = 13) -> PositionModel:
        cfg = {**DEFAULTS, **(config or {})}
        stating = [i for i, kinds in enumerate(ex.kinds) if kinds]
        models = {
            "detect": LinearModel.train(ex.sentences, [{"yes"} if k else set() for k in ex.kinds], labels=["yes"],
                                        c=cfg["c_detect"], min_count=cfg["min_count"], balanced=cfg["balanced"],
                                        seed=seed),
            # kind and topic are read among sentences that state a position: unweighted, so the common
            # kinds and topics ("assessment", "other") keep their prior
            "kind": LinearModel.train([ex.sentences[i] for i in stating], [ex.kinds[i] for i in stating],
                                      labels=list(POSITION_KINDS), c=cfg["c_kind"], min_count=cfg["min_count"],
                                      seed=seed),
            "topic": LinearModel.train([ex.sentences[i] for i in stating], [ex.topics[i] for i in stating],
                                       labels=list(TOPICS), c=cfg["c_topic"], min_count=cfg["min_count"],
                                       seed=seed),
            "holder": LinearModel.train(ex.holders, ex.is_holder, labels=["yes"], c=cfg["c_holder"],
                                        min_count=cfg["min_count"], seed=seed),
        }
        if cfg["topic_neighbours"] > 0:
            models["topic_neighbours"] = Neighbours.train([ex.sentences[i] for i in stating],
                                                          [ex.topics[i] for i in stating], labels=list(TOPICS),
                                                          k=cfg["neighbours_k"])
        return cls(models, cfg)

    @property
    def models(self) -> dict[str, Any]:
        models = {"detect": self.detect_model, "kind": self.kind_model, "topic": self.topic_model,
                  "holder": self.holder_model}
        if self.topic_neighbours is not None:
            models["topic_neighbours"] = self.topic_neighbours
        return models

    def topic_scores(self, feats: dict[str, float]):
        """The topic model's scores, blended with the nearest training sentences' topics where the sentence has
        an encoder vector (weight `topic_neighbours`, chosen by CV: README)."""
        scores = self.topic_model.scores(feats)
        w = self.config["topic_neighbours"]
        if self.topic_neighbours is None or w <= 0:
            return scores
        votes = self.topic_neighbours.scores(feats)
        if not votes.any():
            return scores
        return (1 - w) * scores / (scores.sum() or 1.0) + w * votes

    def __call__(self, ctx: Context) -> list[Position]:
        cfg = self.config
        rd = ctx.rd
        out: list[Position] = []
        for i in range(len(ctx.sentences)):
            cands = ctx.candidates(i)
            if not cands:
                continue  # no actor to hold it: checked first, so the sentence is not encoded
            feats = ctx.sentence_features(i)
            if self.detect_model.scores(feats)[0] < cfg["detect_threshold"]:
                continue
            kinds = sorted(zip(self.kind_model.scores(feats), self.kind_model.labels), reverse=True)
            topics = sorted(zip(self.topic_scores(feats), self.topic_model.labels), reverse=True)
            # 'other' is the commonest topic and the unweighted model's default: a named topic nearly as
            # likely is taken instead (the ratio chosen by CV, README)
            topic = topics[0][1]
            if topic == "other" and len(topics) > 1 and topics[1][0] >= cfg["other_ratio"] * topics[0][0]:
                topic = topics[1][1]
            # a second kind only when the model is nearly as sure of it ("a demand and its condition")
            chosen = [kinds[0][1]] + [k for p, k in kinds[1:2] if p >= cfg["second_kind"] * kinds[0][0]]
            start, evidence = ctx.evidence(i)
            quoted = reports_words(ctx, i)
            for kind in chosen:
                scores = {a: self.holder_model.scores(holder_features(f, kind, quoted))[0] for a, f in cands.items()}
                holder = max(scores, key=lambda a: scores[a])
                holders = [holder] + (conjoined_subjects(ctx, i, holder, cands) if cfg["conjoined_holders"] else [])
                for who in holders:
                    pos = Position(id="", doc=rd.document.id, actor=who, position_kind=kind, topic=topic,
                                   evidence=evidence, start=start, end=start + len(evidence),
                                   date=rd.document.published.isoformat() if rd.document.published else None)
                    suffix = "" if who == holder else f":{who}"
                    pos.id = content_hash(f"{pos.doc}:position:{start}:{pos.end}:{kind}:{topic}{suffix}")
                    out.append(pos)
        if cfg["keep_rules"]:
            # a sentence where the rules' cues read a position keeps the rules' reading (their cues are exact
            # when they fire); the model adds positions in sentences the cues do not reach
            ruled = [(p.start, p.end) for p in ctx.rule_positions]
            out = [p for p in out if not any(s < p.end and p.start < e for s, e in ruled)] + list(ctx.rule_positions)
        return out
