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
FOOTER_MAX_WORDS = 8


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
    if not MIN_HEADLINE_WORDS <= len(words) <= MAX_HEADLINE_WORDS:
        return False
    # a headline does not end like a sentence of running text; a question or a quote is fine
    return not line.rstrip().endswith((".", ",", ";", ":")) or line.rstrip().endswith("..")


def find_headline(lines: list[str], patterns: list[re.Pattern[str]]) -> int | None:
    """Index of the headline among the first non-empty lines, or None."""
    for i, line in enumerate(lines[:HEADLINE_SEARCH_LINES]):
        if line.strip() and not is_furniture(line, patterns) and looks_like_headline(line):
            return i
    return None


def is_footer_line(line: str) -> bool:
    """A short line without sentence punctuation (link lists, buttons, bylines) after the body."""
    text = line.strip()
    return len(text.split()) <= FOOTER_MAX_WORDS and not re.search(r"[.!?\"\u201d\u00bb]$", text)


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
    for i, line in enumerate(nonempty):
        if i == head:
            continue
        if is_furniture(line, patterns) or (repetition is not None and repetition.is_repeated(line)):
            keep[i] = False
    # footer: short lines after the last paragraph of running text
    for i in range(len(nonempty) - 1, (head or 0), -1):
        if not keep[i]:
            continue
        if is_footer_line(nonempty[i]):
            keep[i] = False
        else:
            break

    if repetition is not None:
        repetition.observe(nonempty)
    body = [x.strip() for x, k in zip(nonempty, keep) if k]
    removed = [x.strip() for x, k in zip(nonempty, keep) if not k]
    headline = nonempty[head].strip() if head is not None else title
    return TextExtract(text="\n\n".join(body), title=headline, boilerplate=removed)
