"""Extract stage, events: who did what to whom, coded in PLOVER (plus ASSESS), with mode and date.

A trigger (a verb or noun lemma from kb `event_triggers`) is read with its dependency context: the
subject (or possessor, or 'between A and B') is the source, objects and prepositional objects are the
target. Negated triggers and triggers inside conditional clauses are not coded. Assessments are coded
from reported predictions of officials and institutions.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from parley.kb import KnowledgeBase
from parley.records import Event, Position, Quote, content_hash
from parley.resolve.actors import ResolvedDoc
from parley.resolve.time import resolve_time

TARGET_PREPS = {"to", "with", "from", "against", "on", "toward", "towards", "for", "at", "into", "of"}
CONDITIONAL_MARKS = {"if", "unless", "whether", "once"}
MODALS_HYPOTHETICAL = {"may", "might", "could"}
EPISTEMIC = {"unlikely", "likely", "possible", "impossible", "probable", "improbable"}
# Verbs whose subject performs the act on behalf of its object being the thing delivered ('supports X with')
SYMMETRIC_NOUNS = {"call", "conversation", "meeting", "talks", "contact", "coordination", "dialogue",
                   "consultation", "consultations", "negotiations", "fighting", "exchange"}
SPEECH_ACT_TYPES = {"ACCUSE", "REQUEST", "REJECT", "PROTEST"}  # 'warned that ...' reports, 'threatened to' acts
POSITION_EVENT = {"rejection": "REJECT", "red_line": "REJECT", "demand": "REQUEST", "offer": "AGREE",
                  "acceptance": "SUPPORT", "assessment": "ASSESS"}
PATIENT_OF_TYPES = {"ASSAULT", "COERCE", "SANCTION", "AID", "SUPPORT"}  # 'the invasion of X': X suffers it
OFFER_WORDS = {"call", "offer", "proposal", "propose", "promise", "pledge", "agree", "readiness", "willingness"}
ENDING_VERBS = {"end", "stop", "halt", "avoid", "prevent", "resolve", "settle", "de-escalate"}
PROPOSITION_NOUNS = {"existence", "fact", "information", "report", "news", "claim", "view", "impression"}
SYMMETRIC_TYPES = {"CONSULT", "COOPERATE"}
MAX_EVENTS_PER_SENTENCE = 3
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
        self.group_nouns = set(kb.table("collective_nouns").get("group") or [])
        self.phrases = {etype: [re.compile(p, re.I) for p in spec.get("phrases") or []]
                        for etype, spec in self.triggers.items()}

    # -- context tests -------------------------------------------------------------------------------------
    @staticmethod
    def negated(tok: Token) -> bool:
        if tok.pos_ == "NOUN" and tok.dep_ == "dobj" and tok.head.lemma_.lower() in ENDING_VERBS:
            return True  # 'to end the war', 'avoid escalation': the act is what is to stop
        heads = [tok] + ([tok.head] if tok.dep_ in {"xcomp", "ccomp", "nsubj", "dobj", "nsubjpass"} else [])
        return any(c.dep_ == "neg" or c.lower_ in {"never", "no"} for h in heads for c in h.children)

    @staticmethod
    def hypothetical(tok: Token) -> bool:
        """Inside a conditional clause, or under a modal of possibility: not an event that happened."""
        node = tok
        for _ in range(4):  # 'may decide to use them to target': the modal sits on an ancestor
            if any(c.dep_ == "aux" and c.lower_ in MODALS_HYPOTHETICAL for c in node.children):
                return True
            if any(c.dep_ == "acomp" and c.lower_ in EPISTEMIC for c in node.children):
                return True
            if node.dep_ not in {"xcomp", "conj", "ccomp", "advcl", "pcomp", "pobj", "prep"} or node.head.i == node.i:
                break
            node = node.head
        if tok.dep_ in {"relcl", "acl"} and any(c.lower_ == "would" for c in tok.children):
            return True
        node = tok
        while True:
            if any(c.dep_ == "mark" and c.lower_ in CONDITIONAL_MARKS for c in node.children):
                return True
            if node.lower_ in {"event", "case"} and node.head.lower_ == "in":  # 'in the event that ...'
                return True
            if node.dep_ == "advcl" and node.doc[node.left_edge.i : node.i].text.lower().startswith(
                    ("as soon as", "once ", "as long as", "until ")):
                return True  # a future condition, not an act
            if node.dep_ == "advcl" and any(c.lower_ in CONDITIONAL_MARKS for c in node.children):
                return True
            if node.head.i == node.i:
                return False
            node = node.head

    def type_of(self, tok: Token) -> str | None:
        lemma = tok.lemma_.lower()
        if tok.lower_ in {"provided", "providing"} and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ in {
                "that", "\u201c", '"'}:
            return None  # 'provided that' is a conjunction
        if tok.pos_ in {"VERB"}:
            types = self.verb_types.get(lemma, [])
        elif tok.pos_ in {"NOUN", "PROPN"}:
            types = self.noun_types.get(lemma, []) or self.noun_types.get(tok.lower_, [])
        else:
            return None
        if not types:
            return None
        if tok.pos_ == "VERB" and not set(types) & SPEECH_ACT_TYPES and any(
                c.dep_ == "ccomp" or (c.dep_ == "dobj" and c.lemma_.lower() in PROPOSITION_NOUNS)
                for c in tok.children):
            return None  # 'confirmed that ...', 'confirmed the existence of ...' report speech, not an act
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
        if "SUPPORT" in types and tok.pos_ == "VERB" and any(
                c.dep_ == "dobj" and "AID" in self.noun_types.get(c.lemma_.lower(), []) for c in tok.children):
            return "AID"  # 'approved a package of aid': what was approved is the act
        if tok.pos_ == "VERB" and set(types) & {"AID", "SUPPORT", "COOPERATE"} and _promised(tok):
            return "AGREE"  # a promise to deliver or support is an agreement (PLOVER: pledge)
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
                inner = {t.i for r in node.subtree if r.dep_ in {"relcl", "acl"} for t in r.subtree}
                for sub in node.subtree:
                    if sub.i in inner:
                        continue  # 'the country that Russia is attacking': a relative clause has its own actors
                    if sub.i in rd.by_token and rd.by_token[sub.i].actor_id not in lst:
                        lst.append(rd.by_token[sub.i].actor_id)
                        break

        verb = tok if tok.pos_ == "VERB" else None
        etype = self.type_of(tok)
        if tok.pos_ in {"NOUN", "PROPN"}:
            for c in tok.children:
                agentive = c.lower_ in {"from", "by"} or (c.lower_ == "of" and etype not in PATIENT_OF_TYPES)
                if c.dep_ == "poss":
                    add(source, c)
                elif c.dep_ == "prep" and c.lower_ == "between" or c.dep_ == "prep" and agentive:
                    for obj in c.children:
                        add(source, obj)
                elif c.dep_ == "prep" and c.lower_ in TARGET_PREPS:
                    for obj in c.children:
                        add(target, obj)
            if source and tok.dep_ in {"dobj", "pobj"} and tok.head.pos_ in {"VERB", "ADP"}:
                head = tok.head if tok.head.pos_ == "VERB" else tok.head.head
                for c in head.children:  # 'X resists pressure from Y': the pressure is on X
                    if c.dep_ == "nsubj" and not target:
                        add(target, c)
            if not source and tok.lower_ in SYMMETRIC_NOUNS:
                between = next((t for t in tok.doc[tok.i + 1 : rd.sent_at(tok.i).end] if t.lower_ == "between"), None)
                if between is not None:
                    for obj in between.children:
                        add(source, obj)
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
        if not source and verb is not None:
            subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            if subj is not None and subj.lower_ in {"thousands", "hundreds", "dozens", "scores", "millions"}:
                of = next((c for c in subj.children if c.lower_ == "of"), None)  # 'Thousands of Iraqi Kurds'
                obj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
                if obj is not None:
                    actor = rd.actor_of(obj)
                    if actor:
                        source.append(actor)
                    subj = obj
            if not source and subj is not None and (subj.pos_ == "PROPN" or subj.lemma_.lower() in self.group_nouns):
                group = rd.named_group(subj)  # 'Demonstrators marched', 'Hamas fired': actors the KB lacks
                if group:
                    source.append(group)
        if not source and speaker and _first_person_subject(verb or tok):
            source.append(speaker)  # 'we will respond': the speaker acts; others' acts are only reported
        target = [t for t in target if t not in source]
        if not target and etype not in SYMMETRIC_TYPES:
            target = self._counterpart(tok, rd, source)
        return source, target

    @staticmethod
    def _counterpart(tok: Token, rd: ResolvedDoc, source: list[str]) -> list[str]:
        """An act with no grammatical target is aimed at the other party in view: the first actor of
        another country in the sentence after the trigger, else before it, else in the previous sentence."""
        own = set(source) | {rd.actors[a].country for a in source if a in rd.actors and rd.actors[a].country}

        def other(a: str) -> bool:
            actor = rd.actors.get(a)
            return a not in own and actor is not None and actor.country not in own and actor.type != "PERSON"

        sent = rd.sent_at(tok.i)
        doc = tok.doc
        windows = [range(tok.i + 1, sent.end), range(tok.i - 1, sent.start - 1, -1)]
        k = sent.start - 1
        while k >= 0 and doc[k].is_space:
            k -= 1
        if k >= 0:
            prev = rd.sent_at(k)
            if "\n\n" not in rd.document.text[prev.end_char : sent.start_char]:  # same paragraph only
                windows.append(range(prev.end - 1, prev.start - 1, -1))
        for window in windows:  # nearest first; within a window a state is the likelier counterpart
            for wanted in ({"COUNTRY"}, {"COUNTRY", "ORG", "GROUP"}):
                for i in window:
                    span = rd.by_token.get(i)
                    if span and other(span.actor_id) and rd.actors[span.actor_id].type in wanted:
                        return [span.actor_id]
        return []

    # -- the pass ------------------------------------------------------------------------------------------
    def __call__(self, rd: ResolvedDoc, quotes: list[Quote], positions: list[Position] = ()) -> list[Event]:
        events: list[Event] = []
        text = rd.document.text
        published = rd.document.published
        title = rd.document.title
        title_end = len(title) if title and text.startswith(title) else 0
        for sent in rd.doc.sents:
            if title_end and sent.start_char < title_end:
                continue  # the headline restates the body
            speaker = _speaker_at(sent, quotes)
            seen: set[tuple[str, tuple[str, ...]]] = set()
            phrases = self._phrase_triggers(sent)
            in_phrase = {tok.i for tok, _ in phrases}  # 'hunger strike' is a protest, not an assault
            candidates = [(tok, self.type_of(tok)) for tok in sent if tok.i not in in_phrase] + phrases
            # main-clause acts first: a trigger nearer the root of the parse is the sentence's event
            candidates.sort(key=lambda c: (_depth(c[0]), c[0].i))
            for tok, etype in candidates:
                if etype is None or self.negated(tok) or self.hypothetical(tok):
                    continue
                source, target = self.actors_of(tok, rd, speaker)
                if not source or (etype in SYMMETRIC_TYPES and len(source) + len(target) < 2):
                    continue  # a contact needs two parties
                key = (etype, tuple(source))
                if key in seen or any(k[0] == etype and set(k[1]) & set(source) for k in seen):
                    continue
                seen.add(key)
                events.append(self._event(rd, sent, tok, etype, source, target, published))
                if len(seen) >= MAX_EVENTS_PER_SENTENCE:
                    break
        events.extend(self._from_positions(rd, quotes, list(positions), events))
        for e in events:
            e.id = content_hash(f"{e.doc}:event:{e.start}:{e.end}:{e.type}:{e.source}:{e.target}")
        return events

    def _phrase_triggers(self, sent: Span) -> list[tuple[Token, str | None]]:
        """Multi-word triggers ('took control of', 'cut ties'): the phrase's first token stands for it."""
        out: list[tuple[Token, str | None]] = []
        for etype, patterns in self.phrases.items():
            for pattern in patterns:
                for m in pattern.finditer(sent.text):
                    span = sent.doc.char_span(sent.start_char + m.start(), sent.start_char + m.end(),
                                              alignment_mode="expand")
                    if span is not None:
                        out.append((span.root, etype))
        return out

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
                     evidence=evidence, start=start, end=start + len(evidence),
                     date_precision=when.precision if when and when.date else None)

    def _from_positions(self, rd: ResolvedDoc, quotes: list[Quote], positions: list[Position],
                        events: list[Event]) -> list[Event]:
        """Stated positions are speech acts: a refusal is REJECT, a demand REQUEST, an offer AGREE, an
        endorsement SUPPORT, and an official's or institution's judgement ASSESS (PLOVER reads them so)."""
        out: list[Event] = []
        title = rd.document.title
        title_end = len(title) if title and rd.document.text.startswith(title) else 0
        for pos in positions:
            etype = POSITION_EVENT.get(pos.position_kind)
            if etype is None:
                continue
            quote = next((q for q in quotes if q.start <= pos.start and pos.end <= q.end and q.speaker), None)
            source = quote.speaker if quote else pos.actor
            actor = rd.actors.get(source)
            if actor is None:
                continue
            if etype == "ASSESS" and actor.type == "PERSON" and not _is_official(actor.role):
                continue  # commentators' opinions are positions, not events
            span = rd.doc.char_span(pos.start, pos.end, alignment_mode="expand")
            if span is None:
                continue
            sent = rd.sent_at(span[0].i)
            if sent.start_char < title_end:
                continue
            if any(e.type == etype and e.start <= sent.start_char < e.end for e in events + out):
                continue
            targets = self._counterpart(span.root, rd, [source])
            when = resolve_time(sent.text, rd.document.published)
            evidence = rd.document.text[sent.start_char:sent.end_char].strip()
            out.append(Event(id="", doc=rd.document.id, type=etype, mode="statement", source=[source],
                             target=targets, when=when.text if when else None, date=when.date if when else None,
                             evidence=evidence, start=sent.start_char, end=sent.start_char + len(evidence),
                             date_precision=when.precision if when and when.date else None))
        return out


def _first_person_subject(tok: Token) -> bool:
    return any(c.dep_ in {"nsubj", "nsubjpass", "poss"} and c.lower_ in {"we", "i", "our", "my"}
               for c in tok.children)


def _promised(tok: Token) -> bool:
    """'will provide', 'would continue to support': a future commitment rather than a delivery."""
    node = tok
    for _ in range(3):
        if any(c.dep_ == "aux" and c.lower_ in {"will", "would", "shall", "'ll"} for c in node.children):
            return True
        if node.dep_ in {"acl", "xcomp"} and node.head.lemma_.lower() in OFFER_WORDS:
            return True  # 'a call to grant', 'offered to send': offered, not done
        if node.dep_ not in {"xcomp", "conj"} or node.head.i == node.i:
            return False
        node = node.head
    return False


def _depth(tok: Token) -> int:
    depth = 0
    while tok.head.i != tok.i and depth < 50:
        tok, depth = tok.head, depth + 1
    return depth


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
