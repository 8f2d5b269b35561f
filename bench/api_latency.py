#!/usr/bin/env python
"""Latency of every JSON API endpoint (and optionally every page) on a large generated database.

    python bench/api_latency.py                        # 20,000 documents in a temporary SQLite file
    python bench/api_latency.py --docs 50000 --db big.db --keep
    python bench/api_latency.py --db big.db --reuse    # time an existing generated database again
    python bench/api_latency.py --pages --json latency.json

The database is generated directly as records (no spaCy): synthetic articles built from sentence
templates about real-sounding parties, each with its mentions, quotes, events, positions and now and then
a plan, saved through Store.save so the full-text indexes are maintained as in a real ingest. The app then
runs under uvicorn on a free 127.0.0.1 port and each endpoint is requested --requests times over a
keep-alive httpx connection (after --warmup untimed requests), with its parameters varied from request to
request where that makes sense (different documents, actors, pages). Reported: p50 / p95 / max in ms.

The aggregate views (timeline counts, network, positions matrix, facets, actor pages) are cached by
the app for --cache-ttl seconds per set of parameters, as when served; --cache-ttl 0 times every request
cold. This is a benchmark, not a test: it prints numbers and asserts nothing. The target is p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from parley.records import (  # noqa: E402
    PLOVER_TYPES,
    POSITION_KINDS,
    TOPICS,
    Actor,
    Document,
    DocumentResult,
    Event,
    Mention,
    Position,
    Proposal,
    ProposalStep,
    Quote,
    content_hash,
)

COUNTRIES = [("RUS", "Russia"), ("UKR", "Ukraine"), ("USA", "United States"), ("CHN", "China"), ("TUR", "Turkey"),
             ("FRA", "France"), ("DEU", "Germany"), ("GBR", "United Kingdom"), ("POL", "Poland"),
             ("IND", "India"), ("BRA", "Brazil"), ("ZAF", "South Africa"), ("SAU", "Saudi Arabia"),
             ("QAT", "Qatar"), ("HUN", "Hungary"), ("ITA", "Italy"), ("CHE", "Switzerland"), ("VAT", "Holy See")]
ORGS = [("UN", "United Nations", None), ("NATO", "North Atlantic Treaty Organization", None),
        ("EU", "European Union", None), ("IAEA", "International Atomic Energy Agency", None),
        ("G7", "Group of Seven", None), ("AU", "African Union", None)]
FIRST = ["Anna", "Sergei", "Olena", "John", "Marco", "Li", "Ahmet", "Emmanuel", "Olaf", "Andrzej", "Narendra",
         "Luiz", "Cyril", "Faisal", "Viktor", "Giorgia", "Ignazio", "Pietro", "Dmytro", "Maria", "Yuri", "Kaja"]
LAST = ["Petrenko", "Ivanov", "Smith", "Rossi", "Wang", "Yilmaz", "Dubois", "Schmidt", "Nowak", "Sharma",
        "Silva", "Nkosi", "Al-Saud", "Horvath", "Bianchi", "Kuleba", "Orlov", "Brown", "Moreau", "Kowalski"]
ROLES = ["Foreign Minister", "President", "Prime Minister", "Defence Minister", "envoy", "spokesperson",
         "national security adviser", "ambassador"]
CUES = ["said", "told reporters", "warned", "insisted", "added", "stressed", "wrote"]
MODES = {"CONSULT": ["meeting", "phone call", "talks", "visit"], "AGREE": ["agreement", "deal"],
         "REQUEST": ["appeal", "call"], "REJECT": ["statement"], "SUPPORT": ["statement"]}
WORDS = ["ceasefire", "territory", "withdrawal", "neutrality", "guarantees", "weapons", "grain", "corridor",
         "prisoners", "exchange", "summit", "delegation", "memorandum", "sanctions", "humanitarian", "nuclear",
         "plant", "children", "talks", "formula", "referendum", "sovereignty", "borders", "peacekeepers", "energy",
         "infrastructure", "negotiations"]
FILLER = ("Officials familiar with the discussions said the two sides remained far apart on the core issues. "
          "The talks followed weeks of shuttle diplomacy by intermediaries. Analysts cautioned that any "
          "agreement would depend on conditions on the ground. ")


def actors() -> tuple[list[Actor], list[Actor]]:
    parties = [Actor(i, n, "COUNTRY", i, None, [n]) for i, n in COUNTRIES]
    parties += [Actor(i, n, "ORG", c, None, [i]) for i, n, c in ORGS]
    rng = random.Random(7)
    people = []
    for k in range(240):
        country = rng.choice(COUNTRIES)[0]
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        people.append(Actor(f"person:{name.lower().replace(' ', '-')}-{k}", name, "PERSON", country,
                            rng.choice(ROLES), [name, name.split()[-1]]))
    return parties, people


class Writer:
    """Builds one article's text piece by piece, keeping character offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0

    def add(self, text: str) -> tuple[int, int]:
        start = self.n
        self.parts.append(text)
        self.n += len(text)
        return start, self.n

    @property
    def text(self) -> str:
        return "".join(self.parts)


def generate(rng: random.Random, i: int, day: date, parties: list[Actor], people: list[Actor]) -> DocumentResult:
    doc_id = f"{i:016x}"
    w = Writer()
    mentions: list[Mention] = []
    quotes: list[Quote] = []
    events: list[Event] = []
    positions: list[Position] = []
    proposals: list[Proposal] = []
    used: dict[str, Actor] = {}

    def mention(actor: Actor) -> None:
        used[actor.id] = actor
        s, e = w.add(actor.name)
        mentions.append(Mention(doc_id, actor.id, s, e, actor.name))

    topic_words = rng.sample(WORDS, 3)
    a, b = rng.sample(parties[:8] if rng.random() < 0.7 else parties, 2)
    for k in range(rng.randint(3, 7)):  # events
        etype = rng.choice(["CONSULT"] * 4 + ["AGREE"] * 2 + list(PLOVER_TYPES))
        x, y = (a, b) if rng.random() < 0.6 else tuple(rng.sample(parties + people[:60], 2))
        start = w.n
        mention(x)
        w.add(" and ")
        mention(y)
        mode = rng.choice(MODES.get(etype, [None]))  # type: ignore[arg-type]
        w.add(f" held {mode or 'contacts'} on the {topic_words[k % 3]} issue in the {rng.choice(WORDS)} track. ")
        ev = w.text[start:w.n]
        events.append(Event(f"{doc_id}e{k:03d}", doc_id, etype, mode, [x.id],
                            [y.id] if rng.random() < 0.7 else [], None, day.isoformat(), ev, start, w.n))
    w.add(FILLER)
    for k in range(rng.randint(2, 6)):  # quotes, most with a position inside
        speaker = rng.choice(people) if rng.random() < 0.8 else rng.choice(parties)
        mention(speaker)
        w.add(f" {rng.choice(CUES)}: \"")
        topic = rng.choice(TOPICS)
        words = " ".join(rng.sample(WORDS, 6))
        qs, qe = w.add(f"There can be no {topic.replace('_', ' ')} without {words}, and we will not move on it")
        w.add("\". ")
        quotes.append(Quote(f"{doc_id}q{k:03d}", doc_id, speaker.id, speaker.name, "said", w.text[qs:qe], qs, qe,
                            "direct" if rng.random() < 0.7 else "indirect"))
        if rng.random() < 0.75:
            positions.append(Position(f"{doc_id}p{k:03d}", doc_id, speaker.id, rng.choice(POSITION_KINDS),
                                      topic, w.text[qs:qe], qs, qe, day.isoformat() if rng.random() < 0.5 else None))
    if rng.random() < 0.04:  # a plan now and then
        proposer = rng.choice(parties[:12] + people[:30])
        start = w.n
        mention(proposer)
        w.add(" put forward a peace plan. ")
        steps = []
        for order in range(1, rng.randint(3, 6)):
            s, e = w.add(f"Step {order} would cover {' and '.join(rng.sample(WORDS, 2))}. ")
            steps.append(ProposalStep(order, w.text[s:e].strip(), w.text[s:e], s, e))
        proposals.append(Proposal(f"{doc_id}r000", doc_id, proposer.id, f"{proposer.name}: peace plan",
                                  w.text[start:w.n], start, w.n, steps))
    w.add(FILLER * rng.randint(1, 4))
    text = w.text
    document = Document(doc_id, f"synthetic/{day:%Y/%m}/{i}.txt", text,
                        f"{a.name} and {b.name} discuss {topic_words[0]} and {topic_words[1]}",
                        f"https://news.example.org/{day:%Y/%m/%d}/{i}", day, "en",
                        ["Share this article", "Sign up for our newsletter"], f"raw{i}")
    return DocumentResult(document, list(used.values()), mentions, quotes, events, positions, proposals)


def build(path: Path, n: int, seed: int = 1) -> dict[str, int]:
    from parley.store.sqlite import SQLiteStore

    rng = random.Random(seed)
    parties, people = actors()
    first = date(2022, 2, 24)
    span = (date(2025, 6, 30) - first).days
    t0 = time.perf_counter()
    with SQLiteStore(path) as store:
        store.conn.execute("PRAGMA synchronous=OFF")
        for i in range(n):
            day = first + timedelta(days=rng.randint(0, span))
            result = generate(rng, i, day, parties, people)
            store.save(result, content_hash(result.document.text), "2025-07-01T00:00:00+00:00")
            if (i + 1) % 2000 == 0:
                print(f"  generated {i + 1} documents ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        store.execute("ANALYZE")
        store.commit()
        return store.counts()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db: Path, cache_ttl: float) -> tuple[str, Callable[[], None]]:
    import uvicorn

    from parley.web.app import create_app

    port = free_port()
    app = create_app(str(db), cache_ttl=cache_ttl)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{port}", stop


def endpoints(db: Path, pages: bool) -> list[tuple[str, Callable[[random.Random], str]]]:
    """(name, url maker) pairs; each maker varies its request's parameters."""
    from urllib.parse import quote

    from parley.store.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        doc_ids = [r["id"] for r in store.query("SELECT id FROM documents ORDER BY id LIMIT 2000")]
        speakers = [r["speaker"] for r in store.query(
            "SELECT speaker FROM quotes WHERE speaker IS NOT NULL GROUP BY speaker ORDER BY COUNT(*) DESC LIMIT 50")]
        actor_ids = [r["id"] for r in store.query("SELECT id FROM actors ORDER BY id")]
    parties = [c for c, _ in COUNTRIES[:8]]
    words = ["ceasefire", "grain corridor", "prisoners", "nuclear plant", "guarantees", "referendum"]
    pick = random.Random.choice

    def year(rng: random.Random) -> str:
        y = rng.choice([2022, 2023, 2024, 2025])
        return f"from={y}-01-01&to={y}-12-31"

    def pages_of(path: str, step: int, top: int) -> Callable[[random.Random], str]:
        return lambda r: f"{path}?offset={r.randrange(0, top, step)}"

    api: list[tuple[str, Callable[[random.Random], str]]] = [
        ("GET /api/v1/", lambda r: "/api/v1/"),
        ("GET /api/v1/facets", lambda r: "/api/v1/facets"),
        ("GET /api/v1/timeline", pages_of("/api/v1/timeline", 50, 500)),
        ("GET /api/v1/timeline?party", lambda r: f"/api/v1/timeline?party={pick(r, parties)}"),
        ("GET /api/v1/timeline?type&from&to",
         lambda r: f"/api/v1/timeline?type={pick(r, ['CONSULT', 'AGREE'])}&{year(r)}"),
        ("GET /api/v1/timeline?topic", lambda r: f"/api/v1/timeline?topic={pick(r, list(TOPICS))}"),
        ("GET /api/v1/timeline?source",
         lambda r: f"/api/v1/timeline?source=synthetic/{r.randint(2022, 2025)}/0{r.randint(1, 6)}"),
        ("GET /api/v1/timeline/counts", lambda r: "/api/v1/timeline/counts"),
        ("GET /api/v1/timeline/counts?party", lambda r: f"/api/v1/timeline/counts?party={pick(r, parties)}"),
        ("GET /api/v1/events?party",
         lambda r: f"/api/v1/events?party={pick(r, parties)}&offset={r.randrange(0, 200, 50)}"),
        ("GET /api/v1/network", lambda r: "/api/v1/network"),
        ("GET /api/v1/network?from&to", lambda r: f"/api/v1/network?{year(r)}"),
        ("GET /api/v1/network/edge", lambda r: "/api/v1/network/edge?a={}&b={}".format(*r.sample(parties, 2))),
        ("GET /api/v1/positions?topic", lambda r: f"/api/v1/positions?topic={pick(r, list(TOPICS))}"),
        ("GET /api/v1/positions/matrix", lambda r: "/api/v1/positions/matrix"),
        ("GET /api/v1/positions/matrix?to", lambda r: f"/api/v1/positions/matrix?to={r.randint(2022, 2025)}-06-30"),
        ("GET /api/v1/proposals", pages_of("/api/v1/proposals", 20, 200)),
        ("GET /api/v1/quotes?q", lambda r: f"/api/v1/quotes?q={quote(pick(r, words))}"),
        ("GET /api/v1/quotes?speaker", lambda r: f"/api/v1/quotes?speaker={quote(pick(r, speakers))}"),
        ("GET /api/v1/documents", pages_of("/api/v1/documents", 50, 1000)),
        ("GET /api/v1/documents?q", lambda r: f"/api/v1/documents?q={quote(pick(r, words))}"),
        ("GET /api/v1/documents/{id}", lambda r: f"/api/v1/documents/{pick(r, doc_ids)}"),
        ("GET /api/v1/actors", pages_of("/api/v1/actors", 50, 200)),
        ("GET /api/v1/actors/{id}", lambda r: f"/api/v1/actors/{quote(pick(r, actor_ids), safe='')}"),
        ("GET /api/v1/actors/{id} (party)", lambda r: f"/api/v1/actors/{pick(r, parties)}"),
    ]
    if pages:
        api += [
            ("page /timeline", lambda r: "/timeline"),
            ("page /network", lambda r: "/network"),
            ("page /positions", lambda r: "/positions"),
            ("page /plans", lambda r: "/plans"),
            ("page /quotes?q", lambda r: f"/quotes?q={quote(pick(r, words))}"),
            ("page /documents/{id}", lambda r: f"/documents/{pick(r, doc_ids)}"),
            ("page /actors/{id}", lambda r: f"/actors/{pick(r, parties)}"),
        ]
    return api


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def measure(base: str, plan: list[tuple[str, Callable[[random.Random], str]]], requests: int, warmup: int
            ) -> Iterator[dict[str, Any]]:
    import httpx

    rng = random.Random(3)
    with httpx.Client(base_url=base, timeout=60) as client:
        for name, make in plan:
            for _ in range(warmup):
                client.get(make(rng))
            times = []
            for _ in range(requests):
                url = make(rng)
                t0 = time.perf_counter()
                r = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {r.status_code} {r.text[:200]}")
            yield {"endpoint": name, "n": requests, "p50_ms": round(statistics.median(times), 1),
                   "p95_ms": round(percentile(times, 0.95), 1), "max_ms": round(max(times), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000, help="documents to generate (default 20,000)")
    parser.add_argument("--db", help="SQLite file (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="time the existing --db without generating")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per endpoint (default 60)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--pages", action="store_true", help="time the HTML pages too")
    parser.add_argument("--cache-ttl", type=float, default=60.0,
                        help="the app's aggregate cache in seconds (default 60, as served); 0: every request cold")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    tmp = None
    if args.db:
        db = Path(args.db)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="parley-latency-"))
        db = tmp / "latency.db"
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        t0 = time.perf_counter()
        counts = build(db, args.docs)
        print(f"generated in {time.perf_counter() - t0:.0f} s: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
              file=sys.stderr)
    base, stop = serve(db, args.cache_ttl)
    try:
        rows = list(measure(base, endpoints(db, args.pages), args.requests, args.warmup))
    finally:
        stop()
    width = max(len(r["endpoint"]) for r in rows)
    print(f"{'endpoint':{width}}  {'p50 ms':>8}  {'p95 ms':>8}  {'max ms':>8}")
    for r in rows:
        flag = "" if r["p95_ms"] < 100 else "  > 100 ms"
        print(f"{r['endpoint']:{width}}  {r['p50_ms']:8.1f}  {r['p95_ms']:8.1f}  {r['max_ms']:8.1f}{flag}")
    if args.json:
        Path(args.json).write_text(json.dumps({"docs": args.docs, "db": str(db), "cache_ttl": args.cache_ttl,
                                               "results": rows}, indent=1))
    if tmp is not None and not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    elif tmp is not None:
        print(f"database kept at {db}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
