"""Extract stage, positions: what each party wants, offers, rejects or judges, by topic.

A position is read from a stated view (a quote, direct or indirect) or from a clause whose subject is
an actor. The clause is cut into segments at list boundaries (', and', ';'), so 'conditions are to X,
Y and Z' gives one position per condition; each segment gets a kind from kb `position_cues` and a
topic from kb `topics`. Segments with no topic cue are not positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parley.kb import KnowledgeBase
from parley.records import Position, Quote, content_hash
from parley.resolve.actors import ResolvedDoc

SEGMENT_BOUNDARY = re.compile(r",\s+(?:and\s+)?(?:thirdly\s+|secondly\s+|finally\s+)?|;\s+|\s+and\s+(?:thirdly|"
                              r"secondly|finally|then)\s+|\s+and\s+(?=(?:to\s+)?[a-z]+\s+(?:the|all|a|an)\b)")
MIN_SEGMENT_WORDS = 3


@dataclass
class Segment:
    start: int
    end: int
    text: str


def segments(text: str, start: int) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for m in SEGMENT_BOUNDARY.finditer(text):
        out.append(Segment(start + pos, start + m.start(), text[pos : m.start()]))
        pos = m.end()
    out.append(Segment(start + pos, start + len(text), text[pos:]))
    return [s for s in out if len(s.text.split()) >= MIN_SEGMENT_WORDS]


class PositionExtractor:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.cues = {kind: [re.compile(p, re.I) for p in patterns]
                     for kind, patterns in kb.table("position_cues").items()}
        self.topics = {topic: [re.compile(p, re.I) for p in patterns]
                       for topic, patterns in kb.table("topics").items()}

    def kind(self, text: str, context: str = "") -> str | None:
        for kind, patterns in self.cues.items():  # the YAML order is the priority
            if any(p.search(text) for p in patterns):
                return kind
        for kind, patterns in self.cues.items():
            if context and any(p.search(context) for p in patterns):
                return kind
        return None

    def topic(self, text: str) -> str | None:
        for topic, patterns in self.topics.items():
            if any(p.search(text) for p in patterns):
                return topic
        return None

    def __call__(self, rd: ResolvedDoc, quotes: list[Quote]) -> list[Position]:
        text = rd.document.text
        positions: list[Position] = []
        taken: list[tuple[int, int]] = []

        def emit(actor: str, kind: str, topic: str, start: int, end: int) -> None:
            evidence = text[start:end].strip(" ,.;:\u201c\u201d\"")
            start = text.find(evidence, start)
            if any(s <= start and start + len(evidence) <= e for s, e in taken):
                return
            taken.append((start, start + len(evidence)))
            positions.append(Position(id="", doc=rd.document.id, actor=actor, position_kind=kind, topic=topic,
                                      evidence=evidence, start=start, end=start + len(evidence),
                                      date=rd.document.published.isoformat() if rd.document.published else None))

        # stated views: the speaker holds the position
        for q in sorted(quotes, key=lambda q: -(q.end - q.start)):
            if not q.speaker:
                continue
            sentence = _sentence_around(rd, q.start)
            for seg in segments(q.text, q.start):
                topic = self.topic(seg.text)
                kind = self.kind(seg.text, context=sentence)
                if topic and kind:
                    emit(q.speaker, kind, topic, seg.start, seg.end)
        # reported acts: '<actor> opposed ...', '<actor> has been resisting pressure ...'
        for sent in rd.doc.sents:
            root = sent.root
            subj = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
            actor = rd.actor_of(subj) if subj is not None else None
            if actor is None:
                continue
            if any(q.start <= sent.start_char and sent.end_char <= q.end for q in quotes):
                continue
            clause = text[subj.idx : sent.end_char]
            topic, kind = self.topic(clause), self.kind(clause)
            if topic and kind and kind != "assessment":
                emit(actor, kind, topic, subj.idx, sent.end_char)
        for p in positions:
            p.id = content_hash(f"{p.doc}:position:{p.start}:{p.end}:{p.topic}")
        positions.sort(key=lambda p: p.start)
        return positions


def _sentence_around(rd: ResolvedDoc, char: int) -> str:
    span = rd.doc.char_span(char, char + 1, alignment_mode="expand")
    return span[0].sent.text if span is not None else ""
