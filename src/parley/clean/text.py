"""Cleaning of plain-text scraped pages: find the headline, drop web furniture, keep the body.

Cleaning is a pure function of one page and the KB: a document gives the same text whether it is
cleaned alone, after a thousand others, in a resumed run or in a worker process. (An earlier version
also dropped lines repeated across the documents of a batch; that made the record depend on batch
order and on which documents a worker happened to see.)

A line is removed only on positive evidence that it is furniture:

- it matches a web-furniture shape of the lexicon (kb `boilerplate_patterns`);
- it stands above a headline line at the top of the page (menus, widgets), and what stands there is
  not article text itself (no paragraph of running text);
- it is a short line outside the body (before the first or after the last line of running text)
  with a menu (a run of link-like lines) between it and the body, or far from the body; or it is
  between furniture and other short lines inside the body;
- it is an entry of a menu or link list (a run of short, mostly link-like lines), unless it is a row
  of a table or list of figures;
- it belongs to a comment thread (several comment headings) under the body.

Short lines right next to the body stay: standfirsts, bylines, credits, and above all tables and
lists flattened to a cell a line, which are article text as often as not.

A short line between paragraphs of running text is a subheading or a dateline and stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parley.kb import KnowledgeBase

HEADLINE_SEARCH_LINES = 12
MIN_HEADLINE_WORDS = 4
MAX_HEADLINE_WORDS = 30
GOOD_MIN_WORDS = 12  # a line of running text: a sentence or more
PARAGRAPH_WORDS = 35  # a line this long, or of two sentences or more, is a paragraph of an article

# a sentence ends, and another starts: '... talks. The ...'
_SENTENCE_BREAK = re.compile(r"[.!?][\"\u201d\u2019)]?\s+[\"\u201c\u2018(]?[A-Z]")
# the last character of a line of running text (with the CJK full stop and closing brackets)
_SENTENCE_END = re.compile(r"[.!?\"\u201d\u2019\u00bb)\u3002\uff01\uff1f\u300d\uff09]$")
_PARAGRAPH_END = re.compile(r"[.!\"\u201d\u00bb)\u3002\uff01]$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
# a dateline opening an article: 'MINSK, 30 September (Agency) -' or 'GENEVA (Reuters) -'
_DATELINE = re.compile(r"[A-Z][A-Z.'\u2019\- ]{2,40}(?:,[^,\n]{1,40}?)?\s*(?:\([^)\n]{1,40}\))?\s*[-\u2013\u2014]")
# words a line of prose can end on only in mid-sentence: a hard-wrapped line runs on into the next
_RUN_ON_WORDS = frozenset((
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "and", "or", "but", "that",
    "which", "who", "whose", "as", "than", "its", "their", "his", "her", "has", "have", "had", "is", "are",
    "was", "were", "be", "been", "will", "would", "can", "could", "may", "might", "not", "into", "over",
    "after", "before", "about", "between", "during",
))


@dataclass
class TextExtract:
    text: str
    title: str | None
    boilerplate: list[str] = field(default_factory=list)


def normalise(line: str) -> str:
    return re.sub(r"\s+", " ", line.replace("\u00a0", " ")).strip().lower()


def compile_patterns(kb: KnowledgeBase) -> list[re.Pattern[str]]:
    """Every furniture shape: the boilerplate lines and the headings of comments."""
    return [re.compile(p) for p in kb.words("boilerplate_patterns") + kb.words("comment_header_patterns")]


COMMENT_THREAD_HEADERS = 3  # this many comment headings after the body: a comment thread


def comment_thread_start(lines: list[str], kb: KnowledgeBase, after: int) -> int | None:
    """The first line of a comment thread below line `after`: the first of COMMENT_THREAD_HEADERS or
    more comment headings ('joe says:', 'May 2, 2019 at 6:34 am'). The comments between them are
    running text, but the readers', not the article's; the page under them is footer."""
    headers = [re.compile(p) for p in kb.words("comment_header_patterns")]
    found = [i for i, line in enumerate(lines) if i > after and is_furniture(line, headers)]
    return found[0] if len(found) >= COMMENT_THREAD_HEADERS else None


def is_furniture(line: str, patterns: list[re.Pattern[str]]) -> bool:
    stripped = " ".join(line.replace("\u00a0", " ").split())
    return any(p.fullmatch(stripped) for p in patterns)


def word_count(line: str) -> int:
    """Words of a line; for Chinese and Japanese, written without spaces, one per two characters."""
    return max(len(line.split()), len(_CJK.findall(line)) // 2)


def sentences(line: str) -> int:
    return len(_SENTENCE_BREAK.findall(line)) + 1


def is_paragraph(line: str) -> bool:
    """A paragraph of an article: long, or two sentences of running text or more that end like one
    (a two-part headline, '"A quote." Who said it', does not)."""
    words = word_count(line)
    if words >= PARAGRAPH_WORDS:
        return True
    return words >= GOOD_MIN_WORDS and sentences(line) >= 2 and bool(_PARAGRAPH_END.search(line.strip()))


def looks_like_headline(line: str) -> bool:
    """The shape of a headline: a few words, not ending like a sentence of running text or running on
    into the next line, not a dateline, a parenthesised credit or a name."""
    stripped = line.strip()
    words = stripped.split()
    if not 2 <= len(words) <= MAX_HEADLINE_WORDS:
        return False
    if len(words) < MIN_HEADLINE_WORDS and all(w[:1].isupper() for w in words):
        return False  # 'John Doe': a short all-capitalised line is a name or a menu item, not a headline
    if stripped.startswith("(") or _DATELINE.match(stripped):
        return False  # '(Reporting by ...)' is a credit; 'MINSK, 30 September -' opens the lead
    if is_paragraph(stripped):
        return False  # the lead is not the title
    # a headline does not end like a sentence of running text; a question or a quote is fine
    return not stripped.endswith((".", ",", ";", ":", "-", "\u2013", "\u2014")) or stripped.endswith("..")


def find_headline(lines: list[str], patterns: list[re.Pattern[str]]) -> int | None:
    """Index of the headline: a headline-shaped line at the top of the page, or None.

    At the top means before the body: nothing above it reads as article text (a paragraph, or two
    lines of running text in a row; a quote-of-the-day widget is one sentence under a name), and
    running text follows it. A short line lower down (a subheading, a caption, a signature) is never
    the headline, or the article above it would be taken for page chrome."""
    running = [cls == "good" for cls in line_classes(lines, patterns)]
    first = True
    for i, line in enumerate(lines[:HEADLINE_SEARCH_LINES]):
        if not line.strip() or is_furniture(line, patterns):
            continue
        if looks_like_headline(line) and _body_follows(lines, i, running):
            return i
        if _is_body_start(lines, i, running) or (first and running[i]):
            return None  # the article has begun at this line (a page opening with its lead has no headline)
        first = False
    return None


def _is_running(line: str) -> bool:
    words = word_count(line)
    stripped = line.strip()
    # a dateline lead ('HAYWARD, Calif. (AP) - The latest on ...:') is running text however it ends
    ends = _SENTENCE_END.search(stripped) or _SENTENCE_BREAK.search(stripped) or _DATELINE.match(stripped)
    return words >= 25 or (words >= GOOD_MIN_WORDS and bool(ends))


def _is_body_start(lines: list[str], i: int, running: list[bool]) -> bool:
    """Line i is article text: a paragraph, a line of running text after another, or a dateline lead."""
    line = lines[i].strip()
    if is_paragraph(line) or (running[i] and i and running[i - 1]):
        return True
    return running[i] and bool(_DATELINE.match(line))


def _body_follows(lines: list[str], i: int, running: list[bool]) -> bool:
    """Running text comes after line i, and more of it than the page holds above line i (chrome above
    a headline is a few lines, not the bulk of the page)."""
    below = [x for x, good in zip(lines[i + 1:], running[i + 1:]) if good]
    above = sum(len(x.split()) for x in lines[:i])
    return bool(below) and sum(len(x.split()) for x in below) > above


def blocks(lines: list[str]) -> list[int]:
    """The block of each line: hard-wrapped prose (a line that stops in mid-sentence, on a comma or a
    word like 'the', or is continued in lower case) is one block with the lines it runs on into."""
    ids, block = [], 0
    for i, line in enumerate(lines):
        if i:
            previous = lines[i - 1].rstrip()
            last = previous.split()[-1].lower() if previous.split() else ""
            stops = bool(_SENTENCE_END.search(previous)) or previous.endswith(":")
            runs_on = len(previous.split()) >= 6 and not stops and (
                previous.endswith((",", "-")) or last in _RUN_ON_WORDS or line.lstrip()[:1].islower()
            )
            if not runs_on:
                block += 1
        ids.append(block)
    return ids


MENU_RUN_LINES = 4  # a run of this many short lines, mostly link-like, is a menu or a link list
MENU_LINK_SHARE = 0.6
MENU_LINK_WORDS = 3
DATA_ROWS = 3  # this many lines with figures in a row are a table or list of data, not a menu


def _link_like(line: str) -> bool:
    """A menu entry: a few words ('World', 'Contact Us') and no sentence in them. A number is not: a
    data table flattened to a cell a line is a run of short lines too, but of figures."""
    stripped = line.strip()
    return word_count(stripped) <= MENU_LINK_WORDS and not re.search(r"[.!?:;,]$|\d", stripped)


MAX_OUTSIDE_LINES = 20  # lines out from the body past which short lines are chrome, menu or not
MENU_STOP_LINES = 4  # this many link-like lines in a row are a menu: the page chrome starts there


def _beyond_menus(lines: list[str], classes: list[str], first: int, last: int, head: int | None) -> list[int]:
    """Short lines outside the body that have a menu between them and the body.

    Walking out from the body (up from its first line of running text, down from its last), the short
    lines next to it are the article's own: a standfirst, a byline, a list or a table flattened to a
    cell a line, a credit. A run of link-like lines (a menu, a link list) ends the article; the short
    lines beyond it are page chrome. Furniture lines are passed over (share buttons stand inside
    articles too)."""
    found: list[int] = []
    for span in (range(first - 1, -1, -1), range(last + 1, len(lines))):
        links: list[int] = []  # the link-like lines in a row just passed
        chrome = False
        for step_out, i in enumerate(span):
            if i == head:
                break  # the headline opens the article; what stands above it is handled there
            if classes[i] == "bad":
                continue
            links = [*links, i] if _link_like(lines[i]) else []
            if chrome:
                if classes[i] == "short":
                    found.append(i)
            elif len(links) >= MENU_STOP_LINES:
                chrome = True
                found.extend(links)  # the whole menu, back to its first entry
            elif step_out >= MAX_OUTSIDE_LINES:
                chrome = True
                found.append(i)
    return found


def _menu_runs(lines: list[str], classes: list[str]) -> list[int]:
    """Entries of menus and link lists: in a run of short lines (no running text among them) in which
    most lines are link-like, the lines that do not end like a sentence. A subheading is one short
    line, and a list inside an article has entries of several words with figures ('June 9 -- Coral
    Sky Amphitheatre'), so neither makes such a run."""
    found: list[int] = []
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and classes[end] != "good":
            end += 1
        run = [i for i in range(start, end) if classes[i] == "short"]
        links = [i for i in run if _link_like(lines[i])]
        if len(run) >= MENU_RUN_LINES and len(links) >= MENU_LINK_SHARE * len(run):
            data = _data_rows(lines, run)
            # the entries and the teaser headlines among them; a sentence, or a row of a flattened
            # table or list of figures under the menu, stays
            found.extend(i for i in run if i not in data and (
                i in links or not _SENTENCE_END.search(lines[i].strip())))
        start = end + 1
    return found


def _data_rows(lines: list[str], run: list[int]) -> set[int]:
    """Lines of a short run that are rows of data: DATA_ROWS or more consecutive lines with a figure
    and a few words ('3a etapa: 22 de abril - Velopark', 'Sept. 2 -- USANA Amphitheatre, UT')."""
    rows: set[int] = set()
    streak: list[int] = []
    for i in [*run, -1]:
        if i >= 0 and re.search(r"\d", lines[i]) and word_count(lines[i]) > 1:
            streak.append(i)
            continue
        if len(streak) >= DATA_ROWS:
            rows.update(streak)
        streak = []
    return rows


def classify(line: str, patterns: list[re.Pattern[str]]) -> str:
    """'bad' (web furniture), 'good' (running text) or 'short' (undecided)."""
    if is_furniture(line, patterns):
        return "bad"
    return "good" if _is_running(line) else "short"


def line_classes(lines: list[str], patterns: list[re.Pattern[str]]) -> list[str]:
    """`classify` for each line, by whole blocks of hard-wrapped prose, so a wrapped paragraph is
    running text throughout; a furniture line is 'bad' wherever it stands."""
    block_of = blocks(lines)
    texts: dict[int, list[str]] = {}
    for line, b in zip(lines, block_of):
        texts.setdefault(b, []).append(line.strip())
    block_class = {b: classify(" ".join(parts), patterns) for b, parts in texts.items()}
    return ["bad" if is_furniture(line, patterns) else block_class[b] for line, b in zip(lines, block_of)]


def clean_text(content: str, kb: KnowledgeBase, title: str | None = None) -> TextExtract:
    """Split a scraped page into headline, body and removed lines.

    `title` is the title a reader already knows (a JSON or CSV field). The headline stays as the first
    paragraph of the text: quotes and facts in it are evidence too."""
    patterns = compile_patterns(kb)
    lines = [x.rstrip() for x in content.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    nonempty = [x for x in lines if x.strip()]
    keep = [True] * len(nonempty)

    head = None
    if title:
        head = next((i for i, x in enumerate(nonempty) if normalise(x) == normalise(title)), None)
    if head is None:
        head = find_headline(nonempty, patterns)
    if head is not None:
        for i in range(head):  # page chrome above the headline: menus, widgets, quotes of the day
            keep[i] = False

    classes = line_classes(nonempty, patterns)
    for i, cls in enumerate(classes):
        if i != head and cls == "bad":
            keep[i] = False
    # The body runs from the first to the last line of running text. Short lines outside it are page
    # chrome (menus, bylines, link lists, footers); inside it they stay only between running text, as
    # subheadings and datelines do (the context rule of jusText).
    body = [i for i, cls in enumerate(classes) if cls == "good" and i != head]
    if body:
        first, last = body[0], body[-1]
        for i in _beyond_menus(nonempty, classes, first, last, head):
            keep[i] = False
        for i, cls in enumerate(classes):
            if i == head or cls != "short" or not first < i < last:
                continue
            before = next(classes[j] for j in range(i - 1, -1, -1) if classes[j] != "short" or j == head)
            after = next(classes[j] for j in range(i + 1, len(classes)) if classes[j] != "short")
            if "bad" in (before, after) and not (before == "good" or after == "good"):
                keep[i] = False

    for i in _menu_runs(nonempty, classes):
        if i != head:
            keep[i] = False
    if body:
        thread = comment_thread_start(nonempty, kb, body[0])
        if thread is not None:
            keep[thread:] = [False] * (len(keep) - thread)

    text = [x.strip() for x, k in zip(nonempty, keep) if k]
    removed = [x.strip() for x, k in zip(nonempty, keep) if not k]
    headline = nonempty[head].strip() if head is not None else title
    return TextExtract(text="\n\n".join(text), title=headline, boilerplate=removed)
