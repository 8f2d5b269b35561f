"""Bounds and checks on request parameters, shared by the JSON API (422 answers) and the pages.

Every number that reaches SQL is bounded: SQLite binds integers as 64-bit and raises OverflowError past
2^63, and PostgreSQL's OFFSET is a bigint, so an unbounded `offset` turned a typo into a 500. Full-text
queries are bounded in length and in number of terms because the cost of an FTS match grows with the
terms times the rows each one matches: a common word repeated a thousand times took seconds.
"""

from __future__ import annotations

import re
from datetime import date

MAX_OFFSET = 1_000_000_000  # far beyond any real list, far below 2^63
MAX_COUNT = 1_000_000_000  # other integer parameters (min_weight)
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 32
DATE_SHAPE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def iso_date(value: str | None) -> str | None:
    """`value` when it is a real YYYY, YYYY-MM or YYYY-MM-DD date; ValueError otherwise.

    The shape alone let 2024-13-45 through, which then compared as text against stored dates."""
    if value is None:
        return None
    if not DATE_SHAPE.fullmatch(value):
        raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    year, _, rest = value.partition("-")
    month, _, day = rest.partition("-")
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError(f"no such date: {value!r}") from None
    return value


def search_text(value: str | None) -> str | None:
    """`value` when it is a full-text query of bounded size; ValueError saying the bound otherwise."""
    if value is None:
        return None
    if len(value) > MAX_QUERY_CHARS:
        raise ValueError(f"search text is {len(value)} characters; at most {MAX_QUERY_CHARS}")
    terms = len(value.split())
    if terms > MAX_QUERY_TERMS:
        raise ValueError(f"search text has {terms} words; at most {MAX_QUERY_TERMS}")
    return value
