"""The HTML pages: server-rendered views over the same queries as the API.

Every page reads fully without JavaScript (tables, links, forms with GET); the timeline chart and the
network graph are extras drawn by static scripts from the JSON API. Templates are autoescaped, and the
only markup built in Python is the evidence view's highlighting (web/evidence.py), which escapes each
piece of text itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from parley.records import PLOVER_TYPES, POSITION_KINDS
from parley.web import queries as Q
from parley.web.app import Stores, vendor_available
from parley.web.evidence import KIND_NAMES, highlight, snippet_html
from parley.web.params import MAX_OFFSET, iso_date, search_text

router = APIRouter(include_in_schema=False)
PAGE = 50


def safe_url(url: str | None) -> str | None:
    """A report's own URL as a link only when it is http(s): scraped data may say javascript:..."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                      autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["urlq"] = lambda value: quote(str(value), safe="")
    env.filters["pretty"] = lambda value: str(value or "").replace("_", " ")
    env.globals["safe_url"] = safe_url
    env.globals["actor_url"] = Q.actor_url
    env.globals["kind_names"] = KIND_NAMES
    return env


templates = Jinja2Templates(env=_env())


def stores_of(request: Request) -> Stores:
    stores: Stores = request.app.state.stores
    return stores


def arg(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value.strip() if value and value.strip() else None


def args(request: Request, name: str) -> list[str]:
    return [v.strip() for v in request.query_params.getlist(name) if v.strip()]


def date_arg(request: Request, name: str) -> str | None:
    """A date filter from a form: one that is not a real date is left out (the page still renders)."""
    value = arg(request, name)
    try:
        return iso_date(value)
    except ValueError:
        return None


def search_arg(request: Request, name: str = "q") -> str | None:
    """Full-text search words; too long a query is a 422 page saying the bound (see web/params.py)."""
    value = arg(request, name)
    try:
        return search_text(value)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


def int_arg(request: Request, name: str, default: int, lo: int = 0, hi: int = MAX_OFFSET) -> int:
    try:
        return max(lo, min(hi, int(request.query_params.get(name, default))))
    except ValueError:
        return default


def bool_arg(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    return value.lower() in ("1", "true", "on", "yes")


def query_string(request: Request, drop: tuple[str, ...] = (), **changes: Any) -> str:
    """The current query with some parameters changed (None removes one) and empty ones dropped."""
    items = [(k, v) for k, v in request.query_params.multi_items() if v != "" and k not in changes and k not in drop]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            items += [(key, str(v)) for v in value]
        else:
            items.append((key, str(value)))
    return urlencode(items)


def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    def url_with(**changes: Any) -> str:
        qs = query_string(request, **changes)
        return request.url.path + ("?" + qs if qs else "")

    def api_url(path: str, fmt: str | None = None, drop: tuple[str, ...] = ("offset", "limit", "focus")) -> str:
        qs = query_string(request, drop=drop, format=fmt)
        return "/api/v1" + path + ("?" + qs if qs else "")

    context.update(url_with=url_with, api_url=api_url, vendor=vendor_available(), path=request.url.path)
    return templates.TemplateResponse(request, name, context, status_code=status)


def not_found(request: Request, what: str) -> Response:
    return render(request, "error.html", status=404, title="Not found", message=f"No such {what}.")


def page_filters(request: Request) -> Q.Filters:
    order = arg(request, "order")
    return Q.Filters(party=arg(request, "party"), expand=bool_arg(request, "expand", True), type=arg(request, "type"),
                     topic=arg(request, "topic"), source=arg(request, "source"), date_from=date_arg(request, "from"),
                     date_to=date_arg(request, "to"), order="asc" if order == "asc" else "desc")


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    stores = stores_of(request)
    with stores.use() as store:
        counts = Q.counts(store)
        latest = Q.list_documents(store, limit=8).items
        facets = stores.cached(store, ("facets",), lambda: Q.facets(store))
    return render(request, "index.html", title="Overview", counts=counts, latest=latest,
                  parties=facets["parties"][:24])


@router.get("/timeline", response_class=HTMLResponse)
def timeline(request: Request) -> Response:
    f = page_filters(request)
    kinds = [k for k in args(request, "kind") if k in Q.TIMELINE_KINDS]
    f.kinds = tuple(kinds) or Q.TIMELINE_KINDS
    offset = int_arg(request, "offset", 0)
    stores = stores_of(request)
    with stores.use() as store:
        f.parties = Q.party_ids(store, f.party, f.expand) if f.party else []
        page = Q.timeline(store, f, PAGE, offset)
        facets = stores.cached(store, ("facets",), lambda: Q.facets(store))
    return render(request, "timeline.html", title="Timeline", page=page, f=f, kinds=kinds, facets=facets)


@router.get("/network", response_class=HTMLResponse)
def network(request: Request) -> Response:
    types = [t for t in args(request, "types") if t in PLOVER_TYPES] or list(Q.CONTACT_TYPES)
    date_from, date_to = date_arg(request, "from"), date_arg(request, "to")
    min_weight = int_arg(request, "min_weight", 1, lo=1)
    stores = stores_of(request)
    with stores.use() as store:
        graph = stores.cached(store, ("network", tuple(types), date_from, date_to, 200, 0, min_weight),
                              lambda: Q.network(store, types, date_from, date_to, 200, 0, min_weight))
    return render(request, "network.html", title="Contact network", graph=graph, types=types,
                  all_types=PLOVER_TYPES, date_from=date_from, date_to=date_to, min_weight=min_weight)


@router.get("/network/edge", response_class=HTMLResponse)
def network_edge(request: Request) -> Response:
    a, b = arg(request, "a"), arg(request, "b")
    if not a or not b:
        return RedirectResponse("/network", status_code=303)
    types = [t for t in args(request, "types") if t in PLOVER_TYPES] or list(Q.CONTACT_TYPES)
    offset = int_arg(request, "offset", 0)
    with stores_of(request).use() as store:
        names = Q.actor_rows(store, [a, b])
        page = Q.edge_events(store, a, b, types, date_arg(request, "from"), date_arg(request, "to"), PAGE, offset)
    return render(request, "edge.html", title="Contacts", page=page, a=Q.actor_ref(names, a),
                  b=Q.actor_ref(names, b), types=types)


@router.get("/positions", response_class=HTMLResponse)
def positions(request: Request) -> Response:
    parties = [p for v in args(request, "party") for p in v.split(",") if p.strip()]
    topics = args(request, "topic")
    rollup = bool_arg(request, "rollup", True)
    parties = [p.strip() for p in parties]
    date_from, date_to = date_arg(request, "from"), date_arg(request, "to")
    max_parties = int_arg(request, "max_parties", 15, 1, 100)
    key = ("matrix", tuple(parties), tuple(topics), date_from, date_to, rollup, max_parties)
    stores = stores_of(request)
    with stores.use() as store:
        matrix = stores.cached(store, key, lambda: Q.positions_matrix(store, parties, topics, date_from, date_to,
                                                                       rollup, max_parties))
        facets = stores.cached(store, ("facets",), lambda: Q.facets(store))
    return render(request, "positions.html", title="Positions", matrix=matrix, facets=facets, parties=parties,
                  topics=topics, rollup=rollup, kinds=POSITION_KINDS)


@router.get("/plans", response_class=HTMLResponse)
def plans(request: Request) -> Response:
    offset = int_arg(request, "offset", 0)
    with stores_of(request).use() as store:
        page = Q.proposals(store, arg(request, "proposer"), arg(request, "q"), 20, offset)
    return render(request, "plans.html", title="Plans", page=page)


@router.get("/quotes", response_class=HTMLResponse)
def quotes(request: Request) -> Response:
    q = search_arg(request) or ""
    speaker = arg(request, "speaker")
    offset = int_arg(request, "offset", 0)
    with stores_of(request).use() as store:
        page = Q.search_quotes(store, q, speaker, PAGE, offset)
        articles = Q.list_documents(store, q, limit=10) if q else None
        speakers = stores_of(request).cached(store, ("speakers",), lambda: Q.speakers(store))
    return render(request, "quotes.html", title="Quotes", page=page, q=q, speaker=speaker, speakers=speakers,
                  articles=articles, snippet_html=snippet_html)


@router.get("/documents", response_class=HTMLResponse)
def documents(request: Request) -> Response:
    offset = int_arg(request, "offset", 0)
    q = search_arg(request)
    with stores_of(request).use() as store:
        page = Q.list_documents(store, q, arg(request, "source"), date_arg(request, "from"),
                                date_arg(request, "to"), PAGE, offset)
    return render(request, "documents.html", title="Reports", page=page, q=q, snippet_html=snippet_html)


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document(request: Request, doc_id: str) -> Response:
    focus = arg(request, "focus")
    with stores_of(request).use() as store:
        view = Q.document_view(store, doc_id)
    if view is None:
        return not_found(request, "document")
    body = highlight(view["text"], view["spans"], focus)
    focused = next((s for s in view["spans"] if s["anchor"] == focus), None)
    facts = [s for s in view["spans"] if s["kind"] != "mention"]
    return render(request, "document.html", title=view["title"] or view["source"], doc=view, body=body,
                  focused=focused, facts=facts)


@router.get("/actors", response_class=HTMLResponse)
def actors(request: Request) -> Response:
    offset = int_arg(request, "offset", 0)
    type_ = arg(request, "type")
    with stores_of(request).use() as store:
        page = Q.list_actors(store, arg(request, "q"), type_, PAGE, offset)
    return render(request, "actors.html", title="Actors", page=page, type_=type_)


@router.get("/actors/{actor_id:path}", response_class=HTMLResponse)
def actor(request: Request, actor_id: str) -> Response:
    stores = stores_of(request)
    with stores.use() as store:
        view = stores.cached(store, ("actor", actor_id), lambda: Q.actor_view(store, actor_id))
    if view is None:
        return not_found(request, "actor")
    return render(request, "actor.html", title=view["actor"]["name"], v=view)


@router.get("/api", response_class=HTMLResponse)
def api_reference(request: Request) -> Response:
    spec = request.app.openapi()
    endpoints = []
    for path, methods in sorted(spec["paths"].items()):
        for method, op in methods.items():
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "description": p.get("description") or p.get("schema", {}).get("description", "")}
                      for p in op.get("parameters", [])]
            endpoints.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                              "params": params})
    return render(request, "api.html", title="API", endpoints=endpoints, version=spec["info"]["version"])
