"""A small HTTP server for the trainers' page: static files plus a JSON API (stdlib only).

Why the standard library: the page must work in a training room with no internet and on a local
network (the game mode, issue 9), with nothing to build and no front-end fetched from a CDN.
``http.server.ThreadingHTTPServer`` serves a few requests per second from one room easily; the
page's HTML, JavaScript and CSS are package data under ``terrisim/ui/static``.

The server knows nothing about simulations. It dispatches ``/api/...`` requests to a
:class:`Router` (path patterns such as ``/api/sim/{sid}/step``) and serves ``/`` and
``/static/...`` from the static folder. Other front ends (the baskets game) add their own routes
with :meth:`Router.include`.

Every API answer is JSON. Errors are ``{"error": {"code": ..., "message": ...}}`` with a 4xx
status; the page shows ``message`` to the trainer.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 1_000_000
"""Largest request body accepted (JSON commands are a few hundred bytes)."""


class HTTPError(Exception):
    """An API error with an HTTP status and a short machine-readable code.

    Args:
        status: The HTTP status (400 bad input, 404 unknown, 409 stale or conflicting request).
        code: A stable identifier the client can test (``"unknown_session"``...).
        message: A human-readable explanation, shown to the user.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class Request:
    """An API request as handlers see it.

    Attributes:
        method: ``GET`` or ``POST``.
        path: The URL path, without the query string.
        params: Values of the ``{name}`` parts of the matched route pattern.
        query: Query-string parameters (last value wins).
        body: The decoded JSON body (an empty dict for a GET or an empty body).
        client: The client's address, for logs and (later) per-player checks.
    """

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    client: str = ""

    def arg(self, name: str, default: Any = None) -> Any:
        """A parameter from the JSON body, else from the query string, else ``default``."""
        if name in self.body:
            return self.body[name]
        return self.query.get(name, default)


Handler = Callable[[Request], Any]
"""A route handler: takes a :class:`Request`, returns a JSON-ready value (or raises HTTPError)."""

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass
class _Route:
    method: str
    pattern: str
    regex: re.Pattern[str]
    handler: Handler


class Router:
    """Maps ``(method, path pattern)`` to handlers; patterns hold ``{name}`` path parameters.

    Example:
        >>> r = Router()
        >>> @r.route("GET", "/api/hello/{name}")
        ... def hello(req): return {"hello": req.params["name"]}
        >>> r.dispatch(Request("GET", "/api/hello/élus"))
        (200, {'hello': 'élus'})
    """

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` requests whose path matches ``pattern``."""
        regex = re.compile("^" + _PARAM.sub(r"(?P<\1>[^/]+)", pattern) + "$")
        self._routes.append(_Route(method.upper(), pattern, regex, handler))

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`."""

        def register(handler: Handler) -> Handler:
            self.add(method, pattern, handler)
            return handler

        return register

    def include(self, other: Router, prefix: str = "") -> None:
        """Add every route of ``other``, with ``prefix`` put before its patterns."""
        for r in other:
            self.add(r.method, prefix + r.pattern, r.handler)

    def __iter__(self) -> Iterator[_Route]:
        return iter(self._routes)

    def dispatch(self, request: Request) -> tuple[int, Any]:
        """Run the handler matching the request; return ``(status, JSON-ready payload)``."""
        allowed = []
        for r in self._routes:
            match = r.regex.match(request.path)
            if not match:
                continue
            if r.method != request.method:
                allowed.append(r.method)
                continue
            request.params = match.groupdict()
            try:
                return HTTPStatus.OK, r.handler(request)
            except HTTPError as exc:
                return exc.status, _error(exc.code, exc.message)
        if allowed:
            return HTTPStatus.METHOD_NOT_ALLOWED, _error(
                "method_not_allowed", f"{request.method} {request.path}: use {', '.join(allowed)}"
            )
        return HTTPStatus.NOT_FOUND, _error("not_found", f"no API route {request.path}")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class _RequestHandler(BaseHTTPRequestHandler):
    """Serves static files and dispatches ``/api/`` requests to the server's router."""

    server: UIServer
    server_version = "terrisim-ui"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        """Serve a static file or a GET API route."""
        path = urlsplit(self.path).path
        if path.startswith("/api/"):
            self._api("GET")
        else:
            self._static(path)

    def do_POST(self) -> None:
        """Dispatch a POST API route (commands that change a session)."""
        self._api("POST")

    def _api(self, method: str) -> None:
        parts = urlsplit(self.path)
        try:
            body = self._read_json() if method == "POST" else {}
        except HTTPError as exc:
            self._send_json(exc.status, _error(exc.code, exc.message))
            return
        request = Request(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            body=body,
            client=self.client_address[0],
        )
        try:
            status, payload = self.server.router.dispatch(request)
        except Exception:  # a bug must not kill the server; the trainer sees a message
            log.exception("API error on %s %s", method, parts.path)
            status, payload = (
                HTTPStatus.INTERNAL_SERVER_ERROR,
                _error("internal_error", "internal error (see the server's log)"),
            )
        self._send_json(status, payload)

    def _read_json(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", "request too large")
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HTTPError(HTTPStatus.BAD_REQUEST, "bad_json", f"invalid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise HTTPError(HTTPStatus.BAD_REQUEST, "bad_json", "the body must be a JSON object")
        return data

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        self._send(status, data.encode("utf-8"), "application/json; charset=utf-8")

    def _static(self, path: str) -> None:
        if path in ("/", "/index.html"):
            path = "/static/index.html"
        if not path.startswith("/static/"):
            self._send_json(HTTPStatus.NOT_FOUND, _error("not_found", f"no page {path}"))
            return
        root = self.server.static_dir
        target = (root / path.removeprefix("/static/")).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            self._send_json(HTTPStatus.NOT_FOUND, _error("not_found", f"no file {path}"))
            return
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith(("javascript", "json")):
            ctype += "; charset=utf-8"
        self._send(HTTPStatus.OK, target.read_bytes(), ctype)

    def _send(self, status: int, data: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        # The page is small and changes with the package: never serve a stale copy.
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        """Send the access log to ``logging`` (debug level) instead of stderr."""
        log.debug("%s - %s", self.address_string(), format % args)


class UIServer(ThreadingHTTPServer):
    """The threaded HTTP server: one thread per connection, API routes from ``router``.

    Args:
        address: ``(host, port)``; port 0 picks a free port (see :attr:`url`).
        router: The API routes.
        static_dir: Folder of the page's files (default: the package's ``ui/static``).
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], router: Router, static_dir: Path | None = None
    ) -> None:
        host = address[0]
        if ":" in host:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__(address, _RequestHandler)
        self.router = router
        self.static_dir = (static_dir or STATIC_DIR).resolve()

    @property
    def url(self) -> str:
        """The address to open in a browser (``localhost`` names for a wildcard host)."""
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", "::"):
            host = socket.gethostname()
        if ":" in str(host):
            host = f"[{host}]"
        return f"http://{host}:{port}/"
