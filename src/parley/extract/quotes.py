"""Extract stage, quotes: direct quotes (any quote marks, unbalanced ones too) and indirect speech,
each with its speaker and cue.

Direct: spans between quote marks; an opening mark never closed runs to the end of its paragraph; an
attribution inserted between dashes ("– according to X –", "– as he specified –") splits the quote and
names its speaker. Indirect: a verb of saying with a clausal complement ("X said that ..."), a speech
noun with its complement ("X's call to ..."), and "according to X, ...".
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from spacy.tokens import Doc, Span, Token

from parley.kb import KnowledgeBase
from parley.records import Quote, content_hash
from parley.resolve.actors import PRONOUN_GENDER, SPEAKING_PRONOUNS, ResolvedDoc

PAIRS = {"\u201c": "\u201d", "\u00ab": "\u00bb", "\u201e": "\u201d", '"': '"', "\u2039": "\u203a"}
CLOSERS = set(PAIRS.values())
INSERTED_ATTRIBUTION = re.compile(
    r"\s*[\u2013\u2014-]\s*(?P<attr>(?:as |according to )[^\u2013\u2014]{1,80}?)\s*[\u2013\u2014-]\s*\.?\s*", re.I)
MIN_QUOTE_WORDS = 2
RELATIVE_PRONOUNS = frozenset({"who", "whom", "which"})
# How far (in tokens) from a quote's edges a verb of saying is looked for inside its sentence. A real
# sentence is far shorter, so normal text is unaffected; a "sentence" the parser made of a whole page of
# quotes would otherwise be walked once per quote in it (quadratic in the length of the page).
NEAR_WINDOW = 150


@dataclass
class QuoteSpan:
    start: int
    end: int
    attribution: str | None = None  # inserted attribution text, if the quote was split around one
    attr_start: int = -1


def quote_spans(text: str) -> list[QuoteSpan]:
    """Character spans of directly quoted text (marks excluded), split around inserted attributions."""
    spans: list[QuoteSpan] = []
    found = [-1, -1]  # (from, at): the first paragraph break at or after `from` is at `at`

    def paragraph_end(at: int) -> int:
        # text.find from every quote mark scans to the next blank line, which is the whole text for a
        # page without one (quadratic); the answer holds until `at` passes the break found last time.
        if not (found[0] <= at <= found[1]):
            end = text.find("\n\n", at)
            found[0], found[1] = at, len(text) if end < 0 else end
        return found[1]

    i = 0
    while i < len(text):
        ch = text[i]
        pair = text[i : i + 2]
        if pair in {"''", "``"}:  # typewriter-style marks of some wires: ''...'' or ``...''
            para_end = paragraph_end(i)
            j = text.find("''", i + 2, para_end)
            j = para_end if j < 0 else j
            spans.extend(_split_inserted(text, i + 2, j))
            i = j + 2
            continue
        if ch in PAIRS and not (ch == '"' and i > 0 and text[i - 1].isalnum()):
            closer = PAIRS[ch]
            para_end = paragraph_end(i)
            j = text.find(closer, i + 1, para_end)
            nested_open = text.find(ch, i + 1, para_end) if ch != closer else -1
            if j < 0 or (0 <= nested_open < j and ch != '"'):
                j = para_end  # unbalanced: the quote runs to the end of its paragraph
            spans.extend(_split_inserted(text, i + 1, j))
            i = j + 1
        else:
            i += 1
    return spans


def _split_inserted(text: str, start: int, end: int) -> list[QuoteSpan]:
    inner = text[start:end]
    out: list[QuoteSpan] = []
    pos = 0
    attribution, attr_start = None, -1
    for m in INSERTED_ATTRIBUTION.finditer(inner):
        out.append(QuoteSpan(start + pos, start + m.start()))
        attribution, attr_start = m.group("attr"), start + m.start("attr")
        pos = m.end()
    out.append(QuoteSpan(start + pos, end))
    if attribution:
        for span in out:
            span.attribution, span.attr_start = attribution, attr_start
    return [_trim(text, s) for s in out if _trim(text, s).end > _trim(text, s).start]


def _trim(text: str, span: QuoteSpan) -> QuoteSpan:
    s, e = span.start, span.end
    while s < e and (text[s].isspace() or text[s] in "\u2013\u2014-"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ",;:\u2013\u2014-" or text[e - 1] in CLOSERS):
        e -= 1
    return QuoteSpan(s, e, span.attribution, span.attr_start)


def is_name_in_quotes(words: list[str]) -> bool:
    """'“Beyond the News”': a title or name in quote marks, not speech."""
    content = [w for w in words if w.lower() not in {"the", "of", "and", "a", "in", "on", "for", "to"}]
    return bool(content) and len(words) <= 6 and all(w[:1].isupper() for w in content)


class QuoteExtractor:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.speech_verbs = set(kb.words("speech_verbs"))
        self.speech_nouns = set(kb.words("speech_nouns"))
        self.addressee_verbs = set(kb.words("addressee_verbs"))
        self.attribution_phrases = [p.lower() for p in kb.words("attribution_phrases")]

    # -- speakers ------------------------------------------------------------------------------------
    def speaker_of_verb(self, verb: Token, rd: ResolvedDoc) -> tuple[str | None, str | None]:
        quoted = _quoted_as_saying(verb)
        if quoted is not None:  # 'Interfax quoted X as saying', 'X was quoted by Interfax as saying'
            # the phrase of the quoted source stops before 'saying' (an 'acl' participle hangs inside it)
            words = [t for t in quoted.subtree if t.i < verb.i and not (verb.left_edge.i <= t.i <= verb.right_edge.i)]
            actor = rd.actor_of(quoted) or next((rd.by_token[t.i].actor_id for t in words if t.i in rd.by_token),
                                                None)
            return actor, verb.doc[words[0].i : words[-1].i + 1].text if words else quoted.text
        for child in verb.children:
            if child.dep_ in {"nsubj", "nsubjpass"} and _relative_speaker(child) and \
                    verb.dep_ in {"relcl", "acl"} and verb.head.i < child.i:
                # 'X, who said that ...': the relative pronoun stands for the noun the clause modifies
                head = verb.head
                actor = rd.actor_of(head) or next((rd.by_token[t.i].actor_id for t in verb.doc[
                    head.left_edge.i : head.i + 1] if t.i in rd.by_token), None)
                return actor, child.text  # the text names the pronoun, as for 'he said'
            if child.dep_ in {"nsubj", "nsubjpass"}:
                # 'The Kremlin - spokesman for Dmitry Peskov - said': the person in the subject speaks
                people = _people_in_subject(child, rd)
                if not people:
                    # a title parsed as a subject of its own beside the name ('EU foreign policy chief
                    # Catherine Ashton has said' read as two subjects): the one naming a person speaks
                    for other in verb.children:
                        found = _people_in_subject(other, rd) if other.i > child.i and other.dep_ in {
                            "nsubj", "nsubjpass"} else []
                        if found:
                            child, people = other, found
                            break
                actor = people[0] if people else rd.actor_of(child)
                if actor is None:
                    for sub in child.subtree:
                        actor = rd.by_token[sub.i].actor_id if sub.i in rd.by_token else None
                        if actor:
                            break
                if child.lower_ in SPEAKING_PRONOUNS:  # 'he said': the one last reported speaking
                    actor = rd.speaker_antecedent(child, self.speech_verbs)
                if actor is None and child.pos_ == "PROPN":
                    actor = rd.actor_named(child.text)  # 'Tanner said' after 'Michael Tanner'
                return actor, _phrase(child)
        # an object before the verb's content is who is addressed ('urged the government to'), not a speaker
        content_end = max((c.i for c in verb.children if c.dep_ in {"xcomp", "ccomp"}), default=-1)
        addressed = verb.lemma_.lower() in self.addressee_verbs  # 'told the crowd': the crowd listens
        for child in verb.children:  # inverted: '..., replied presidential advisor X'
            if child.dep_ in {"dobj", "attr", "npadvmod", "dep"} and child.i > max(verb.i, content_end) and \
                    not (addressed and child.dep_ == "dobj"):
                actor = rd.actor_of(child)
                if actor:
                    return actor, _phrase(child)
        if verb.dep_ == "advcl" and verb.head.i != verb.i:
            # 'reported the statements of three officials, stating that ...': those officials speak
            for obj in verb.head.children:
                if obj.dep_ == "dobj" and obj.lower_ in self.speech_nouns:
                    for prep in obj.children:
                        if prep.lower_ == "of":
                            for pobj in prep.children:
                                actor = rd.actor_of(pobj)
                                if actor:
                                    return actor, _phrase(pobj)
        if verb.dep_ in {"conj", "advcl", "xcomp"} and verb.head.i != verb.i:
            return self.speaker_of_verb(verb.head, rd)
        return None, None

    def speaker_from_text(self, phrase: str, at: int, rd: ResolvedDoc) -> tuple[str | None, str | None]:
        """Speaker named in an inserted attribution ('according to a senior official', 'as he specified')."""
        span = rd.doc.char_span(at, at + len(phrase), alignment_mode="expand")
        if span is None:
            return None, phrase
        for tok in span:
            actor = rd.actor_of(tok)
            if actor:
                return actor, tok.text
        return None, phrase

    def last_speaker(self, quotes: list[Quote], before: int, paragraph_start: int) -> Quote | None:
        for q in reversed(quotes):
            if q.end <= before and q.speaker and q.start >= paragraph_start:
                return q
        return None

    # -- direct ----------------------------------------------------------------------------------------
    def direct(self, rd: ResolvedDoc, indirect: Sequence[Quote] = (), turns: _Turns | None = None) -> list[Quote]:
        text = rd.document.text
        quotes: list[Quote] = []
        outer_of = _FirstContaining(indirect)
        spoken: Quote | None = None  # the last quote appended that has a speaker (see last_speaker)
        reported_before = _LastEndingBefore([q for q in indirect if q.speaker])
        for qs in quote_spans(text):
            body = text[qs.start : qs.end]
            words = body.split()
            if len(words) < MIN_QUOTE_WORDS or is_name_in_quotes(words):
                continue
            speaker, speaker_text, cue = None, None, None
            outer = outer_of(qs.start, qs.end)
            if outer is not None:  # a phrase quoted inside reported speech is the reporter's source's
                quotes.append(Quote(id="", doc=rd.document.id, speaker=outer.speaker, speaker_text=outer.speaker_text,
                                    cue=outer.cue, text=body, start=qs.start, end=qs.end, quote_kind="direct"))
                spoken = quotes[-1] if outer.speaker else spoken
                continue
            if qs.attribution:
                speaker, speaker_text = self.speaker_from_text(qs.attribution, qs.attr_start, rd)
                cue = qs.attribution.split()[0] if qs.attribution else None
                if speaker is None or (speaker_text or "").lower() in {"he", "she"}:
                    # 'as he specified': the person last reported speaking
                    prev = self.last_speaker(sorted([*quotes, *indirect], key=lambda q: q.start), qs.start, 0)
                    speaker = prev.speaker if prev else speaker
            if speaker is None:
                speaker, speaker_text, cue = self._speaker_near(qs, rd)
                if speaker is not None and (speaker_text or "").lower() in {"he", "she"}:
                    speaker = _pronoun_continues_speaker(rd, qs.start, speaker, PRONOUN_GENDER[
                        (speaker_text or "").lower()], (spoken, reported_before(qs.start)))
            if speaker is None and not self._names_a_speaker(speaker_text):
                # (a speaker named beside the quote but not resolved, 'Nina explained', is still its speaker:
                # the last one quoted is not carried over it; 'the statement said', 'who said' are carried)
                para_start = text.rfind("\n\n", 0, qs.start) + 1
                # Quote spans come in text order without overlap, so the last quote with a speaker is the
                # one last_speaker would find; scanning the list each time is quadratic on a page of quotes.
                if spoken is not None and spoken.end <= qs.start:
                    prev = spoken if spoken.start >= para_start else None
                else:
                    prev = self.last_speaker(quotes, qs.start, para_start)
                # 'X said on Friday that ... . "..."': reported speech just before the quote, in its
                # paragraph, names the speaker as well as an earlier quote does (the later of the two wins)
                reported = reported_before(qs.start)
                if reported is not None and reported.start >= para_start and (
                        prev is None or prev.end < reported.end) and _sentences_apart(rd, reported.end, qs.start) <= 1:
                    prev = reported
                if prev is None and para_start > 0 and not text[para_start : qs.start - 1].strip():
                    prev = self._previous_paragraph_speaker(rd, para_start, spoken, reported_before(qs.start))
                if prev and (turns is None or turns.same(prev.start, qs.start)):
                    speaker, speaker_text, cue = prev.speaker, prev.speaker_text, prev.cue
            if speaker is None and turns is not None and turns(qs.start) is not None:
                speaker, speaker_text = turns(qs.start)  # a transcript: the speaker of this turn quotes it
            quotes.append(Quote(
                id="", doc=rd.document.id, speaker=speaker, speaker_text=speaker_text, cue=cue,
                text=body, start=qs.start, end=qs.end, quote_kind="direct"))
            spoken = quotes[-1] if speaker else spoken
        return quotes

    def _names_a_speaker(self, speaker_text: str | None) -> bool:
        """Whether the words beside a verb of saying name who speaks, rather than a relative pronoun or what
        was said ('the statement'), which stand for a speaker named before."""
        words = re.findall(r"[\w'-]+", (speaker_text or "").lower())
        return bool(words) and words[-1] not in self.speech_nouns and words[-1] not in RELATIVE_PRONOUNS | {"that"}

    @staticmethod
    def _previous_paragraph_speaker(rd: ResolvedDoc, para_start: int, *candidates: Quote | None) -> Quote | None:
        """For a quote that opens a paragraph: the attributed quote that ends the paragraph before, in its
        last sentence ('... X said.' or an open quote of X's running on, the convention for a speech over
        several paragraphs)."""
        text = rd.document.text
        prev_end = len(text[:para_start].rstrip())
        prev_start = text.rfind("\n\n", 0, prev_end) + 1
        found = [q for q in candidates if q is not None and q.start >= prev_start and q.end <= prev_end]
        if not found:
            return None
        last = max(found, key=lambda q: q.end)
        return last if _sentences_apart(rd, last.end, max(prev_end - 1, last.end)) == 0 else None

    def _speaker_near(self, qs: QuoteSpan, rd: ResolvedDoc) -> tuple[str | None, str | None, str | None]:
        """A verb of saying in the sentences where the quote opens or closes, outside the quote."""
        doc = rd.doc
        first = doc.char_span(qs.start, qs.start + 1, alignment_mode="expand")
        last = doc.char_span(max(qs.end - 1, qs.start), qs.end, alignment_mode="expand")
        sents: list[Span] = []
        for piece in (last, first):
            if piece is not None and rd.sent_at(piece[0].i) not in sents:
                sents.append(rd.sent_at(piece[0].i))
        window = _window(doc, qs, NEAR_WINDOW)
        for sent in sents:
            near = doc[max(sent.start, window[0]) : min(sent.end, window[1])]
            for tok in near:
                inside = qs.start <= tok.idx < qs.end
                if inside or tok.lemma_.lower() not in self.speech_verbs or tok.pos_ not in {"VERB", "AUX"}:
                    continue
                speaker, speaker_text = self.speaker_of_verb(tok, rd)
                if speaker:
                    return speaker, speaker_text, tok.text
                for child in tok.children:  # 'as he specified'
                    if child.lower_ in SPEAKING_PRONOUNS:
                        return rd.speaker_antecedent(child, self.speech_verbs), child.text, tok.text
                if speaker_text:  # 'the mayor said': a speaker we can name but not resolve
                    return None, speaker_text, tok.text
            for tok in near:  # 'according to X'
                if tok.lower_ == "according" and not (qs.start <= tok.idx < qs.end):
                    actor = self._according_to(tok, rd)
                    if actor:
                        return actor, None, "according to"
        return None, None, None

    def _according_to(self, tok: Token, rd: ResolvedDoc) -> str | None:
        for prep in tok.children:
            for obj in prep.children:
                if obj.dep_ == "pobj":
                    if obj.lower_ in RELATIVE_PRONOUNS:
                        head = tok.head
                        while head.dep_ in {"relcl", "prep", "acl"} and head.head.i != head.i:
                            head = head.head
                        return rd.actor_of(head) or rd.antecedent(tok.i, plural=True)
                    return rd.actor_of(obj) or next(
                        (rd.by_token[t.i].actor_id for t in obj.subtree if t.i in rd.by_token), None)
        return None

    @staticmethod
    def _introduces_direct(verb: Token, direct_ends: list[int]) -> bool:
        """Whether a direct quote ends at most 4 characters before the verb's clause; `direct_ends` is the
        sorted list of direct quotes' ends (bisected: one scan per verb is quadratic on a page of quotes)."""
        left = min([verb.i] + [c.left_edge.i for c in verb.children if c.dep_ == "nsubj" and c.i < verb.i])
        start = verb.doc[left].idx
        k = bisect_left(direct_ends, start - 4)
        return k < len(direct_ends) and direct_ends[k] <= start

    XCOMP_SPEECH = {"promise", "pledge", "vow", "threaten", "urge", "call", "demand", "propose", "agree",
                    "offer", "refuse", "ask", "warn", "appeal"}

    def _verb_content(self, verb: Token, rd: ResolvedDoc) -> Tokens | None:
        """What a verb of saying reports: its clause ('said that ...'), a speech noun it governs
        ('acknowledged his openness to ...'), a 'that' clause the parser hung elsewhere, or the rest of
        its sentence when it is a parenthetical ('as X says', '- the guest continues -')."""
        lemma = verb.lemma_.lower()
        for c in verb.children:
            if c.i > verb.i and (c.dep_ == "ccomp" or (c.dep_ == "xcomp" and lemma in self.XCOMP_SPEECH)):
                return _clause_tokens(c)
        for c in verb.children:  # 'The talks failed, officials said.': the report comes first
            if c.i < verb.i and c.dep_ == "ccomp" and not any(x.dep_ == "mark" for x in c.children):
                return _clause_tokens(c)
        for c in verb.children:
            if c.dep_ == "dobj" and c.lower_ in self.speech_nouns and any(
                    g.dep_ in {"acl", "ccomp"} or (g.dep_ == "prep" and g.lower_ == "to") for g in c.children):
                return _clause_tokens(c)  # 'acknowledged his openness to talks
        # Token.sent walks the sentences from the start of the document; the resolved doc bisects them.
        # Slices of the sentence (not scans of all of it) keep the work per verb independent of its length.
        sent = rd.sent_at(verb.i)
        doc = verb.doc
        that = next((t for t in doc[verb.i + 1 : min(verb.i + 9, sent.end)] if t.lower_ == "that"
                     and t.dep_ == "mark"), None)
        if that is not None:
            content = []
            for t in doc[that.i + 1 : sent.end]:
                if t.lemma_.lower() in self.speech_verbs and t.pos_ == "VERB" and any(
                        c.dep_ == "nsubj" and c.i < t.i for c in t.children):
                    subj = min(c.left_edge.i for c in t.children if c.dep_ == "nsubj")
                    content = [x for x in content if x.i < subj]  # '..., and he said that ...' starts anew
                    break
                content.append(t)
            while content and (content[-1].is_punct or content[-1].lower_ in {"and", "but"}):
                content.pop()
            return content or None
        if verb.dep_ == "parataxis" or (verb.i > sent.start and verb.doc[verb.i - 1].text == "," and any(
                c.dep_ == "nsubj" and c.i < verb.i for c in verb.children) and verb.i + 1 < sent.end
                and verb.doc[verb.i + 1].text == ","):
            # '..., he said, local officials should ...': the sentence around the parenthetical is the report
            # (the subtree's edges are its first and last token)
            first, last = verb.left_edge.i, verb.right_edge.i
            before = doc[sent.start : max(first, sent.start)]
            skip = 1 if last + 1 < sent.end and doc[last + 1].is_punct else 0
            after = doc[min(max(last + 1 + skip, sent.start), sent.end) : sent.end]
            return max(before, after, key=len) or None  # a quote is one contiguous span: the larger side
        if lemma == "call" and any(c.lower_ == "for" for c in verb.children):
            prep = next(c for c in verb.children if c.lower_ == "for")  # 'called for more investment'
            clause = _clause_tokens(prep)
            if isinstance(clause, Span) and clause.start == prep.i:
                return clause[1:] or None
            return [t for t in clause if t.i != prep.i] or None
        marks = {c.lower_ for c in verb.children if c.dep_ == "mark"}
        if "as" in marks or (verb.i > sent.start and verb.doc[verb.i - 1].lower_ == "as"):
            before = [t for t in doc[sent.start : max(verb.left_edge.i, sent.start)] if not t.is_space]
            return before or None
        return None

    # -- indirect ----------------------------------------------------------------------------------------
    def indirect(self, rd: ResolvedDoc, direct: list[Quote], turns: _Turns | None = None) -> list[Quote]:
        doc = rd.doc
        quotes: list[Quote] = []
        # The direct quotes are looked up once per candidate; sorted arrays make each lookup a bisection
        # (a scan of all of them per candidate is quadratic on a page full of quotes).
        direct_ends = sorted(q.end for q in direct)
        by_start = sorted(direct, key=lambda q: q.start)
        starts = [q.start for q in by_start]
        reach = list(accumulate((q.end for q in by_start), max))  # furthest end among quotes opened so far
        last_start = starts[-1] if starts else None
        for tok in doc:
            lemma = tok.lemma_.lower()
            content: Tokens | None = None
            speaker = speaker_text = None
            cue = tok.text
            if tok.pos_ in {"VERB", "AUX"} and lemma in self.speech_verbs:
                near = [g for c in tok.children for g in (c, *c.children)]  # 'saying', 'as saying', 'X saying'
                if lemma in QUOTING_VERBS and any(_quoted_as_saying(t) is not None for t in near
                                                  if t.lemma_.lower() in self.speech_verbs):
                    continue  # 'Interfax quoted X as saying ...': the report is X's, found at 'saying'
                content = self._verb_content(tok, rd)
                if content and content[0].i < tok.i and self._introduces_direct(tok, direct_ends):
                    continue  # '“...,” replied X': the direct quote is what was said, not the clause before it
                if content is None:
                    continue
                speaker, speaker_text = self.speaker_of_verb(tok, rd)
                if speaker is None and (speaker_text or "").strip().lower() in FIRST_PERSON and turns is not None \
                        and turns(tok.idx) is not None:
                    speaker = turns(tok.idx)[0]  # 'I think that ...' in a transcript: this turn's speaker
            elif tok.pos_ == "NOUN" and tok.lower_ in self.speech_nouns:
                comp = [c for c in tok.children if c.i > tok.i and (
                    c.dep_ == "ccomp" or (c.dep_ in {"acl", "prep"} and (c.lower_ == "to" or any(
                        g.lower_ == "to" and g.i < c.i for g in c.children))))]
                if not comp:
                    continue
                content = _clause_tokens(comp[0])
                if content and content[0].lower_ == "to":  # 'call to grant ...': the content is 'grant ...'
                    content = content[1:]
                owner = [c for c in tok.children if c.dep_ == "poss"]
                if owner:
                    speaker = rd.actor_of(owner[0]) or next(
                        (rd.by_token[t.i].actor_id for t in owner[0].subtree if t.i in rd.by_token), None)
                    speaker_text = _phrase(owner[0])
                if speaker is None and tok.head.pos_ == "VERB":
                    speaker, speaker_text = self.speaker_of_verb(tok.head, rd)
            elif tok.lower_ == "according" and tok.i + 2 < len(doc) and doc[tok.i + 1].lower_ == "to":
                sent = rd.sent_at(tok.i)
                if doc[tok.i + 2].lower_ in RELATIVE_PRONOUNS:
                    # '..., according to which X will ...'
                    content = doc[min(max(tok.i + 3, sent.start), sent.end) : sent.end]
                else:
                    obj = doc[tok.i + 2]
                    phrase_end = obj.head.right_edge.i + 1 if obj.head.i != tok.i else tok.i + 3
                    if phrase_end > tok.i - 1:
                        content = doc[min(max(phrase_end, sent.start), sent.end) : sent.end]
                    else:
                        content = [t for t in sent if t.i >= phrase_end and t.i != tok.i - 1]
                    if tok.i > sent.start + 2:  # 'X, according to Y.': the content comes first
                        content = doc[sent.start : tok.i - (1 if doc[tok.i - 1].is_punct else 0)]
                speaker = self._according_to(tok, rd)
                cue = "according to"
                obj = next((o for prep in tok.children for o in prep.children if o.dep_ == "pobj"), None)
                if speaker is None and obj is not None and obj.lower_ not in RELATIVE_PRONOUNS:
                    # 'according to the AP news agency': a source named but not resolved is still named
                    speaker_text = doc[obj.left_edge.i : obj.i + 1].text
            if not content:
                continue
            while content and (content[0].is_punct or content[0].lower_ in {"that", ","}):
                content = content[1:]
            while content and content[-1].is_punct and content[-1].text not in CLOSERS and \
                    content[-1].text != "\u201d":
                content = content[:-1]
            if len(content) < 3:
                continue
            start, end = content[0].idx, content[-1].idx + len(content[-1].text)
            opened = bisect_right(starts, start)  # direct quotes starting at or before the complement
            if opened and reach[opened - 1] >= end - 1:
                continue  # the complement is itself a direct quote
            if opened and reach[opened - 1] > start and last_start is not None and last_start < start:
                continue  # it starts inside the last direct quote
            quotes.append(Quote(
                id="", doc=rd.document.id, speaker=speaker, speaker_text=speaker_text, cue=cue,
                text=rd.document.text[start:end], start=start, end=end, quote_kind="indirect"))
        return _drop_nested(quotes)

    def colon_headlines(self, rd: ResolvedDoc) -> list[Quote]:
        """'Zelensky: Ukraine will not give up Crimea': a line that opens with a named speaker and a colon
        reports what that speaker said (the headline convention of many outlets)."""
        text = rd.document.text
        out: list[Quote] = []
        pos = 0
        for line in text.split("\n\n"):
            start = pos
            pos += len(line) + 2
            head, colon, rest = line.partition(":")
            if not colon or not rest.strip() or len(head.split()) > 5 or len(rest.split()) < 3:
                continue
            span = rd.doc.char_span(start, start + len(head), alignment_mode="expand")
            if span is None:
                continue
            speaker = next((rd.by_token[t.i].actor_id for t in span if t.i in rd.by_token), None)
            if speaker is None or not any(t.ent_type_ == "PERSON" or t.i in rd.by_token for t in span[-1:]):
                continue
            body_start = start + len(head) + 1
            while body_start < pos and text[body_start] == " ":
                body_start += 1
            body_end = start + len(line.rstrip(" ."))
            out.append(Quote("", rd.document.id, speaker, head.strip(), ":", text[body_start:body_end], body_start,
                             body_end, "indirect"))
        return out

    def __call__(self, rd: ResolvedDoc) -> list[Quote]:
        spans = [Quote("", rd.document.id, None, None, None, "", q.start, q.end, "direct")
                 for q in quote_spans(rd.document.text)]
        turns = _Turns(rd)
        indirect = self.indirect(rd, spans, turns)
        direct = self.direct(rd, indirect, turns)
        headlines = [q for q in self.colon_headlines(rd)
                     if not any(o.start < q.end and q.start < o.end for o in direct + indirect)]
        quotes = direct + indirect + headlines
        quotes.sort(key=lambda q: (q.start, q.end))
        for q in quotes:
            q.id = content_hash(f"{q.doc}:quote:{q.start}:{q.end}:{q.quote_kind}")
        return quotes


Tokens = Span | list[Token]  # a run of tokens: a Span when contiguous (slicing it costs nothing)


def _subtree_sizes(doc: Doc) -> list[int]:
    """The number of tokens under each token (itself included), for the whole doc in linear time.

    Cached on the Doc: extraction asks for many clauses of one doc."""
    cached = doc.user_data.get(_SIZES_KEY)
    if cached is not None and len(cached) == len(doc):
        return cached
    heads = [t.head.i for t in doc]
    depth = [-1] * len(doc)
    for i in range(len(doc)):
        path = []
        j = i
        while depth[j] < 0 and heads[j] != j:
            path.append(j)
            j = heads[j]
        if depth[j] < 0:
            depth[j] = 0
        d = depth[j]
        for k in reversed(path):
            d += 1
            depth[k] = d
    sizes = [1] * len(doc)
    for i in sorted(range(len(doc)), key=depth.__getitem__, reverse=True):  # children before their heads
        if heads[i] != i:
            sizes[heads[i]] += sizes[i]
    doc.user_data[_SIZES_KEY] = sizes
    return sizes


_SIZES_KEY = ("parley", "subtree_sizes")


def _clause_tokens(head: Token) -> Tokens:
    """The tokens of `head`'s subtree in text order.

    Token.subtree walks nested generators, which is quadratic in the depth of the tree; a page of
    '"a" said "b", ...' parses as one chain thousands deep, and a subtree per verb made extraction cubic.
    A subtree that fills the range between its edges (every projective one) is that range as a Span."""
    first, last = head.left_edge.i, head.right_edge.i
    if _subtree_sizes(head.doc)[head.i] == last - first + 1:
        return head.doc[first : last + 1]
    return sorted(head.subtree, key=lambda t: t.i)


QUOTING_VERBS = {"quote", "cite"}
FIRST_PERSON = {"i", "we"}


class _Turns:
    """The turns of a transcript or interview: 'Vladimir Putin: ...', 'Question: ...'. A label is a short
    run of capitalised words opening a sentence and ending in a colon; a turn lasts until the next label.
    A label naming a person gives that person's turn; another ('Question:', 'Host:') a turn of no one
    known. Calling it with a character position gives (speaker id, label) of the person's turn there."""

    # a label opens the text, a line or a sentence (after its final punctuation: the parser does not always
    # split a sentence before a label), and runs up to eight words to a colon: 'President of Russia
    # Vladimir Putin:', 'Question:'
    LABEL = re.compile(r"(?:^|(?<=[.?!\u2026\"\u201d\u00bb] ))"
                       r"([A-Z][^\s.?!:;,\"\u201c\u201d]*(?:[ \u00a0][^\s.?!:;,\"\u201c\u201d]+){0,7}):\s", re.M)
    OTHER_LABEL_WORDS = 3  # a label naming no person ('Question:', 'Host:') is that short and capitalised

    def __init__(self, rd: ResolvedDoc) -> None:
        self.starts: list[int] = []
        self.turns: list[tuple[str, str] | None] = []
        for m in self.LABEL.finditer(rd.document.text):
            words = m.group(1).split()
            if not words[-1][:1].isupper():
                continue
            span = rd.doc.char_span(m.start(1), m.end(1), alignment_mode="expand")
            people = [rd.by_token[t.i].actor_id for t in span or () if t.i in rd.by_token
                      and rd.actors[rd.by_token[t.i].actor_id].type == "PERSON"]
            named = rd.actor_named(words[-1]) if not people else None
            people = people or ([named] if named else [])  # a name the tagger missed this time
            if not people and (len(words) > self.OTHER_LABEL_WORDS or not all(w[:1].isupper() for w in words)):
                continue
            # a named person's turn, or (for 'Question:' and the like) the end of the one before
            self.starts.append(m.start(1))
            self.turns.append((people[-1], m.group(1)) if people else None)
        self.any_person = any(self.turns)

    def __call__(self, at: int) -> tuple[str, str] | None:
        if not self.any_person:
            return None
        k = bisect_right(self.starts, at)
        return self.turns[k - 1] if k else None

    def same(self, a: int, b: int) -> bool:
        """Whether two positions lie in one turn (always, in a text without person turns)."""
        return not self.any_person or bisect_right(self.starts, a) == bisect_right(self.starts, b)


def _quoted_as_saying(verb: Token) -> Token | None:
    """The person a report quotes: X in 'Interfax quoted X as saying ...', 'HRW cites X as saying ...',
    'Reuters quoted X saying ...' and 'X was quoted by Interfax as saying ...' (not the reporter, the
    subject of 'quoted'). None for a verb of saying with a subject of its own."""
    if any(c.dep_ in {"nsubj", "nsubjpass"} for c in verb.children):
        return None
    head = verb.head
    if head.lower_ == "as" and head.head.i != head.i:
        head = head.head  # 'as saying': 'saying' hangs from 'as'
    if verb.dep_ == "acl" and head.head.lemma_.lower() in QUOTING_VERBS:
        return head  # 'quoted [a spokesman saying]': the noun the participle modifies
    if head.i == verb.i or head.lemma_.lower() not in QUOTING_VERBS:
        return None
    obj = next((c for c in head.children if c.dep_ == "dobj"), None)
    passive = next((c for c in head.children if c.dep_ == "nsubjpass"), None)
    return obj or passive


def _relative_speaker(tok: Token) -> bool:
    """'who', or 'which' after a comma ('the ministry, which said ...'): a relative pronoun that adds a
    speaker to the noun before it. A 'which'/'that' clause without the comma restricts the noun
    ('the country which denies ...') and is more often part of what someone said."""
    low = tok.lower_
    return low == "who" or (low == "which" and tok.i > 0 and tok.doc[tok.i - 1].text == ",")


def _pronoun_continues_speaker(rd: ResolvedDoc, at: int, antecedent: str, gender: str,
                               earlier: Sequence[Quote | None]) -> str:
    """'He warned that ... Yanukovych might ... . "...," he said': a 'he said' right after someone's
    reported speech continues that speaker, unless the pronoun's antecedent is named after that speech
    ended (a person named inside what was said is not who says the next thing)."""
    before = [q for q in earlier if q is not None and q.speaker and q.end <= at
              and _sentences_apart(rd, q.end, at) <= 1]
    if not before:
        return antecedent
    last = max(before, key=lambda q: q.end)
    if last.speaker == antecedent or last.speaker not in rd.actors or \
            not rd.person_of_gender(last.speaker, gender):
        return antecedent
    named_after = any(s.actor_id == antecedent and last.end <= s.start < at for s in rd.spans)
    return antecedent if named_after else last.speaker


def _people_in_subject(subject: Token, rd: ResolvedDoc) -> list[str]:
    """People named in a subject phrase, the phrase's own person first: its head or an appositive of it
    ('Borodai, flanked by Strelkov and Antyufeyev', 'Ukraine's richest man, Rinat Akhmetov -- a backer of
    President Viktor Yanukovych --'), then people further inside it ('The Kremlin - spokesman for
    Dmitry Peskov - said': a body's spokesman speaks, not the body)."""
    def person(tok: Token) -> str | None:
        span = rd.by_token.get(tok.i)
        if span and span.kind != "description" and rd.actors[span.actor_id].type == "PERSON":
            return span.actor_id
        return None

    own: list[str] = []
    chain = [subject]
    while chain:  # the head, its name's parts and its appositives
        tok = chain.pop(0)
        found = person(tok)
        if found and found not in own:
            own.append(found)
        chain.extend(c for c in tok.children if c.dep_ in {"appos", "compound", "flat"})
    inner = [a for t in subject.subtree if (a := person(t)) and a not in own]
    return own + inner


def _phrase(tok: Token) -> str:
    """The words that name a speaker: the subject's phrase without a relative clause set off by a comma
    ('The Admiral, who headed the Fleet in 1991,' names 'The Admiral')."""
    doc = tok.doc
    cut = min((c.left_edge.i for c in tok.children if c.dep_ == "relcl" and c.left_edge.i > tok.i
               and doc[c.left_edge.i - 1].text == ","), default=None)
    toks = sorted((t for t in tok.subtree if cut is None or t.i < cut - 1), key=lambda t: t.i)
    while len(toks) > 1 and toks[-1].is_punct:
        toks.pop()
    return doc[toks[0].i : toks[-1].i + 1].text if toks else tok.text


def _drop_nested(quotes: list[Quote]) -> list[Quote]:
    """Keep the outer of two indirect quotes of one speaker where one lies inside the other."""
    out: list[Quote] = []
    # Kept quotes all start at or before the current one (sorted by start), so one lies around it when the
    # furthest end kept for its speaker reaches its end: a dict lookup instead of a scan of `out`.
    reach: dict[str | None, int] = {}
    for q in sorted(quotes, key=lambda q: (q.start, -(q.end - q.start))):
        if reach.get(q.speaker, -1) >= q.end:
            continue
        out.append(q)
        reach[q.speaker] = max(reach.get(q.speaker, -1), q.end)
    return out


class _FirstContaining:
    """`next(q for q in quotes if q.start <= start and end <= q.end)`, answered by bisection when `quotes`
    is sorted by start (as indirect() returns them), else by the scan itself."""

    def __init__(self, quotes: Sequence[Quote]) -> None:
        self.quotes = list(quotes)
        self.starts = [q.start for q in self.quotes]
        self.sorted = all(a <= b for a, b in zip(self.starts, self.starts[1:]))
        self.reach = list(accumulate((q.end for q in self.quotes), max))

    def __call__(self, start: int, end: int) -> Quote | None:
        if not self.sorted:
            return next((q for q in self.quotes if q.start <= start and end <= q.end), None)
        opened = bisect_right(self.starts, start)
        # the first quote (in order) whose end reaches `end`: where the running maximum first reaches it
        k = bisect_left(self.reach, end, 0, opened)
        return self.quotes[k] if k < opened else None


def _sentences_apart(rd: ResolvedDoc, a: int, b: int) -> int:
    """How many sentence breaks lie between characters a and b (a <= b): 0 within one sentence."""
    first = rd.doc.char_span(max(a - 1, 0), a, alignment_mode="expand")
    last = rd.doc.char_span(b, min(b + 1, len(rd.doc.text)), alignment_mode="expand")
    if first is None or last is None:
        return len(rd.doc)  # no token there: as good as far apart
    return rd.sent_index(last[0].i) - rd.sent_index(first[0].i)


class _LastEndingBefore:
    """The quote that ends last at or before a position (by bisection over the quotes sorted by end)."""

    def __init__(self, quotes: Sequence[Quote]) -> None:
        self.quotes = sorted(quotes, key=lambda q: q.end)
        self.ends = [q.end for q in self.quotes]

    def __call__(self, at: int) -> Quote | None:
        k = bisect_right(self.ends, at)
        return self.quotes[k - 1] if k else None


def _window(doc: Doc, qs: QuoteSpan, width: int) -> tuple[int, int]:
    """Token range from `width` tokens before a quote's first token to `width` after its last."""
    first = doc.char_span(qs.start, qs.start + 1, alignment_mode="expand")
    last = doc.char_span(max(qs.end - 1, qs.start), qs.end, alignment_mode="expand")
    lo = first.start if first is not None else 0
    hi = last.end if last is not None else len(doc)
    return max(0, lo - width), min(len(doc), hi + width)
