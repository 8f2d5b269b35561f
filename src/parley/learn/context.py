"""What the learned components read: one article after the rule stages, cut into sentences with features.

`Context` holds a resolved document and the rules' outputs for it (quotes, events, positions); the rules'
outputs are features, not answers. Sentence features describe what a sentence says (lemmas, verbs, modality,
the rules' cues); candidate features describe one actor's place in a sentence (grammatical role, speaker of
a quote there, inside or outside the reported content)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Span

from parley.records import Event, Position, Proposal, Quote
from parley.resolve.actors import PRONOUNS, ActorSpan, ResolvedDoc

# encoder vectors are unit length, so each of their 384 values is small beside the 0/1 indicator features;
# scaled so the models' one regularisation weighs both. Chosen by 5-fold CV over 1, 3, 6 and 10 (README).
EMBEDDING_SCALE = 3.0
MODALS = {"may", "might", "could", "would", "will", "should", "must", "can", "shall"}
CONDITIONALS = {"if", "unless", "provided", "once", "whether"}
_TITLES = {"mr", "mrs", "ms", "dr", "general", "gen", "president", "minister", "ambassador", "chief", "secretary",
           "spokesman", "spokeswoman", "advisor", "adviser", "director", "deputy", "foreign", "defense", "defence",
           "chairman", "senator", "prime", "the", "of", "us", "u.s.", "former", "presidential", "senior",
           "official", "head"}


class Cues:
    """The knowledge base's lexicons read as features: every event trigger, position cue and topic word that
    occurs, including the ones the rules set aside (negated, hypothetical), which the models can weigh."""

    _cache: dict[int, Cues] = {}

    def __init__(self, kb) -> None:
        self.lemma_types: dict[str, set[str]] = {}
        for etype, spec in kb.table("event_triggers").items():
            for lemma in list(spec.get("verbs", [])) + list(spec.get("nouns", [])):
                self.lemma_types.setdefault(lemma, set()).add(etype)
        # one alternation per kind and topic: a search per pattern was most of the models' reading time
        self.kinds = [(entry["kind"], [_alternation(entry["patterns"])])
                      for entry in kb.lexicon.get("position_cues") or []]
        self.topics = [(topic, [_alternation(patterns)]) for topic, patterns in kb.table("topics").items()]

    @classmethod
    def of(cls, kb) -> Cues:
        if id(kb) not in cls._cache:
            cls._cache[id(kb)] = cls(kb)
        return cls._cache[id(kb)]


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)
    except re.error:  # patterns that cannot share one expression (repeated group names) stay apart
        return _Any([re.compile(p, re.I) for p in patterns])


class _Any:
    """Several patterns searched one after another, for `_alternation`'s fallback."""

    def __init__(self, parts: list[re.Pattern[str]]) -> None:
        self.parts = parts

    def search(self, text: str):
        return next((m for p in self.parts if (m := p.search(text))), None)


@dataclass
class Context:
    """One article after annotate -> resolve -> rule extraction."""

    rd: ResolvedDoc
    quotes: list[Quote]
    proposals: list[Proposal]
    rule_events: list[Event]
    rule_positions: list[Position]
    sentences: list[Span] = field(default_factory=list)
    title_end: int = 0
    # the rules' reading of who acts on whom around a word (EventExtractor.actors_of): a feature of the
    # learned role models, which also see acts whose type no rule cue gave
    parse_roles: Callable[..., tuple[list[str], list[str]]] | None = field(default=None, repr=False)
    # the sentence encoder (parley.learn.encoder), None where its weights are not installed
    encode: Callable[[list[str]], Any] | None = field(default=None, repr=False)
    _vectors: Any = field(default=None, repr=False)
    _features: dict[int, dict[str, float]] = field(default_factory=dict, repr=False)
    _candidates: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict, repr=False)
    _pronoun_candidates: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict, repr=False)
    _roles: dict[int, tuple[list[str], list[str]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.sentences = [s for s in self.rd.doc.sents if s.text.strip()]
        title = self.rd.document.title
        text = self.rd.document.text
        self.title_end = len(title) if title and text.startswith(title) else 0
        if self.parse_roles is not None:
            self._read_roles_once()

    def _read_roles_once(self) -> None:
        """Read who acts on whom at every word a learned role model may anchor on (each sentence's root
        and its event triggers), before any model reads the sentence. The reading records the groups it
        names ('Demonstrators marched': a new actor and mention), so done lazily it would make one
        sentence's candidates depend on which sentences were read before it: in cross-validation, on the
        order of the folds."""
        cues = Cues.of(self.rd.resolver.kb) if self.rd.resolver is not None else None
        for sent in self.sentences:
            words = [sent.root] + [t for t in sent if cues is not None and t.lemma_.lower() in cues.lemma_types]
            for word in words:
                self.parse_roles(word, self.rd, self.speaker_at(word))
        # (not kept: a word read early can read differently once a later word has recorded its group)

    def roles_at(self, word) -> tuple[list[str], list[str]]:
        """The rules' reading of who acts on whom around `word`, once per word: after _read_roles_once
        the resolved document no longer changes, so each event type's role features reuse it."""
        if word.i not in self._roles:
            self._roles[word.i] = self.parse_roles(word, self.rd, self.speaker_at(word))
        return self._roles[word.i]

    def speaker_at(self, word) -> str | None:
        """The speaker of a quote holding the word ('we will respond': the speaker acts)."""
        return next((q.speaker for q in self.quotes if q.speaker and q.start <= word.idx < q.end), None)

    def sentence_of(self, start: int, end: int) -> int | None:
        """The sentence holding most of the characters [start, end)."""
        best, best_overlap = None, 0
        for i, s in enumerate(self.sentences):
            if s.end_char <= start:
                continue
            if s.start_char >= end:
                break
            overlap = min(end, s.end_char) - max(start, s.start_char)
            if overlap > best_overlap:
                best, best_overlap = i, overlap
        return best

    def evidence(self, i: int) -> tuple[int, str]:
        """Sentence i as a record's evidence: its start offset and its text without surrounding space."""
        sent = self.sentences[i]
        raw = self.rd.document.text[sent.start_char:sent.end_char]
        return sent.start_char + len(raw) - len(raw.lstrip()), raw.strip()

    def quotes_in(self, sent: Span) -> list[Quote]:
        return [q for q in self.quotes if q.start < sent.end_char and sent.start_char < q.end]

    def spans_in(self, sent: Span) -> list[ActorSpan]:
        return [self.rd.by_token[i] for i in range(sent.start, sent.end) if i in self.rd.by_token
                and self.rd.by_token[i].tok_start == i]

    # -- sentence features ---------------------------------------------------------------------------------
    def sentence_features(self, i: int) -> dict[str, float]:
        """Features of sentence i (computed once: the event and the position models read the same ones)."""
        if i not in self._features:
            self._features[i] = self._sentence_features(i)
        return self._features[i]

    def _sentence_features(self, i: int) -> dict[str, float]:
        sent = self.sentences[i]
        f: dict[str, float] = {"bias": 1.0}
        lemmas = [t.lemma_.lower() for t in sent if not (t.is_punct or t.is_space)]
        masked = []
        for t in sent:
            if t.is_punct or t.is_space:
                continue
            masked.append("ACTOR" if t.i in self.rd.by_token else t.lemma_.lower())
        for w in set(masked):
            f["w:" + w] = 1.0
        for a, b in set(zip(masked, masked[1:])):
            f["b:" + a + "_" + b] = 1.0
        for t in sent:
            if t.pos_ == "VERB":
                f["v:" + t.lemma_.lower()] = 1.0
                if any(c.dep_ == "neg" for c in t.children):
                    f["negv:" + t.lemma_.lower()] = 1.0
                    f["neg"] = 1.0
            if t.dep_ == "aux" and t.lower_ in MODALS:
                f["modal:" + t.lower_] = 1.0
            if t.dep_ == "mark" and t.lower_ in CONDITIONALS:
                f["cond"] = 1.0
        f["root:" + sent.root.lemma_.lower()] = 1.0
        cues = Cues.of(self.rd.resolver.kb) if self.rd.resolver is not None else None
        if cues is not None:
            for t in sent:
                for etype in cues.lemma_types.get(t.lemma_.lower(), ()):
                    f["trig:" + etype] = 1.0
                    if any(c.dep_ == "neg" for c in t.children):
                        f["trigneg:" + etype] = 1.0
            stext = self.rd.document.text[sent.start_char:sent.end_char]  # Span.text rebuilds it per call
            for kind, patterns in cues.kinds:
                if any(p.search(stext) for p in patterns):
                    f["ck:" + kind] = 1.0
            for topic, patterns in cues.topics:
                if any(p.search(stext) for p in patterns):
                    f["ct:" + topic] = 1.0
        if sent.has_vector:  # the model's own context vectors: similar wording, similar label
            vec = sent.doc.tensor[sent.start:sent.end].mean(axis=0) if sent.doc.tensor.size else sent.vector
            norm = float((vec ** 2).sum()) ** 0.5 or 1.0
            for k, v in enumerate(vec / norm):
                f[f"d{k}"] = float(v)
        vector = self.sentence_vector(i)
        if vector is not None:
            for k, v in enumerate(vector):
                f[f"e{k}"] = float(v) * EMBEDDING_SCALE
        if i == 0 or sent.start_char < self.title_end:
            f["title"] = 1.0
        f["pos:" + ("first" if i <= 1 else "early" if i < 6 else "late")] = 1.0
        for e in self.rule_events:
            if sent.start_char <= e.start < sent.end_char:
                f["re:" + e.type] = 1.0
        for p in self.rule_positions:
            if sent.start_char <= p.start < sent.end_char:
                f["rk:" + p.position_kind] = 1.0
                f["rt:" + p.topic] = 1.0
        for q in self.quotes_in(sent):
            f["q:" + q.quote_kind] = 1.0
            if q.cue:
                f["cue:" + q.cue.lower().split()[0]] = 1.0
        types = {self.rd.actors[s.actor_id].type for s in self.spans_in(sent) if s.actor_id in self.rd.actors}
        for t in types:
            f["at:" + t] = 1.0
        f["nact:" + str(min(len(self.spans_in(sent)), 3))] = 1.0
        if len(lemmas) > 40:
            f["long"] = 1.0
        return f

    def sentence_vector(self, i: int):
        """Sentence i's encoder vector; the document's sentences are encoded together, on first use.

        Only sentences with an actor candidate are encoded (the others can hold no event or position, and
        the encoder is most of the pipeline's time); the rest get None, in training as at run time."""
        if self.encode is None:
            return None
        if self._vectors is None:
            wanted = [k for k in range(len(self.sentences)) if self.candidates(k)]
            encoded = self.encode([self.evidence(k)[1] for k in wanted]) if wanted else []
            self._vectors = dict(zip(wanted, encoded))
        return self._vectors.get(i)

    # -- actor candidates ----------------------------------------------------------------------------------
    def candidates(self, i: int) -> dict[str, dict[str, float]]:
        """Actors that may hold, do or suffer what sentence i says, each with its features (a fresh copy:
        callers add their own features to it)."""
        if i not in self._candidates:
            self._candidates[i] = self._find_candidates(i)
        return {a: dict(f) for a, f in self._candidates[i].items()}

    def pronoun_candidates(self, i: int) -> dict[str, dict[str, float]]:
        """Actors sentence i refers to by a pronoun ('He arrived in Ukraine to discuss ...'), each with the
        pronoun's place in the sentence. Kept apart from `candidates`: a pronoun's antecedent acts in a
        sentence as much as a name does, but as a position's holder it was measured to mislead (CV)."""
        if i in self._pronoun_candidates:
            return {a: dict(f) for a, f in self._pronoun_candidates[i].items()}
        sent = self.sentences[i]
        root = sent.root
        quotes = self.quotes_in(sent)
        out: dict[str, dict[str, float]] = {}
        for tok in sent:
            # 'He arrived in Ukraine to discuss ...': a pronoun's antecedent acts here as much as a name does
            if tok.lower_ not in PRONOUNS or tok.i in self.rd.by_token or \
                    tok.dep_ not in {"nsubj", "nsubjpass", "dobj", "pobj", "dative", "poss"}:
                continue
            a = self.rd.actor_of(tok)
            if a is None or a not in self.rd.actors:
                continue
            f = out.setdefault(a, {"cand": 1.0, "unmentioned": 1.0})
            f["pronoun"] = 1.0
            f["dep:" + tok.dep_] = 1.0
            f["pdep:" + tok.dep_] = 1.0
            if tok.dep_ == "pobj":
                f["prep:" + tok.head.lower_] = 1.0
            if tok.head.i != tok.i:
                f["gov:" + tok.head.lemma_.lower()] = 1.0
            f["side:" + ("before" if tok.i < root.i else "after")] = 1.0
            if any(q.start <= tok.idx < q.end for q in quotes):
                f["in_content"] = 1.0
        for a, f in out.items():
            self._add_actor_features(a, f)
        self._pronoun_candidates[i] = out
        return {a: dict(f) for a, f in out.items()}

    def _find_candidates(self, i: int) -> dict[str, dict[str, float]]:
        sent = self.sentences[i]
        out: dict[str, dict[str, float]] = {}
        quotes = self.quotes_in(sent)
        spans = self.spans_in(sent)
        root = sent.root
        for order, span in enumerate(spans):
            a = span.actor_id
            if a not in self.rd.actors:
                continue
            f = out.setdefault(a, {"cand": 1.0})
            f["mentioned"] = 1.0
            if order < 3:
                f.setdefault("order:" + str(order), 1.0)
            head = self.rd.doc[span.tok_start:span.tok_end].root
            dep = head.dep_
            node = head
            while node.dep_ in {"compound", "appos", "poss", "amod", "nmod"} and node.head.i != node.i:
                node = node.head  # 'Russian President Putin', 'Putin's spokesman': the phrase's role
            f["dep:" + dep] = 1.0
            f["pdep:" + node.dep_] = 1.0
            if node.dep_ == "pobj":
                f["prep:" + node.head.lower_] = 1.0
            if node.head.i != node.i:
                f["gov:" + node.head.lemma_.lower()] = 1.0
            f["side:" + ("before" if head.i < root.i else "after")] = 1.0
            f["kind:" + span.kind] = 1.0
            inside = any(q.start <= span.start and span.end <= q.end for q in quotes)
            if inside:
                f["in_content"] = 1.0
        for q in quotes:
            if q.speaker and q.speaker in self.rd.actors:
                f = out.setdefault(q.speaker, {"cand": 1.0})
                f["speaker"] = 1.0
                f["speaker:" + q.quote_kind] = 1.0
        for e in self.rule_events:
            if sent.start_char <= e.start < sent.end_char:
                for a in e.source:
                    if a in self.rd.actors:
                        out.setdefault(a, {"cand": 1.0})["rule_source"] = 1.0
                for a in e.target:
                    if a in self.rd.actors:
                        out.setdefault(a, {"cand": 1.0})["rule_target"] = 1.0
        for p in self.rule_positions:
            if sent.start_char <= p.start < sent.end_char and p.actor in self.rd.actors:
                out.setdefault(p.actor, {"cand": 1.0})["rule_holder"] = 1.0
        out = {a: f for a, f in out.items() if not self.rd.is_outlet(a)}  # an outlet relays; it is no party
        for a, f in out.items():
            if "mentioned" not in f:
                f["unmentioned"] = 1.0
            self._add_actor_features(a, f)
        return out

    def _add_actor_features(self, actor_id: str, f: dict[str, float]) -> None:
        """What a candidate is, whatever its place in the sentence: its type and how often the document names it."""
        f["type:" + self.rd.actors[actor_id].type] = 1.0
        n = sum(1 for s in self.rd.spans if s.actor_id == actor_id)
        f["salience:" + ("1" if n <= 1 else "few" if n <= 3 else "many")] = 1.0


def concatenate(cls, parts: list):
    """One examples record (a dataclass of parallel lists) holding every part's lists, in order."""
    from dataclasses import fields

    out = cls(*([] for _ in fields(cls)))
    for part in parts:
        for f in fields(cls):
            getattr(out, f.name).extend(getattr(part, f.name))
    return out


def conjoin(features: dict[str, float], tag: str) -> dict[str, float]:
    """The features alone and each joined with `tag` (the event type), so roles can depend on the type."""
    out = dict(features)
    for k, v in features.items():
        out[tag + "|" + k] = v
    return out


# -- matching predicted actors to gold actor ids, by the shared scorer's naming rule --------------------------
def _tokens(s: str) -> list[str]:
    import unicodedata

    s = unicodedata.normalize("NFKC", s or "").lower().replace("\u2019", "'")
    return re.findall(r"\w+", s)


def name_keys(name: str) -> set[str]:
    """Whole name, name without titles, and a person's last name (as ../shared/eval/score.py keys them)."""
    toks = _tokens(name)
    keys = {" ".join(toks)}
    bare = [t for t in toks if t not in _TITLES]
    if bare:
        keys.add(" ".join(bare))
        keys.add("last:" + bare[-1])
    return {k for k in keys if k}


class GoldActors:
    """Which predicted actor of a document is which gold actor."""

    def __init__(self, gold_actors: list[dict], rd: ResolvedDoc) -> None:
        self.gold = {g["id"]: set().union(*(name_keys(n) for n in [g["id"], *g.get("mentions", [])]))
                     for g in gold_actors}
        self.rd = rd

    def keys(self, actor_id: str) -> set[str]:
        actor = self.rd.actors.get(actor_id)
        names = [actor_id] + ([actor.name, *actor.aliases] if actor else [])
        return set().union(*(name_keys(n) for n in names if n))

    def same(self, gold_id: str, actor_id: str) -> bool:
        return bool((self.gold.get(gold_id) or name_keys(gold_id)) & self.keys(actor_id))

    def any_same(self, gold_ids: list[str], actor_id: str) -> bool:
        return any(self.same(g, actor_id) for g in gold_ids)


# -- how an actor stands to the word that carries an act -------------------------------------------------------
def _subject_of(tok):
    """The subject that governs a token's clause: its own, or an ancestor's through xcomp/conj/aux chains
    ('Russia refused to recognise': Russia recognises nothing, but it is the one refusing)."""
    node = tok
    for _ in range(4):
        subj = next((c for c in node.children if c.dep_ in {"nsubj", "nsubjpass", "agent"}), None)
        if subj is not None:
            return subj
        if node.dep_ not in {"xcomp", "conj", "ccomp", "advcl", "acl", "relcl", "pcomp"} or node.head.i == node.i:
            return None
        if node.dep_ in {"acl", "relcl"}:
            return node.head  # 'the forces that attacked': the noun the clause describes
        node = node.head
    return None


def role_candidates(ctx: Context, tok) -> dict[str, dict[str, float]]:
    """Actors of the anchor's sentence (and quote speakers there), each with how it stands to the anchor."""
    sent = ctx.rd.sent_at(tok.i)
    out: dict[str, dict[str, float]] = {}
    subj = _subject_of(tok)
    subj_actor = ctx.rd.actor_of(subj) if subj is not None else None
    ancestors = {a.i for a in tok.ancestors}
    for span in ctx.spans_in(sent):
        a = span.actor_id
        if a not in ctx.rd.actors:
            continue
        f = out.setdefault(a, {"cand": 1.0})
        h = ctx.rd.doc[span.tok_start:span.tok_end].root
        node = h
        while (node.dep_ in {"compound", "appos", "amod", "nmod", "poss"} and node.head.i != node.i
               and node.head.i != tok.i):
            node = node.head
        if node.head.i == tok.i:
            f["rel:" + node.dep_] = 1.0
        elif node.head.head.i == tok.i and node.head.dep_ == "prep":
            f["relp:" + node.head.lower_] = 1.0
        elif node.i in ancestors:
            f["ancestor"] = 1.0
        elif tok.i in {x.i for x in node.ancestors}:
            f["descendant"] = 1.0
        if h.dep_ == "poss" and h.head.i == tok.i:
            f["possessor"] = 1.0
        if subj_actor == a:
            f["clause_subject"] = 1.0
        d = abs(h.i - tok.i)
        f["dist:" + ("1-3" if d <= 3 else "4-10" if d <= 10 else "far")] = 1.0
        f["side:" + ("before" if h.i < tok.i else "after")] = 1.0
        f["kind:" + span.kind] = 1.0
        if any(q.start <= span.start and span.end <= q.end for q in ctx.quotes):
            f["in_content"] = 1.0
    for q in ctx.quotes:
        if q.speaker and q.speaker in ctx.rd.actors and q.start <= tok.idx < q.end:
            f = out.setdefault(q.speaker, {"cand": 1.0})
            f["speaker"] = 1.0
            f["speaker:" + q.quote_kind] = 1.0
    for a, f in out.items():
        f["type:" + ctx.rd.actors[a].type] = 1.0
        if len(f) <= 4:
            f["weak"] = 1.0
    return out


SUBJECT_DEPS = {"nsubj", "nsubjpass"}


def conjoined_subjects(ctx: Context, i: int, actor: str, cands: dict) -> list[str]:
    """The other candidates named in one conjunction with `actor`, where the conjunction is the subject or the
    passive's agent: in "Russia, Ukraine, the US and the EU decided ..." and "declared illegal by the US and
    EU" each of them decides or holds the view (a position of each, an act with all of them as source)."""
    spans = ctx.spans_in(ctx.sentences[i])
    doc = ctx.rd.doc
    heads = {doc[s.tok_start:s.tok_end].root.i: s.actor_id for s in spans}
    out: list[str] = []
    for head, named in heads.items():
        if named != actor:
            continue
        first = doc[head]
        while first.dep_ == "conj" and first.head.i != first.i:
            first = first.head
        agent = first.dep_ == "pobj" and first.head.lower_ == "by" and first.head.dep_ == "agent"
        if first.dep_ not in SUBJECT_DEPS and not agent:
            continue
        for other in [first, *first.conjuncts]:
            who = heads.get(other.i)
            if who and who != actor and who in cands and who not in out:
                out.append(who)
    return out
