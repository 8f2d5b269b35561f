"""Resolve stage, time: turn 'yesterday', 'on Saturday', 'last week', 'February 24' into dates.

Everything is relative to the publication date. The precision is kept: a full date ('2022-05-19'), a
month ('2022-05') or a year ('2014'). With no publication date only expressions that carry their own
year resolve; the rest stay null rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                        "sunday"])}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_PATTERNS = [
    ("iso", re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")),
    ("day_month_year", re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)? " + _MONTH + r",? (?P<year>(?:19|20)\d\d)\b",
                                  re.I)),
    ("month_day_year", re.compile(_MONTH + r" (?P<day>\d{1,2})(?:st|nd|rd|th)?,? (?P<year>(?:19|20)\d\d)\b", re.I)),
    ("month_day", re.compile(_MONTH + r" (?P<day>\d{1,2})(?:st|nd|rd|th)?\b", re.I)),
    ("day_month", re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)? " + _MONTH + r"\b", re.I)),
    ("month_year", re.compile(_MONTH + r",? (?P<year>(?:19|20)\d\d)\b", re.I)),
    ("yesterday", re.compile(r"\byesterday\b", re.I)),
    ("today", re.compile(r"\b(?:today|this morning|this afternoon|tonight|earlier today)\b", re.I)),
    ("tomorrow", re.compile(r"\btomorrow\b", re.I)),
    ("weekday", re.compile(r"\b(?:(?P<rel>last|next|this) )?(?P<wd>monday|tuesday|wednesday|thursday|friday|"
                           r"saturday|sunday)\b", re.I)),
    ("last_week", re.compile(r"\blast week\b", re.I)),
    ("last_month", re.compile(r"\blast month\b", re.I)),
    ("last_year", re.compile(r"\blast year\b", re.I)),
    ("year", re.compile(r"\b(?:in|since|of|by) (?P<year>(?:19|20)\d\d)\b", re.I)),
]


@dataclass(frozen=True)
class ResolvedTime:
    text: str
    start: int  # offset in the text searched
    end: int
    date: str | None  # ISO, by precision
    precision: str | None  # day, month, year


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _infer_year(month: int, day: int, published: date | None) -> int | None:
    """A date without a year is the most recent such date on or before publication (news reports the past)."""
    if published is None:
        return None
    candidate = _safe_date(published.year, month, day)
    if candidate and candidate > published + timedelta(days=7):
        return published.year - 1
    return published.year


def resolve_time(text: str, published: date | None) -> ResolvedTime | None:
    """The first time expression in `text`, resolved against `published` where it is relative."""
    best: tuple[int, str, re.Match[str]] | None = None
    for kind, pattern in _PATTERNS:
        m = pattern.search(text)
        if m and (best is None or m.start() < best[2].start() or
                  (m.start() == best[2].start() and len(m.group(0)) > len(best[2].group(0)))):
            best = (m.start(), kind, m)
    if best is None:
        return None
    _, kind, m = best
    value, precision = _value(kind, m, published)
    return ResolvedTime(m.group(0), m.start(), m.end(), value, precision)


def _value(kind: str, m: re.Match[str], published: date | None) -> tuple[str | None, str | None]:
    g = m.groupdict()
    if kind == "iso":
        d = _safe_date(int(g["y"]), int(g["m"]), int(g["d"]))
        return (d.isoformat(), "day") if d else (None, None)
    if kind in {"day_month_year", "month_day_year"}:
        d = _safe_date(int(g["year"]), MONTHS[g["month"].lower()], int(g["day"]))
        return (d.isoformat(), "day") if d else (None, None)
    if kind in {"month_day", "day_month"}:
        month, day = MONTHS[g["month"].lower()], int(g["day"])
        year = _infer_year(month, day, published)
        d = _safe_date(year, month, day) if year else None
        return (d.isoformat(), "day") if d else (None, None)
    if kind == "month_year":
        return f"{int(g['year']):04d}-{MONTHS[g['month'].lower()]:02d}", "month"
    if kind == "year":
        return g["year"], "year"
    if published is None:
        return None, None
    if kind == "yesterday":
        return (published - timedelta(days=1)).isoformat(), "day"
    if kind == "today":
        return published.isoformat(), "day"
    if kind == "tomorrow":
        return (published + timedelta(days=1)).isoformat(), "day"
    if kind == "weekday":
        target = WEEKDAYS[g["wd"].lower()]
        if (g.get("rel") or "").lower() == "next":
            delta = (target - published.weekday()) % 7 or 7
            return (published + timedelta(days=delta)).isoformat(), "day"
        # 'on Saturday' in a report means the latest Saturday before publication
        delta = (published.weekday() - target) % 7 or 7
        return (published - timedelta(days=delta)).isoformat(), "day"
    if kind == "last_week":
        monday = published - timedelta(days=published.weekday() + 7)
        return monday.isoformat(), "week"
    if kind == "last_month":
        first = published.replace(day=1) - timedelta(days=1)
        return f"{first.year:04d}-{first.month:02d}", "month"
    if kind == "last_year":
        return str(published.year - 1), "year"
    return None, None
