"""Extract stage, proposals: peace plans as ordered steps.

A plan is announced by a plan noun ('plan', 'proposal', 'roadmap', 'a four-point document') with its
proposer (a possessor, a 'by X' agent, or a demonym: 'the Italian plan'). Its steps are the sentences
that follow and number themselves ('The first step is ...', 'The third point ...', 'the fourth phase
...'); failing those, an announced list ('a four-step path: a ceasefire, ..., and ...'). A single offer
made as a 'call'/'offer'/'proposal' with its content becomes a one-step proposal.
"""

from __future__ import annotations

import re

from parley.kb import KnowledgeBase
from parley.records import Proposal, ProposalStep, Quote, content_hash
from parley.resolve.actors import ResolvedDoc

SINGLE_STEP_NOUNS = {"offer", "proposal", "initiative", "plan", "call"}


class ProposalExtractor:
    def __init__(self, kb: KnowledgeBase) -> None:
        ordinals: dict[str, int] = kb.table("ordinals")
        self.ordinals = ordinals
        numbers: dict[str, int] = kb.table("number_words")
        self.numbers = numbers
        self.demonyms = kb.demonym_index()
        steps = "|".join(kb.words("step_nouns"))
        plans = "|".join(sorted(kb.words("plan_nouns"), key=len, reverse=True))
        ords = "|".join(ordinals)
        self.step_re = re.compile(rf"\b(?P<ord>{ords})\s+(?:[\w-]+\s+){{0,2}}?(?P<noun>{steps})\b", re.I)
        nums = "|".join(list(numbers) + [r"\d+"])
        self.plan_re = re.compile(rf"\b(?:(?P<n>{nums})[- ](?:{steps}|{plans})s?\s+)?(?P<plan>{plans})\b", re.I)

    def __call__(self, rd: ResolvedDoc, quotes: list[Quote]) -> list[Proposal]:
        text = rd.document.text
        proposals: list[Proposal] = []
        sents = list(rd.doc.sents)
        announced = [s for s in sents if self.plan_re.search(s.text)]
        steps: list[ProposalStep] = []
        for sent in sents:
            m = self.step_re.search(sent.text)
            if not m or m.start() > 40:  # the ordinal must open the sentence or its main clause
                continue
            order = self.ordinals[m.group("ord").lower()]
            if steps and order <= steps[-1].order and order != 99:
                continue
            start = sent.start_char + m.start()
            prefix = text[sent.start_char : start]
            if prefix.strip() and not re.fullmatch(r"\s*(?:[\w\s,]{0,30}(?:hand|while|meanwhile|finally|and)"
                                                   r"[,\s]*)?(?:the|The)?\s*", prefix):
                start = sent.start_char
            evidence = text[start : sent.end_char].strip()
            order = len(steps) + 1 if order == 99 else order
            steps.append(ProposalStep(order=order, summary=_summary(evidence), evidence=evidence,
                                      start=start, end=start + len(evidence)))
        if len(steps) >= 2 and announced:
            plan_sent = next((s for s in announced if s.start_char <= steps[0].start), announced[0])
            proposer = self._proposer(rd, plan_sent)
            name = self._name(rd, plan_sent, proposer, len(steps))
            proposals.append(Proposal(id="", doc=rd.document.id, proposer=proposer, name=name,
                                      evidence=plan_sent.text.strip(), start=plan_sent.start_char,
                                      end=plan_sent.start_char + len(plan_sent.text.strip()), steps=steps))
        for q in quotes:  # single offers: 'X's call to grant ...', 'X's proposal to ...'
            if q.quote_kind != "indirect" or (q.cue or "").lower() not in SINGLE_STEP_NOUNS or not q.speaker:
                continue
            if any(p.start <= q.start <= p.end for p in proposals):
                continue
            span = rd.doc.char_span(q.start, q.end, alignment_mode="expand")
            sent = span[0].sent if span is not None else None
            name = f"{rd.actors[q.speaker].name}: {q.text}" if q.speaker in rd.actors else q.text
            step = ProposalStep(order=1, summary=_summary(q.text), evidence=q.text, start=q.start, end=q.end)
            s, e = (sent.start_char, sent.end_char) if sent is not None else (q.start, q.end)
            proposals.append(Proposal(id="", doc=rd.document.id, proposer=q.speaker, name=name[:120],
                                      evidence=text[s:e].strip(), start=s, end=s + len(text[s:e].strip()),
                                      steps=[step]))
        for p in proposals:
            p.id = content_hash(f"{p.doc}:proposal:{p.start}:{p.end}")
        return proposals

    def passages(self, rd: ResolvedDoc, proposal: Proposal) -> list[tuple[int, int]]:
        """Sentences that describe a multi-step plan between its announcement and its last step and name
        it ('the Italian plan to ...', 'a four-step path: ...'): what they list is the plan's content."""
        if len(proposal.steps) < 2:
            return []
        end = max(s.end for s in proposal.steps)
        out = []
        for sent in rd.doc.sents:
            if proposal.start <= sent.start_char < end and self.plan_re.search(sent.text):
                clause = sent.text
                m = self.plan_re.search(clause)
                start = sent.start_char + m.start()
                out.append((start, sent.end_char))
        return out

    def _proposer(self, rd: ResolvedDoc, sent) -> str | None:
        actors = rd.actors_in(sent.start, sent.end)
        # 'the Italian plan' names its proposer by a demonym
        for tok in sent:
            if tok.lower_ in {"plan", "proposal", "initiative"}:
                for child in tok.children:
                    if child.dep_ in {"amod", "compound", "poss"}:
                        actor = rd.actor_of(child) or self.demonyms.get(child.lower_)
                        if actor:
                            rd.ensure_actor(actor)
                            return actor
        people = [a for a in actors if rd.actors[a].type == "PERSON"]
        return (people or actors or [None])[0]

    def _name(self, rd: ResolvedDoc, sent, proposer: str | None, n_steps: int) -> str:
        who = rd.actors[proposer].name if proposer in rd.actors else "Unattributed"
        return f"{who}: {n_steps}-step plan"


def _summary(evidence: str, limit: int = 160) -> str:
    text = re.sub(r"^(?:the|The)\s+\w+\s+(?:step|point|phase|stage|part)\s*(?:is|,)?\s*", "", evidence)
    text = text[:1].upper() + text[1:]
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"
