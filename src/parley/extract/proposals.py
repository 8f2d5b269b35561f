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
        ords = "|".join(sorted(ordinals, key=len, reverse=True))
        seq = "|".join(kb.words("sequence_words"))
        self.marker_re = re.compile(
            rf"(?:^|(?<=[.;:!?]\s)|(?<=\n)|(?<=,\s)|(?<=,\sand\s)|(?<=\sand\s)|(?<=:\s))"
            rf"(?P<marker>(?:the\s+)?(?:(?P<ord>{ords})(?:\s+(?:{steps}))?(?=\s+(?:is|was|would|will|covers|"
            rf"concerns|envisages|involves|calls|provides|foresees|sees|are|:)|,|\s+the\s|\s+[a-z]+\s)"
            rf"|(?P<seq>{seq})\b,?))\s*",
            re.I | re.M)
        # 'X was the first step', 'The second step should be': an ordinal step anywhere in a sentence
        self.ordinal_step_re = re.compile(rf"\b(?P<ord>{ords})\s+(?:{steps})s?\b", re.I)
        nums = "|".join(list(numbers) + [r"\d+"])
        self.plan_re = re.compile(rf"\b(?:(?P<n>{nums})[- ](?:{steps}|{plans})s?\s+)?(?P<plan>{plans})\b", re.I)

    def step_markers(self, text: str, start: int, end: int) -> list[tuple[int, int, int]]:
        """(marker start, content start, order) for every step marker in text[start:end].

        A marker opens a sentence or a clause (after ';', ':' or ', and'): an ordinal with an optional
        step noun and verb ('The first step is', 'the second is', 'The sixth point', 'the seventh'), or a
        sequence word ('First,', 'then', 'Finally,'). 'then'/'finally' continue the count."""
        out: list[tuple[int, int, int]] = []
        for m in self.marker_re.finditer(text, start, end):
            word = (m.group("ord") or m.group("seq") or "").lower()
            order = self.ordinals.get(word) or (1 if word == "first" else 0)
            if m.group("seq") and word not in self.ordinals:
                if not out:
                    continue  # 'then' without a 'first' before it is not a sequence
                order = out[-1][2] + 1
            if order == 99:
                order = (out[-1][2] + 1) if out else 0
            if order:
                out.append((m.start("marker"), m.end(), order))
        return out

    def plan_steps(self, rd: ResolvedDoc, announcement) -> list[ProposalStep]:
        """Steps of the plan announced in `announcement`: markers from there to the end of the next two
        paragraphs, counting 1, 2, 3 ... without gaps; a new 'first' ends the plan."""
        text = rd.document.text
        start = announcement.start_char
        end = start
        for _ in range(3):
            nxt = text.find("\n\n", end + 1)
            end = len(text) if nxt < 0 else nxt
        markers = self.step_markers(text, start, end)
        chosen: list[tuple[int, int, int]] = []
        for marker in markers:
            expected = chosen[-1][2] + 1 if chosen else 1
            if marker[2] == expected:
                chosen.append(marker)
            elif chosen and marker[2] == 1:
                break
        if len(chosen) < 2:
            return []
        steps = []
        for k, (m_start, c_start, order) in enumerate(chosen):
            stop = chosen[k + 1][0] if k + 1 < len(chosen) else None
            sentence_end = rd.doc.char_span(m_start, m_start + 1, alignment_mode="expand")
            limit = rd.sent_at(sentence_end[0].i).end_char if sentence_end is not None else len(text)
            stop = min(stop, limit) if stop is not None else limit
            evidence = text[m_start:stop].strip().rstrip(",;").strip()
            if evidence.lower().endswith((" and", " then")):
                evidence = evidence.rsplit(" ", 1)[0].rstrip(",")
            summary = text[c_start:stop].strip().rstrip(",;.").strip()
            # 'is to restore embassies' reads as a step when the copula goes: 'Restore embassies'
            summary = re.sub(r"^(?:is|was|are|will be|would be)\s+(?:about\s+|to\s+)?", "", summary, flags=re.I)
            steps.append(ProposalStep(order=order, summary=_summary(summary or evidence), evidence=evidence,
                                      start=m_start, end=m_start + len(evidence)))
        return steps

    def __call__(self, rd: ResolvedDoc, quotes: list[Quote]) -> list[Proposal]:
        text = rd.document.text
        proposals: list[Proposal] = []
        used_until = -1
        for sent in rd.doc.sents:
            if sent.start_char < used_until or not self.plan_re.search(sent.text):
                continue
            steps = self.plan_steps(rd, sent)
            if not steps:
                continue
            used_until = steps[-1].end
            proposer = self._proposer(rd, sent)
            evidence = sent.text.strip()
            proposals.append(Proposal(id="", doc=rd.document.id, proposer=proposer,
                                      name=self._name(rd, sent, proposer, len(steps)), evidence=evidence,
                                      start=sent.start_char, end=sent.start_char + len(evidence), steps=steps))
        proposals += self.unannounced(rd, quotes, proposals)
        for q in quotes:  # single offers: 'X's call to grant ...', 'X's proposal to ...'
            if q.quote_kind != "indirect" or (q.cue or "").lower() not in SINGLE_STEP_NOUNS or not q.speaker:
                continue
            if any(p.start <= q.start <= p.end for p in proposals):
                continue
            span = rd.doc.char_span(q.start, q.end, alignment_mode="expand")
            sent = rd.sent_at(span[0].i) if span is not None else None
            name = f"{rd.actors[q.speaker].name}: {q.text}" if q.speaker in rd.actors else q.text
            step = ProposalStep(order=1, summary=_summary(q.text), evidence=q.text, start=q.start, end=q.end)
            s, e = (sent.start_char, sent.end_char) if sent is not None else (q.start, q.end)
            proposals.append(Proposal(id="", doc=rd.document.id, proposer=q.speaker, name=name[:120],
                                      evidence=text[s:e].strip(), start=s, end=s + len(text[s:e].strip()),
                                      steps=[step]))
        for p in proposals:
            p.id = content_hash(f"{p.doc}:proposal:{p.start}:{p.end}")
        return proposals

    def unannounced(self, rd: ResolvedDoc, quotes: list[Quote], known: list[Proposal]) -> list[Proposal]:
        """Plans no plan noun announces, told by their numbered steps alone: 'X said A was the first step
        ... The second step should be B, he added.' A first step followed, within the next four sentences,
        by the second (and so on, without gaps) is a plan; each step's evidence is its sentence."""
        sents = list(rd.doc.sents)
        taken = [(p.start, max([p.end] + [st.end for st in p.steps])) for p in known]
        out: list[Proposal] = []
        i = 0
        while i < len(sents):
            sent = sents[i]
            if any(a <= sent.start_char < b for a, b in taken) or not self._ordinal_in(sent.text, 1):
                i += 1
                continue
            chain, last = [sent], i
            for k in range(i + 1, min(len(sents), i + 40)):
                if k - last > 4:
                    break
                if self._ordinal_in(sents[k].text, len(chain) + 1):
                    chain.append(sents[k])
                    last = k
                elif self._ordinal_in(sents[k].text, 1):
                    break
            if len(chain) < 2:
                i += 1
                continue
            steps = []
            for order, step_sent in enumerate(chain, 1):
                evidence = step_sent.text.strip()
                steps.append(ProposalStep(order=order, summary=_summary(evidence), evidence=evidence,
                                          start=step_sent.start_char, end=step_sent.start_char + len(evidence)))
            proposer = self._speaker(quotes, chain) or self._proposer(rd, sent)
            evidence = sent.text.strip()
            out.append(Proposal(id="", doc=rd.document.id, proposer=proposer,
                                name=self._name(rd, sent, proposer, len(steps)), evidence=evidence,
                                start=sent.start_char, end=sent.start_char + len(evidence), steps=steps))
            taken.append((sent.start_char, chain[-1].end_char))
            i = last + 1
        return out

    def _ordinal_in(self, text: str, order: int) -> bool:
        return any(self.ordinals.get(m.group("ord").lower()) == order for m in self.ordinal_step_re.finditer(text))

    @staticmethod
    def _speaker(quotes: list[Quote], sents) -> str | None:
        """Who told the steps: the speaker of a quote in the first step's sentence, else in a later one."""
        for sent in sents:
            for q in quotes:
                if q.speaker and sent.start_char <= q.start < sent.end_char:
                    return q.speaker
        return None

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
        subject = next((c for c in sent.root.children if c.dep_ in {"nsubj", "agent"}), None)
        if subject is not None and not self.plan_re.search(subject.text):
            actor = rd.actor_of(subject)  # 'He described a three-stage path'
            if actor:
                return actor
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
