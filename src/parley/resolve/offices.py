"""Who held an office on a day: 'the UN secretary general' in a report of 2014 is Ban Ki-moon.

The knowledge base lists officials with their roles and dates; this is the reverse lookup, from the words
of a description to the one person whose role on the article's date those words name. An office is read as
the bodies it belongs to (states and organisations, however they are written: 'Russian', 'Russia's', 'the
UN') and the words that remain ('foreign minister' ~ 'Minister of Foreign Affairs'). A description names
an office when both are the same: same bodies, same words once the lexicon's `office_words` forms are
applied, nothing left over. A deputy, an ambassador to somewhere or a spokesperson of the office is another
office. Several holders or none leave the description unlinked, and so do offices many hold at once (the
lexicon's `shared` words: a deputy minister, an adviser), which the KB cannot list completely: a wrong person
is worse than no person. A role's `aliases` in the KB add other ways its office is named ('EU foreign policy chief')."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from parley.kb import KnowledgeBase

_WORD = re.compile(r"[A-Za-z]+(?:\.[A-Za-z]+)*\.?|'s")
BODY_TYPES = {"COUNTRY", "ORG"}


@dataclass(frozen=True)
class Office:
    """One way of naming one official's role: the bodies it belongs to and its remaining words."""
    actor_id: str
    bodies: frozenset[str]
    words: frozenset[str]
    start: date | None
    end: date | None


class OfficeIndex:
    def __init__(self, kb: KnowledgeBase) -> None:
        table = kb.table("office_words")
        self.ignored = {w.lower() for w in table.get("ignored", [])}
        # a word -> its canonical form(s): 'defense' -> ['defence'], 'premier' -> ['prime', 'minister']
        self.forms = {w.lower(): [x.lower() for x in str(v).split()] for w, v in (table.get("forms") or {}).items()}
        self.not_current = {w.lower() for w in table.get("not_current", [])}
        self.shared = {w.lower() for w in table.get("shared", [])}
        # surface form (lower-case word tuple) -> body id, for every state's and organisation's names
        self.body_forms: dict[tuple[str, ...], str] = {}
        for actor in kb.actors.values():
            if actor.type not in BODY_TYPES:
                continue
            for form in [*actor.names, *actor.metonyms, *actor.demonyms]:
                if any(c.isdigit() for c in form):
                    continue  # the reader's words have no digits: 'Russia 24' would read as 'Russia'
                key = tuple(w.lower() for w in _WORD.findall(form) if w != "'s")
                if key:
                    self.body_forms.setdefault(key, actor.id)
        self.longest = max((len(k) for k in self.body_forms), default=1)
        self.offices: list[Office] = []
        for actor in kb.actors.values():
            if actor.type != "PERSON":
                continue
            for role in actor.roles:
                for text in [role.title, *role.aliases]:
                    bodies, words = self.read(text)
                    if not bodies and actor.country:
                        bodies = {actor.country}
                    if bodies and words:
                        self.offices.append(Office(actor.id, frozenset(bodies), frozenset(words),
                                                   role.start, role.end))

    def read(self, text: str) -> tuple[set[str], set[str]]:
        """The bodies named in an office's text and its other words, in canonical form."""
        tokens = [w.lower() for w in _WORD.findall(text.replace("-", " ").replace("\u2019", "'"))]
        bodies: set[str] = set()
        words: set[str] = set()
        i = 0
        while i < len(tokens):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                body = self.body_forms.get(tuple(tokens[i : i + n]))
                if body is not None:
                    bodies.add(body)
                    i += n
                    break
            else:
                word = tokens[i]
                if word != "'s" and word not in self.ignored:
                    words.update(self.forms.get(word, [word]))
                i += 1
        return bodies, words

    def holder(self, text: str, day: date | None) -> str | None:
        """The one person whose office on `day` the description `text` names, else None."""
        if day is None:
            return None  # who held an office depends on the day
        bodies, words = self.read(text)
        if not bodies or not words or words & (self.not_current | self.shared):
            return None
        holders = {o.actor_id for o in self.offices
                   if o.bodies == bodies and o.words == words
                   and (o.start is None or o.start <= day) and (o.end is None or day <= o.end)}
        return holders.pop() if len(holders) == 1 else None
