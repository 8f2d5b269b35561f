"""Plain typed records passed between the pipeline's stages.

The field names of the extracted records follow the JSONL export contract (shared/gold/FORMAT.md);
every offset counts characters of `Document.text`, the cleaned body.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

ActorType = Literal["PERSON", "ORG", "COUNTRY", "GROUP"]
QuoteKind = Literal["direct", "indirect"]
Precision = Literal["day", "month", "year"]

PLOVER_TYPES = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
    "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT", "ASSESS",
)
POSITION_KINDS = (
    "condition", "red_line", "demand", "offer", "proposal", "acceptance", "rejection", "assessment",
)
TOPICS = (
    "ceasefire", "withdrawal", "territory", "neutrality", "nato", "security_guarantees", "weapons", "aid",
    "negotiations", "eu_membership", "humanitarian", "regime", "disarmament", "sanctions", "other",
)


def content_hash(text: str) -> str:
    """Stable id of a piece of content: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class RawDocument:
    """One input as a reader found it, before cleaning."""

    source: str  # file path (plus '#row' for rows of a table) or URL
    content: str  # decoded text or HTML
    content_type: Literal["text", "html"] = "text"
    url: str | None = None
    title: str | None = None
    published: date | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return content_hash(self.content)


@dataclass
class Skipped:
    """An input that could not become a document, with the one-line reason why."""

    source: str
    reason: str


@dataclass
class Document:
    """A cleaned article: the body text every offset points into, and what was removed from it."""

    id: str
    source: str
    text: str
    title: str | None = None
    url: str | None = None
    published: date | None = None
    language: str = "en"
    boilerplate: list[str] = field(default_factory=list)
    raw_hash: str = ""  # hash of the raw input, for idempotent re-ingest


@dataclass
class Actor:
    id: str
    name: str
    type: ActorType
    country: str | None = None  # ISO-3166 alpha-3
    role: str | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass
class Mention:
    doc: str
    actor: str
    start: int
    end: int
    text: str


@dataclass
class Quote:
    id: str
    doc: str
    speaker: str | None
    speaker_text: str | None
    cue: str | None
    text: str
    start: int
    end: int
    quote_kind: QuoteKind


@dataclass
class Event:
    id: str
    doc: str
    type: str  # one of PLOVER_TYPES
    mode: str | None
    source: list[str]
    target: list[str]
    when: str | None
    date: str | None  # ISO date, 'YYYY-MM' or 'YYYY' by precision
    evidence: str
    start: int
    end: int
    date_precision: str | None = None  # day, week, month or year: how much of `date` the text says


@dataclass
class Position:
    id: str
    doc: str
    actor: str
    position_kind: str  # one of POSITION_KINDS
    topic: str  # one of TOPICS
    evidence: str
    start: int
    end: int
    date: str | None = None


@dataclass
class ProposalStep:
    order: int
    summary: str
    evidence: str
    start: int
    end: int


@dataclass
class Proposal:
    id: str
    doc: str
    proposer: str | None
    name: str
    evidence: str
    start: int
    end: int
    steps: list[ProposalStep] = field(default_factory=list)


@dataclass
class DocumentResult:
    """Everything the per-document stages produce for one article; the store takes it whole."""

    document: Document
    actors: list[Actor] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)


def to_dict(record: Any) -> dict[str, Any]:
    """A record as JSON-ready data (dates as ISO strings)."""
    data = asdict(record)
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
    return data
