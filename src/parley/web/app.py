"""`parley serve`: the web workbench and its JSON API over one database.

    app = create_app("parley.db")          # or a postgresql:// URL
    uvicorn.run(app, host="127.0.0.1", port=8000)

Pages are rendered on the server (Jinja2, autoescaped) and read fine with JavaScript off; the charts and
the contact network are drawn in the browser from the JSON API by libraries installed with npm into
`web/node_modules` (`npm ci --prefix src/parley/web`) and served from here, never from a CDN. Without
node_modules the pages still work, only the charts are missing; the vendor folders are looked up on every
request, so an `npm ci` run while the server is up takes effect without a restart.

HEAD is answered like GET without the body, on every path. Errors are JSON under /api/ and the HTML
error page everywhere else.

Each worker thread gets its own store connection (SQLite connections are not shared across threads);
all of them are closed when the app shuts down.
"""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from contextlib import asynccontextmanager, contextmanager
from http import HTTPStatus
from pathlib import Path
from typing import TypeVar

from fastapi import FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley import __version__
from parley.store.base import Store
from parley.web.cache import ResultCache

T = TypeVar("T")

HERE = Path(__file__).parent
STATIC = HERE / "static"
NODE_MODULES = HERE / "node_modules"
# npm package -> the folder of it served at /static/vendor/<package>/
VENDOR = {"chart.js": "dist", "cytoscape": "dist"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOCAL_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
       " font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


class Stores:
    """One store per worker thread, opened on first use; `use()` ends any open read transaction after.

    `cached(store, key, compute)` keeps an aggregate's result (see web/cache.py)."""

    def __init__(self, db: str, cache_ttl: float = 60.0) -> None:
        self.db = db
        self.cache = ResultCache(ttl=cache_ttl)
        self._local = threading.local()
        self._opened: list[Store] = []
        self._lock = threading.Lock()

    def _open(self) -> Store:
        if self.db.startswith(("postgresql://", "postgres://")):
            from parley.store import open_store

            return open_store(self.db)
        from parley.store.sqlite import SQLiteStore

        return SQLiteStore(self.db, check_same_thread=False)

    def get(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None or store.conn is None:
            store = self._open()
            self._local.store = store
            with self._lock:
                self._opened.append(store)
        return store

    @contextmanager
    def use(self) -> Iterator[Store]:
        store = self.get()
        try:
            yield store
        finally:
            if store.conn is not None:
                store.commit()  # a server backend would otherwise sit idle in a transaction

    def cached(self, store: Store, key: Hashable, compute: Callable[[], T]) -> T:
        return self.cache.get(store, key, compute)

    def close(self) -> None:
        with self._lock:
            for store in self._opened:
                store.close()
            self._opened.clear()


class Guard:
    """Security headers on every response; any write method needs the token (none configured: refused)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and not self.authorised(Headers(scope=scope)):
            status = 401 if self.token else 403
            detail = "a valid token is required" if self.token else "this server is read-only (no token set)"
            response = JSONResponse({"detail": detail}, status_code=status,
                                    headers={"www-authenticate": "Bearer"} if self.token else None)
            await response(scope, receive, self.with_headers(send))
            return
        await self.app(scope, receive, self.with_headers(send))

    def authorised(self, headers: Headers) -> bool:
        if not self.token:
            return False
        given = headers.get("authorization", "")
        given = given[7:] if given.lower().startswith("bearer ") else headers.get("x-parley-token", "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    @staticmethod
    def with_headers(send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    if key not in headers:
                        headers[key] = value
            await send(message)

        return wrapped


class HeadAsGet:
    """HEAD runs the GET handler and drops the body (RFC 9110 9.3.2).

    FastAPI routes declared with @get answer HEAD with 405, which breaks link checkers and monitors;
    doing it here covers every page, API path and static file at once. The headers, Content-Length
    included, are those of the GET."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


class VendorFiles(StaticFiles):
    """An npm package's folder, which may not exist yet: looked up per request, a 404 while missing.

    Plain StaticFiles checks its folder once, on the first request, and fails with a 500 if it is
    absent; mounting only the folders present at startup meant charts stayed 404 after `npm ci`."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, check_dir=False)

    async def check_config(self) -> None:
        return None


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def create_app(db: str, token: str | None = None, allowed_hosts: list[str] | None = None,
               cache_ttl: float | None = None) -> FastAPI:
    """The web app over the database at `db` (SQLite path or postgresql:// URL).

    `token` (default: env PARLEY_TOKEN) is required by write requests; `allowed_hosts` (default: the
    loopback names plus env PARLEY_ALLOWED_HOSTS, comma-separated, '*' for any) guards against DNS
    rebinding when the server is bound to 127.0.0.1; `cache_ttl` (default: env PARLEY_CACHE_TTL, else
    60 seconds; 0 turns it off) bounds how long an aggregate view's result is reused."""
    from parley.web import api, pages

    token = token or os.environ.get("PARLEY_TOKEN") or None
    if allowed_hosts is None:
        extra = [h.strip() for h in os.environ.get("PARLEY_ALLOWED_HOSTS", "").split(",") if h.strip()]
        allowed_hosts = LOCAL_HOSTS + extra
    if cache_ttl is None:
        cache_ttl = float(os.environ.get("PARLEY_CACHE_TTL", "60"))
    stores = Stores(db, cache_ttl)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        stores.close()

    app = FastAPI(
        title="Parley",
        version=__version__,
        description="Evidence-linked record of a war's diplomacy: events, contacts, positions, plans and "
                    "quotes extracted from news reports, each with the span of the report it came from.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN; /api lists the endpoints instead
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.stores = stores
    app.state.token = token
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # one format per audience: API clients parse JSON, a browser on a page path gets a page
        if is_api(request.url.path):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        try:
            phrase = HTTPStatus(exc.status_code).phrase
        except ValueError:
            phrase = "Error"
        message = {404: "No such page.", 405: "This page cannot be used that way."}.get(exc.status_code,
                                                                                       str(exc.detail))
        response = pages.render(request, "error.html", status=exc.status_code, title=phrase, message=message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    for package, folder in VENDOR.items():
        # mounted whether or not the folder exists yet (see VendorFiles)
        app.mount(f"/static/vendor/{package}", VendorFiles(NODE_MODULES / package / folder),
                  name=f"vendor-{package}")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if "*" not in allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.add_middleware(HeadAsGet)
    app.add_middleware(Guard, token=token)  # outermost: its headers go on every response
    return app


def vendor_available() -> dict[str, bool]:
    return {package: (NODE_MODULES / package / folder).is_dir() for package, folder in VENDOR.items()}
