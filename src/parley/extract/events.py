"""Extract stage, events: who did what to whom, coded in PLOVER (plus ASSESS), with mode and date.

A trigger (a verb or noun lemma from kb `event_triggers`) is read with its dependency context: the
subject (or possessor, or 'between A and B') is the source, objects and prepositional objects are the
target. Negated triggers and triggers inside conditional clauses are not coded. Assessments are coded
from reported predictions of officials and institutions.
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from parley.kb import KnowledgeBase
from parley.records import Event, Quote, content_hash
from parley.resolve.actors import ResolvedDoc
from parley.resolve.time import resolve_time

TARGET_PREPS = {"to", "with", "from", "against", "on", "toward", "towards", "for", "at", "into", "of"}
CONDITIONAL_MARKS = {"if", "unless", "whether", "once"}
MODALS_HYPOTHETICAL = {"may", "might", "could"}
# Verbs whose subject performs the act on behalf of its object being the thing delivered ('supports X with')
SYMMETRIC_NOUNS = {"call", "conversation", "meeting", "talks", "contact", "coordination", "dialogue",
                   "consultation", "consultations", "negotiations", "fighting", "exchange"}
ASSESS_VERBS = {"suggest", "predict", "estimate", "assess", "fear", "expect", "forecast", "believe", "judge"}


class EventExtractor:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.triggers: dict[str, dict[str, list[str]]] = kb.table("event_triggers")
        self.verb_types: dict[str, list[str]] = {}
        self.noun_types: dict[str, list[str]] = {}
        self.modes: dict[tuple[str, str], str] = {}
        for etype, spec in self.triggers.items():
            for lemma in spec.get("verbs", []):
                self.verb_types.setdefault(lemma, []).append(etype)
            for lemma in spec.get("nouns", []):
                self.noun_types.setdefault(lemma, []).append(etype)
            for lemma, mode in (spec.get("modes") or {}).items():
                self.modes[(etype, lemma)] = mode

    # -- context tests -------------------------------------------------------------------------------------
    @staticmethod
    def negated(tok: Token) -> bool:
        heads = [tok] + ([tok.head] if tok.dep_ in {"xcomp", "ccomp"} else [])
        return any(c.dep_ == "neg" or c.lower_ in {"never", "no"} for h in heads for c in h.children)

    @staticmethod
    def hypothetical(tok: Token) -> bool:
        node = tok
        while True:
            if any(c.dep_ == "mark" and c.lower_ in CONDITIONAL_MARKS for c in node.children):
                return True
            if node.dep_ == "advcl" and any(c.lower_ in CONDITIONAL_MARKS for c in node.children):
                return True
            if node.head.i == node.i:
                return False
            node = node.head

    def type_of(self, tok: Token) -> str | None:
        lemma = tok.lemma_.lower()
        if tok.pos_ in {"VERB"}:
            types = self.verb_types.get(lemma, [])
        elif tok.pos_ in {"NOUN", "PROPN"}:
            types = self.noun_types.get(lemma, []) or self.noun_types.get(tok.lower_, [])
        else:
            return None
        if not types:
            return None
        # context picks among several types: a 'phone call' is a contact, a 'call for' a request
        if "CONSULT" in types and lemma == "call":
            if tok.pos_ == "NOUN" and any(c.lower_ in {"phone", "telephone"} for c in tok.children) or \
                    any(c.lower_ == "between" for c in tok.children):
                return "CONSULT"
            if any(c.lower_ in {"for", "on"} for c in tok.children) or any(
                    c.dep_ in {"acl", "xcomp"} for c in tok.children):
                return "REQUEST" if tok.pos_ == "VERB" else "AGREE"
            return "CONSULT" if tok.pos_ == "NOUN" else None
        if lemma == "support" and any(c.lower_ == "with" for c in tok.children):
            return "AID"
        if lemma in {"provide", "send", "supply", "deliver"} and tok.pos_ == "VERB" and any(
                c.lower_ in {"will", "would"} for c in tok.children):
            return "AGREE"  # a promise to deliver
        return types[0]

    # -- actors ---------------------------------------------------------------------------------------------
    def actors_of(self, tok: Token, rd: ResolvedDoc, speaker: str | None) -> tuple[list[str], list[str]]:
        source: list[str] = []
        target: list[str] = []

        def add(lst: list[str], node: Token, deep: bool = True) -> None:
            actor = rd.actor_of(node)
            if actor and actor not in lst:
                lst.append(actor)
            for conj in node.conjuncts:
                a = rd.actor_of(conj)
                if a and a not in lst:
                    lst.append(a)
            if not actor and deep:
                for sub in node.subtree:
                    if sub.i in rd.by_token and rd.by_token[sub.i].actor_id not in lst:
                        lst.append(rd.by_token[sub.i].actor_id)
                        break

        verb = tok if tok.pos_ == "VERB" else None
        if tok.pos_ in {"NOUN", "PROPN"}:
            for c in tok.children:
                if c.dep_ == "poss":
                    add(source, c)
                elif c.dep_ == "prep" and c.lower_ == "between":
                    for obj in c.children:
                        add(source, obj)
                elif c.dep_ == "prep" and c.lower_ in TARGET_PREPS:
                    for obj in c.children:
                        add(target, obj)
            if not source and tok.head.pos_ == "VERB" and tok.dep_ in {"dobj", "attr", "nsubjpass"}:
                verb = tok.head
        if verb is not None:
            for c in verb.children:
                if c.dep_ in {"nsubj", "nsubjpass"} and not source:
                    if c.dep_ == "nsubjpass" and verb is tok:
                        add(target, c)
                    else:
                        add(source, c)
                elif c.dep_ == "agent":
                    for obj in c.children:
                        add(source, obj)
                elif c.dep_ in {"dobj", "dative", "iobj"} and c.i != tok.i:
                    add(target, c)
                elif c.dep_ == "prep" and c.lower_ in TARGET_PREPS:
                    for obj in c.children:
                        add(target, obj)
            if not source and verb.dep_ in {"xcomp", "conj", "ccomp", "relcl", "acl"}:
                head = verb.head
                for c in head.children:
                    if c.dep_ in {"nsubj"}:
                        add(source, c)
                if not source and verb.dep_ in {"relcl", "acl"}:
                    add(source, head, deep=False)
        if not source and speaker:
            source.append(speaker)
        if not source:  # nearest actor before the trigger in its sentence
            before = [rd.by_token[i].actor_id for i in range(tok.sent.start, tok.i) if i in rd.by_token]
            if before:
                source.append(before[-1])
        target = [t for t in target if t not in source]
        if not target:
            after = [rd.by_token[i].actor_id for i in range(tok.i + 1, tok.sent.end) if i in rd.by_token]
            after = [a for a in after if a not in source]
            if after and tok.lower_ not in SYMMETRIC_NOUNS:
                target.append(after[0])
        return source, target

    # -- the pass ------------------------------------------------------------------------------------------
    def __call__(self, rd: ResolvedDoc, quotes: list[Quote]) -> list[Event]:
        events: list[Event] = []
        text = rd.document.text
        published = rd.document.published
        for sent in rd.doc.sents:
            if sent.start_char == 0 and rd.document.title and text.startswith(rd.document.title):
                continue  # the headline restates the body
            speaker = _speaker_at(sent, quotes)
            seen_types: set[str] = set()
            for tok in sent:
                etype = self.type_of(tok)
                if etype is None or etype in seen_types or self.negated(tok) or self.hypothetical(tok):
                    continue
                source, target = self.actors_of(tok, rd, speaker)
                if not source:
                    continue
                seen_types.add(etype)
                events.append(self._event(rd, sent, tok, etype, source, target, published))
                if len(seen_types) >= 2:
                    break
        events.extend(self._assessments(rd, quotes, events))
        for e in events:
            e.id = content_hash(f"{e.doc}:event:{e.start}:{e.end}:{e.type}")
        return events

    def _event(self, rd: ResolvedDoc, sent: Span, tok: Token, etype: str, source: list[str],
               target: list[str], published) -> Event:
        when = resolve_time(sent.text, published)
        mode = self.modes.get((etype, tok.lemma_.lower())) or self.modes.get((etype, tok.lower_))
        if mode is None and etype == "CONSULT":
            mode = next((self.modes.get((etype, c.lower_)) for c in tok.children
                         if self.modes.get((etype, c.lower_))), None)
        start, end = sent.start_char, sent.end_char
        evidence = rd.document.text[start:end].strip()
        return Event(id="", doc=rd.document.id, type=etype, mode=mode, source=source, target=target,
                     when=when.text if when else None, date=when.date if when else None,
                     evidence=evidence, start=start, end=start + len(evidence))

    def _assessments(self, rd: ResolvedDoc, quotes: list[Quote], events: list[Event]) -> list[Event]:
        """Predictions and judgements reported from officials and institutions are ASSESS events."""
        out: list[Event] = []
        for q in quotes:
            if not q.speaker:
                continue
            actor = rd.actors.get(q.speaker)
            if actor is None or (actor.id.startswith("person:") and not _is_official(actor.role)):
                continue
            cue = (q.cue or "").lower()
            span = rd.doc.char_span(q.start, q.end, alignment_mode="expand")
            if span is None:
                continue
            predictive = any(t.lower_ in {"unlikely", "likely", "will", "would", "may", "fears"} for t in span)
            if not (cue.rstrip("sd") in ASSESS_VERBS or cue.startswith(("suggest", "fear", "according"))
                    or predictive):
                continue
            sent = span[0].sent
            if any(e.start <= sent.start_char < e.end and e.type == "ASSESS" for e in events + out):
                continue
            if any(e.start <= sent.start_char < e.end for e in events) and not predictive:
                continue
            targets = [a for a in rd.actors_in(span.start, span.end) if a != q.speaker][:2]
            when = resolve_time(sent.text, rd.document.published)
            evidence = rd.document.text[sent.start_char:sent.end_char].strip()
            out.append(Event(id="", doc=rd.document.id, type="ASSESS", mode="statement", source=[q.speaker],
                             target=targets, when=when.text if when else None, date=when.date if when else None,
                             evidence=evidence, start=sent.start_char, end=sent.start_char + len(evidence)))
        return out


def _is_official(role: str | None) -> bool:
    """Commentators (former officials, researchers) give opinions; officials in office give assessments."""
    if not role:
        return False
    low = role.lower()
    return not any(w in low for w in ("former", "researcher", "analyst", "expert", "professor", "fellow"))


def _speaker_at(sent: Span, quotes: list[Quote]) -> str | None:
    for q in quotes:
        if q.start <= sent.start_char < q.end or sent.start_char <= q.start < sent.end_char:
            return q.speaker
    return None
