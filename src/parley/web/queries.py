"""Read-side queries behind every view and API endpoint.

Only Store methods and portable SQL with `?` placeholders are used here (no FTS5 syntax, no SQLite-only
functions), so the same code runs over the SQLite and the PostgreSQL store. Every value a user gives is
a bound parameter; the only text ever formatted into a statement is a run of `?` placeholders or a
fixed column list chosen in this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from parley.records import PLOVER_TYPES, POSITION_KINDS, TOPICS
from parley.store.base import Store

# "Who talked to whom": meetings, calls and talks, plus the events that imply two sides dealt directly.
CONTACT_TYPES = ("CONSULT", "AGREE", "COOPERATE", "REQUEST", "CONCEDE")
TIMELINE_KINDS = ("event", "quote", "position")
# Columns of the positions matrix: (key, label, topics folded into the column).
TOPIC_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ceasefire", "Ceasefire", ("ceasefire",)),
    ("territory", "Territory", ("territory",)),
    ("withdrawal", "Withdrawal", ("withdrawal",)),
    ("neutrality_nato", "Neutrality / NATO", ("neutrality", "nato")),
    ("security_guarantees", "Security guarantees", ("security_guarantees",)),
    ("weapons", "Weapons", ("weapons",)),
    ("disarmament", "Disarmament", ("disarmament",)),
    ("aid", "Aid", ("aid",)),
    ("sanctions", "Sanctions", ("sanctions",)),
    ("negotiations", "Negotiations", ("negotiations",)),
    ("eu_membership", "EU membership", ("eu_membership",)),
    ("humanitarian", "Humanitarian", ("humanitarian",)),
    ("regime", "Regime", ("regime",)),
    ("other", "Other", ("other",)),
)
COLUMN_OF_TOPIC = {topic: key for key, _, topics in TOPIC_COLUMNS for topic in topics}
# Position kinds and event types read as a party's reaction to a plan reported in the same article.
REACTION_KINDS = ("acceptance", "rejection", "assessment", "condition", "demand", "offer", "red_line")
REACTION_EVENTS = ("SUPPORT", "REJECT", "AGREE", "ACCUSE", "ASSESS", "REQUEST", "PROTEST", "THREATEN")
CHUNK = 500  # ids per IN (...) list
HISTORY_MAX = 12  # latest positions kept per matrix cell (its history and trajectory)


def marks(n: int) -> str:
    """`?, ?, ?` for an IN list of n bound values."""
    return ", ".join("?" * n)


def day_of(*values: Any) -> str | None:
    for value in values:
        if value:
            return str(value)
    return None


def jlist(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if not value:
        return []
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return [str(value)]
    return [str(v) for v in data] if isinstance(data, list) else [str(data)]


def like(text: str) -> str:
    """A LIKE pattern for 'contains `text`', with the wildcards of the user's text escaped."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class Page:
    """One page of a list: the rows, and the total when it was counted (None for search results)."""

    items: list[dict[str, Any]]
    limit: int
    offset: int
    total: int | None = None
    has_more: bool = False

    @property
    def next_offset(self) -> int | None:
        more = self.has_more if self.total is None else self.offset + self.limit < self.total
        return self.offset + self.limit if more else None

    def as_json(self, **extra: Any) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "limit": self.limit, "offset": self.offset,
                "next_offset": self.next_offset, **extra}


@dataclass
class Filters:
    """The filters shared by the timeline, events, positions and network views."""

    party: str | None = None
    expand: bool = True  # a country's party filter also covers its people and bodies
    type: str | None = None  # event type
    topic: str | None = None
    source: str | None = None  # substring of the report's source or URL
    date_from: str | None = None
    date_to: str | None = None
    kinds: tuple[str, ...] = TIMELINE_KINDS
    position_kind: str | None = None
    order: str = "desc"
    parties: list[str] = field(default_factory=list)  # resolved ids for `party`
    source_docs: list[str] | None = None  # the reports `source` matches, when few enough to list


def filters_key(f: Filters) -> tuple[Any, ...]:
    """The filters as a cache key."""
    return (f.party, f.expand, f.type, f.topic, f.source, f.date_from, f.date_to, tuple(f.kinds), f.position_kind,
            f.order, tuple(f.parties))


# -- actors ----------------------------------------------------------------------------------------

def actor_rows(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """id -> {id, name, type, country, role} for the given actor ids (unknown ids are absent)."""
    wanted = sorted({i for i in ids if i})
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i:i + CHUNK]
        for row in store.query(f"SELECT id, name, type, country, role FROM actors WHERE id IN ({marks(len(chunk))})",
                               chunk):
            out[row["id"]] = row
    return out


def actor_ref(actors: dict[str, dict[str, Any]], actor_id: str | None) -> dict[str, Any] | None:
    if not actor_id:
        return None
    row = actors.get(actor_id)
    return {"id": actor_id, "name": row["name"] if row else actor_id, "type": row["type"] if row else None}


def resolve_actor(store: Store, text: str | None) -> str | None:
    """An actor id for an id or a (case-insensitive) name; the text itself when nothing matches."""
    if not text or not text.strip():
        return None
    text = text.strip()
    row = store.query_one("SELECT id FROM actors WHERE id = ?", (text,))
    if row:
        return row["id"]
    row = store.query_one("SELECT id FROM actors WHERE LOWER(name) = ? ORDER BY id", (text.lower(),))
    return row["id"] if row else text


def party_ids(store: Store, party: str | None, expand: bool = True) -> list[str]:
    """The actor ids a party filter covers: the party and, for a country, the people and bodies of it."""
    actor = resolve_actor(store, party)
    if actor is None:
        return []
    ids = [actor]
    if expand:
        row = store.query_one("SELECT type FROM actors WHERE id = ?", (actor,))
        if row and row["type"] == "COUNTRY":
            ids += [r["id"] for r in store.query("SELECT id FROM actors WHERE country = ? ORDER BY id", (actor,))
                    if r["id"] != actor]
    return ids


def list_actors(store: Store, q: str | None = None, type_: str | None = None, limit: int = 50, offset: int = 0
                ) -> Page:
    where, params = [], []
    if q:
        where.append("(LOWER(name) LIKE ? ESCAPE '\\' OR LOWER(id) LIKE ? ESCAPE '\\'"
                     " OR LOWER(aliases) LIKE ? ESCAPE '\\')")
        params += [like(q)] * 3
    if type_:
        where.append("type = ?")
        params.append(type_)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    total = store.query_one(f"SELECT COUNT(*) AS n FROM actors {clause}", params)["n"]
    rows = store.query(f"SELECT id, name, type, country, role, aliases FROM actors {clause} ORDER BY name, id"
                       " LIMIT ? OFFSET ?", (*params, limit, offset))
    counts = activity(store, [r["id"] for r in rows])
    items = [{**r, "aliases": jlist(r["aliases"]), **counts.get(r["id"], {"quotes": 0, "events": 0, "positions": 0})}
             for r in rows]
    return Page(items, limit, offset, total)


def activity(store: Store, ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Quote, event and position counts of the given actors."""
    out = {i: {"quotes": 0, "events": 0, "positions": 0} for i in ids}
    if not ids:
        return out
    m = marks(len(ids))
    for key, sql in (
        ("quotes", f"SELECT speaker AS a, COUNT(*) AS n FROM quotes WHERE speaker IN ({m}) GROUP BY speaker"),
        ("events", f"SELECT actor AS a, COUNT(DISTINCT event) AS n FROM event_actors WHERE actor IN ({m})"
                   " GROUP BY actor"),
        ("positions", f"SELECT actor AS a, COUNT(*) AS n FROM positions WHERE actor IN ({m}) GROUP BY actor"),
    ):
        for row in store.query(sql, list(ids)):
            out[row["a"]][key] = row["n"]
    return out


# -- timeline and events ---------------------------------------------------------------------------
#
# The timeline is three lists (events, quotes, positions) in one order. Each is queried on its own (a
# count, and its first offset+limit rows in timeline order) and the pages are merged here: a UNION ALL
# sorted as a whole makes the database sort every row of all three tables, which is several times
# slower on a large store than three bounded top-k sorts.

@dataclass
class Branch:
    """One kind of timeline item as SQL pieces: a SELECT with common column names, and its filters."""

    kind: str
    alias: str
    columns: str
    source: str  # FROM ... (with the documents join when the day needs it)
    count_source: str  # FROM ... for counting (the join only when a filter needs it)
    day: str
    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    @property
    def clause(self) -> str:
        return ("WHERE " + " AND ".join(self.where)) if self.where else ""

    def count(self, store: Store) -> int:
        return int(store.query_one(f"SELECT COUNT(*) AS n FROM {self.count_source} {self.clause}", self.params)["n"])

    def rows(self, store: Store, n: int, order: str) -> list[dict[str, Any]]:
        direction = "ASC" if order == "asc" else "DESC"
        a = self.alias
        return store.query(
            f"SELECT {self.columns} FROM {self.source} {self.clause} ORDER BY CASE WHEN {self.day} IS NULL THEN 1"
            f" ELSE 0 END, {self.day} {direction}, {a}.doc, {a}.start_char, {a}.id LIMIT ?", (*self.params, n))

    def months(self, store: Store) -> list[dict[str, Any]]:
        where = [*self.where, f"{self.day} IS NOT NULL"]
        return store.query(f"SELECT SUBSTR({self.day}, 1, 7) AS period, COUNT(*) AS n FROM {self.source}"
                           f" WHERE {' AND '.join(where)} GROUP BY SUBSTR({self.day}, 1, 7)", self.params)


def _date_clauses(expr: str, f: Filters, where: list[str], params: list[Any]) -> None:
    if f.date_from:
        where.append(f"{expr} >= ?")
        params.append(f.date_from)
    if f.date_to:
        where.append(f"{expr} <= ?")
        params.append(f.date_to)


SOURCE_LIST_MAX = 2000  # a source filter matching more reports than this stays a subquery


def prepare(store: Store, f: Filters) -> Filters:
    """Resolve a source filter to its reports once, instead of once per statement, when they are few."""
    if f.source and f.source_docs is None:
        rows = store.query("SELECT id FROM documents WHERE LOWER(source) LIKE ? ESCAPE '\\'"
                           " OR LOWER(url) LIKE ? ESCAPE '\\' LIMIT ?", (like(f.source), like(f.source),
                                                                       SOURCE_LIST_MAX + 1))
        if len(rows) <= SOURCE_LIST_MAX:
            f.source_docs = [r["id"] for r in rows]
    return f


def _source_clause(doc_col: str, f: Filters, where: list[str], params: list[Any]) -> None:
    if f.source and f.source_docs is not None:
        if not f.source_docs:
            where.append("1 = 0")
            return
        where.append(f"{doc_col} IN ({marks(len(f.source_docs))})")
        params += f.source_docs
    elif f.source:
        where.append(f"{doc_col} IN (SELECT id FROM documents WHERE LOWER(source) LIKE ? ESCAPE '\\'"
                     " OR LOWER(url) LIKE ? ESCAPE '\\')")
        params += [like(f.source)] * 2


def _topic_clause(alias: str, f: Filters, where: list[str], params: list[Any]) -> None:
    """An event or quote is on a topic when a position on that topic overlaps it in the same report."""
    if f.topic:
        topics = _topics(f.topic)
        m = marks(len(topics))
        where.append(f"{alias}.doc IN (SELECT doc FROM positions WHERE topic IN ({m}))")
        where.append(f"EXISTS (SELECT 1 FROM positions tp WHERE tp.doc = {alias}.doc AND tp.topic IN ({m})"
                     f" AND tp.start_char < {alias}.end_char AND tp.end_char > {alias}.start_char)")
        params += topics + topics


def _topics(topic: str) -> list[str]:
    for key, _, topics in TOPIC_COLUMNS:
        if topic == key:
            return list(topics)
    return [topic]


EVENT_COLUMNS = ("'event' AS kind, e.id AS id, e.doc AS doc, COALESCE(e.date, e.published) AS day,"
                 " e.type AS label, e.mode AS detail, e.source AS actor, e.target AS target, e.evidence AS text,"
                 " e.start_char AS start_char, e.end_char AS end_char")


def event_branch(f: Filters) -> Branch:
    day = "COALESCE(e.date, e.published)"
    b = Branch("event", "e", EVENT_COLUMNS, "events e", "events e", day)
    if f.parties:
        b.where.append(f"e.id IN (SELECT event FROM event_actors WHERE actor IN ({marks(len(f.parties))}))")
        b.params += f.parties
    if f.type:
        b.where.append("e.type = ?")
        b.params.append(f.type)
    _topic_clause("e", f, b.where, b.params)
    _source_clause("e.doc", f, b.where, b.params)
    _date_clauses(day, f, b.where, b.params)
    return b


def quote_branch(f: Filters) -> Branch:
    b = Branch("quote", "q", "'quote' AS kind, q.id AS id, q.doc AS doc, q.published AS day, q.quote_kind AS label,"
               " q.cue AS detail, q.speaker AS actor, q.speaker_text AS target, q.text AS text,"
               " q.start_char AS start_char, q.end_char AS end_char", "quotes q", "quotes q", "q.published")
    if f.parties:
        b.where.append(f"q.speaker IN ({marks(len(f.parties))})")
        b.params += f.parties
    _topic_clause("q", f, b.where, b.params)
    _source_clause("q.doc", f, b.where, b.params)
    _date_clauses("q.published", f, b.where, b.params)
    return b


def position_branch(f: Filters) -> Branch:
    day = "COALESCE(p.date, d.published)"
    joined = "positions p JOIN documents d ON d.id = p.doc"
    b = Branch("position", "p", "'position' AS kind, p.id AS id, p.doc AS doc, COALESCE(p.date, d.published) AS day,"
               " p.position_kind AS label, p.topic AS detail, p.actor AS actor, NULL AS target, p.evidence AS text,"
               " p.start_char AS start_char, p.end_char AS end_char", joined,
               joined if (f.date_from or f.date_to) else "positions p", day)
    if f.parties:
        b.where.append(f"p.actor IN ({marks(len(f.parties))})")
        b.params += f.parties
    if f.topic:
        topics = _topics(f.topic)
        b.where.append(f"p.topic IN ({marks(len(topics))})")
        b.params += topics
    if f.position_kind:
        b.where.append("p.position_kind = ?")
        b.params.append(f.position_kind)
    _source_clause("p.doc", f, b.where, b.params)
    _date_clauses(day, f, b.where, b.params)
    return b


def branches(f: Filters) -> list[Branch]:
    kinds = [k for k in f.kinds if k in TIMELINE_KINDS]
    if f.type:  # an event-type filter selects events only
        kinds = [k for k in kinds if k == "event"]
    builders = {"event": event_branch, "quote": quote_branch, "position": position_branch}
    return [builders[k](f) for k in TIMELINE_KINDS if k in kinds]


def merged_page(store: Store, parts: list[Branch], f: Filters, limit: int, offset: int, count: bool = True
                ) -> Page:
    """Rows offset..offset+limit of the branches in timeline order (date, then report and position)."""
    rows: list[dict[str, Any]] = []
    total: int | None = 0
    for b in parts:
        got = b.rows(store, offset + limit + 1, f.order)
        rows += got
        if total is not None:
            # a branch that ran out before the page's end needs no separate count
            total = (total + len(got) if len(got) <= offset + limit else total + b.count(store)) if count else None
    rows.sort(key=lambda r: (r["doc"], r["start_char"], r["kind"], r["id"]))
    rows.sort(key=lambda r: r["day"] or "", reverse=f.order != "asc")
    rows.sort(key=lambda r: r["day"] is None)
    window = rows[offset:offset + limit]
    return Page(decorate_items(store, window), limit, offset, total, len(rows) > offset + limit)


def timeline(store: Store, f: Filters, limit: int = 50, offset: int = 0, count: bool = True) -> Page:
    """Events, quotes and positions in one dated list, newest first (or oldest with order=asc)."""
    return merged_page(store, branches(prepare(store, f)), f, limit, offset, count)


def timeline_counts(store: Store, f: Filters) -> list[dict[str, Any]]:
    """Dated items per month and kind: [{period: 'YYYY-MM', event: n, quote: n, position: n}]."""
    periods: dict[str, dict[str, Any]] = {}
    for b in branches(prepare(store, f)):
        for row in b.months(store):
            if not row["period"] or len(row["period"]) < 7:
                continue  # year-only dates have no month
            entry = periods.setdefault(row["period"], {"period": row["period"], **{k: 0 for k in TIMELINE_KINDS}})
            entry[b.kind] += row["n"]
    return [periods[k] for k in sorted(periods)]


def decorate_items(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Timeline rows with actor names and their report's title and date."""
    actor_ids: set[str] = set()
    for row in rows:
        if row["kind"] == "event":
            actor_ids.update(jlist(row["actor"]) + jlist(row["target"]))
        elif row["actor"]:
            actor_ids.add(row["actor"])
    actors = actor_rows(store, actor_ids)
    docs = doc_rows(store, [r["doc"] for r in rows])
    out = []
    for row in rows:
        item: dict[str, Any] = {"kind": row["kind"], "id": row["id"], "date": row["day"], "label": row["label"],
                                "detail": row["detail"], "text": row["text"], "start": row["start_char"],
                                "end": row["end_char"], "doc": doc_ref(docs, row["doc"])}
        if row["kind"] == "event":
            item["source"] = [actor_ref(actors, a) for a in jlist(row["actor"])]
            item["target"] = [actor_ref(actors, a) for a in jlist(row["target"])]
        else:
            item["actor"] = actor_ref(actors, row["actor"])
            if row["kind"] == "quote":
                item["speaker_text"] = row["target"]
        item["evidence_url"] = evidence_url(row["doc"], row["kind"], row["id"])
        out.append(item)
    return out


def events(store: Store, f: Filters, limit: int = 50, offset: int = 0) -> Page:
    return merged_page(store, [event_branch(prepare(store, f))], f, limit, offset)


# -- documents -------------------------------------------------------------------------------------

def doc_rows(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = sorted({i for i in ids if i})
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i:i + CHUNK]
        for row in store.query("SELECT id, title, source, url, published FROM documents"
                               f" WHERE id IN ({marks(len(chunk))})", chunk):
            out[row["id"]] = row
    return out


def doc_ref(docs: dict[str, dict[str, Any]], doc_id: str) -> dict[str, Any]:
    row = docs.get(doc_id) or {}
    return {"id": doc_id, "title": row.get("title") or row.get("source") or doc_id,
            "source": row.get("source"), "published": row.get("published")}


ANCHOR_PREFIX = {"event": "ev", "quote": "qt", "position": "ps", "proposal": "pr", "step": "st", "mention": "mn"}


def anchor(kind: str, record_id: str) -> str:
    return f"{ANCHOR_PREFIX.get(kind, kind)}-{record_id}"


def evidence_url(doc_id: str, kind: str, record_id: str) -> str:
    """The evidence view of a document, scrolled to (and focused on) one extracted span."""
    from urllib.parse import quote

    a = anchor(kind, record_id)
    return f"/documents/{quote(doc_id, safe='')}?focus={quote(a, safe='')}#{quote(a, safe='')}"


def list_documents(store: Store, q: str | None = None, source: str | None = None, date_from: str | None = None,
                   date_to: str | None = None, limit: int = 50, offset: int = 0) -> Page:
    """Reports: full-text search results when `q` is given (ranked), else newest first."""
    if q and q.strip():
        rows = store.search_documents(q, limit=limit + 1, offset=offset)  # type: ignore[attr-defined]
        items = [{"id": r["id"], "title": r["title"] or r["source"], "source": r["source"],
                  "published": r["published"], "snippet": r.get("snippet")} for r in rows[:limit]]
        return Page(items, limit, offset, None, len(rows) > limit)
    where: list[str] = []
    params: list[Any] = []
    f = Filters(source=source, date_from=date_from, date_to=date_to)
    _source_clause("id", f, where, params)
    _date_clauses("published", f, where, params)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    total = store.query_one(f"SELECT COUNT(*) AS n FROM documents {clause}", params)["n"]
    rows = store.query("SELECT id, title, source, url, published FROM documents"
                       f" {clause} ORDER BY CASE WHEN published IS NULL THEN 1 ELSE 0 END, published DESC, id"
                       " LIMIT ? OFFSET ?", (*params, limit, offset))
    return Page([{**r, "title": r["title"] or r["source"], "snippet": None} for r in rows], limit, offset, total)


# -- quotes ----------------------------------------------------------------------------------------

def search_quotes(store: Store, q: str = "", speaker: str | None = None, limit: int = 50, offset: int = 0) -> Page:
    speaker_id = resolve_actor(store, speaker)
    found = store.search_quotes(q or "", speaker=speaker_id, limit=limit + 1, offset=offset)
    rows = found[:limit]
    actors = actor_rows(store, [r["speaker"] for r in rows if r["speaker"]])
    docs = doc_rows(store, [r["doc"] for r in rows])
    items = [{"id": r["id"], "text": r["text"], "speaker": actor_ref(actors, r["speaker"]),
              "speaker_text": r["speaker_text"], "cue": r["cue"], "quote_kind": r["quote_kind"],
              "date": r.get("published"), "start": r["start_char"], "end": r["end_char"],
              "doc": doc_ref(docs, r["doc"]), "evidence_url": evidence_url(r["doc"], "quote", r["id"])}
             for r in rows]
    return Page(items, limit, offset, None, len(found) > limit)


def speakers(store: Store, limit: int = 300) -> list[dict[str, Any]]:
    rows = store.query("SELECT speaker, COUNT(*) AS n FROM quotes WHERE speaker IS NOT NULL GROUP BY speaker"
                       " ORDER BY COUNT(*) DESC, speaker LIMIT ?", (limit,))
    actors = actor_rows(store, [r["speaker"] for r in rows])
    out = [{**(actor_ref(actors, r["speaker"]) or {}), "quotes": r["n"]} for r in rows]
    return sorted(out, key=lambda a: str(a["name"]).lower())


# -- network ---------------------------------------------------------------------------------------

def _contact_filters(types: Sequence[str], date_from: str | None, date_to: str | None
                     ) -> tuple[list[str], list[Any]]:
    where = [f"e.type IN ({marks(len(types))})"]
    params: list[Any] = list(types)
    f = Filters(date_from=date_from, date_to=date_to)
    _date_clauses("COALESCE(e.date, e.published)", f, where, params)
    return where, params


def network(store: Store, types: Sequence[str] = CONTACT_TYPES, date_from: str | None = None,
            date_to: str | None = None, limit: int = 200, offset: int = 0, min_weight: int = 1) -> dict[str, Any]:
    """Who dealt with whom: actor pairs that share an event of the given types, weighted by event count."""
    types = [t for t in types if t] or list(CONTACT_TYPES)
    where, params = _contact_filters(types, date_from, date_to)
    pairs = (
        "SELECT a.actor AS a, b.actor AS b, COUNT(DISTINCT a.event) AS weight,"
        " MIN(COALESCE(e.date, e.published)) AS first, MAX(COALESCE(e.date, e.published)) AS last"
        " FROM events e JOIN event_actors a ON a.event = e.id JOIN event_actors b ON b.event = e.id"
        f" AND a.actor < b.actor WHERE {' AND '.join(where)} GROUP BY a.actor, b.actor"
    )
    # one pass over the pairs (there are far fewer pairs than events); ranked and paged here
    every = [r for r in store.query(pairs, params) if r["weight"] >= min_weight]
    every.sort(key=lambda r: (-r["weight"], r["a"], r["b"]))
    total = len(every)
    rows = every[offset:offset + limit]
    actors = actor_rows(store, [r["a"] for r in rows] + [r["b"] for r in rows])
    degree: dict[str, int] = {}
    edges = []
    for r in rows:
        degree[r["a"]] = degree.get(r["a"], 0) + r["weight"]
        degree[r["b"]] = degree.get(r["b"], 0) + r["weight"]
        edges.append({"source": actor_ref(actors, r["a"]), "target": actor_ref(actors, r["b"]),
                      "weight": r["weight"], "first": r["first"], "last": r["last"],
                      "url": edge_url(r["a"], r["b"], types, date_from, date_to),
                      "api": "/api/v1" + edge_url(r["a"], r["b"], types, date_from, date_to)})
    nodes = [{**(actor_ref(actors, a) or {}), "weight": w, "url": actor_url(a)}
             for a, w in sorted(degree.items(), key=lambda x: (-x[1], x[0]))]
    return {"nodes": nodes, "edges": edges, "types": list(types), "total": total, "limit": limit,
            "offset": offset, "next_offset": offset + limit if offset + limit < total else None}


def edge_url(a: str, b: str, types: Sequence[str], date_from: str | None, date_to: str | None) -> str:
    from urllib.parse import urlencode

    query: list[tuple[str, str]] = [("a", a), ("b", b)] + [("types", t) for t in types]
    if date_from:
        query.append(("from", date_from))
    if date_to:
        query.append(("to", date_to))
    return "/network/edge?" + urlencode(query)


def actor_url(actor_id: str) -> str:
    from urllib.parse import quote

    return "/actors/" + quote(actor_id, safe="")


def edge_events(store: Store, a: str, b: str, types: Sequence[str] = CONTACT_TYPES, date_from: str | None = None,
                date_to: str | None = None, limit: int = 50, offset: int = 0) -> Page:
    """The events behind one network edge, with their reports."""
    types = [t for t in types if t] or list(CONTACT_TYPES)
    f = Filters(date_from=date_from, date_to=date_to)
    branch = event_branch(f)
    branch.where += [f"e.type IN ({marks(len(types))})", "e.id IN (SELECT event FROM event_actors WHERE actor = ?)",
                     "e.id IN (SELECT event FROM event_actors WHERE actor = ?)"]
    branch.params += [*types, a, b]
    return merged_page(store, [branch], f, limit, offset)


# -- positions -------------------------------------------------------------------------------------

def list_positions(store: Store, f: Filters, limit: int = 50, offset: int = 0) -> Page:
    page = merged_page(store, [position_branch(prepare(store, f))], f, limit, offset)
    for item in page.items:
        item["position_kind"] = item.pop("label")
        item["topic"] = item.pop("detail")
    return page


def positions_matrix(store: Store, parties: Sequence[str] = (), topics: Sequence[str] = (),
                     date_from: str | None = None, date_to: str | None = None, rollup: bool = True,
                     max_parties: int = 15) -> dict[str, Any]:
    """Parties by topics; each cell the party's latest stated position and how it changed over time.

    With `rollup`, what a country's people and bodies state counts as the country's position (the cell
    keeps who said it). Dates are the position's own date, else its report's publication date. A cell
    counts all its positions and keeps its latest HISTORY_MAX (oldest first) as its history; the
    trajectory is the sequence of kinds over that history."""
    day = "COALESCE(p.date, d.published)"
    where: list[str] = []
    params: list[Any] = []
    _date_clauses(day, Filters(date_from=date_from, date_to=date_to), where, params)
    dated = bool(where)
    requested = list(dict.fromkeys(COLUMN_OF_TOPIC.get(t, t) for t in topics if t))
    requested = [c for c in requested if c in COLUMN_OF_TOPIC.values()]
    wanted_topics = [t for key in requested for t in _topics(key)]
    if wanted_topics:
        where.append(f"p.topic IN ({marks(len(wanted_topics))})")
        params += wanted_topics
    # positions per actor and topic: ranks the parties and sizes the cells (index-only without dates)
    source = "positions p JOIN documents d ON d.id = p.doc" if dated else "positions p"
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    per_topic = store.query(f"SELECT p.actor AS actor, p.topic AS topic, COUNT(*) AS n FROM {source} {clause}"
                            " GROUP BY p.actor, p.topic", params)
    owner: dict[str, str] = {}  # actor id -> the party row it is shown under
    if parties:
        rows_for: list[str] = []
        for party in parties:
            pid = resolve_actor(store, party)
            if pid and pid not in rows_for:
                rows_for.append(pid)
        for pid in rows_for:
            for member in party_ids(store, pid, expand=rollup):
                owner.setdefault(member, pid)
    else:
        rows_for = _top_parties(store, per_topic, rollup, max_parties, owner)
    if not owner:
        return {"parties": [], "columns": [], "rows": [], "rollup": rollup}
    ids = sorted(owner)
    in_owned = f"p.actor IN ({marks(len(ids))})"
    totals: dict[tuple[str, str], int] = {}
    for r in per_topic:
        if r["actor"] in owner:
            key = (owner[r["actor"]], COLUMN_OF_TOPIC.get(r["topic"], "other"))
            totals[key] = totals.get(key, 0) + r["n"]
    used = {c for _, c in totals}
    chosen = set(requested) if requested else used
    columns = [{"key": k, "label": label, "topics": list(ts)} for k, label, ts in TOPIC_COLUMNS if k in chosen]
    need = {k: min(HISTORY_MAX, n) for k, n in totals.items() if k[0] in rows_for and k[1] in chosen}
    # newest first, read only until every cell has its latest HISTORY_MAX positions
    remaining = sum(need.values())
    recent: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    cursor = store.execute(
        f"SELECT {day} AS day, p.doc, p.start_char, p.id, p.actor, p.topic, p.position_kind"
        f" FROM positions p JOIN documents d ON d.id = p.doc WHERE {' AND '.join([*where, in_owned])}"
        f" ORDER BY CASE WHEN {day} IS NULL THEN 1 ELSE 0 END, {day} DESC, p.doc DESC, p.start_char DESC, p.id DESC",
        [*params, *ids])
    try:
        for r in cursor:
            key = (owner[r[4]], COLUMN_OF_TOPIC.get(r[5], "other"))
            got = recent.setdefault(key, [])
            if len(got) < need.get(key, 0):
                got.append(r)
                remaining -= 1
                if remaining <= 0:
                    break
    finally:
        cursor.close()
    detail = _position_details(store, [r[3] for rows in recent.values() for r in rows])
    actors = actor_rows(store, list({r[4] for rows in recent.values() for r in rows}) + rows_for)

    def entry(r: tuple[Any, ...]) -> dict[str, Any]:
        d = detail.get(r[3], {})
        return {"id": r[3], "position_kind": r[6], "topic": r[5], "date": r[0], "evidence": d.get("evidence"),
                "actor": actor_ref(actors, r[4]), "doc": {"id": r[1], "title": d.get("title")},
                "evidence_url": evidence_url(r[1], "position", r[3])}

    out_rows = []
    for pid in rows_for:
        row_cells: dict[str, Any] = {}
        for col in columns:
            newest_first = recent.get((pid, col["key"]))
            if not newest_first:
                row_cells[col["key"]] = None
                continue
            history = newest_first[::-1]  # oldest first
            trajectory: list[str] = []
            for h in [h for h in history if h[0]] or history:
                if not trajectory or trajectory[-1] != h[6]:
                    trajectory.append(h[6])
            # the first row newest-first is dated whenever anything in the cell is
            row_cells[col["key"]] = {"latest": entry(newest_first[0]), "count": totals[(pid, col["key"])],
                                     "changes": len(trajectory) - 1, "trajectory": trajectory,
                                     "history": [entry(h) for h in history]}
        out_rows.append({"party": actor_ref(actors, pid), "cells": row_cells})
    return {"parties": [actor_ref(actors, p) for p in rows_for], "columns": columns, "rows": out_rows,
            "rollup": rollup}


def _position_details(store: Store, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = list(ids[i:i + CHUNK])
        for row in store.query("SELECT p.id AS id, p.evidence AS evidence, d.title AS title FROM positions p"
                               f" JOIN documents d ON d.id = p.doc WHERE p.id IN ({marks(len(chunk))})", chunk):
            out[row["id"]] = row
    return out


def _top_parties(store: Store, per_topic: list[dict[str, Any]], rollup: bool, max_parties: int,
                 owner: dict[str, str]) -> list[str]:
    per_actor: dict[str, int] = {}
    for r in per_topic:
        per_actor[r["actor"]] = per_actor.get(r["actor"], 0) + r["n"]
    actors = actor_rows(store, per_actor)
    totals: dict[str, int] = {}
    mapped: dict[str, str] = {}
    for actor, n in per_actor.items():
        row = actors.get(actor)
        party = actor
        if rollup and row and row["type"] != "COUNTRY" and row["country"]:
            party = row["country"]
        mapped[actor] = party
        totals[party] = totals.get(party, 0) + n
    top = [p for p, _ in sorted(totals.items(), key=lambda x: (-x[1], x[0]))[:max_parties]]
    keep = set(top)
    for actor, party in mapped.items():
        if party in keep:
            owner[actor] = party
    return top


# -- proposals -------------------------------------------------------------------------------------

def proposals(store: Store, proposer: str | None = None, q: str | None = None, limit: int = 20, offset: int = 0
              ) -> Page:
    """Peace plans with their ordered steps, proposer, and each party's reactions in the same report."""
    where: list[str] = []
    params: list[Any] = []
    if proposer:
        ids = party_ids(store, proposer)
        where.append(f"p.proposer IN ({marks(len(ids))})")
        params += ids
    if q:
        where.append("(LOWER(p.name) LIKE ? ESCAPE '\\' OR LOWER(p.evidence) LIKE ? ESCAPE '\\')")
        params += [like(q)] * 2
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    total = store.query_one(f"SELECT COUNT(*) AS n FROM proposals p {clause}", params)["n"]
    rows = store.query(
        "SELECT p.id, p.doc, p.proposer, p.name, p.evidence, p.start_char, p.end_char, p.steps, d.published,"
        f" d.title FROM proposals p JOIN documents d ON d.id = p.doc {clause}"
        " ORDER BY CASE WHEN d.published IS NULL THEN 1 ELSE 0 END, d.published DESC, p.doc, p.start_char"
        " LIMIT ? OFFSET ?", (*params, limit, offset))
    docs = sorted({r["doc"] for r in rows})
    reactions_by_doc: dict[str, list[dict[str, Any]]] = {d: [] for d in docs}
    if docs:
        m = marks(len(docs))
        for r in store.query(
                "SELECT 'position' AS kind, p.id, p.doc, p.actor, p.position_kind AS label, p.topic AS detail,"
                " p.evidence, p.start_char, p.date AS day FROM positions p"
                f" WHERE p.doc IN ({m}) AND p.position_kind IN ({marks(len(REACTION_KINDS))})",
                [*docs, *REACTION_KINDS]):
            reactions_by_doc[r["doc"]].append(r)
        for r in store.query(
                "SELECT 'event' AS kind, e.id, e.doc, e.source AS actor, e.type AS label, e.mode AS detail,"
                " e.evidence, e.start_char, e.date AS day FROM events e"
                f" WHERE e.doc IN ({m}) AND e.type IN ({marks(len(REACTION_EVENTS))})", [*docs, *REACTION_EVENTS]):
            for actor in jlist(r["actor"]):
                reactions_by_doc[r["doc"]].append({**r, "actor": actor})
    actor_ids = {r["proposer"] for r in rows if r["proposer"]}
    actor_ids |= {x["actor"] for lst in reactions_by_doc.values() for x in lst}
    actors = actor_rows(store, actor_ids)
    items = []
    for r in rows:
        steps = sorted(json.loads(r["steps"] or "[]"), key=lambda s: s.get("order", 0))
        by_party: dict[str, list[dict[str, Any]]] = {}
        for x in sorted(reactions_by_doc.get(r["doc"], []), key=lambda x: x["start_char"]):
            if x["actor"] == r["proposer"] or r["start_char"] <= x["start_char"] < r["end_char"]:
                continue
            by_party.setdefault(x["actor"], []).append(
                {"kind": x["kind"], "label": x["label"], "detail": x["detail"], "evidence": x["evidence"],
                 "date": x["day"] or r["published"], "evidence_url": evidence_url(r["doc"], x["kind"], x["id"])})
        items.append({
            "id": r["id"], "name": r["name"], "proposer": actor_ref(actors, r["proposer"]),
            "date": r["published"], "evidence": r["evidence"],
            "doc": {"id": r["doc"], "title": r["title"]},
            "evidence_url": evidence_url(r["doc"], "proposal", r["id"]),
            "steps": [{**s, "evidence_url": evidence_url(r["doc"], "step", f"{r['id']}-{s.get('order', i)}")}
                      for i, s in enumerate(steps, start=1)],
            "reactions": [{"party": actor_ref(actors, a), "items": lst} for a, lst in by_party.items()],
        })
    return Page(items, limit, offset, total)


# -- one document: the evidence view ---------------------------------------------------------------

def document_view(store: Store, doc_id: str) -> dict[str, Any] | None:
    """A document with every extracted span (kind, label, offsets, anchor) for the evidence view."""
    result = store.result(doc_id)
    if result is None:
        return None
    d = result.document
    ids = {m.actor for m in result.mentions} | {q.speaker for q in result.quotes if q.speaker}
    ids |= {a for e in result.events for a in e.source + e.target} | {p.actor for p in result.positions}
    ids |= {p.proposer for p in result.proposals if p.proposer}
    actors = actor_rows(store, ids)

    def name(actor_id: str | None) -> str:
        ref = actor_ref(actors, actor_id)
        return str(ref["name"]) if ref else "unattributed"

    spans: list[dict[str, Any]] = []
    for i, m in enumerate(result.mentions):
        spans.append({"kind": "mention", "id": str(i), "anchor": anchor("mention", str(i)), "start": m.start,
                      "end": m.end, "label": name(m.actor), "text": m.text, "actors": [actor_ref(actors, m.actor)]})
    for q in result.quotes:
        spans.append({"kind": "quote", "id": q.id, "anchor": anchor("quote", q.id), "start": q.start, "end": q.end,
                      "label": f"{q.quote_kind} quote: {name(q.speaker)}", "text": q.text, "cue": q.cue,
                      "quote_kind": q.quote_kind, "speaker_text": q.speaker_text,
                      "actors": [actor_ref(actors, q.speaker)] if q.speaker else []})
    for e in result.events:
        label = e.type + (f" ({e.mode})" if e.mode else "")
        who = ", ".join(name(a) for a in e.source) or "?"
        whom = ", ".join(name(a) for a in e.target)
        spans.append({"kind": "event", "id": e.id, "anchor": anchor("event", e.id), "start": e.start, "end": e.end,
                      "label": f"{label}: {who}" + (f" \u2192 {whom}" if whom else ""), "type": e.type,
                      "mode": e.mode, "date": e.date, "when": e.when, "text": e.evidence,
                      "source": [actor_ref(actors, a) for a in e.source],
                      "target": [actor_ref(actors, a) for a in e.target]})
    for p in result.positions:
        spans.append({"kind": "position", "id": p.id, "anchor": anchor("position", p.id), "start": p.start,
                      "end": p.end, "label": f"{p.position_kind.replace('_', ' ')} on {p.topic.replace('_', ' ')}:"
                      f" {name(p.actor)}", "position_kind": p.position_kind, "topic": p.topic, "date": p.date,
                      "text": p.evidence, "actors": [actor_ref(actors, p.actor)]})
    for pr in result.proposals:
        spans.append({"kind": "proposal", "id": pr.id, "anchor": anchor("proposal", pr.id), "start": pr.start,
                      "end": pr.end, "label": f"plan: {pr.name}", "text": pr.evidence,
                      "actors": [actor_ref(actors, pr.proposer)] if pr.proposer else []})
        for s in pr.steps:
            sid = f"{pr.id}-{s.order}"
            spans.append({"kind": "step", "id": sid, "anchor": anchor("step", sid), "start": s.start, "end": s.end,
                          "label": f"step {s.order} of {pr.name}", "text": s.evidence, "summary": s.summary,
                          "actors": []})
    spans.sort(key=lambda s: (s["start"], -s["end"], s["kind"]))
    return {
        "id": d.id, "title": d.title, "source": d.source, "url": d.url,
        "published": d.published.isoformat() if d.published else None, "language": d.language,
        "text": d.text, "boilerplate": d.boilerplate, "spans": spans,
        "counts": {k: sum(1 for s in spans if s["kind"] == k) for k in ANCHOR_PREFIX},
    }


# -- actor page ------------------------------------------------------------------------------------

def actor_view(store: Store, actor_id: str, limit: int = 25) -> dict[str, Any] | None:
    row = store.query_one("SELECT * FROM actors WHERE id = ?", (actor_id,))
    if row is None:
        return None
    actor = {**row, "aliases": jlist(row["aliases"])}
    members = [r for r in store.query("SELECT id, name, type FROM actors WHERE country = ? ORDER BY name, id",
                                      (actor_id,)) if r["id"] != actor_id]
    counts = activity(store, [actor_id])[actor_id]
    f = Filters(parties=[actor_id])
    quotes = timeline(store, Filters(parties=[actor_id], kinds=("quote",)), limit=limit, count=False)
    evs = events(store, f, limit=limit)
    positions = list_positions(store, f, limit=100)
    latest: dict[str, dict[str, Any]] = {}
    for p in reversed(positions.items):  # oldest first, so the latest one stays
        latest[COLUMN_OF_TOPIC.get(p["topic"], "other")] = p
    stances = [{"column": k, "label": label, "position": latest[k]} for k, label, _ in TOPIC_COLUMNS if k in latest]
    partners = store.query(
        "SELECT b.actor AS actor, COUNT(DISTINCT b.event) AS n FROM event_actors a JOIN event_actors b"
        " ON b.event = a.event AND b.actor <> a.actor WHERE a.actor = ? GROUP BY b.actor"
        " ORDER BY COUNT(DISTINCT b.event) DESC, b.actor LIMIT 15", (actor_id,))
    names = actor_rows(store, [p["actor"] for p in partners])
    span = store.query_one(
        "SELECT MIN(d.published) AS first, MAX(d.published) AS last, COUNT(DISTINCT m.doc) AS docs"
        " FROM mentions m JOIN documents d ON d.id = m.doc WHERE m.actor = ?", (actor_id,)) or {}
    return {
        "actor": actor, "roles": kb_roles(actor_id, actor.get("role")), "members": members, "counts": counts,
        "mentioned": span, "stances": stances,
        "quotes": quotes.items, "events": evs.items, "events_total": evs.total,
        "positions": positions.items, "positions_total": positions.total,
        "partners": [{**(actor_ref(names, p["actor"]) or {}), "events": p["n"],
                      "url": edge_url(actor_id, p["actor"], PLOVER_TYPES, None, None)} for p in partners],
    }


def kb_roles(actor_id: str, stored_role: str | None) -> list[dict[str, Any]]:
    """Roles over time from the knowledge base; the role seen in reports when the KB has none."""
    roles: list[dict[str, Any]] = []
    try:
        from parley.kb import load_kb

        kb_actor = load_kb().actors.get(actor_id)
    except Exception:  # a broken KB file must not take the web app down
        kb_actor = None
    if kb_actor is not None:
        for r in kb_actor.roles:
            roles.append({"title": r.title, "start": r.start.isoformat() if r.start else None,
                          "end": r.end.isoformat() if r.end else None, "from": "knowledge base"})
    if stored_role and all(r["title"] != stored_role for r in roles):
        roles.append({"title": stored_role, "start": None, "end": None, "from": "reports"})
    return roles


# -- facets and counts -----------------------------------------------------------------------------

def facets(store: Store) -> dict[str, Any]:
    """Values for the filter forms."""
    parties = store.query(
        "SELECT actor, COUNT(*) AS n FROM positions GROUP BY actor ORDER BY COUNT(*) DESC, actor LIMIT 60")
    ev_parties = store.query(
        "SELECT actor, COUNT(*) AS n FROM event_actors GROUP BY actor ORDER BY COUNT(*) DESC, actor LIMIT 60")
    ids = list(dict.fromkeys([r["actor"] for r in parties] + [r["actor"] for r in ev_parties]))
    actors = actor_rows(store, ids)
    refs = [actor_ref(actors, i) for i in ids]
    return {
        "event_types": list(PLOVER_TYPES), "position_kinds": list(POSITION_KINDS), "topics": list(TOPICS),
        "topic_columns": [{"key": k, "label": label} for k, label, _ in TOPIC_COLUMNS],
        "contact_types": list(CONTACT_TYPES),
        "parties": sorted([r for r in refs if r], key=lambda a: str(a["name"]).lower()),
    }


def counts(store: Store) -> dict[str, int]:
    return store.counts()
