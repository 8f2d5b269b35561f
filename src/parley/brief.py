"""A terminal briefing: per party, its latest positions, quotes and contacts, each with its source."""

from __future__ import annotations

import json
from collections import Counter

from parley.store.base import Store


def _clip(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def briefing(store: Store, party: str | None = None, limit: int = 5) -> str:
    actors = {a.id: a for a in store.actors()}
    docs = {r["id"]: r for r in store.query("SELECT id, title, source, published FROM documents")}
    activity: Counter[str] = Counter()
    for row in store.query("SELECT actor, COUNT(*) AS n FROM positions GROUP BY actor"):
        activity[row["actor"]] += row["n"] * 3
    for row in store.query("SELECT speaker AS actor, COUNT(*) AS n FROM quotes WHERE speaker IS NOT NULL"
                           " GROUP BY speaker"):
        activity[row["actor"]] += row["n"] * 2
    for row in store.query("SELECT actor, COUNT(*) AS n FROM event_actors GROUP BY actor"):
        activity[row["actor"]] += row["n"]
    if party:
        needle = party.lower()
        chosen = [a for a in actors.values() if needle in (a.id.lower(), a.name.lower())
                  or needle in (x.lower() for x in a.aliases)]
        order = [a.id for a in chosen]
    else:
        order = [a for a, _ in activity.most_common(12) if a in actors]
    if not order:
        return "Nothing stored yet: run `parley ingest PATH` first.\n" if not docs else "No such party.\n"

    def src(doc_id: str) -> str:
        d = docs.get(doc_id, {})
        return f"[{d.get('published') or 'undated'} {_clip(d.get('title') or d.get('source') or doc_id, 50)}]"

    out = [f"Parley briefing: {len(docs)} reports\n"]
    for actor_id in order:
        a = actors[actor_id]
        out.append("=" * 78)
        out.append(f"{a.name} ({a.type}{', ' + a.country if a.country else ''}){' - ' + a.role if a.role else ''}")
        positions = store.query("SELECT * FROM positions WHERE actor = ? ORDER BY date IS NULL, date DESC, doc LIMIT ?",
                                (actor_id, limit))
        if positions:
            out.append("  Positions:")
            for p in positions:
                evidence = _clip(p["evidence"], 90)
                out.append(f"    {p['position_kind']:<11} {p['topic']:<20} \u201c{evidence}\u201d {src(p['doc'])}")
        quotes = store.query("SELECT * FROM quotes WHERE speaker = ?"
                             " ORDER BY published IS NULL, published DESC, doc LIMIT ?", (actor_id, limit))
        if quotes:
            out.append("  Said:")
            out += [f"    \u201c{_clip(q['text'], 110)}\u201d {src(q['doc'])}" for q in quotes]
        contacts = store.query(
            "SELECT e.type, e.mode, e.date, e.doc, e.source, e.target FROM events e JOIN event_actors ea"
            " ON ea.event = e.id WHERE ea.actor = ? ORDER BY e.published IS NULL, e.published DESC LIMIT ?",
            (actor_id, limit))
        if contacts:
            out.append("  Did:")
            for e in contacts:
                parties = json.loads(e["source"]) + json.loads(e["target"])
                others = [actors[x].name if x in actors else x for x in parties if x != actor_id]
                out.append(f"    {e['type']:<9} {e['mode'] or '':<11} {', '.join(others) or '-'} "
                           f"{e['date'] or ''} {src(e['doc'])}")
    out.append("")
    return "\n".join(out)
