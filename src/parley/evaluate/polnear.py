"""Score Parley's quotes on PolNeAR (Newell, Margolin & Ruths, LREC 2018), the dev split.

The gold is brat standoff: `T` lines are spans (`T3<TAB>Content 115 290<TAB>text`; a discontinuous span
lists fragments, `Content 315 448;463 553`), `E` lines tie one attribution's Source, Cue and Content
(and rarely Content2) together (`E1<TAB>Attribution:T4 Content:T3 Cue:T2 Source:T1`); an attribution
may have no Source (`Attribution-no-source`). Discard and Discuss spans are not attributions. Offsets
count characters of text/NAME.txt, so each article is run exactly as that file reads. An article
annotated by several annotators (NAME_ANNOTATOR.ann) is scored against the first annotator in name
order, so every article counts once.

Predicted quotes (direct and indirect, `Quote.start/end`) are matched to gold Content spans three ways:

- content overlap (Citron): BBC Citron's overlap metric (citron/metrics.py, utils.get_overlap):
  spans become token spans (a character maps to the token it or its trailing whitespace belongs to);
  precision is the tokens shared by every (predicted, gold) pair over all predicted tokens, recall
  the same sum over all gold tokens. Citron reports 83.2 F1 for content spans on PARC 3.0.
- content match >0.3 / >0.8 (GGT): the Gender Gap Tracker's evaluate_quotes.py: each gold quote,
  in order, takes the unused predicted quote with the highest share of the gold quote's characters
  it covers, if that share is above the threshold (0.3 is its headline figure, 83.7 F1);
  unmatched gold quotes are misses, unused predictions false positives.
- content match any overlap: the same one-to-one matching at threshold 0 (one shared character).

With a learned quote component (`quote_model`, parley.learn.quotes, trained on the train split), its
quotes are scored instead of the rules'; `parley.learn.quotes.train_quotes` reads train, never dev.

Speaker accuracy is measured on the pairs matched at GGT 0.3 whose gold attribution has a Source: the
predicted speaker (Quote.speaker_text, and the name and aliases of the resolved actor) matches when it
shares a non-stopword token with the gold Source text, case-insensitive. A gold Source that is only a
pronoun ('he', 'they') names no one the text alone can check, so it counts as matched only when the
predicted speaker text is that same pronoun; 'speaker accuracy (gold source is a name)' leaves such
sources, and common-noun ones ('officials'), out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from parley.pipeline import Pipeline
from parley.records import Document, DocumentResult, Quote

if TYPE_CHECKING:
    from parley.learn.quotes import QuoteModel

Span = tuple[int, int]  # character offsets [start, end)
GGT_THRESHOLDS = (0.3, 0.8)
NAME_ENTS = {"PERSON", "ORG", "GPE", "NORP", "FAC"}
QUOTE_MARKS = set("\"\u201c\u201d\u00ab\u00bb\u201e")
_ANN_ID = re.compile(r"[TERAN#*]\d*$")  # brat record ids: T3, E1, R2, A1, N1, #1, *
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


@dataclass
class GoldAttribution:
    id: str
    contents: list[Span]
    sources: list[Span] = field(default_factory=list)
    cues: list[Span] = field(default_factory=list)

    @property
    def start(self) -> int:
        return min(s for s, _ in self.contents)

    def content_chars(self) -> set[int]:
        return {i for s, e in self.contents for i in range(s, e)}


@dataclass
class Article:
    name: str
    text: str
    annotator: str
    attributions: list[GoldAttribution]


@dataclass
class SpanMatch:
    gold: GoldAttribution
    quote: Quote
    score: float


@dataclass
class ArticleScore:
    """What one article contributes, kept per article so misses can be read afterwards."""

    article: Article
    quotes: list[Quote]
    overlap: tuple[int, int, int]  # Citron: shared tokens, predicted tokens, gold tokens
    matches: dict[float, list[SpanMatch]]  # by threshold (0.0 is 'any overlap')
    speaker_checks: list[tuple[SpanMatch, str, bool]]  # (pair, gold source kind, speaker matched)

    def misses(self, threshold: float = 0.3) -> list[GoldAttribution]:
        hit = {id(m.gold) for m in self.matches[threshold]}
        return [a for a in self.article.attributions if id(a) not in hit]

    def false_positives(self, threshold: float = 0.3) -> list[Quote]:
        hit = {id(m.quote) for m in self.matches[threshold]}
        return [q for q in self.quotes if id(q) not in hit]


# -- the gold ------------------------------------------------------------------------------------------
def parse_brat(ann: str, text: str | None = None) -> list[GoldAttribution]:
    """The attributions of one .ann file, in text order. With `text`, every span's recorded text is
    checked against the article (fragments of a discontinuous span are joined by one space)."""
    spans: dict[str, tuple[str, list[Span]]] = {}
    events: list[tuple[str, list[tuple[str, str]]]] = []
    recorded: dict[str, str] = {}  # a T line's own copy of its text, continuation lines included
    last_t: str | None = None
    for line in ann.split("\n"):
        parts = line.split("\t")
        ident = parts[0]
        if not _ANN_ID.match(ident) or len(parts) < 2:
            # A span whose text holds a line break is written over several lines (some train articles):
            # the lines after the first continue the last T line's text, they are not records.
            if last_t is not None:
                recorded[last_t] += "\n" + line
            continue
        last_t = None
        if ident.startswith("T"):
            label, _, offsets = parts[1].partition(" ")
            frags = [(int(a), int(b)) for a, b in (f.split() for f in offsets.split(";"))]
            spans[ident] = (label, frags)
            if len(parts) > 2:
                recorded[ident], last_t = parts[2], ident
        elif ident.startswith("E"):
            pairs = [r.partition(":") for r in parts[1].split() if ":" in r]
            events.append((ident, [(role, ref) for role, _, ref in pairs]))
    if text is not None:
        for ident, written in recorded.items():
            got = " ".join(text[s:e] for s, e in spans[ident][1])
            if got.rstrip("\r\n") != written.rstrip("\r\n"):
                raise ValueError(f"{ident}: offsets give {got[:60]!r}, the file says {written[:60]!r}")
    out: list[GoldAttribution] = []
    for ident, roles in events:
        att = GoldAttribution(id=ident, contents=[])
        for role, ref in roles:
            frags = spans[ref][1]
            if role.startswith("Content"):  # Content, Content2
                att.contents.extend(frags)
            elif role == "Source":
                att.sources.extend(frags)
            elif role == "Cue":
                att.cues.extend(frags)
        if att.contents:
            att.contents.sort()
            out.append(att)
    out.sort(key=lambda a: (a.start, a.id))
    return out


def split_dir(root: Path) -> Path:
    """The folder holding text/ and attributions/: root itself, root/dev or root/data/dev."""
    for cand in (root, root / "dev", root / "data" / "dev"):
        if (cand / "text").is_dir() and (cand / "attributions").is_dir():
            return cand
    raise FileNotFoundError(f"no PolNeAR text/ and attributions/ folders under {root}")


def annotation_files(split: Path) -> dict[str, list[Path]]:
    """Article name -> its .ann files (NAME_ANNOTATOR.ann), sorted by annotator."""
    by_name: dict[str, list[Path]] = {}
    for ann in sorted((split / "attributions").glob("*.ann")):
        name = ann.stem.rsplit("_", 1)[0]
        by_name.setdefault(name, []).append(ann)
    return by_name


def load_articles(root: Path, limit: int | None = None) -> tuple[list[Article], int]:
    """The articles with gold (first annotator each) and the number of .ann files seen."""
    split = split_dir(root)
    by_name = annotation_files(split)
    articles: list[Article] = []
    for text_path in sorted((split / "text").glob("*.txt")):
        anns = by_name.get(text_path.stem)
        if not anns:
            continue
        with open(text_path, encoding="utf-8", newline="") as fh:  # no newline translation: offsets
            text = fh.read()
        ann = anns[0]
        gold = parse_brat(ann.read_text(encoding="utf-8"), text)
        articles.append(Article(text_path.stem, text, ann.stem.rsplit("_", 1)[1], gold))
        if limit is not None and len(articles) >= limit:
            break
    return articles, sum(len(v) for v in by_name.values())


# -- matching ------------------------------------------------------------------------------------------
def char_to_token(doc: Doc) -> list[int]:
    """Citron's index: each character to the token it, or its trailing whitespace, belongs to
    (leading whitespace before the first token goes to the first token)."""
    index = [0] * len(doc.text)
    for tok in doc:
        for i in range(tok.idx, tok.idx + len(tok) + len(tok.whitespace_)):
            index[i] = tok.i
    return index


def token_span(index: Sequence[int], span: Span) -> Span:
    start, end = span
    return index[start], index[end - 1] + 1


def citron_overlap(pred: Sequence[Sequence[Span]], gold: Sequence[Sequence[Span]]) -> tuple[int, int, int]:
    """(shared, predicted length, gold length) over all pairs, for spans already in token units;
    each quote is a list of spans (a discontinuous content has several)."""
    shared = 0
    for p in pred:
        for g in gold:
            for ps, pe in p:
                for gs, ge in g:
                    shared += max(0, min(pe, ge) - max(ps, gs))
    return shared, sum(e - s for p in pred for s, e in p), sum(e - s for g in gold for s, e in g)


def ggt_match(gold: Sequence[GoldAttribution], quotes: Sequence[Quote], threshold: float) -> list[SpanMatch]:
    """Gender Gap Tracker matching: each gold quote takes the remaining prediction covering the
    largest share of its characters, when that share is above `threshold`."""
    remaining = list(quotes)
    matches: list[SpanMatch] = []
    for g in gold:
        chars = g.content_chars()
        best, best_score = None, 0.0
        for q in remaining:
            score = len(chars.intersection(range(q.start, q.end))) / len(chars) if chars else 0.0
            if score > threshold and score > best_score:
                best, best_score = q, score
        if best is not None:
            remaining.remove(best)
            matches.append(SpanMatch(g, best, best_score))
    return matches


def prf(tp: float, n_pred: float, n_gold: float) -> dict[str, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


# -- speakers ------------------------------------------------------------------------------------------
def words(text: str | None) -> set[str]:
    """Lower-cased word tokens, a possessive 's dropped."""
    out = set()
    for w in _WORD.findall((text or "").lower()):
        out.add(re.sub(r"['\u2019]s$", "", w))
    return out


def content_words(text: str | None) -> set[str]:
    return {w for w in words(text) if w not in STOP_WORDS}


def source_kind(att: GoldAttribution, doc: Doc) -> str:
    """'none' (no Source), 'pronoun' (no content word), 'name' (a proper noun or named entity) or
    'nominal' ('officials', 'a source')."""
    if not att.sources:
        return "none"
    text = " ".join(doc.text[s:e] for s, e in att.sources)
    if not content_words(text):
        return "pronoun"
    for s, e in att.sources:
        span = doc.char_span(s, e, alignment_mode="expand")
        if span is not None and any(t.pos_ == "PROPN" or t.ent_type_ in NAME_ENTS for t in span):
            return "name"
    return "nominal"


def speaker_matches(att: GoldAttribution, quote: Quote, result: DocumentResult) -> bool:
    gold_text = " ".join(result.document.text[s:e] for s, e in att.sources)
    gold = content_words(gold_text)
    if not gold:  # a pronoun: only the same surface pronoun can be checked
        return bool(quote.speaker_text) and words(quote.speaker_text) == words(gold_text)
    names = [quote.speaker_text]
    actor = next((a for a in result.actors if a.id == quote.speaker), None) if quote.speaker else None
    if actor is not None:
        names += [actor.name, *actor.aliases]
    return any(gold & content_words(n) for n in names)


# -- running -------------------------------------------------------------------------------------------
def score_article(article: Article, result: DocumentResult, doc: Doc) -> ArticleScore:
    quotes = list(result.quotes)
    index = char_to_token(doc)
    pred_tokens = [[token_span(index, (q.start, q.end))] for q in quotes if q.end > q.start]
    gold_tokens = [[token_span(index, s) for s in a.contents] for a in article.attributions]
    matches = {t: ggt_match(article.attributions, quotes, t) for t in (0.0, *GGT_THRESHOLDS)}
    checks = []
    for m in matches[0.3]:
        kind = source_kind(m.gold, doc)
        checks.append((m, kind, kind != "none" and speaker_matches(m.gold, m.quote, result)))
    return ArticleScore(article, quotes, citron_overlap(pred_tokens, gold_tokens), matches, checks)


def run_articles(articles: Iterable[Article], pipeline: Pipeline, quote_model: QuoteModel | None = None
                 ) -> Iterator[tuple[Article, DocumentResult, Doc]]:
    """Each article through the pipeline; with `quote_model`, the quotes are that learned component's
    (it reads the resolved document and the rule quotes, as it would inside the pipeline)."""
    for article in articles:
        document = Document(id=article.name, source=f"polnear/{article.name}.txt", text=article.text)
        doc = pipeline.annotator(article.text)
        if quote_model is None:
            yield article, pipeline.extract(document, doc), doc
            continue
        resolved = pipeline.resolver.resolve(document, doc)
        quotes = quote_model(resolved, pipeline.quotes(resolved))
        # only the quotes and the actors their speakers name are scored: the other stages are not run
        yield article, DocumentResult(document=document, actors=list(resolved.actors.values()),
                                      mentions=resolved.mentions(), quotes=quotes), doc


def summarise(scores: Sequence[ArticleScore], annotation_file_count: int) -> dict[str, Any]:
    shared = sum(s.overlap[0] for s in scores)
    pred_len = sum(s.overlap[1] for s in scores)
    gold_len = sum(s.overlap[2] for s in scores)
    n_gold = sum(len(s.article.attributions) for s in scores)
    n_pred = sum(len(s.quotes) for s in scores)
    tasks: dict[str, dict[str, float]] = {"content overlap (Citron, tokens)": prf(shared, pred_len, gold_len)}
    for t in GGT_THRESHOLDS:
        tasks[f"content match >{t} (GGT)"] = prf(sum(len(s.matches[t]) for s in scores), n_pred, n_gold)
    tasks["content match any overlap"] = prf(sum(len(s.matches[0.0]) for s in scores), n_pred, n_gold)

    checks = [c for s in scores for c in s.speaker_checks]
    by_kind: Counter[str] = Counter(kind for _, kind, _ in checks)
    right_by_kind: Counter[str] = Counter(kind for _, kind, ok in checks if ok)
    with_source = [c for c in checks if c[1] != "none"]
    named = [c for c in checks if c[1] == "name"]

    pred_kind = Counter(q.quote_kind for s in scores for q in s.quotes)
    matched_kind = Counter(m.quote.quote_kind for s in scores for m in s.matches[0.3])
    marked = [a for s in scores for a in s.article.attributions if _has_quote_marks(s.article.text, a)]
    marked_hit = sum(1 for s in scores for m in s.matches[0.3] if _has_quote_marks(s.article.text, m.gold))
    plain = n_gold - len(marked)
    plain_hit = sum(len(s.matches[0.3]) for s in scores) - marked_hit
    return {
        "tasks": tasks,
        "speaker accuracy (all)": _share(sum(ok for _, _, ok in with_source), len(with_source)),
        "speaker accuracy (gold source is a name)": _share(sum(ok for _, _, ok in named), len(named)),
        "speaker accuracy by gold source kind": {
            k: _share(right_by_kind[k], by_kind[k]) for k in ("name", "nominal", "pronoun")},
        "speaker pairs by gold source kind": {k: by_kind[k] for k in ("name", "nominal", "pronoun", "none")},
        "articles": len(scores),
        "annotation files": annotation_file_count,
        "gold attributions": n_gold,
        "predicted quotes": n_pred,
        "predicted quotes by kind": dict(sorted(pred_kind.items())),
        "precision at 0.3 by kind": {k: _share(matched_kind[k], n) for k, n in sorted(pred_kind.items())},
        "recall at 0.3 by gold form": {"with quote marks": _share(marked_hit, len(marked)),
                                       "without quote marks": _share(plain_hit, plain)},
        "gold by form": {"with quote marks": len(marked), "without quote marks": plain},
    }


def evaluate_polnear(root: Path, pipeline: Pipeline, limit: int | None = None,
                     on_article: Callable[[ArticleScore], None] | None = None,
                     quote_model: QuoteModel | None = None) -> dict[str, Any]:
    """Run `pipeline` on the PolNeAR dev articles under `root` and score its quotes (see module doc).
    `on_article` sees each article's score, for reading the misses. `quote_model` (parley.learn.quotes,
    trained on the train split only) replaces the pipeline's quotes with the learned component's."""
    articles, n_files = load_articles(root, limit)
    scores: list[ArticleScore] = []
    for article, result, doc in run_articles(articles, pipeline, quote_model):
        score = score_article(article, result, doc)
        if on_article is not None:
            on_article(score)
        scores.append(score)
    return summarise(scores, n_files)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _has_quote_marks(text: str, att: GoldAttribution) -> bool:
    return any(ch in QUOTE_MARKS for s, e in att.contents for ch in text[s:e])
