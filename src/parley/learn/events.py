"""Learned events: which sentences report an act, of which PLOVER type (plus ASSESS), by whom, on whom.

A sentence can report several acts, so its types are independent yes/no decisions (one logistic model per
type over the sentence's features, the rules' triggers among them). For each type kept, every actor seen in
the sentence is scored as source and as target by models whose features are joined with the type (a
CONSULT's parties sit differently in a sentence than an ASSAULT's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parley.learn.context import Context, Cues, GoldActors, concatenate, conjoin, conjoined_subjects, role_candidates
from parley.learn.linear import LinearModel
from parley.records import PLOVER_TYPES, Event, content_hash
from parley.resolve.time import resolve_time

SYMMETRIC = {"CONSULT", "COOPERATE"}
DEFAULTS: dict[str, Any] = {"c_type": 0.5, "c_role": 1.0, "type_threshold": 0.3, "role_threshold": 0.5,
                            "max_per_sentence": 3, "min_count": 2, "balanced": True,
                            "first_target_threshold": 0.1, "keep_rules": True, "conjoined_sources": True}


@dataclass
class EventExamples:
    sentences: list[dict[str, float]]
    types: list[set[str]]
    roles: list[dict[str, float]]
    sources: list[set[str]]
    targets: list[set[str]]


def examples(ctx: Context, gold: dict[str, Any]) -> EventExamples:
    """Training examples of one article: every sentence with the gold types whose evidence lies in it, and
    for each gold event every candidate actor of its sentence, labelled source / target / neither."""
    by_sentence: dict[int, list[dict]] = {}
    for e in gold.get("events", []):
        i = ctx.sentence_of(e["start"], e["end"])
        if i is not None:
            by_sentence.setdefault(i, []).append(e)
    match = GoldActors(gold.get("actors", []), ctx.rd)
    ex = EventExamples([], [], [], [], [])
    for i in range(len(ctx.sentences)):
        ex.sentences.append(ctx.sentence_features(i))
        ex.types.append({e["type"] for e in by_sentence.get(i, [])})
    for i, events in by_sentence.items():
        for e in events:
            for actor, feats in role_features(ctx, i, e["type"]).items():
                ex.roles.append(conjoin(feats, e["type"]))
                ex.sources.append({"yes"} if match.any_same(e.get("source") or [], actor) else set())
                ex.targets.append({"yes"} if match.any_same(e.get("target") or [], actor) else set())
    return ex


def anchor(ctx: Context, i: int, etype: str):
    """The word of sentence i that carries an act of type `etype`: a KB trigger of that type nearest the root
    of the parse, else the root."""
    sent = ctx.sentences[i]
    cues = Cues.of(ctx.rd.resolver.kb) if ctx.rd.resolver is not None else None
    if cues is not None:
        triggers = [t for t in sent if etype in cues.lemma_types.get(t.lemma_.lower(), ())]
        if triggers:
            return min(triggers, key=lambda t: (len(list(t.ancestors)), t.i))
    return sent.root


def role_features(ctx: Context, i: int, etype: str) -> dict[str, dict[str, float]]:
    """Each candidate actor of sentence i: its place in the sentence, and how it stands to the act's word."""
    cands = ctx.candidates(i)
    for actor, feats in ctx.pronoun_candidates(i).items():
        if actor in cands:
            cands[actor].update({k: v for k, v in feats.items() if k not in ("cand", "unmentioned")})
        else:
            cands[actor] = feats
    word = anchor(ctx, i, etype)
    for actor, feats in role_candidates(ctx, word).items():
        base = cands.setdefault(actor, {"cand": 1.0})
        for k, v in feats.items():
            base["a:" + k] = v
    if ctx.parse_roles is not None:
        sources, targets = ctx.roles_at(word)
        for role, actors in (("parse_source", sources), ("parse_target", targets)):
            for k, actor in enumerate(actors):
                if actor in ctx.rd.actors:
                    f = cands.setdefault(actor, {"cand": 1.0})
                    f[role] = 1.0
                    f[role + (":first" if k == 0 else ":more")] = 1.0
    return cands


def merge(parts: list[EventExamples]) -> EventExamples:
    return concatenate(EventExamples, parts)


class EventModel:
    def __init__(self, models: dict[str, LinearModel], config: dict[str, Any]) -> None:
        self.type_model = models["type"]
        self.source_model = models["source"]
        self.target_model = models["target"]
        self.config = {**DEFAULTS, **config}

    @classmethod
    def train(cls, ex: EventExamples, config: dict[str, Any] | None = None, seed: int = 13) -> EventModel:
        cfg = {**DEFAULTS, **(config or {})}
        models = {
            "type": LinearModel.train(ex.sentences, ex.types, labels=list(PLOVER_TYPES), c=cfg["c_type"],
                                      min_count=cfg["min_count"], balanced=cfg["balanced"], seed=seed),
            "source": LinearModel.train(ex.roles, ex.sources, labels=["yes"], c=cfg["c_role"],
                                        min_count=cfg["min_count"], seed=seed),
            "target": LinearModel.train(ex.roles, ex.targets, labels=["yes"], c=cfg["c_role"],
                                        min_count=cfg["min_count"], seed=seed),
        }
        return cls(models, cfg)

    @property
    def models(self) -> dict[str, LinearModel]:
        return {"type": self.type_model, "source": self.source_model, "target": self.target_model}

    def __call__(self, ctx: Context) -> list[Event]:
        cfg = self.config
        rd = ctx.rd
        events: list[Event] = []
        for i, sent in enumerate(ctx.sentences):
            if not ctx.candidates(i):
                continue  # no actor to do it: checked first, so the sentence is not encoded
            probs = self.type_model.scores(ctx.sentence_features(i))
            ranked = sorted(((p, t) for p, t in zip(probs, self.type_model.labels) if p >= cfg["type_threshold"]),
                            reverse=True)[: cfg["max_per_sentence"]]
            if not ranked:
                continue
            when = resolve_time(sent.text, rd.document.published)
            start, evidence = ctx.evidence(i)
            for _, etype in ranked:
                cands = role_features(ctx, i, etype)
                src = {a: self.source_model.scores(conjoin(f, etype))[0] for a, f in cands.items()}
                best = max(src, key=lambda a: src[a])
                source = [best]
                if cfg["conjoined_sources"]:  # 'Germany, France and Poland demanded ...': all three act
                    source += conjoined_subjects(ctx, i, best, cands)
                if etype in SYMMETRIC:
                    source += [a for a, p in sorted(src.items(), key=lambda x: -x[1])
                               if a not in source and p >= cfg["role_threshold"]][:2]
                tgt = {a: self.target_model.scores(conjoin(f, etype))[0] for a, f in cands.items() if a not in source}
                ranked_targets = sorted(tgt.items(), key=lambda x: -x[1])
                # the likeliest target is named on weaker evidence than a second one: most acts have one
                target = [a for k, (a, p) in enumerate(ranked_targets)
                          if p >= (cfg["first_target_threshold"] if k == 0 else cfg["role_threshold"])][:2]
                mode = next((e.mode for e in ctx.rule_events if e.type == etype and e.start == start), None)
                event = Event(id="", doc=rd.document.id, type=etype, mode=mode, source=source, target=target,
                              when=when.text if when else None, date=when.date if when else None,
                              evidence=evidence, start=start, end=start + len(evidence),
                              date_precision=when.precision if when and when.date else None)
                event.id = content_hash(f"{event.doc}:event:{start}:{event.end}:{etype}")
                events.append(event)
        if cfg["keep_rules"]:
            # where a rule read an act of the same type in the same sentence, its reading (trigger, roles from
            # the parse) is kept and the model's dropped; the model adds what the rules did not read
            ruled = {(e.start, e.type) for e in ctx.rule_events}
            added = [e for e in events if (e.start, e.type) not in ruled]
            # (no model veto of rule events: a floor on the model's probability gained 0.006 events-type F1 on
            # the 83 articles' CV and cost 0.08 PLOVER type macro-F1 out of domain, so it was taken out)
            kept = list(ctx.rule_events)
            ruled_ids = {id(e) for e in kept}
            # in text order, a sentence's rule reading before the model's additions: a reader of "the
            # sentence's event" gets the reading from an exact cue first
            events = sorted(kept + added, key=lambda e: (e.start, id(e) not in ruled_ids))
        return events
