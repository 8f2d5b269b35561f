"""The JSON API, version 1: one endpoint per view, all read-only.

Lists take `limit` / `offset` and answer `{items, total, limit, offset, next_offset}` (`total` is null
for full-text search results, which are not counted); `format=csv` or `format=jsonl` downloads the whole
filtered list instead (or `limit` rows of it when a limit is given). Dates are ISO strings; `from` and
`to` compare with an item's own date, else its report's publication date. The OpenAPI document is at
/api/v1/openapi.json.

Parameters are checked before any query runs (web/params.py): `offset` and other integers are bounded,
dates must be real calendar dates, full-text queries have at most 500 characters and 32 words; anything
else is a 422 naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import AfterValidator

from parley.store.base import Store
from parley.web import queries as Q
from parley.web.app import Stores
from parley.web.downloads import MAX_ROWS, download
from parley.web.params import MAX_COUNT, MAX_OFFSET, MAX_QUERY_CHARS, MAX_QUERY_TERMS, iso_date, search_text

router = APIRouter(prefix="/api/v1", tags=["v1"])

DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
Format = Literal["json", "csv", "jsonl"]
FormatQ = Annotated[Format, Query(description="json (one page), or csv / jsonl: download the whole filtered list")]
LimitQ = Annotated[int | None, Query(ge=1, le=MAX_ROWS, description="rows: a page (json, at most 500, default"
                                                                   " 50) or a download's cap")]
OffsetQ = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip")]
FromQ = Annotated[str | None, Query(alias="from", pattern=DATE, description="earliest date, YYYY[-MM[-DD]]"),
                  AfterValidator(iso_date)]
ToQ = Annotated[str | None, Query(alias="to", pattern=DATE, description="latest date, YYYY[-MM[-DD]]"),
                AfterValidator(iso_date)]
SEARCH_BOUNDS = f"at most {MAX_QUERY_CHARS} characters and {MAX_QUERY_TERMS} words"
MAX_PAGE = 500


def stores_of(request: Request) -> Stores:
    stores: Stores = request.app.state.stores
    return stores


def listing(request: Request, name: str, fmt: str, limit: int | None, offset: int,
            fetch: Callable[[Store, int, int], Any], default_limit: int = 50) -> Any:
    """A list endpoint: one page as JSON, or the whole filtered list streamed as CSV or JSONL."""
    stores = stores_of(request)
    if fmt != "json":
        return download(stores, name, fmt, lambda s, n, o: fetch(s, n, o).items, limit, offset)
    with stores.use() as store:
        return fetch(store, page_limit(limit, default_limit), offset).as_json()


def page_limit(limit: int | None, default: int = 50) -> int:
    if limit is None:
        return default
    if limit > MAX_PAGE:
        raise HTTPException(422, f"limit: at most {MAX_PAGE} rows a page (use format=csv or jsonl for more)")
    return limit


async def filters(
    party: Annotated[str | None, Query(description="actor id or name (events: either side; quotes: the speaker;"
                                                   " positions: who holds it)")] = None,
    expand: Annotated[bool, Query(description="a country also covers its people and bodies")] = True,
    type: Annotated[str | None, Query(description="event type (PLOVER), e.g. CONSULT; events only")] = None,
    topic: Annotated[str | None, Query(description="topic or matrix column, e.g. ceasefire, neutrality_nato")] = None,
    source: Annotated[str | None, Query(description="text the report's source or URL contains")] = None,
    date_from: FromQ = None,
    date_to: ToQ = None,
    order: Annotated[Literal["asc", "desc"], Query(description="by date")] = "desc",
) -> Q.Filters:
    return Q.Filters(party=party or None, expand=expand, type=type or None, topic=topic or None,
                     source=source or None, date_from=date_from, date_to=date_to, order=order)


FiltersD = Annotated[Q.Filters, Depends(filters)]


def resolved(store: Store, f: Q.Filters) -> Q.Filters:
    f.parties = Q.party_ids(store, f.party, f.expand) if f.party else []
    return f


@router.get("/", summary="Endpoints and database counts")
def index(request: Request) -> dict[str, Any]:
    with stores_of(request).use() as store:
        counts = Q.counts(store)
    paths = sorted(p for p in request.app.openapi()["paths"] if p.startswith("/api/v1/"))
    return {"version": "v1", "counts": counts, "endpoints": paths, "openapi": "/api/v1/openapi.json"}


@router.get("/facets", summary="Values for filter forms: event types, topics, kinds, active parties")
def facets(request: Request) -> dict[str, Any]:
    stores = stores_of(request)
    with stores.use() as store:
        return stores.cached(store, ("facets",), lambda: Q.facets(store))


@router.get("/timeline", summary="Events, quotes and positions over time")
def timeline(request: Request, f: FiltersD,
             kind: Annotated[list[Literal["event", "quote", "position"]] | None,
                             Query(description="item kinds (repeatable); default all")] = None,
             limit: LimitQ = None, offset: OffsetQ = 0, format: FormatQ = "json") -> Any:
    f.kinds = tuple(kind) if kind else Q.TIMELINE_KINDS
    stores = stores_of(request)
    if format != "json":
        def fetch(store: Store, n: int, o: int) -> list[dict[str, Any]]:
            return Q.timeline(store, resolved(store, f), n, o, count=False).items

        return download(stores, "timeline", format, fetch, limit, offset)
    with stores.use() as store:
        return Q.timeline(store, resolved(store, f), page_limit(limit), offset).as_json()


@router.get("/timeline/counts", summary="Dated timeline items per month and kind (for the chart)")
def timeline_counts(request: Request, f: FiltersD,
                    kind: Annotated[list[Literal["event", "quote", "position"]] | None, Query()] = None
                    ) -> dict[str, Any]:
    f.kinds = tuple(kind) if kind else Q.TIMELINE_KINDS
    stores = stores_of(request)
    with stores.use() as store:
        f = resolved(store, f)
        periods = stores.cached(store, ("timeline_counts", Q.filters_key(f)), lambda: Q.timeline_counts(store, f))
        return {"bucket": "month", "kinds": list(f.kinds), "periods": periods}


@router.get("/events", summary="Events (PLOVER types) with their actors and evidence")
def events(request: Request, f: FiltersD, limit: LimitQ = None, offset: OffsetQ = 0,
           format: FormatQ = "json") -> Any:
    return listing(request, "events", format, limit, offset, lambda s, n, o: Q.events(s, resolved(s, f), n, o))


@router.get("/network", summary="Contact network: actor pairs sharing events, weighted by count")
def network(request: Request,
            types: Annotated[list[str] | None, Query(description="event types (repeatable); default "
                                                                 + ", ".join(Q.CONTACT_TYPES))] = None,
            date_from: FromQ = None, date_to: ToQ = None,
            min_weight: Annotated[int, Query(ge=1, le=MAX_COUNT, description="fewest shared events an edge needs")
                                  ] = 1,
            limit: LimitQ = None, offset: OffsetQ = 0, format: FormatQ = "json") -> Any:
    chosen = types or list(Q.CONTACT_TYPES)
    stores = stores_of(request)
    if format != "json":
        return download(stores, "network", format,
                        lambda s, n, o: Q.network(s, chosen, date_from, date_to, n, o, min_weight)["edges"],
                        limit, offset)
    n = page_limit(limit, 200)
    with stores.use() as store:
        return stores.cached(store, ("network", tuple(chosen), date_from, date_to, n, offset, min_weight),
                             lambda: Q.network(store, chosen, date_from, date_to, n, offset, min_weight))


@router.get("/network/edge", summary="The events and reports behind one edge of the network")
def network_edge(request: Request, a: Annotated[str, Query(description="actor id")],
                 b: Annotated[str, Query(description="actor id")],
                 types: Annotated[list[str] | None, Query()] = None, date_from: FromQ = None, date_to: ToQ = None,
                 limit: LimitQ = None, offset: OffsetQ = 0, format: FormatQ = "json") -> Any:
    chosen = types or list(Q.CONTACT_TYPES)
    stores = stores_of(request)
    if format != "json":
        return download(stores, "edge", format,
                        lambda s, n, o: Q.edge_events(s, a, b, chosen, date_from, date_to, n, o).items,
                        limit, offset)
    with stores.use() as store:
        names = Q.actor_rows(store, [a, b])
        page = Q.edge_events(store, a, b, chosen, date_from, date_to, page_limit(limit), offset)
        return page.as_json(a=Q.actor_ref(names, a), b=Q.actor_ref(names, b), types=chosen)


@router.get("/positions", summary="Stated positions (condition, red line, offer, rejection, ...)")
def positions(request: Request, f: FiltersD,
              kind: Annotated[str | None, Query(description="position kind, e.g. red_line")] = None,
              limit: LimitQ = None, offset: OffsetQ = 0, format: FormatQ = "json") -> Any:
    f.position_kind = kind or None
    return listing(request, "positions", format, limit, offset,
                   lambda s, n, o: Q.list_positions(s, resolved(s, f), n, o))


@router.get("/positions/matrix", summary="Parties by topics: each party's latest position and its changes")
def positions_matrix(request: Request,
                     party: Annotated[list[str] | None, Query(description="rows (repeatable); default the"
                                                                          " most active parties")] = None,
                     topic: Annotated[list[str] | None, Query(description="columns (repeatable), e.g."
                                                                          " neutrality_nato")] = None,
                     date_from: FromQ = None, date_to: ToQ = None,
                     rollup: Annotated[bool, Query(description="count what a country's people and bodies"
                                                               " state as the country's position")] = True,
                     max_parties: Annotated[int, Query(ge=1, le=100)] = 15,
                     format: FormatQ = "json") -> Any:
    stores = stores_of(request)
    key = ("matrix", tuple(party or ()), tuple(topic or ()), date_from, date_to, rollup, max_parties)
    with stores.use() as store:
        matrix = stores.cached(store, key, lambda: Q.positions_matrix(store, party or [], topic or [], date_from,
                                                                       date_to, rollup, max_parties))
    if format == "json":
        return matrix
    cells = [{"party": row["party"], "column": key, **cell["latest"], "count": cell["count"],
              "changes": cell["changes"], "trajectory": cell["trajectory"]}
             for row in matrix["rows"] for key, cell in row["cells"].items() if cell]
    return download(stores, "positions-matrix", format, lambda s, n, o: cells[o:o + n], None, 0)


@router.get("/proposals", summary="Peace plans: ordered steps, proposer and the parties' reactions")
def proposals(request: Request,
              proposer: Annotated[str | None, Query(description="actor id or name")] = None,
              q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS,
                                             description="text the plan's name or evidence contains")] = None,
              limit: LimitQ = None, offset: OffsetQ = 0, format: FormatQ = "json") -> Any:
    return listing(request, "proposals", format, limit, offset, lambda s, n, o: Q.proposals(s, proposer, q, n, o),
                   default_limit=20)


@router.get("/quotes", summary="Full-text search over quotes, optionally by speaker")
def quotes(request: Request,
           q: Annotated[str, Query(max_length=MAX_QUERY_CHARS, description=f"words to find (all of them);"
                                                                         f" {SEARCH_BOUNDS}"),
                        AfterValidator(search_text)] = "",
           speaker: Annotated[str | None, Query(description="actor id or name")] = None,
           limit: LimitQ = None, offset: OffsetQ = 0, format: FormatQ = "json") -> Any:
    return listing(request, "quotes", format, limit, offset, lambda s, n, o: Q.search_quotes(s, q, speaker, n, o))


@router.get("/documents", summary="Reports: full-text search (q) or newest first, with filters")
def documents(request: Request,
              q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS, description=f"words to find; {SEARCH_BOUNDS}"),
                           AfterValidator(search_text)] = None,
              source: Annotated[str | None, Query(description="text the source or URL contains")] = None,
              date_from: FromQ = None, date_to: ToQ = None, limit: LimitQ = None, offset: OffsetQ = 0,
              format: FormatQ = "json") -> Any:
    return listing(request, "documents", format, limit, offset,
                   lambda s, n, o: Q.list_documents(s, q, source, date_from, date_to, n, o))


@router.get("/documents/{doc_id}", summary="One report: cleaned text, removed boilerplate, every extracted span")
def document(request: Request, doc_id: str) -> dict[str, Any]:
    with stores_of(request).use() as store:
        view = Q.document_view(store, doc_id)
    if view is None:
        raise HTTPException(404, "no such document")
    return view


@router.get("/actors", summary="Actors with their activity counts")
def actors(request: Request, q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS,
                                                           description="text the name, id or an alias contains")
                                          ] = None,
           type: Annotated[Literal["PERSON", "ORG", "COUNTRY", "GROUP"] | None, Query()] = None,
           limit: LimitQ = None, offset: OffsetQ = 0, format: FormatQ = "json") -> Any:
    return listing(request, "actors", format, limit, offset, lambda s, n, o: Q.list_actors(s, q, type, n, o))


@router.get("/actors/{actor_id:path}", summary="One actor: roles over time, aliases, quotes, events, positions")
def actor(request: Request, actor_id: str) -> dict[str, Any]:
    stores = stores_of(request)
    with stores.use() as store:
        view = stores.cached(store, ("actor", actor_id), lambda: Q.actor_view(store, actor_id))
    if view is None:
        raise HTTPException(404, "no such actor")
    return view
