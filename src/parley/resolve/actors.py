"""Resolve stage, actors: which actor each name, metonym, title or reference in a document stands for.

Order of evidence: a KB match from the EntityRuler (names, aliases, metonyms, surnames); a name the
statistical tagger found, with the title around it ("Deputy Foreign Minister Andrei Rudenko", "X, former
US assistant secretary of defense") giving role and country; unnamed sources ("a senior Pentagon
official"); and later references ("Rudenko", "the French President", "the American guest") matched to
an actor already mentioned.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date

from spacy.tokens import Doc, Span, Token

from parley.annotate import NOT_ACTOR_ID
from parley.kb import KnowledgeBase
from parley.records import Actor, Document, Mention
from parley.resolve.offices import OfficeIndex

PRONOUNS = {"he", "she", "him", "her", "they", "it"}
# The grammatical gender a third-person pronoun asks of its antecedent ("m"/"f"); others ask none.
PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "himself": "m",
                  "she": "f", "her": "f", "hers": "f", "herself": "f"}
# pronouns whose referent, as the subject of a verb of saying, is sought among the latest speakers
SPEAKING_PRONOUNS = frozenset({"he", "she", "it", "they"})


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class ActorSpan:
    start: int
    end: int
    text: str
    actor_id: str
    kind: str  # name, metonym, surname, demonym, title, anonymous, description
    tok_start: int
    tok_end: int


@dataclass
class ResolvedDoc:
    """A document with its spaCy annotation and the actor behind every resolved span."""

    document: Document
    doc: Doc
    actors: dict[str, Actor] = field(default_factory=dict)
    spans: list[ActorSpan] = field(default_factory=list)
    by_token: dict[int, ActorSpan] = field(default_factory=dict)
    resolver: ActorResolver | None = None
    genders: dict[str, str] = field(default_factory=dict)  # person id -> "m"/"f" where the text shows it
    _sents: list[Span] | None = field(default=None, repr=False)
    _starts: list[int] = field(default_factory=list, repr=False)

    def sent_at(self, i: int) -> Span:
        """The sentence holding token i. Token.sent walks every sentence each time; this bisects a cached
        list, which keeps extraction linear in the length of long articles."""
        if self._sents is None:
            self._sents = list(self.doc.sents)
            self._starts = [s.start for s in self._sents]
        return self._sents[bisect_right(self._starts, i) - 1]

    def sent_index(self, i: int) -> int:
        """The number of the sentence holding token i (0 for the first)."""
        self.sent_at(i)  # fills the cache
        return bisect_right(self._starts, i) - 1

    def ensure_actor(self, actor_id: str) -> None:
        """Record a KB actor that an extractor names without a mention (a demonym: 'the Italian plan')."""
        if actor_id not in self.actors and self.resolver is not None and actor_id in self.resolver.kb.actors:
            self.actors[actor_id] = self.resolver.kb_actor(actor_id, self.document.published)

    def add(self, span: ActorSpan, nested: bool = False) -> None:
        """Record a span; with `nested`, the span may contain others ('the former US Secretary' holds a
        mention of the US) and takes only the tokens still free."""
        if not nested and any(i in self.by_token for i in range(span.tok_start, span.tok_end)):
            return
        self.spans.append(span)
        for i in range(span.tok_start, span.tok_end):
            self.by_token.setdefault(i, span)
        actor = self.actors[span.actor_id]
        if span.kind in {"name", "metonym", "surname", "anonymous", "demonym"} and span.text not in actor.aliases:
            actor.aliases.append(span.text)

    def actors_in(self, start: int, end: int) -> list[str]:
        """Actor ids mentioned in tokens [start, end), in order, without repeats."""
        out: list[str] = []
        for i in range(start, end):
            span = self.by_token.get(i)
            if span and span.actor_id not in out:
                out.append(span.actor_id)
        return out

    def actor_of(self, token: Token) -> str | None:
        """The actor a token stands for: its own span, a compound/possessor inside its phrase, or a
        pronoun's antecedent."""
        span = self.by_token.get(token.i)
        if span:
            return span.actor_id
        if token.lower_ in PRONOUNS:
            return self.antecedent(token.i, plural=token.lower_ in {"they", "it"},
                                   gender=PRONOUN_GENDER.get(token.lower_), singular=token.lower_ == "it")
        # a compound names the thing itself, a possessor its owner: "Russia's Interfax news agency" is Interfax
        for child in sorted(token.children, key=lambda c: c.dep_ != "compound"):
            if child.dep_ in {"compound", "poss", "nmod", "amod"} and child.i in self.by_token:
                return self.by_token[child.i].actor_id
        for child in token.children:  # "the Chairman of ..., General Mark Milley" (appositive)
            if child.dep_ == "appos" and child.i in self.by_token:
                return self.by_token[child.i].actor_id
        return None

    def antecedent(self, before: int, plural: bool = False, gender: str | None = None,
                   singular: bool = False) -> str | None:
        """What a pronoun before token `before` refers to: a person for he/she, any actor for it/they.
        With `gender` ("m" for he, "f" for she), a person known to be of the other gender is passed over;
        with `singular` ('it'), so is a group (groups are plural nouns: 'the rebels', 'two officials').

        Subjects are preferred over other mentions (the centre of the previous sentences is usually
        what 'he' continues), looking back at most three sentences; then the latest mention at all."""
        earlier = sorted((s for s in self.spans if s.tok_start < before), key=lambda s: s.tok_start, reverse=True)

        def fits(span: ActorSpan) -> bool:
            actor = self.actors[span.actor_id]
            if plural:
                return actor.type != "PERSON" and not (singular and actor.type == "GROUP")
            return self.person_of_gender(span.actor_id, gender)

        if before < len(self.doc):
            sent_starts = [s.start for s in self.doc[: before + 1].sents][-4:]
            window = sent_starts[0] if sent_starts else 0
            for span in earlier:
                if span.tok_start < window:
                    break
                node = self._phrase_head(span)  # 'The Kremlin - spokesman for Dmitry Peskov - said'
                if fits(span) and node.dep_ in {"nsubj", "nsubjpass"}:
                    return span.actor_id
        for span in earlier:
            if fits(span):
                return span.actor_id
        return None

    def speaker_antecedent(self, pronoun_token: Token, speech_lemmas: AbstractSet[str],
                           sentences: int = 3) -> str | None:
        """What a pronoun (one of SPEAKING_PRONOUNS) as the subject of a verb of saying refers to: the latest
        fitting actor who is a subject in the last few sentences, leaving out subjects inside what someone
        reportedly said ('X said that Y will ...': the next 'he said' continues X, not Y); failing that, the
        antecedent of any pronoun. The pronoun itself says which actors fit.

        For 'he'/'she' a fitting actor is a person (of that gender); for 'it' a body that is not a person
        or a group ('The agency said ... It said'), for 'they' any actor but a person."""
        before, pronoun = pronoun_token.i, pronoun_token.lower_
        gender = PRONOUN_GENDER.get(pronoun)
        plural = pronoun in {"it", "they"}

        def fits(actor_id: str) -> bool:
            if plural:
                kind = self.actors[actor_id].type
                return kind != "PERSON" and not (pronoun == "it" and kind == "GROUP")
            return self.person_of_gender(actor_id, gender)

        k = self.sent_index(min(before, len(self.doc) - 1))
        window = self._starts[max(k - sentences, 0)]
        for span in sorted((s for s in self.spans if window <= s.tok_start < before),
                           key=lambda s: s.tok_start, reverse=True):
            if not fits(span.actor_id):
                continue
            node = self._phrase_head(span)  # 'The head of the department, X, said'
            if node.dep_ in {"nsubj", "nsubjpass"} and not _reported(node, speech_lemmas):
                return span.actor_id
        if plural:
            return self.antecedent(before, plural=True, singular=pronoun == "it")
        return self.antecedent(before, gender=gender)

    def is_outlet(self, actor_id: str | None) -> bool:
        """Whether the actor is a news outlet (its role one of the lexicon's `outlet_roles`): it relays what
        parties say and do, and is not one of them."""
        actor = self.actors.get(actor_id or "")
        return actor is not None and self.resolver is not None and actor.role in self.resolver.outlet_roles

    def person_of_gender(self, actor_id: str, gender: str | None) -> bool:
        """A person not known to be of another gender than `gender` (None asks none)."""
        known = self.genders.get(actor_id)
        return self.actors[actor_id].type == "PERSON" and not (gender and known and known != gender)

    def _phrase_head(self, span: ActorSpan) -> Token:
        """The word that gives a mention's phrase its role in the clause, past appositives and 'of' phrases."""
        node = self.doc[span.tok_start : span.tok_end].root
        while node.dep_ in {"appos", "compound", "pobj", "prep"} and node.head.i != node.i:
            node = node.head
        return node

    def named_group(self, head: Token) -> str | None:
        """An actor for an unresolved subject phrase that names a group or body ('Demonstrators',
        'the Taliban', 'Opposition lawmakers'): found in the text, so it is recorded as seen."""
        toks = [t for t in head.subtree if t.i <= head.i and t.dep_ not in {"det", "punct", "predet"}]
        if not toks or any(t.i in self.by_token for t in toks):
            return None
        start, end = toks[0].i, head.i + 1
        name = self.doc[start:end].text
        actor_id = "group:" + slug(name)
        if actor_id not in self.actors:
            self.actors[actor_id] = Actor(id=actor_id, name=name, type="GROUP", country=None, aliases=[])
        self.add(ActorSpan(self.doc[start].idx, head.idx + len(head.text), name, actor_id, "name", start, end))
        return actor_id

    def actor_named(self, word: str) -> str | None:
        """A person of this document whose name ends with `word` (a later surname-only mention)."""
        matches = {a.id for a in self.actors.values()
                   if a.type == "PERSON" and (a.name.split()[-1] == word or word in a.aliases)}
        return matches.pop() if len(matches) == 1 else None

    def mentions(self) -> list[Mention]:
        return [
            Mention(doc=self.document.id, actor=s.actor_id, start=s.start, end=s.end, text=s.text)
            for s in sorted(self.spans, key=lambda s: s.start)
        ]


class ActorResolver:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.demonyms = kb.demonym_index()
        self.title_words = {w.lower() for w in kb.words("title_words")}
        self.courtesy_titles = set(kb.words("courtesy_titles"))
        self.outlet_roles = frozenset(kb.words("outlet_roles"))
        self.anonymous_nouns = {w.lower() for w in kb.words("anonymous_source_nouns")}
        self.anonymous_modifiers = {w.lower() for w in kb.words("anonymous_source_modifiers")}
        self.description_heads = {w.lower() for w in kb.words("description_heads")}
        self.collective = {noun: kind for kind, nouns in kb.table("collective_nouns").items() for noun in nouns}
        # phrase ending (lower-case words) -> (family id, family name): the longest ending is tried first
        self.families: dict[tuple[str, ...], tuple[str, str]] = {}
        for family, spec in kb.table("group_families").items():
            for noun in spec.get("nouns", []):
                self.families[tuple(noun.lower().split())] = ("group:" + family, spec.get("name") or family)
        self.family_length = max((len(k) for k in self.families), default=0)
        # word -> "m"/"f": titles, gendered nouns (lower-case) and given names (as written)
        self.gender_titles = _gender_index(kb.table("gender_titles"), lower=True)
        self.gender_nouns = _gender_index(kb.table("gender_nouns"), lower=True)
        # nouns that only a person can be: what a name in apposition to one is
        self.person_nouns = set(self.gender_nouns) | self.description_heads
        self.given_names = _gender_index(kb.table("given_names"), lower=False)
        self.national_bodies = _national_bodies(kb, self.demonyms)
        self.offices = OfficeIndex(kb)

    # -- actors --------------------------------------------------------------------------------------
    def kb_actor(self, actor_id: str, day: date | None) -> Actor:
        entry = self.kb.actors[actor_id]
        return Actor(id=entry.id, name=entry.name, type=entry.type, country=entry.country,
                     role=entry.role_on(day), aliases=[])

    def country_in(self, words: list[str], resolved: ResolvedDoc | None = None) -> str | None:
        for word in words:
            code = self.demonyms.get(word.lower().strip(",.")) or self.demonyms.get(word.strip(",."))
            if code:
                return code
            if word in self.kb.actors and self.kb.actors[word].type == "COUNTRY":
                return word
        return None

    # -- titles --------------------------------------------------------------------------------------
    def _is_title_token(self, tok: Token, resolved: ResolvedDoc) -> bool:
        low = tok.lower_
        if low in self.title_words or low in self.demonyms:
            return True
        span = resolved.by_token.get(tok.i)
        return bool(span and self.kb.actors.get(span.actor_id) and span.kind in {"name", "metonym"})

    def title_before(self, ent: Span, resolved: ResolvedDoc) -> tuple[str, int] | None:
        """The title words right before a name: 'Deputy Foreign Minister' in '... Minister Andrei Rudenko'."""
        i = ent.start - 1
        while i >= 0 and self._is_title_token(ent.doc[i], resolved) and ent.doc[i].text not in {",", "("}:
            i -= 1
        tokens = list(ent.doc[i + 1 : ent.start])
        while tokens and tokens[0].lower_ in {"of", "the", "and", "for"}:
            tokens = tokens[1:]
        if not any(t.lower_ in self.title_words - {"of", "the", "and", "for", "former"} for t in tokens):
            return None
        return " ".join(t.text for t in tokens), tokens[0].i

    def title_after(self, ent: Span) -> str | None:
        """An appositive title after a name: 'Larry Korb, former US assistant secretary of defense ...,'."""
        doc = ent.doc
        if ent.end >= len(doc) or doc[ent.end].text != ",":
            return None
        words: list[Token] = []
        for tok in doc[ent.end + 1 : ent.end + 25]:
            if tok.text in {",", ";", ":", "."} or tok.is_sent_start:
                break
            words.append(tok)
        if not words or words[0].lower_ not in self.title_words:
            return None
        if any(t.pos_ in {"VERB", "AUX"} for t in words):
            return None
        return " ".join(t.text for t in words)

    # -- the pass over a document ------------------------------------------------------------------------
    def resolve(self, document: Document, doc: Doc) -> ResolvedDoc:
        resolved = ResolvedDoc(document=document, doc=doc, resolver=self)
        local_people: dict[str, str] = {}  # surname or full name -> local actor id

        ents = list(doc.ents)
        # KB entities first, so titles can use them ("the Pentagon official")
        for ent in ents:
            ident = ent.ent_id_
            if ident and ident != NOT_ACTOR_ID and ident in self.kb.actors:
                resolved.ensure_actor(ident)
                kind = "demonym" if ent.label_ == "NORP" else "metonym" if ent.label_ in {"GPE", "ORG"} and \
                    ent.text in self.kb.actors[ident].metonyms else "name"
                if ent.label_ == "PERSON" and ent.text in self.kb.actors[ident].surnames:
                    kind = "surname"
                start = ent.start
                if start > 0 and doc[start - 1].lower_ == "the" and kind == "demonym":
                    start -= 1
                text = doc[start : ent.end].text
                resolved.add(ActorSpan(doc[start].idx, ent.end_char, text, ident, kind, start, ent.end))

        person_names = _person_names(ents, self.kb.actors, NOT_ACTOR_ID)
        for ent in ents:
            if ent.ent_id_ in self.kb.actors or ent.ent_id_ == NOT_ACTOR_ID:
                continue
            if ent.label_ == "PERSON" or self._named_like_person(ent) or _strip_name(ent.text) in person_names:
                self._person(ent, resolved, local_people)
            elif ent.label_ == "ORG":
                self._org(ent, resolved)
            elif ent.label_ == "NORP":
                self._norp(ent, resolved)

        self._collectives(doc, resolved)
        self._anonymous_sources(doc, resolved)
        self._descriptions(doc, resolved)
        resolved.spans.sort(key=lambda s: s.start)
        resolved.genders = self._genders(doc, resolved)
        return resolved

    def _genders(self, doc: Doc, resolved: ResolvedDoc) -> dict[str, str]:
        """The gender of each person, where this document or the KB shows it: a title before a mention
        ('Mrs', 'Mr'), a gendered noun in the role or beside a mention ('spokeswoman', 'daughter'), the
        first pronoun after a mention that is a clause's subject ('X said she ...'), and a given name the
        KB lists. Votes are summed; a tie or no evidence leaves the gender unknown."""
        votes: dict[str, float] = {}

        def vote(actor_id: str, gender: str | None, weight: float) -> None:
            if gender:
                votes[actor_id] = votes.get(actor_id, 0.0) + (weight if gender == "m" else -weight)

        for span in resolved.spans:
            actor = resolved.actors.get(span.actor_id)
            if actor is None or actor.type != "PERSON":
                continue
            first = doc[span.tok_start].lower_
            if span.tok_start > 0 and first not in self.gender_titles:
                first = doc[span.tok_start - 1].lower_
            vote(actor.id, self.gender_titles.get(first), 3)  # 'Mrs Merkel', '(Ms) Olga Ivanova'
            # a gendered noun right before the mention ('spokeswoman X', 'his daughter X') or heading an
            # appositive after it ('X, the ministry's spokeswoman,')
            if span.tok_start > 0:
                vote(actor.id, self.gender_nouns.get(doc[span.tok_start - 1].lower_), 2)
            for tok in doc[span.tok_end : min(span.tok_end + 6, len(doc))]:
                if tok.dep_ == "appos" and span.tok_start <= tok.head.i < span.tok_end:
                    vote(actor.id, self.gender_nouns.get(tok.lower_), 2)
            # 'X said she ...', 'X and her government': the first he/she/his/her after a mention that is a
            # clause's subject, with no other person mentioned in between
            root = doc[span.tok_start : span.tok_end].root
            if root.dep_ in {"nsubj", "nsubjpass"}:
                sent_end = min(resolved.sent_at(root.i).end, span.tok_end + 40)
                for tok in doc[span.tok_end : sent_end]:
                    other = resolved.by_token.get(tok.i)
                    if other is not None and other.actor_id != actor.id and \
                            resolved.actors[other.actor_id].type == "PERSON":
                        break
                    if tok.lower_ in PRONOUN_GENDER:
                        if self._continues_subject(tok, root):
                            vote(actor.id, PRONOUN_GENDER[tok.lower_], 1)
                        break
        for actor in resolved.actors.values():
            if actor.type != "PERSON":
                continue
            words = re.findall(r"[a-z]+", f"{actor.name} {actor.role or ''}".lower())
            for word in set(words):
                vote(actor.id, self.gender_nouns.get(word), 2)  # 'one woman', role 'spokeswoman'
            vote(actor.id, self.given_names.get(actor.name.split()[0]) if actor.name.split() else None, 2)
        return {a: ("m" if v > 0 else "f") for a, v in votes.items() if v}

    def _named_like_person(self, ent: Span) -> bool:
        """'Valentina Kazakova' tagged ORG: two or three capitalised words opening with a given name the KB
        lists are a person's name (an organisation's name rarely opens with one), and so are such words in
        apposition to a noun only a person can be ('Ukraine's richest man, Rinat Akhmetov')."""
        words = ent.text.split()
        if not (ent.label_ == "ORG" and 2 <= len(words) <= 3 and all(
                w[:1].isupper() and w.replace("-", "").isalpha() for w in words)):
            return False
        if words[0] in self.given_names:
            return True
        # 'Ukraine's richest man, Rinat Akhmetov', 'Rinat Akhmetov, a businessman': the appositive says what it is
        root = ent.root
        beside = [root.head] if root.dep_ == "appos" else []
        beside += [c for c in root.children if c.dep_ == "appos"]
        return any(t.lower_ in self.person_nouns for t in beside)

    def _person(self, ent: Span, resolved: ResolvedDoc, local_people: dict[str, str]) -> None:
        name = _strip_name(ent.text)
        parts = name.split()
        if len(parts) >= 2 and parts[0] in self.courtesy_titles:
            parts = parts[1:]  # the id and name are the person's: 'Ms Olga' and 'Olga' are one person
            name = " ".join(parts)
        if not name or not name[0].isupper() or len(name) < 3:
            return
        if any(c.isdigit() for c in name):
            return  # no one's name has a digit: 'F-15C', 'BM-21 Grad' are machines the tagger took for people
        # a later surname-only mention of a person named earlier in this document
        if len(parts) == 1 and parts[0] in local_people:
            resolved.add(ActorSpan(ent.start_char, ent.end_char, ent.text, local_people[parts[0]], "surname",
                                   ent.start, ent.end))
            return
        if len(parts) == 1:
            for span in resolved.spans:  # a KB person whose surname this is, named earlier in full
                actor = self.kb.actors.get(span.actor_id)
                if actor and actor.type == "PERSON" and name in actor.surnames:
                    resolved.add(ActorSpan(ent.start_char, ent.end_char, ent.text, actor.id, "surname",
                                           ent.start, ent.end))
                    return
        before = self.title_before(ent, resolved)
        after = self.title_after(ent)
        role_parts = [x for x in (before[0] if before else None, after) if x]
        role = "; ".join(role_parts) or None
        country = self.country_in(" ".join(role_parts).split()) if role_parts else None
        actor_id = "person:" + slug(name)
        if actor_id not in resolved.actors:
            resolved.actors[actor_id] = Actor(id=actor_id, name=name, type="PERSON", country=country,
                                              role=role, aliases=[])
        local_people[name] = actor_id
        if len(parts) >= 2:
            local_people[parts[-1]] = actor_id
        resolved.add(ActorSpan(ent.start_char, ent.end_char, ent.text, actor_id, "name", ent.start, ent.end))

    @staticmethod
    def _continues_subject(pronoun: Token, subject: Token) -> bool:
        """Whether a pronoun after a subject is bound to it by the clause structure: the subject of a clause
        the subject's verb governs ('X said she would ...'), or a possessive in the verb's own clause
        ('X raised her concerns'); a pronoun in some other clause may be anyone's."""
        verb = subject.head
        if pronoun.dep_ in {"nsubj", "nsubjpass"}:
            return pronoun.head.head.i == verb.i and pronoun.head.dep_ in {"ccomp", "conj", "xcomp", "advcl"}
        if pronoun.dep_ == "poss":
            node = pronoun.head
            while node.pos_ not in {"VERB", "AUX"} and node.head.i != node.i:
                node = node.head
            return node.i == verb.i
        return False

    def _org(self, ent: Span, resolved: ResolvedDoc) -> None:
        words = [t for t in ent if not t.is_punct]
        if words and words[0].lower_ == "the":
            words = words[1:]
        if len(words) < 2 or not all(t.text[:1].isupper() or t.lower_ in {"of", "for", "and", "on"}
                                     for t in words):
            return  # single capitalised words tagged ORG are too often noise ('Defense', 'MLRS')
        name = " ".join(t.text for t in words)
        actor_id = self._national_body(name, ent.start, resolved) or "org:" + slug(name)
        if actor_id in self.kb.actors:
            if actor_id not in resolved.actors:
                resolved.actors[actor_id] = self.kb_actor(actor_id, resolved.document.published)
        elif actor_id not in resolved.actors:
            country = self.country_in([t.text for t in words])
            resolved.actors[actor_id] = Actor(id=actor_id, name=name, type="ORG", country=country, aliases=[])
        resolved.add(ActorSpan(words[0].idx, ent.end_char, ent.doc[words[0].i : ent.end].text, actor_id, "name",
                               words[0].i, ent.end))

    def _national_body(self, name: str, before: int, resolved: ResolvedDoc) -> str | None:
        """'the Foreign Ministry' without a country: the KB body of that name whose state this document
        is about: the one named earlier, else the one of the state the document names most."""
        bodies = self.national_bodies.get(name.lower())
        if not bodies:
            return None
        earlier = [s.actor_id for s in resolved.spans if s.tok_start < before and s.actor_id in bodies.values()]
        if earlier:
            return earlier[-1]
        counts = Counter(s.actor_id for s in resolved.spans if s.actor_id in bodies)
        if counts:
            return bodies[counts.most_common(1)[0][0]]
        return None

    def _norp(self, ent: Span, resolved: ResolvedDoc) -> None:
        text = re.sub(r"^(?:the|The)\s+", "", ent.text)
        code = self.demonyms.get(text.lower())
        if not code or not text.endswith("s"):
            return
        if code not in resolved.actors:
            resolved.actors[code] = self.kb_actor(code, resolved.document.published)
        start = ent.start - 1 if ent.start > 0 and ent.doc[ent.start - 1].lower_ == "the" else ent.start
        resolved.add(ActorSpan(ent.doc[start].idx, ent.end_char, ent.doc[start : ent.end].text, code, "demonym",
                               start, ent.end))

    def _collectives(self, doc: Doc, resolved: ResolvedDoc) -> None:
        """'the British government' is the United Kingdom; 'Afghan rebels' a group of Afghanistan."""
        for chunk in doc.noun_chunks:
            root = chunk.root
            if root.i in resolved.by_token or any(t.dep_ == "cc" for t in chunk):
                continue  # 'the Russian and Ukrainian armies' are two actors, not one
            kind = self.collective.get(root.lemma_.lower()) or self.collective.get(root.lower_)
            if kind is None:
                self._family(chunk, resolved)
                continue
            # 'pro-Russian separatists' are not Russia's: a nationality after 'pro-'/'anti-' is an allegiance
            nationality = next((t for t in chunk if t.i < root.i and t.dep_ in {"amod", "compound", "nmod"}
                                and self.demonyms.get(t.lower_) and t.i not in resolved.by_token
                                and not _allegiance(t)), None)
            if nationality is None:
                self._family(chunk, resolved)
                continue
            code = self.demonyms[nationality.lower_]
            if code not in self.kb.actors:
                continue
            start = nationality.i
            if kind == "state":
                actor_id = code
                if code not in resolved.actors:
                    resolved.actors[code] = self.kb_actor(code, resolved.document.published)
                span_kind = "metonym"
            else:
                name = doc[start : root.i + 1].text
                actor_id = "group:" + slug(name)
                if actor_id not in resolved.actors:
                    resolved.actors[actor_id] = Actor(id=actor_id, name=name, type="GROUP", country=code,
                                                      role=None, aliases=[])
                span_kind = "name"
            resolved.add(ActorSpan(doc[start].idx, root.idx + len(root.text), doc[start : root.i + 1].text,
                                   actor_id, span_kind, start, root.i + 1))

    def _family(self, chunk: Span, resolved: ResolvedDoc) -> None:
        """'the rebels', 'anti-government protesters', 'riot police': the KB's group family the phrase ends in.
        A phrase holding a named actor ('OSCE observers', 'Kremlin critics') is left to that actor."""
        root = chunk.root
        words = [t for t in chunk if t.i <= root.i]
        if any(t.i in resolved.by_token for t in words):
            return
        low = [t.lower_ for t in words]
        for n in range(min(self.family_length, len(low)), 0, -1):
            found = self.families.get(tuple(low[-n:]))
            if found:
                break
        else:
            return
        actor_id, name = found
        if actor_id not in resolved.actors:
            nouns = [" ".join(k) for k, v in self.families.items() if v[0] == actor_id and " ".join(k) != name]
            resolved.actors[actor_id] = Actor(id=actor_id, name=name, type="GROUP", country=None, role=None,
                                              aliases=nouns)
        first = next((t for t in words if t.dep_ not in {"det", "predet", "poss", "punct"}), root)
        resolved.add(ActorSpan(first.idx, root.idx + len(root.text), chunk.doc[first.i : root.i + 1].text,
                               actor_id, "description", first.i, root.i + 1))

    def _anonymous_sources(self, doc: Doc, resolved: ResolvedDoc) -> None:
        """'a senior Pentagon official', 'three Pentagon officials': an unnamed source is an actor too."""
        for chunk in doc.noun_chunks:
            root = chunk.root
            if root.lower_ not in self.anonymous_nouns or root.i in resolved.by_token:
                continue
            modifiers = [t for t in chunk if t.i < root.i and t.dep_ in {"compound", "amod", "nmod", "nummod"}]
            named = [resolved.by_token[t.i].actor_id for t in modifiers if t.i in resolved.by_token]
            named += [self.demonyms[t.lower_] for t in modifiers  # 'a French minister'
                      if t.i not in resolved.by_token and self.demonyms.get(t.lower_) in self.kb.actors]
            if not named and not any(t.lower_ in self.anonymous_modifiers for t in modifiers):
                continue
            first = modifiers[0] if modifiers else root
            if any(t.is_sent_start for t in chunk if t.i > first.i):
                continue
            name = doc[first.i : root.i + 1].text
            plural = root.tag_ in {"NNS", "NNPS"}
            owner = self.kb.actors.get(named[0]) if named else None
            country = (owner.country or (owner.id if owner.type == "COUNTRY" else None)) if owner else None
            actor_id = "anon:" + slug(name)
            if actor_id not in resolved.actors:
                resolved.actors[actor_id] = Actor(id=actor_id, name=name, type="GROUP" if plural else "PERSON",
                                                  country=country, role=f"{name} (unnamed)", aliases=[])
            # the modifiers stay mentions of their own actor; the phrase as a whole is the source
            for t in range(first.i, root.i + 1):
                resolved.by_token.pop(t, None)
            resolved.spans = [s for s in resolved.spans if not (first.i <= s.tok_start <= root.i)]
            resolved.add(ActorSpan(first.idx, root.idx + len(root.text), name, actor_id, "anonymous",
                                   first.i, root.i + 1))

    def _descriptions(self, doc: Doc, resolved: ResolvedDoc) -> None:
        """'the French President', 'the American guest': an actor already met, described by role or country."""
        for chunk in doc.noun_chunks:
            root = chunk.root
            if root.lower_ not in self.description_heads or root.i in resolved.by_token:
                continue
            det = chunk[0].lower_
            # "Russia's foreign minister": the possessive body stands where the article would
            possessive = len(chunk) > 2 and chunk[1].text in {"'s", "’s"} and self._is_body(chunk[0], resolved)
            if det not in {"the", "his", "her", "their"} and not possessive:
                continue
            # a title right beside a name belongs to that name, not to an earlier actor
            nxt = doc[chunk.end] if chunk.end < len(doc) else None
            if nxt is not None and (nxt.i in resolved.by_token or (nxt.text == "," and chunk.end + 1 < len(doc)
                                                                     and chunk.end + 1 in resolved.by_token)):
                continue
            if chunk.start > 0 and doc[chunk.start - 1].text == "," and chunk.start - 2 in resolved.by_token:
                continue
            rest = chunk if possessive else chunk[1:]
            # the holder of the office on the article's day when the KB knows it exactly, else an actor
            # already met whose role or country the description fits
            actor_id = self.offices.holder(rest.text, resolved.document.published)
            if actor_id:
                resolved.ensure_actor(actor_id)
            elif not possessive:  # "Russia's minister" is read only as an office: a loose match errs
                words = [t.lower_ for t in chunk[1:]]
                country = self.country_in([t.text for t in chunk[1:]])
                actor_id = self._match_description(words, country, chunk.start, resolved)
            if actor_id:
                resolved.add(ActorSpan(chunk.start_char, chunk.end_char, chunk.text, actor_id, "description",
                                       chunk.start, chunk.end), nested=True)

    def _is_body(self, tok: Token, resolved: ResolvedDoc) -> bool:
        """A word naming a state or an organisation: 'Russia' of "Russia's foreign minister"."""
        span = resolved.by_token.get(tok.i)
        if span is not None and span.actor_id in resolved.actors:
            return resolved.actors[span.actor_id].type in {"COUNTRY", "ORG"}
        return tok.lower_ in self.demonyms

    def _match_description(self, words: list[str], country: str | None, before: int,
                           resolved: ResolvedDoc) -> str | None:
        content = {w for w in words if w not in {"the", "of", "former", "his", "her"} and w not in self.demonyms}
        best, best_score = None, 0.0
        for span in resolved.spans:
            if span.tok_start >= before:
                continue
            actor = resolved.actors[span.actor_id]
            if actor.type != "PERSON":
                continue
            if country and actor.country and actor.country != country:
                continue
            role_words = set(re.findall(r"[a-z]+", (actor.role or "").lower()))
            overlap = len(content & role_words)
            score = overlap + (0.5 if country and actor.country == country else 0) + span.tok_start / 1e6
            if (overlap or (country and actor.country == country)) and score > best_score:
                best, best_score = actor.id, score
        return best


def _national_bodies(kb: KnowledgeBase, demonyms: dict[str, str]) -> dict[str, dict[str, str]]:
    """Generic name (lower-case) -> {state id: body id}, from the KB's national bodies' names: 'Russian
    Foreign Ministry' and 'Foreign Ministry of Russia' give 'foreign ministry' -> {RUS: RU-MFA}."""
    index: dict[str, dict[str, str]] = {}
    for actor in kb.actors.values():
        state = kb.actors.get(actor.country) if actor.country else None
        if actor.type != "ORG" or state is None:
            continue
        state_names = {n.lower() for n in state.names}
        for name in actor.names:
            words = name.split()
            first = re.sub(r"[’']s$", "", words[0]).lower()
            generic = None
            if len(words) >= 3 and (demonyms.get(first) == state.id or first in state_names):
                generic = " ".join(words[1:])
            else:
                m = re.match(r"(.+?) of (?:the )?(.+)$", name)
                if m and m.group(2).lower() in state_names:
                    generic = m.group(1)
            if generic and len(generic.split()) >= 2:
                index.setdefault(generic.lower(), {}).setdefault(state.id, actor.id)
    # a generic name an international body also ends with ('UN Security Council') is not a state's alone
    international = [n.lower() for a in kb.actors.values() if a.type == "ORG" and not a.country for n in a.names]
    return {g: bodies for g, bodies in index.items() if not any(n.endswith(" " + g) for n in international)}


def _strip_name(text: str) -> str:
    """A person entity's name without a leading 'the' and a possessive 's ('the Putin's' -> 'Putin')."""
    return re.sub(r"[’']s$", "", re.sub(r"^(?:the|The)\s+", "", text.strip())).strip()


def _person_names(ents: list[Span], kb_actors: dict, place_id: str) -> set[str]:
    """The names this document's PERSON entities go by (each whole name and, for a full name, its
    surname): statistical NER tags the same person PERSON in one sentence and ORG in another
    ('Borodai, flanked by ...'), and the name decides, not the tag."""
    names: set[str] = set()
    for ent in ents:
        if ent.label_ != "PERSON" or ent.ent_id_ == place_id or ent.ent_id_ in kb_actors:
            continue
        name = _strip_name(ent.text)
        parts = name.split()
        if not parts or not all(p[:1].isupper() for p in parts):
            continue
        names.add(name)
        if len(parts) >= 2 and len(parts[-1]) > 2:
            names.add(parts[-1])
    return names


def _allegiance(tok: Token) -> bool:
    """'Russian' in 'pro-Russian' or 'anti-Russian' (one token or three)."""
    low = tok.lower_
    if low.startswith(("pro-", "anti-")):
        return True
    doc = tok.doc
    return tok.i >= 2 and doc[tok.i - 1].text == "-" and doc[tok.i - 2].lower_ in {"pro", "anti"}


def _gender_index(table: dict[str, list[str]], lower: bool) -> dict[str, str]:
    """{'female': [...], 'male': [...]} -> word -> 'f'/'m' (a word listed under both is left out)."""
    index: dict[str, str] = {}
    for key, gender in (("female", "f"), ("male", "m")):
        for word in table.get(key) or []:
            word = word.lower() if lower else word
            index[word] = "" if index.get(word, gender) != gender else gender
    return {w: g for w, g in index.items() if g}



def _reported(tok: Token, speech_lemmas: set[str]) -> bool:
    """Whether a token lies in a clause that a verb of saying reports ('X said [that Y will go]')."""
    node = tok
    for _ in range(40):  # parse trees are shallow; the bound only guards against a cycle
        if node.head.i == node.i:
            return False
        if node.dep_ in {"ccomp", "xcomp"} and node.head.lemma_.lower() in speech_lemmas:
            return True
        node = node.head
    return False
