"""Extract stage, positions: what each party wants, offers, rejects or judges, by topic.

A position is read from a stated view (a quote, direct or indirect) or from a clause whose subject is
an actor. The text is cut into segments at list boundaries (', and', ';') and before conditional
clauses ('if', 'provided that'), so 'conditions are to X, Y and Z' gives one position per condition and
'grant guarantees if it returns to talks' gives an offer and its condition. Each segment gets a kind
from kb `position_cues` (an ordered list: first match wins) and a topic from kb `topics`; a segment
that names no topic inherits the topic of its whole statement.

Who holds it: the speaker of a statement; but where the segment's own subject is a state or an
organisation stating intent ('Moscow will try to ...'), that party.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from parley.kb import KnowledgeBase
from parley.records import Position, Proposal, Quote, content_hash
from parley.resolve.actors import PRONOUNS, ResolvedDoc

SEGMENT_BOUNDARY = re.compile(
    r",\s+(?:and\s+)?(?:thirdly\s+|secondly\s+|finally\s+)?|;\s+|:\s+"
    r"|\s+and\s+(?:thirdly|secondly|finally|then)\s+|\s+[\u2013\u2014]\s+and\s+"
    r"|\s+and\s+(?=(?:to\s+)?[a-z]+\s+(?:the|all|a|an)\b)"
    r"|\s+(?=(?:only\s+)?if\b|provided\b|unless\b|as long as\b|on condition\b)"
)
MIN_SEGMENT_WORDS = 3
FLIPPED_BY_NEGATION = {"acceptance", "offer"}
NEGATION_BEFORE = re.compile(r"\b(?:not|n't|never|no longer|refuses? to|refused to)\s+(?:\w+\s+){0,2}$", re.I)
INTENT_KINDS = {"demand", "offer", "rejection", "condition", "red_line", "acceptance"}


@dataclass
class Segment:
    start: int
    end: int
    text: str


def segments(text: str, start: int, min_words: int = MIN_SEGMENT_WORDS) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for m in SEGMENT_BOUNDARY.finditer(text):
        out.append(Segment(start + pos, start + m.start(), text[pos : m.start()]))
        pos = m.end()
    out.append(Segment(start + pos, start + len(text), text[pos:]))
    return [s for s in out if len(s.text.split()) >= min_words]


class PositionExtractor:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.cues = [(entry["kind"], [re.compile(p, re.I) for p in entry["patterns"]])
                     for entry in kb.lexicon.get("position_cues") or []]
        self.topics = {topic: [re.compile(p, re.I) for p in patterns]
                       for topic, patterns in kb.table("topics").items()}

    def kind(self, text: str) -> str | None:
        for kind, patterns in self.cues:
            for p in patterns:
                m = p.search(text)
                if m is None:
                    continue
                if kind in FLIPPED_BY_NEGATION and NEGATION_BEFORE.search(text[max(0, m.start() - 25) : m.start()]):
                    return "rejection"  # 'would not accept', 'is not ready to'
                return kind
        return None

    def topic(self, text: str) -> str | None:
        for topic, patterns in self.topics.items():
            if any(p.search(text) for p in patterns):
                return topic
        return None

    def predicate_kind(self, rd: ResolvedDoc, seg: Segment) -> str | None:
        """The kind signalled by a segment's main verb ('has been resisting pressure' is a rejection,
        whatever its object says); None when the verb itself is neutral."""
        span = rd.doc.char_span(seg.start, seg.end, alignment_mode="expand")
        if span is None:
            return None
        root = span.root
        if root.pos_ not in {"VERB", "AUX"}:
            return None
        words = [t for t in root.children if t.dep_ in {"aux", "neg", "auxpass"} and t.i < root.i] + [root]
        words.sort(key=lambda t: t.i)
        return self.kind(" ".join(t.text for t in words))

    @staticmethod
    def is_clause(rd: ResolvedDoc, seg: Segment) -> bool:
        """Whether a segment is a clause with its own subject and finite verb, not a list item."""
        span = rd.doc.char_span(seg.start, seg.end, alignment_mode="expand")
        return span is not None and any(
            t.dep_ in {"nsubj", "nsubjpass"} and t.head.pos_ in {"VERB", "AUX"} and t.head.i < span.end
            for t in span)

    @staticmethod
    def framing_party(rd: ResolvedDoc, quote: Quote) -> str | None:
        """'The Ukrainians stuck to their red line: "..."': a party whose stance a quote is introduced as
        (a clause ending in a colon, with that party as its subject) holds what the quote demands."""
        span = rd.doc.char_span(quote.start, quote.end, alignment_mode="expand")
        if span is None:
            return None
        sent = rd.sent_at(span[0].i)
        lead = rd.document.text[sent.start_char : quote.start].rstrip(" \u201c\u00ab\"'")
        if not lead.endswith(":"):
            return None
        for tok in sent:
            if tok.idx >= quote.start:
                break
            if tok.dep_ == "nsubj":
                actor = rd.actors.get(rd.actor_of(tok) or "")
                if actor and actor.type in {"COUNTRY", "ORG", "GROUP"}:
                    return actor.id
        return None

    def holder(self, rd: ResolvedDoc, seg: Segment, speaker: str, kind: str) -> str:
        """A party stating its own intent inside reported speech holds the position itself."""
        if kind not in INTENT_KINDS:
            return speaker
        span = rd.doc.char_span(seg.start, seg.end, alignment_mode="expand")
        if span is None:
            return speaker
        for tok in span:
            if tok.dep_ == "nsubj" and tok.lower_ not in PRONOUNS:  # 'they' is whoever was last named
                actor = rd.actors.get(rd.actor_of(tok) or "")
                span_kind = rd.by_token[tok.i].kind if tok.i in rd.by_token else "compound"
                if actor and actor.type in {"COUNTRY", "ORG"} and span_kind != "demonym":
                    return actor.id
        return speaker

    def __call__(self, rd: ResolvedDoc, quotes: list[Quote], proposals: list[Proposal] = (),
                 passages: Callable[[ResolvedDoc, Proposal], list[tuple[int, int]]] | None = None
                 ) -> list[Position]:
        text = rd.document.text
        positions: list[Position] = []
        taken: list[tuple[int, int, str, str, str]] = []

        def emit(actor: str, kind: str, topic: str, start: int, end: int) -> None:
            evidence = text[start:end].strip(" ,.;:\u201c\u201d\"")
            start = text.find(evidence, start)
            end = start + len(evidence)
            if any(s <= start and end <= e for s, e, *_ in taken):
                return
            if any(s < end and start < e and (a, k, t) == (actor, kind, topic) for s, e, a, k, t in taken):
                return  # the same view read again from an overlapping clause
            taken.append((start, end, actor, kind, topic))
            positions.append(Position(id="", doc=rd.document.id, actor=actor, position_kind=kind, topic=topic,
                                      evidence=evidence, start=start, end=end,
                                      date=rd.document.published.isoformat() if rd.document.published else None))

        def read(statement: str, start: int, speaker: str, inherit: bool = True, kind_of_all: str | None = None,
                 min_words: int = MIN_SEGMENT_WORDS, framed_by: str | None = None) -> None:
            whole_topic = self.topic(statement) if inherit else None
            whole_kind = kind_of_all or (self.kind(statement) if inherit else None)
            labelled: list[tuple[Segment, str, str, str]] = []
            for seg in segments(statement, start, min_words):
                own = kind_of_all or self.predicate_kind(rd, seg) or self.kind(seg.text)
                # a list item ('disarm the army') shares its statement's kind; a clause of its own that
                # signals nothing ('four provinces have become Russian') is a claim
                kind = own or (whole_kind if not self.is_clause(rd, seg) else "assessment" if whole_kind else None)
                topic = self.topic(seg.text) or whole_topic
                if not (kind and topic):
                    continue
                holder = framed_by if framed_by and kind in INTENT_KINDS else self.holder(rd, seg, speaker, kind)
                last = labelled[-1] if labelled else None
                if last and (last[1], last[2], last[3]) == (kind, topic, holder):  # one view over several clauses
                    labelled[-1] = (Segment(last[0].start, seg.end, text[last[0].start:seg.end]), kind, topic, holder)
                else:
                    labelled.append((seg, kind, topic, holder))
            for seg, kind, topic, holder in labelled:
                emit(holder, kind, topic, seg.start, seg.end)

        # stated views: longest first, so a clause inside a longer quote is not read twice
        for q in sorted(quotes, key=lambda q: -(q.end - q.start)):
            # a news outlet relays a view; whose view it is lies in what it reports, for the learned holder
            if q.speaker and not rd.is_outlet(q.speaker):
                read(q.text, q.start, q.speaker, framed_by=self.framing_party(rd, q))
        # reported acts outside quotes: '<actor> opposed ...', '<actor> has been resisting pressure ...'
        title = rd.document.title
        title_end = len(title) if title and text.startswith(title) else 0
        for sent in rd.doc.sents:
            if sent.start_char < title_end:
                continue  # the headline restates the body
            if any(q.start < sent.end_char and sent.start_char < q.end for q in quotes):
                continue
            root = sent.root
            subj = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
            actor = rd.actor_of(subj) if subj is not None else None
            if actor is None:
                continue
            clause = text[subj.idx : sent.end_char]
            kind = self.kind(clause)
            if kind and kind != "assessment" and self.topic(clause):
                read(clause, subj.idx, actor, inherit=False)
        # plans: what a proposer puts forward, step by step, is its proposal on each topic
        for proposal in proposals:
            if len(proposal.steps) < 2 or not proposal.proposer or proposal.proposer not in rd.actors:
                continue  # a single offer is already read from the statement that makes it
            holder = rd.actors[proposal.proposer]
            party = holder.country if holder.type == "PERSON" and holder.role and holder.country else holder.id
            rd.ensure_actor(party)
            if party not in rd.actors:
                party = holder.id
            pieces = [(s.start, s.end) for s in proposal.steps] + [(proposal.start, proposal.end)]
            pieces += passages(rd, proposal) if passages else []
            for start, end in pieces:
                read(text[start:end], start, party, kind_of_all="proposal", min_words=2)
        for p in positions:
            p.id = content_hash(f"{p.doc}:position:{p.start}:{p.end}:{p.topic}:{p.actor}:{p.position_kind}")
        positions.sort(key=lambda p: p.start)
        return positions
