"""Learned quotes: which reported-content spans are attributions, and who their source is.

Candidates are the rule quotes plus the spans the parse offers as reported content: the clausal
complement, object, prepositional object or open complement of any verb ('X said that ...', 'X called for
...', 'X wants to ...'), the complement of a noun ('X's warning that ...') and the clause around
'according to'. A keep model (logistic, over cue lemma, dependency shape, length, position, quote marks
and the rules' own decision as features) scores each; spans are kept greedily by score, without overlap,
so the rules' exact quotes survive where they are right and the parse adds the unmarked indirect speech
they miss. A speaker model scores, for each kept span, the noun heads around its cue (and the rules'
answer as one more candidate); the best one names the source, its actor when it resolves to one.

Trained on PolNeAR's train split (brat standoff: Content / Source / Cue spans per attribution); labels are
token overlaps with the gold Content (keep) and whether a head lies in the gold Source (speaker)."""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Token

from parley.learn.linear import LinearModel, load_models, save_models
from parley.records import Quote, content_hash
from parley.resolve.actors import SPEAKING_PRONOUNS, ResolvedDoc

QUOTES_FILE = "quotes.json.gz"
SEED = 13
DEFAULTS: dict[str, Any] = {
    "c_keep": 0.5, "c_speaker": 0.5, "keep_threshold": 0.5, "min_count": 2,
    # a candidate counts as an attribution when most of it is one gold content and it covers enough of it
    "label_precision": 0.5, "label_coverage": 0.3, "label_f1": 0.0,
    "max_tokens": 150,  # longer 'complements' are parse accidents (a page parsed as one sentence)
    "holdout": 0.2,  # share of train articles held out to choose keep_threshold, before refitting on all
}
QUOTE_MARKS = set("\"\u201c\u201d\u00ab\u00bb\u201e\u2018\u2019")
OPENERS = set("\"\u201c\u00ab\u201e")
# dependents of a verb that can hold what it reports (the shapes PolNeAR's train contents take most often)
VERB_CONTENT_DEPS = {"ccomp", "xcomp", "dobj", "advcl", "oprd", "nsubjpass", "nsubj"}
NOUN_CONTENT_DEPS = {"acl", "ccomp", "prep", "relcl"}
HEAD_DEPS = {"nsubj", "nsubjpass", "pobj", "dobj", "poss", "appos", "attr", "conj", "ROOT", "npadvmod", "dep",
             "agent", "nmod", "dative"}
PRONOUNS = {"he", "she", "they", "we", "i", "you", "it"}
UNNAMED_KINDS = {"anonymous", "description", "title"}  # ActorSpan kinds that describe a party without its name
TRIM_START = {"that", ",", ":", ";", "-", "--", "\u2013", "\u2014"}


@dataclass
class Candidate:
    """One span that may be reported content: tokens [tok_start, tok_end) of the doc."""

    tok_start: int
    tok_end: int
    shape: str
    cue: int | None = None  # token index of the cue (verb, noun, 'according')
    rules: list[Quote] = field(default_factory=list)  # rule quotes with exactly this span


@dataclass
class ArticleExamples:
    """What training keeps of one article once its Doc is dropped: features, spans, gold spans."""

    name: str
    keep_x: list[dict[str, float]]
    keep_spans: list[tuple[int, int]]  # token spans of the candidates
    keep_y: list[bool]
    gold_tokens: list[set[int]]  # token sets of the gold contents
    n_tokens: int
    speaker_x: list[dict[str, float]]
    speaker_y: list[bool]
    # character spans, for the project's own annotations (scored by the shared scorer's span overlap)
    keep_chars: list[tuple[int, int]] = field(default_factory=list)
    gold_chars: list[tuple[int, int]] = field(default_factory=list)


# -- candidates --------------------------------------------------------------------------------------------
def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Drop the edges reported content never starts or ends with ('that', commas, dashes, spaces)."""
    while start < end and (doc[start].is_space or doc[start].lower_ in TRIM_START or (
            doc[start].is_punct and doc[start].text not in OPENERS)):
        start += 1
    while end > start and (doc[end - 1].is_space or (doc[end - 1].is_punct and doc[end - 1].text not in QUOTE_MARKS)
                           or doc[end - 1].lower_ in {"and", "but"}):
        end -= 1
    return start, end


def _span_of(tok: Token) -> tuple[int, int]:
    # the subtree's edges: a quote is one contiguous span (a non-projective subtree is filled in)
    return tok.left_edge.i, tok.right_edge.i + 1


def candidates(rd: ResolvedDoc, rule_quotes: Sequence[Quote], max_tokens: int = 150) -> list[Candidate]:
    doc = rd.doc
    found: dict[tuple[int, int], Candidate] = {}

    def add(start: int, end: int, shape: str, cue: int | None) -> Candidate | None:
        start, end = _trim(doc, start, end)
        if end - start < 2 or end - start > max_tokens or (cue is not None and start <= cue < end):
            return None
        key = (start, end)
        if key not in found:
            found[key] = Candidate(start, end, shape, cue)
        return found[key]

    for tok in doc:
        if tok.pos_ in {"VERB", "AUX"}:
            for c in tok.children:
                if c.dep_ in VERB_CONTENT_DEPS:
                    if c.dep_ in {"nsubj", "nsubjpass"} and c.pos_ not in {"VERB", "AUX", "NOUN"}:
                        continue  # a subject is content only when it is a clause or a nominal ('the plan')
                    add(*_span_of(c), "v:" + c.dep_, tok.i)
                elif c.dep_ == "prep":
                    add(*_span_of(c), "v:prep", tok.i)  # 'talked about the deal' (with the preposition)
                    for g in c.children:
                        if g.dep_ in {"pobj", "pcomp"}:
                            add(*_span_of(g), "v:prep:" + g.dep_, tok.i)
            if tok.dep_ in {"parataxis"} or (tok.dep_ == "ROOT" and any(
                    c.dep_ == "ccomp" and c.i < tok.i for c in tok.children)):
                # '..., officials said.' / 'The talks, he said, failed': the sentence around the cue
                sent = rd.sent_at(tok.i)
                first, last = tok.left_edge.i, tok.right_edge.i + 1
                if tok.dep_ == "parataxis":
                    before, after = (sent.start, first), (last, sent.end)
                    best = max(before, after, key=lambda s: s[1] - s[0])
                    add(*best, "v:around", tok.i)
        elif tok.pos_ in {"NOUN", "PROPN"}:
            for c in tok.children:
                if c.i > tok.i and c.dep_ in NOUN_CONTENT_DEPS:
                    add(*_span_of(c), "n:" + c.dep_, tok.i)
                    if c.dep_ == "prep":
                        for g in c.children:
                            if g.dep_ in {"pobj", "pcomp"}:
                                add(*_span_of(g), "n:prep:" + g.dep_, tok.i)
        if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
            sent = rd.sent_at(tok.i)
            phrase_end = max([tok.right_edge.i + 1, tok.i + 3])
            if tok.i > sent.start + 2:
                add(sent.start, tok.i, "according:before", tok.i)
            add(phrase_end, sent.end, "according:after", tok.i)
    out = list(found.values())
    # the rule quotes: each is a candidate too (its span exactly), with the rules' decision as a feature
    for q in rule_quotes:
        span = doc.char_span(q.start, q.end, alignment_mode="expand")
        if span is None or len(span) == 0:
            continue
        key = (span.start, span.end)
        cand = found.get(key)
        if cand is None:
            cand = Candidate(span.start, span.end, "rule", None)
            found[key] = cand
            out.append(cand)
        cand.rules.append(q)
    out.sort(key=lambda c: (c.tok_start, c.tok_end))
    return out


# -- keep features -----------------------------------------------------------------------------------------
def _bucket(n: int, edges: Sequence[int] = (2, 4, 8, 15, 30, 60)) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return "more"


def _marks(text: str) -> int:
    return sum(1 for ch in text if ch in QUOTE_MARKS)


class Featuriser:
    """Features of one article's candidates; holds the lexicons and the article's lookups."""

    def __init__(self, rd: ResolvedDoc, rule_quotes: Sequence[Quote], speech_verbs: set[str],
                 speech_nouns: set[str], max_speakers: int = 12) -> None:
        self.rd = rd
        self.max_speakers = max_speakers
        self.doc = rd.doc
        self.text = rd.document.text
        self.rule_quotes = list(rule_quotes)
        self.speech_verbs = speech_verbs
        self.speech_nouns = speech_nouns
        # read from the KB the document was resolved with, as the rules do (not stored with a model's weights:
        # it removes candidates, it adds no feature)
        self.addressee_verbs = set(rd.resolver.kb.words("addressee_verbs")) if rd.resolver is not None else set()
        # character -> inside a span the rules took as quoted (direct) or reported (indirect)
        self.rule_chars: dict[int, str] = {}
        for q in self.rule_quotes:
            for i in range(q.start, q.end):
                self.rule_chars.setdefault(i, q.quote_kind)
        self.sent_index = {s.start: k for k, s in enumerate(self.doc.sents)}

    def cue_features(self, f: dict[str, float], cue: Token, prefix: str, shape: str) -> None:
        lemma = cue.lemma_.lower()
        f[prefix + "lemma:" + lemma] = 1.0
        f[prefix + "lemma_shape:" + lemma + ":" + shape] = 1.0
        f[prefix + "pos:" + cue.pos_] = 1.0
        f[prefix + "dep:" + cue.dep_] = 1.0
        if lemma in self.speech_verbs or cue.lower_ in self.speech_nouns:
            f[prefix + "lexicon"] = 1.0
            f[prefix + "lexicon:" + shape] = 1.0
        subj = next((c for c in cue.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        if subj is None and cue.dep_ in {"conj", "xcomp", "advcl"}:
            subj = next((c for c in cue.head.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        if subj is None:
            f[prefix + "subj:none"] = 1.0
        else:
            kind = ("pron" if subj.pos_ == "PRON" else "actor" if subj.i in self.rd.by_token or any(
                t.i in self.rd.by_token for t in subj.subtree) else subj.ent_type_ or subj.pos_)
            f[prefix + "subj:" + kind] = 1.0
            f[prefix + "subj_shape:" + kind + ":" + shape] = 1.0
        if any(c.dep_ == "neg" for c in cue.children):
            f[prefix + "neg"] = 1.0
        for c in cue.children:
            if c.dep_ == "aux":
                f[prefix + "aux:" + c.lower_] = 1.0
        if cue.head.i != cue.i:
            f[prefix + "head:" + cue.head.lemma_.lower()] = 1.0

    def keep(self, cand: Candidate) -> dict[str, float]:
        doc, rd = self.doc, self.rd
        span = doc[cand.tok_start:cand.tok_end]
        start, end = span.start_char, span.end_char
        f: dict[str, float] = {"bias": 1.0, "shape:" + cand.shape: 1.0}
        n = cand.tok_end - cand.tok_start
        f["len:" + _bucket(n)] = 1.0
        f["len_shape:" + _bucket(n) + ":" + cand.shape] = 1.0
        if cand.cue is not None:
            cue = doc[cand.cue]
            self.cue_features(f, cue, "cue:", cand.shape)
            f["side:" + ("after" if cand.tok_start > cand.cue else "before")] = 1.0
        for q in cand.rules:
            f["rule:" + q.quote_kind] = 1.0
            f["rule_speaker:" + ("actor" if q.speaker else "text" if q.speaker_text else "none")] = 1.0
            if q.cue:
                f["rule_cue:" + q.cue.lower().split()[0]] = 1.0
        if not cand.rules:
            inside = [self.rule_chars.get(i) for i in range(start, end)]
            share = sum(1 for k in inside if k) / max(1, len(inside))
            f["rule_overlap:" + ("none" if share == 0 else "some" if share < 0.5 else "most" if share < 1 else
                                 "all")] = 1.0
            if share:
                kinds = {k for k in inside if k}
                for k in kinds:
                    f["rule_overlap_kind:" + k] = 1.0
        # quote marks: in the span, right around it
        inner = _marks(self.text[start:end])
        f["marks_in:" + ("0" if inner == 0 else "1" if inner == 1 else "2+")] = 1.0
        before = self.text[max(0, start - 2):start]
        after = self.text[end:end + 2]
        if any(ch in QUOTE_MARKS for ch in before):
            f["mark_before"] = 1.0
        if any(ch in QUOTE_MARKS for ch in after):
            f["mark_after"] = 1.0
        first, last = doc[cand.tok_start], doc[cand.tok_end - 1]
        f["first:" + first.lower_ if first.is_stop else "first_pos:" + first.pos_] = 1.0
        f["first_tag:" + first.tag_] = 1.0
        f["last_tag:" + last.tag_] = 1.0
        root = span.root
        f["root_pos:" + root.pos_] = 1.0
        f["root_dep:" + root.dep_] = 1.0
        if any(t.pos_ in {"VERB", "AUX"} for t in span):
            f["has_verb"] = 1.0
        if any(t.dep_ in {"nsubj", "nsubjpass"} for t in span):
            f["has_subj"] = 1.0
        sent = rd.sent_at(cand.tok_start)
        covered = n / max(1, len(sent))
        f["sent_share:" + ("low" if covered < 0.3 else "mid" if covered < 0.7 else "high")] = 1.0
        if cand.tok_end > sent.end:
            f["crosses_sentence"] = 1.0
        k = self.sent_index.get(sent.start, 99)
        f["sent_pos:" + ("0" if k == 0 else "early" if k < 4 else "late")] = 1.0
        if any(t.i in rd.by_token for t in span):
            f["has_actor"] = 1.0
        f["root_lemma:" + root.lemma_.lower()] = 1.0
        if cand.cue is not None:
            cue_lemma = doc[cand.cue].lemma_.lower()
            f["cue_first:" + cue_lemma + ":" + first.lower_] = 1.0
            # the parser's context vector of the cue: a cue lemma train never saw is near one it did
            self.dense(f, "dc", cand.cue)
        self.dense(f, "dr", root.i)
        return f

    def dense(self, f: dict[str, float], prefix: str, i: int) -> None:
        tensor = self.doc.tensor
        if tensor is None or not tensor.size:
            return
        vec = tensor[i]
        norm = float((vec ** 2).sum()) ** 0.5 or 1.0
        for k, v in enumerate(vec / norm):
            f[f"{prefix}{k}"] = float(v)

    # -- speaker candidates --------------------------------------------------------------------------------
    def _addressee(self, tok: Token, cue: Token | None) -> bool:
        """Whether a noun is the one spoken to, the object of a verb of telling (the KB's addressee_verbs):
        never the speaker."""
        return (cue is not None and tok.head.i == cue.i and tok.dep_ in {"dobj", "dative"}
                and cue.lemma_.lower() in self.addressee_verbs)

    def speaker_candidates(self, cand: Candidate) -> list[tuple[Token | Quote, dict[str, float]]]:
        """Noun heads outside the span in its sentence and the one before, and the rules' answer."""
        doc, rd = self.doc, self.rd
        sent = rd.sent_at(cand.tok_start)
        prev = rd.sent_at(sent.start - 1) if sent.start > 0 else None
        lo = prev.start if prev is not None else sent.start
        hi = rd.sent_at(cand.tok_end - 1).end
        cue = doc[cand.cue] if cand.cue is not None else None
        cue_subj = None
        if cue is not None:
            node = cue
            for _ in range(3):  # 'X went on to say', 'X said and added': the subject up the chain
                cue_subj = next((c for c in node.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
                if cue_subj is not None or node.dep_ not in {"conj", "xcomp", "advcl"} or node.head.i == node.i:
                    break
                node = node.head
        rule_actors = {q.speaker for q in cand.rules if q.speaker}
        rule_texts = [q.speaker_text.lower() for q in cand.rules if q.speaker_text]
        out: list[tuple[Token | Quote, dict[str, float]]] = []
        heads = [t for t in doc[lo:hi] if not (cand.tok_start <= t.i < cand.tok_end)
                 and t.pos_ in {"PROPN", "NOUN", "PRON"} and t.dep_ in HEAD_DEPS and not self._addressee(t, cue)]
        nearest = sorted(heads, key=lambda t: abs(t.i - (cue.i if cue is not None else cand.tok_start)))
        for rank, t in enumerate(nearest[: self.max_speakers]):
            f: dict[str, float] = {"bias": 1.0, "dep:" + t.dep_: 1.0, "pos:" + t.pos_: 1.0}
            if t.pos_ == "PRON":
                f["pron:" + t.lower_] = 1.0
            same = sent.start <= t.i < sent.end or t.i >= sent.end
            f["sent:" + ("same" if same else "prev")] = 1.0
            f["side:" + ("before" if t.i < cand.tok_start else "after")] = 1.0
            anchor = cue.i if cue is not None else (cand.tok_start if t.i < cand.tok_start else cand.tok_end - 1)
            f["dist:" + _bucket(abs(t.i - anchor), (1, 2, 4, 8, 16))] = 1.0
            if rank < 4:
                f["rank:" + str(rank)] = 1.0
            if cue_subj is not None and t.i == cue_subj.i:
                f["cue_subj"] = 1.0
                f["cue_subj_shape:" + cand.shape] = 1.0
                # PolNeAR marks the pronoun itself ('he said', 'who told') as the source, not its antecedent
                f["cue_subj_pos:" + t.pos_] = 1.0
                if t.pos_ == "PRON":
                    f["cue_subj_pron:" + t.lower_] = 1.0
            if cue is not None:
                if t.head.i == cue.i:
                    f["cue_child:" + t.dep_] = 1.0
                if t.dep_ == "poss" and t.head.i == cue.i:
                    f["cue_poss"] = 1.0
                if t.dep_ == "pobj" and t.head.head.i == cue.i:
                    f["cue_pobj:" + t.head.lower_] = 1.0
                if t.dep_ == "pobj" and t.head.lower_ == "to" and t.head.head.lower_ == "according":
                    f["according_obj"] = 1.0
                if t.dep_ == "pobj" and t.head.lower_ == "by":
                    f["by_obj"] = 1.0
            if t.head.pos_ in {"VERB", "AUX"}:
                lemma = t.head.lemma_.lower()
                if lemma in self.speech_verbs:
                    f["gov_speech:" + t.dep_] = 1.0
            span = rd.by_token.get(t.i)
            if span is not None:
                actor = rd.actors.get(span.actor_id)
                f["actor:" + (actor.type if actor else "?")] = 1.0
                f["actor_kind:" + span.kind] = 1.0
                if span.actor_id in rule_actors:
                    f["rule_actor"] = 1.0
            elif t.ent_type_:
                f["ent:" + t.ent_type_] = 1.0
            if t.lower_ in PRONOUNS and rule_actors and rd.actor_of(t) in rule_actors:
                f["rule_actor"] = 1.0
            if any(t.lower_ in txt.split() for txt in rule_texts):
                f["rule_text"] = 1.0
            for q in cand.rules:
                f["q:" + q.quote_kind] = 1.0
            out.append((t, f))
        for q in cand.rules[:1]:
            if q.speaker or q.speaker_text:
                f = {"rule_answer": 1.0, "rule_answer:" + q.quote_kind: 1.0,
                     "rule_answer_actor:" + ("yes" if q.speaker else "no"): 1.0}
                if q.speaker_text and q.speaker_text.lower() in PRONOUNS:
                    f["rule_answer_pron"] = 1.0
                if q.cue:
                    f["rule_answer_cue:" + q.cue.lower().split()[0]] = 1.0
                out.append((q, f))
        return out


def speaker_phrase(tok: Token) -> str:
    """What a speaker head names: a pronoun alone (so 'he' stays 'he'), else its pre-modifiers and itself
    ('Secretary of State John Kerry' is long; 'John Kerry' names him)."""
    if tok.pos_ == "PRON":
        return tok.text
    start = tok.i
    for c in tok.children:
        if c.i < tok.i and c.dep_ in {"compound", "amod", "det", "poss", "nmod", "nummod", "case"}:
            start = min(start, c.left_edge.i)
    start = max(start, tok.i - 8)
    return tok.doc[start:tok.i + 1].text


def speaker_actor(tok: Token, rd: ResolvedDoc, speech_verbs: AbstractSet[str]) -> str | None:
    if tok.lower_ in SPEAKING_PRONOUNS and tok.dep_ in {"nsubj", "nsubjpass"} and \
            tok.head.lemma_.lower() in speech_verbs:
        # 'It said ...', 'he added': the one last reported speaking, as the rules resolve it
        actor = rd.speaker_antecedent(tok, speech_verbs)
        return actor if actor in rd.actors else None
    actor = rd.actor_of(tok)
    if actor is None:
        actor = next((rd.by_token[t.i].actor_id for t in tok.subtree if t.i in rd.by_token), None)
    span = rd.by_token.get(tok.i)
    if span is None or span.kind in UNNAMED_KINDS:
        # 'the newly installed Prime Minister of Crimea, Sergei Aksyonov, said': the title heads the phrase,
        # its appositive names the speaker
        named = next((rd.by_token[t.i] for c in tok.children if c.dep_ == "appos" for t in c.subtree
                      if t.i in rd.by_token and rd.by_token[t.i].kind not in UNNAMED_KINDS), None)
        if named is not None and named.actor_id in rd.actors and rd.actors[named.actor_id].type == "PERSON":
            actor = named.actor_id
    return actor if actor in rd.actors else None


# -- training examples -------------------------------------------------------------------------------------
def _token_set(doc: Doc, index: Sequence[int], spans: Iterable[tuple[int, int]]) -> set[int]:
    out: set[int] = set()
    for s, e in spans:
        if e > s:
            out.update(range(index[s], index[e - 1] + 1))
    return out


def _char_index(doc: Doc) -> list[int]:
    """Each character to the token it or its trailing whitespace belongs to (Citron's token units)."""
    index = [0] * len(doc.text)
    for tok in doc:
        for i in range(tok.idx, min(len(index), tok.idx + len(tok) + len(tok.whitespace_))):
            index[i] = tok.i
    return index


def article_examples(name: str, rd: ResolvedDoc, rule_quotes: Sequence[Quote], attributions: Sequence[Any],
                     featuriser_args: tuple[set[str], set[str]], config: dict[str, Any]) -> ArticleExamples:
    """Keep and speaker examples of one PolNeAR article (`attributions`: polnear.GoldAttribution)."""
    doc = rd.doc
    index = _char_index(doc)
    gold = [_token_set(doc, index, a.contents) for a in attributions]
    sources = [_token_set(doc, index, a.sources) for a in attributions]
    fz = Featuriser(rd, rule_quotes, *featuriser_args)
    ex = ArticleExamples(name, [], [], [], gold, len(doc), [], [])
    by_token: dict[int, list[int]] = {}
    for k, g in enumerate(gold):
        for i in g:
            by_token.setdefault(i, []).append(k)
    for cand in candidates(rd, rule_quotes, config["max_tokens"]):
        shared: dict[int, int] = {}
        for i in range(cand.tok_start, cand.tok_end):
            for k in by_token.get(i, ()):
                shared[k] = shared.get(k, 0) + 1
        best = max(shared, key=lambda k: shared[k]) if shared else None
        n = cand.tok_end - cand.tok_start
        positive = best is not None and shared[best] / n >= config["label_precision"] and \
            shared[best] / len(gold[best]) >= config["label_coverage"] and \
            2 * shared[best] / (n + len(gold[best])) >= config["label_f1"]
        ex.keep_x.append(fz.keep(cand))
        ex.keep_spans.append((cand.tok_start, cand.tok_end))
        ex.keep_y.append(positive)
        if positive and best is not None and sources[best]:
            src = sources[best]
            src_text = " ".join(rd.document.text[s:e] for s, e in attributions[best].sources)
            for who, f in fz.speaker_candidates(cand):
                ok = _rule_answer_right(who, src_text, rd) if isinstance(who, Quote) else who.i in src
                ex.speaker_x.append(f)
                ex.speaker_y.append(ok)
    return ex


def _rule_answer_right(q: Quote, gold_text: str, rd: ResolvedDoc) -> bool:
    """Whether the rules' speaker names the gold Source (shared content word; a pronoun only itself)."""
    from parley.evaluate.polnear import content_words, words

    gold = content_words(gold_text)
    if not gold:
        return bool(q.speaker_text) and words(q.speaker_text) == words(gold_text)
    names = [q.speaker_text]
    if q.speaker and q.speaker in rd.actors:
        names += [rd.actors[q.speaker].name, *rd.actors[q.speaker].aliases]
    return any(gold & content_words(n) for n in names)


# -- the model ---------------------------------------------------------------------------------------------
def select(spans: Sequence[tuple[int, int]], probs: Sequence[float], threshold: float,
           by_length: bool = True) -> list[int]:
    """Indices of the spans kept: the set of non-overlapping spans above `threshold` with the largest sum of
    (probability - threshold) x length, by weighted interval scheduling. Weighing by length keeps the whole
    clause when it is about as likely as a piece of it (greedy by probability kept the piece and lost the
    rest), and the margin keeps a long doubtful span from outweighing several likely short ones.
    `by_length=False` weighs each span as one: the project's scorer counts quotes, not tokens, so one
    sentence-long span must not outweigh the two quotes '"A," he said, "B."' it holds."""
    order = sorted((k for k in range(len(spans)) if probs[k] >= threshold), key=lambda k: spans[k][1])
    if not order:
        return []
    ends = [spans[k][1] for k in order]
    best = [0.0] * (len(order) + 1)  # best[j]: the best value using the first j spans (by end)
    take = [False] * len(order)
    prev = [0] * len(order)
    for j, k in enumerate(order):
        s, e = spans[k]
        prev[j] = bisect_right(ends, s, 0, j)  # spans ending at or before this one starts
        value = (probs[k] - threshold) * ((e - s) if by_length else 1) + best[prev[j]]
        take[j] = value > best[j]
        best[j + 1] = value if take[j] else best[j]
    kept: list[int] = []
    j = len(order)
    while j > 0:
        if take[j - 1]:
            kept.append(order[j - 1])
            j = prev[j - 1]
        else:
            j -= 1
    return sorted(kept, key=lambda k: spans[k])


def citron_counts(ex: ArticleExamples, kept: Sequence[int]) -> tuple[int, int, int]:
    """(shared, predicted, gold) tokens over all pairs, as the Citron overlap metric counts them."""
    shared = 0
    for k in kept:
        s, e = ex.keep_spans[k]
        for g in ex.gold_tokens:
            shared += sum(1 for i in range(s, e) if i in g)
    return shared, sum(ex.keep_spans[k][1] - ex.keep_spans[k][0] for k in kept), sum(len(g) for g in ex.gold_tokens)


class QuoteModel:
    """Keeps or drops quote candidates and names their speakers (see the module doc)."""

    def __init__(self, models: dict[str, LinearModel], config: dict[str, Any] | None = None,
                 speech_verbs: Iterable[str] = (), speech_nouns: Iterable[str] = ()) -> None:
        self.keep_model = models["keep"]
        self.speaker_model = models["speaker"]
        self.config = {**DEFAULTS, **(config or {})}
        self.speech_verbs = set(speech_verbs) or set(self.config.get("speech_verbs", []))
        self.speech_nouns = set(speech_nouns) or set(self.config.get("speech_nouns", []))

    @property
    def models(self) -> dict[str, LinearModel]:
        return {"keep": self.keep_model, "speaker": self.speaker_model}

    @classmethod
    def train(cls, examples: Sequence[ArticleExamples], config: dict[str, Any] | None = None,
              seed: int = SEED, speech_verbs: Iterable[str] = (), speech_nouns: Iterable[str] = ()) -> QuoteModel:
        cfg = {**DEFAULTS, **(config or {})}
        cfg["speech_verbs"] = sorted(set(speech_verbs))
        cfg["speech_nouns"] = sorted(set(speech_nouns))
        keep_x = [x for ex in examples for x in ex.keep_x]
        keep_y = [{"yes"} if y else set() for ex in examples for y in ex.keep_y]
        sp_x = [x for ex in examples for x in ex.speaker_x]
        sp_y = [{"yes"} if y else set() for ex in examples for y in ex.speaker_y]
        models = {
            "keep": LinearModel.train(keep_x, keep_y, labels=["yes"], c=cfg["c_keep"], min_count=cfg["min_count"],
                                      seed=seed),
            "speaker": LinearModel.train(sp_x, sp_y, labels=["yes"], c=cfg["c_speaker"],
                                         min_count=cfg["min_count"], seed=seed),
        }
        return cls(models, cfg)

    def keep_probs(self, ex: ArticleExamples) -> list[float]:
        return [self._keep_prob(x) for x in ex.keep_x]

    def _keep_prob(self, x: dict[str, float]) -> float:
        # rules_first: a rule quote is always kept (the model adds what the rules miss), as the event and
        # position models keep the rules' exact readings
        if self.config.get("rules_first") and any(k.startswith("rule:") for k in x):
            return 1.0
        return float(self.keep_model.scores(x)[0])

    def select(self, spans: Sequence[tuple[int, int]], probs: Sequence[float], threshold: float | None = None,
               is_rule: Sequence[bool] | None = None) -> list[int]:
        t = self.config["keep_threshold"] if threshold is None else threshold
        by_length = self.config.get("select_by", "length") == "length"
        if not (self.config.get("rules_apart") and is_rule is not None):
            return select(spans, probs, t, by_length=by_length)
        # rules_apart: the rules emit overlapping quotes on purpose (a sentence's direct quote and its
        # paraphrase are two gold quotes), so a rule quote above the threshold is kept on its own; the other
        # candidates compete only for the text no kept rule quote covers
        rules = [k for k in range(len(spans)) if is_rule[k] and probs[k] >= t]
        taken = [spans[k] for k in rules]
        free = [k for k in range(len(spans)) if not is_rule[k]
                and not any(s < spans[k][1] and spans[k][0] < e for s, e in taken)]
        extra = select([spans[k] for k in free], [probs[k] for k in free], t, by_length=by_length)
        return sorted(rules + [free[j] for j in extra], key=lambda k: spans[k])

    def __call__(self, rd: ResolvedDoc, rule_quotes: Sequence[Quote]) -> list[Quote]:
        cfg = self.config
        doc, text = rd.doc, rd.document.text
        fz = Featuriser(rd, rule_quotes, self.speech_verbs, self.speech_nouns)
        cands = candidates(rd, rule_quotes, cfg["max_tokens"])
        probs = [self._keep_prob(fz.keep(c)) for c in cands]
        kept = self.select([(c.tok_start, c.tok_end) for c in cands], probs, is_rule=[bool(c.rules) for c in cands])
        out: list[Quote] = []
        for k in kept:
            cand = cands[k]
            span = doc[cand.tok_start:cand.tok_end]
            start, end = span.start_char, span.end_char
            rule = cand.rules[0] if cand.rules else None
            if rule is not None and cfg.get("rules_apart"):
                start, end = rule.start, rule.end  # the rules' exact offsets, not the token span around them
            kind = rule.quote_kind if rule else (
                "direct" if text[start:start + 1] in OPENERS or text[start - 1:start] in OPENERS else "indirect")
            cue = rule.cue if rule else (doc[cand.cue].text if cand.cue is not None else None)
            if rule is not None and cfg.get("rules_speaker"):
                speaker, speaker_text = rule.speaker, rule.speaker_text
            else:
                speaker, speaker_text = self._speaker(fz, cand, rd)
            quote = Quote(id=content_hash(f"{rd.document.id}:quote:{start}:{end}"), doc=rd.document.id,
                          speaker=speaker, speaker_text=speaker_text, cue=cue, text=text[start:end], start=start,
                          end=end, quote_kind=kind)
            out.append(quote)
        return out

    def _speaker(self, fz: Featuriser, cand: Candidate, rd: ResolvedDoc) -> tuple[str | None, str | None]:
        options = fz.speaker_candidates(cand)
        if not options:
            return None, None
        scored = [(float(self.speaker_model.scores(f)[0]), k) for k, (_, f) in enumerate(options)]
        _, best = max(scored)
        who = options[best][0]
        if isinstance(who, Quote):
            return who.speaker, who.speaker_text
        return speaker_actor(who, rd, fz.speech_verbs), speaker_phrase(who)


# -- training on PolNeAR -----------------------------------------------------------------------------------
def _train_split(polnear_dir: Path) -> Path:
    for cand in (polnear_dir / "data" / "train", polnear_dir / "train", polnear_dir):
        if (cand / "text").is_dir() and (cand / "attributions").is_dir() and cand.name == "train":
            return cand
    raise FileNotFoundError(f"no PolNeAR train split (text/ and attributions/) under {polnear_dir}")


def prepare_examples(pipeline, polnear_dir: Path, limit: int | None = None, seed: int = SEED,
                     config: dict[str, Any] | None = None) -> tuple[list[ArticleExamples], int]:
    """Examples of the train articles (a seeded sample of `limit` of them), each run through the rule stages
    up to quotes exactly as the dev evaluation runs them; returns them and the train size."""
    from parley.evaluate.polnear import load_articles
    from parley.records import Document

    cfg = {**DEFAULTS, **(config or {})}
    articles, _ = load_articles(_train_split(polnear_dir))
    total = len(articles)
    if limit is not None and limit < total:
        articles = sorted(random.Random(seed).sample(articles, limit), key=lambda a: a.name)
    lexicons = (set(pipeline.quotes.speech_verbs), set(pipeline.quotes.speech_nouns))
    out = []
    for article in articles:
        document = Document(id=article.name, source=f"polnear/{article.name}.txt", text=article.text)
        doc = pipeline.annotator(article.text)
        resolved = pipeline.resolver.resolve(document, doc)
        rule_quotes = pipeline.quotes(resolved)
        out.append(article_examples(article.name, resolved, rule_quotes, article.attributions, lexicons, cfg))
    return out, total


def choose_threshold(model: QuoteModel, held: Sequence[ArticleExamples],
                     grid: Sequence[float] = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)) -> tuple[float, float]:
    """The keep threshold with the best Citron F1 on held-out train articles, and that F1."""
    probs = [model.keep_probs(ex) for ex in held]
    return _best_threshold(grid, lambda t: [citron_counts(ex, select(ex.keep_spans, p, t))
                                            for ex, p in zip(held, probs)])


def _best_threshold(grid: Sequence[float], counts_at) -> tuple[float, float]:
    """The threshold of `grid` whose summed (hits, predicted, gold) counts give the best F1, and that F1."""
    best = (0.5, -1.0)
    for t in grid:
        counts = counts_at(t)
        hit, pred, gold = (sum(c) for c in zip(*counts)) if counts else (0, 0, 0)
        prec, rec = hit / pred if pred else 0.0, hit / gold if gold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if f1 > best[1]:
            best = (t, f1)
    return best


def train_quotes(pipeline, polnear_dir: Path, out: Path, limit: int | None = None, seed: int = SEED,
                 config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fit the quote model on PolNeAR train (never dev), write `out / quotes.json.gz`, return its config."""
    import platform

    t0 = time.perf_counter()
    cfg = {**DEFAULTS, **(config or {})}
    examples, total = prepare_examples(pipeline, polnear_dir, limit, seed, cfg)
    t1 = time.perf_counter()
    lexicons = {"speech_verbs": pipeline.quotes.speech_verbs, "speech_nouns": pipeline.quotes.speech_nouns}
    held_f1 = None
    if cfg["holdout"] and len(examples) >= 5:
        # the threshold is chosen on train articles the first fit did not see; the final fit uses all
        order = list(examples)
        random.Random(seed).shuffle(order)
        n_held = max(1, int(len(order) * cfg["holdout"]))
        first = QuoteModel.train(order[n_held:], cfg, seed, **lexicons)
        cfg["keep_threshold"], held_f1 = choose_threshold(first, order[:n_held])
    model = QuoteModel.train(examples, cfg, seed, **lexicons)
    t2 = time.perf_counter()
    record = {
        "component": "quotes",
        "seed": seed,
        "data": "PolNeAR train",
        "train_articles": len(examples),
        "train_articles_available": total,
        "articles": [ex.name for ex in examples],
        "examples": {"keep": sum(len(ex.keep_x) for ex in examples),
                     "keep_positive": sum(sum(ex.keep_y) for ex in examples),
                     "speaker": sum(len(ex.speaker_x) for ex in examples),
                     "gold_contents": sum(len(ex.gold_tokens) for ex in examples)},
        "holdout_citron_f1": None if held_f1 is None else round(held_f1, 4),
        "spacy_model": getattr(pipeline.annotator, "model_name", None) or pipeline.model,
        "python": platform.python_version(),
        "seconds": {"prepare": round(t1 - t0, 1), "fit": round(t2 - t1, 1)},
        "quotes": model.config,
    }
    save_models(out / QUOTES_FILE, model.models, record)
    return record


def load_quote_model(weights: Path, file: str = QUOTES_FILE) -> QuoteModel | None:
    """The model `train_quotes` wrote (`weights` is the file or its folder; `file`, the name in the folder:
    parley.learn.train.QUOTES_OWN_FILE for the one trained on the project's annotations), or None."""
    path = weights / file if weights.is_dir() else weights
    if not path.is_file():
        return None
    models, config = load_models(path)
    return QuoteModel(models, config.get("quotes", {}))


# -- training on the project's own annotations -------------------------------------------------------------
# The project's gold convention differs from PolNeAR's (a quote is a speech act's reported content, '"A," he
# said, "B."' is two quotes, and the speaker is an actor named by the shared scorer's name keys), so the same
# candidates and features are labelled by that convention instead: a candidate is kept when the scorer would
# match it to a gold quote, and a speaker candidate is right when the scorer would accept the name it yields.
# Chosen by 5-fold CV over the 83 annotated articles (quotes span / + speaker F1): the scorer's own overlap
# as the label made every fragment inside a gold quote a positive (0.604 / 0.456); token overlap with
# coverage 0.3 gave 0.787 / 0.591, coverage 0.5 0.813 / 0.623, and keeping the rules' overlapping quotes
# apart from the selection (rules_apart) 0.830 / 0.653 against the rules' 0.823 / 0.617.
OWN_DEFAULTS: dict[str, Any] = {
    "own_label": "tokens",  # 'tokens': label_precision/label_coverage; 'scorer': the scorer's span overlap
    "label_coverage": 0.5,  # a positive holds at least half of its gold quote
    "rules_apart": True,  # see QuoteModel.select
    "own_overlap": 0.5,  # the scorer's quote threshold: max(IoU, 0.8 x intersection / shorter span)
    "threshold_grid": [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9],
    "select_by": "count",  # the scorer counts quotes: each kept span weighs one (see select)
}


def char_overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """The shared scorer's span overlap on character offsets: interval IoU, or 0.8 of the shorter span's
    share when one holds the other (score.py's `overlap` where both strings are found in the text)."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0]) or 1
    return max(inter / (union or 1), 0.8 * inter / shorter)


def _speaker_keys(rd: ResolvedDoc, actor_id: str | None, phrase: str | None) -> set[str]:
    """The names a predicted speaker is matched under: its actor's names and the phrase (the scorer's
    `speaker_text` fallback), as parley.learn.context.GoldActors keys them."""
    from parley.learn.context import name_keys

    keys: set[str] = set()
    actor = rd.actors.get(actor_id or "")
    for n in [actor_id, phrase] + ([actor.name, *actor.aliases] if actor else []):
        if n:
            keys |= name_keys(n)
    return keys


def _lexicons(ctx: Any) -> tuple[set[str], set[str]]:
    """The quote stage's cue lexicons, read from the KB the article was resolved with (a Prepared article
    carries no pipeline, and the features must use the lexicons prediction will use)."""
    resolver = ctx.rd.resolver
    if resolver is None:
        return set(), set()
    return set(resolver.kb.words("speech_verbs")), set(resolver.kb.words("speech_nouns"))


def examples_from_gold(ctx: Any, gold: dict[str, Any], config: dict[str, Any] | None = None,
                       name: str | None = None) -> ArticleExamples:
    """Keep and speaker examples of one annotated article (`ctx`: parley.learn.context.Context, `gold`: its
    gold dict with quote offsets into the cleaned text, as parley.learn.train.prepare aligns them)."""
    from parley.learn.context import GoldActors

    cfg = {**DEFAULTS, **OWN_DEFAULTS, **(config or {})}
    rd = ctx.rd
    doc = rd.doc
    gq = [q for q in gold.get("quotes", []) if q.get("start") is not None and q["end"] > q["start"]]
    index = _char_index(doc)
    gold_chars = [(q["start"], min(q["end"], len(doc.text))) for q in gq]
    gold_tokens = [_token_set(doc, index, [c]) for c in gold_chars]
    actors = GoldActors(gold.get("actors", []), rd)
    fz = Featuriser(rd, ctx.quotes, *_lexicons(ctx))
    ex = ArticleExamples(name or rd.document.id, [], [], [], gold_tokens, len(doc), [], [])
    ex.gold_chars = gold_chars
    for cand in candidates(rd, ctx.quotes, cfg["max_tokens"]):
        span = doc[cand.tok_start:cand.tok_end]
        chars = (span.start_char, span.end_char)
        n = cand.tok_end - cand.tok_start
        best, best_score = None, 0.0
        for k, g in enumerate(gold_chars):
            if cfg["own_label"] == "tokens":
                shared = sum(1 for i in range(cand.tok_start, cand.tok_end) if i in gold_tokens[k])
                ok = shared / n >= cfg["label_precision"] and \
                    shared / max(1, len(gold_tokens[k])) >= cfg["label_coverage"]
                value = shared / max(1, n + len(gold_tokens[k]))
            else:
                value = char_overlap(chars, g)
                ok = value >= cfg["own_overlap"]
            if ok and value > best_score:
                best, best_score = k, value
        ex.keep_x.append(fz.keep(cand))
        ex.keep_spans.append((cand.tok_start, cand.tok_end))
        ex.keep_chars.append(chars)
        ex.keep_y.append(best is not None)
        speaker = gq[best].get("speaker") if best is not None else None
        if not speaker:
            continue  # a quote with no gold speaker teaches nothing about who speaks
        gold_keys = actors.gold.get(speaker) or set()
        for who, f in fz.speaker_candidates(cand):
            if isinstance(who, Quote):
                keys = _speaker_keys(rd, who.speaker, who.speaker_text)
            else:
                keys = _speaker_keys(rd, speaker_actor(who, rd, fz.speech_verbs), speaker_phrase(who))
            ex.speaker_x.append(f)
            ex.speaker_y.append(bool(gold_keys & keys))
    return ex


def own_counts(ex: ArticleExamples, kept: Sequence[int], overlap: float = 0.5) -> tuple[int, int, int]:
    """(matched, predicted, gold) quotes by the scorer's greedy one-to-one span matching."""
    used: set[int] = set()
    hits = 0
    for g in ex.gold_chars:
        for k in kept:
            if k not in used and char_overlap(ex.keep_chars[k], g) >= overlap:
                used.add(k)
                hits += 1
                break
    return hits, len(kept), len(ex.gold_chars)


def choose_threshold_own(model: QuoteModel, held: Sequence[ArticleExamples], grid: Sequence[float],
                         overlap: float = 0.5) -> tuple[float, float]:
    """The keep threshold with the best quote (span) F1, as the scorer counts it, on held-out articles."""
    probs = [model.keep_probs(ex) for ex in held]
    # which candidates are the rules' own: the same for every threshold, so read once
    rules = [[any(k.startswith("rule:") for k in x) for x in ex.keep_x] for ex in held]
    return _best_threshold(grid, lambda t: [own_counts(ex, model.select(ex.keep_spans, p, t, r), overlap)
                                            for ex, p, r in zip(held, probs, rules)])


def fit_own(prepared: list, config: dict[str, Any] | None = None, seed: int = SEED,
            extra: Sequence[ArticleExamples] = ()) -> QuoteModel:
    """A quote model trained on annotated articles (parley.learn.train.Prepared), optionally with `extra`
    examples (PolNeAR train's, from prepare_examples) in the training data. The keep threshold is chosen on
    a seeded held-out share of the annotated articles only (it must suit the project's convention), then
    the model is refitted on everything."""
    cfg = {**DEFAULTS, **OWN_DEFAULTS, **(config or {})}
    examples = [examples_from_gold(p.ctx, p.gold, cfg, p.article.name) for p in prepared]
    verbs, nouns = _lexicons(prepared[0].ctx) if prepared else (set(), set())
    lexicons = {"speech_verbs": verbs, "speech_nouns": nouns}
    if cfg["holdout"] and len(examples) >= 5:
        order = list(examples)
        random.Random(seed).shuffle(order)
        n_held = max(1, int(len(order) * cfg["holdout"]))
        first = QuoteModel.train([*order[n_held:], *extra], cfg, seed, **lexicons)
        cfg["keep_threshold"], cfg["holdout_f1"] = choose_threshold_own(
            first, order[:n_held], cfg["threshold_grid"], cfg["own_overlap"])
    return QuoteModel.train([*examples, *extra], cfg, seed, **lexicons)
