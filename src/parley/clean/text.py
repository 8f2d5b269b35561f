"""Cleaning of plain-text scraped pages: find the headline, drop web furniture, keep the body.

Signals, each general: a lexicon of web-furniture lines (kb `boilerplate_patterns`), position (lines
above the headline are page chrome, short lines after the last paragraph are footer), the shape of a
line (length, final punctuation) and repetition of a line across the documents of a batch.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from parley.kb import KnowledgeBase

HEADLINE_SEARCH_LINES = 12
MIN_HEADLINE_WORDS = 4
MAX_HEADLINE_WORDS = 40


@dataclass
class TextExtract:
    text: str
    title: str | None
    boilerplate: list[str] = field(default_factory=list)


class LineRepetition:
    """Counts lines across a batch: a line seen in several different documents is site furniture.

    Bounded: only short lines are counted (long ones are article text), and the table is pruned."""

    def __init__(self, min_documents: int = 3, max_entries: int = 200_000) -> None:
        self.min_documents = min_documents
        self.max_entries = max_entries
        self.counts: Counter[str] = Counter()

    def observe(self, lines: list[str]) -> None:
        for line in {normalise(x) for x in lines if 0 < len(x.split()) <= 12}:
            self.counts[line] += 1
        if len(self.counts) > self.max_entries:
            self.counts = Counter(dict(self.counts.most_common(self.max_entries // 2)))

    def is_repeated(self, line: str) -> bool:
        return self.counts.get(normalise(line), 0) >= self.min_documents


def normalise(line: str) -> str:
    return re.sub(r"\s+", " ", line.replace("\u00a0", " ")).strip().lower()


def compile_patterns(kb: KnowledgeBase) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in kb.words("boilerplate_patterns")]


def is_furniture(line: str, patterns: list[re.Pattern[str]]) -> bool:
    stripped = line.replace("\u00a0", " ").strip()
    return any(p.fullmatch(stripped) for p in patterns)


def looks_like_headline(line: str) -> bool:
    words = line.split()
    if not 2 <= len(words) <= MAX_HEADLINE_WORDS:
        return False
    if len(words) < MIN_HEADLINE_WORDS and all(w[:1].isupper() for w in words):
        return False  # 'John Doe': a short all-capitalised line is a name or a menu item, not a headline
    # a headline does not end like a sentence of running text; a question or a quote is fine
    return not line.rstrip().endswith((".", ",", ";", ":")) or line.rstrip().endswith("..")


def find_headline(lines: list[str], patterns: list[re.Pattern[str]]) -> int | None:
    """Index of the headline among the first non-empty lines, or None."""
    for i, line in enumerate(lines[:HEADLINE_SEARCH_LINES]):
        if line.strip() and not is_furniture(line, patterns) and looks_like_headline(line):
            return i
    return None


GOOD_MIN_WORDS = 12  # a line of running text: a sentence or more


def classify(line: str, patterns: list[re.Pattern[str]], repetition: LineRepetition | None = None) -> str:
    """'bad' (web furniture, repeated across the batch), 'good' (running text) or 'short' (undecided)."""
    if is_furniture(line, patterns) or (repetition is not None and repetition.is_repeated(line)):
        return "bad"
    words = len(line.split())
    sentence_end = re.search(r"[.!?\"\u201d\u00bb)]$|[.!?]\s+[A-Z\u201c\"]", line.strip())
    if words >= 25 or (words >= GOOD_MIN_WORDS and sentence_end):
        return "good"
    return "short"


def clean_text(
    content: str, kb: KnowledgeBase, repetition: LineRepetition | None = None, title: str | None = None
) -> TextExtract:
    """Split a scraped page into headline, body and removed lines.

    The headline stays as the first paragraph of the text: quotes and facts in it are evidence too."""
    patterns = compile_patterns(kb)
    lines = [x.rstrip() for x in content.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    nonempty = [x for x in lines if x.strip()]
    keep = [True] * len(nonempty)

    head = None
    if title:  # a reader may already know the title (a JSON or CSV field)
        head = next((i for i, x in enumerate(nonempty) if normalise(x) == normalise(title)), None)
    if head is None:
        head = find_headline(nonempty, patterns)
    if head is not None:
        for i in range(head):  # page chrome above the headline: menus, widgets, quotes of the day
            keep[i] = False
    classes = [classify(line, patterns, repetition) for line in nonempty]
    for i, cls in enumerate(classes):
        if i != head and cls == "bad":
            keep[i] = False
    # The body runs from the first to the last line of running text. Short lines outside it are page
    # chrome (menus, bylines, link lists, footers); inside it they stay only between running text, as
    # subheadings and datelines do (the context rule of jusText).
    body = [i for i, cls in enumerate(classes) if cls == "good" and i != head]
    if body:
        first, last = body[0], body[-1]
        for i, cls in enumerate(classes):
            if i == head or cls != "short":
                continue
            if i < first or i > last:
                keep[i] = False
            else:
                before = next(classes[j] for j in range(i - 1, -1, -1) if classes[j] != "short" or j == head)
                after = next(classes[j] for j in range(i + 1, len(classes)) if classes[j] != "short")
                if "bad" in (before, after) and not (before == "good" or after == "good"):
                    keep[i] = False

    if repetition is not None:
        repetition.observe(nonempty)
    body = [x.strip() for x, k in zip(nonempty, keep) if k]
    removed = [x.strip() for x, k in zip(nonempty, keep) if not k]
    headline = nonempty[head].strip() if head is not None else title
    return TextExtract(text="\n\n".join(body), title=headline, boilerplate=removed)
