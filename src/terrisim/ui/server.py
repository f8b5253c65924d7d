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

**Who may do what** (see ``docs/ui.md``, "Only the trainer controls the room"):

- the *facilitator's credential* is a key the server keeps in its database; ``terrisim ui``
  prints a link ``/login?key=...`` that sets it as a cookie (``HttpOnly``,
  ``SameSite=Strict``) and sends the browser on to ``/``, so the key never stays in an address
  bar. Scripts send it as the ``X-Terrisim-Key`` header. Handlers read
  :attr:`Request.facilitator` and call :func:`require_facilitator`;
- a request whose ``Host`` is not this machine (a loopback name, an IP address, this
  machine's name) is refused (421): that defeats DNS rebinding;
- a POST must be ``application/json`` (415 otherwise: a web page of another site cannot send
  one without a CORS preflight, which this server never grants) and its ``Origin``, when sent,
  must be this server's (403);
- bodies are limited to :data:`MAX_BODY_BYTES` and :data:`MAX_JSON_DEPTH` levels of nesting,
  ``Content-Length`` must be a non-negative integer and the body as long as it says, the
  whole request received within :data:`TIMEOUT_SECONDS` (400, 411, 413); each client address
  gets at most :data:`RATE_BURST` requests at once, refilled at :data:`RATE_PER_SECOND` (429);
- connections wait in a backlog of :data:`BACKLOG` and at most :data:`MAX_WORKERS` are
  answered at once (one thread each); a client that sends nothing for :data:`TIMEOUT_SECONDS`
  is dropped, and when every worker is taken the connection that has waited longest for its
  client is closed to make room for a new one.

**Every answer to a bad request is JSON** with a 4xx status, the standard library's own
refusals included (a method other than GET and POST: 405 with ``Allow``; a request line over
64 KiB: 414; over 100 headers or a header line over 64 KiB: 431; a malformed request line:
400): :meth:`_RequestHandler.send_error` writes them. Each bad request is one line of the
``terrisim.ui.server`` log (INFO); only a bug of the server logs a traceback (ERROR), once, and
answers 500 ``internal_error``.
"""

from __future__ import annotations

import contextlib
import hmac
import io
import ipaddress
import json
import logging
import mimetypes
import re
import secrets
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from terrisim.errors import shown

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 4_000_000
"""Largest request body accepted (commands are a few hundred bytes; a saved game a few MB)."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of a JSON body (a saved game needs 6 levels)."""
RATE_BURST = 300
"""Requests a client address may send at once (see :data:`RATE_PER_SECOND`)."""
RATE_PER_SECOND = 100.0
"""Requests per second a client address gets back (a page playing at full speed sends ~35)."""
BACKLOG = 256
"""Connections waiting to be accepted (the standard library's default is 5)."""
MAX_WORKERS = 200
"""Connections answered at once; the others wait in the backlog."""
TIMEOUT_SECONDS = 30.0
"""A connection silent this long is closed; a request must arrive within it of its first byte."""
MAX_MESSAGE_CHARACTERS = 1000
"""Longest error message sent (values quoted in it are cut shorter, see terrisim.errors.shown)."""
METHODS = ("GET", "POST")
"""The HTTP methods the server answers; any other gets 405 with ``Allow: GET, POST``."""
MAX_EMPTY_LINES = 10
"""Empty lines skipped before a request line (HTTP/1.1 asks to ignore at least one)."""
TLS_HANDSHAKE = b"\x16"
"""The first byte of a TLS connection (a handshake record)."""
FACILITATOR_COOKIE = "terrisim_facilitator"
KEY_HEADER = "X-Terrisim-Key"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


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
        facilitator: Whether the request carries the facilitator's credential.
        base_url: The address other machines of the room reach this server at (for join
            links): the request's own, or this machine's IP address when the page was opened
            on a loopback address of a server listening on the network.
        on_network: Whether the server listens on the room's network (not only loopback).
    """

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    client: str = ""
    facilitator: bool = False
    base_url: str = ""
    on_network: bool = False

    def arg(self, name: str, default: Any = None) -> Any:
        """A parameter from the JSON body, else from the query string, else ``default``."""
        if name in self.body:
            return self.body[name]
        return self.query.get(name, default)


def require_facilitator(request: Request) -> None:
    """Refuse (403) a request without the facilitator's credential."""
    if not request.facilitator:
        raise HTTPError(
            HTTPStatus.FORBIDDEN,
            "facilitator_only",
            "réservé au formateur : ouvrez sur son ordinateur le lien de connexion que "
            "« terrisim ui » a affiché au démarrage (/login?key=...)",
        )


def json_depth(value: Any) -> int:
    """Nesting depth of decoded JSON (0 for a number or a string), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((x, depth + 1) for x in item if isinstance(x, (dict, list)))
    return deepest


def lone_surrogate(value: Any) -> str | None:
    r"""The first text of decoded JSON (a key or a value) that is not valid Unicode, else None.

    JSON may escape half of a UTF-16 pair alone (``"\ud800"``); Python decodes it to a string
    that cannot be written back as UTF-8 (not in an answer, a log line or the database).
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return item
    return None


_JSON_PROBLEMS = {
    "Expecting value": "une valeur est attendue",
    "Expecting property name enclosed in double quotes": (
        "un nom de champ entre guillemets droits est attendu"
    ),
    "Expecting ':' delimiter": "« : » est attendu après le nom du champ",
    "Expecting ',' delimiter": "« , » est attendue entre deux éléments",
    "Extra data": "du texte suit la fin du JSON",
    "Unterminated string starting at": "un texte n'est pas fermé par un guillemet droit",
    "Invalid control character at": "un caractère de contrôle (saut de ligne...) dans un texte",
    "Invalid \\escape": "une séquence « \\ » invalide dans un texte",
    "Invalid \\uXXXX escape": "une séquence « \\u » invalide dans un texte (\\u et 4 chiffres)",
    "Illegal trailing comma before end of object": "une virgule avant « } »",
    "Illegal trailing comma before end of array": "une virgule avant « ] »",
}
"""Python's JSON errors, in French (an unknown one is quoted as it is)."""


def json_problem(error: ValueError) -> str:
    """The French message for a body that is not JSON: where (line, column) and what."""
    if isinstance(error, json.JSONDecodeError):
        what = _JSON_PROBLEMS.get(error.msg, error.msg)
        return f"JSON invalide, ligne {error.lineno}, colonne {error.colno} : {what}"
    if isinstance(error, UnicodeDecodeError):
        return (
            f"JSON invalide : le corps n'est pas de l'UTF-8 (octet {error.object[error.start]:#04x}"
            f" à la position {error.start})"
        )
    digits = re.search(r"\(([0-9]+) digits\)", str(error))
    if digits:
        return f"JSON invalide : un nombre de plus de {int(digits.group(1)):,} chiffres".replace(
            ",", "\u202f"
        )
    return f"JSON invalide : {shown(str(error), 200)}"


def header_text(value: str) -> str:
    """A header's value as a message quotes it: its UTF-8 text, cut short.

    The standard library reads headers as Latin-1, so ``é`` sent in UTF-8 would show as
    ``Ã©``; bytes that are not UTF-8 are kept as read.
    """
    with contextlib.suppress(UnicodeError):
        value = value.encode("latin-1").decode("utf-8")
    return shown(value)


_HOST_HEADER = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?")
"""A ``Host`` header: a name or an IP address (IPv6 in brackets), then perhaps a port."""


def host_is_this_machine(host_header: str, machine_names: frozenset[str]) -> bool:
    """Whether a ``Host`` header names this machine: loopback, an IP address, or its name.

    Any IP address is accepted (a page cannot become the origin of an IP address it does not
    serve, so DNS rebinding needs a name); names must be the machine's own. A header that is
    not ``host[:port]`` (``[::1``, ``127.0.0.1:abc``, ``a@127.0.0.1``) names nothing.
    """
    if not _HOST_HEADER.fullmatch(host_header):
        return False
    try:
        parts = urlsplit(f"//{host_header}")
        parts.port  # noqa: B018 (raises ValueError for a port over 65535)
    except ValueError:  # a bracketed address that is not one, a port over 65535
        return False
    host = parts.hostname or ""
    if host in LOOPBACK_NAMES or host in machine_names:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class RateLimiter:
    """A token bucket per client address: ``burst`` requests at once, ``rate`` per second back."""

    def __init__(self, burst: float = RATE_BURST, rate: float = RATE_PER_SECOND) -> None:
        self.burst, self.rate = float(burst), float(rate)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Take one token for ``client``; ``False`` when its bucket is empty."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if len(self._buckets) > 10_000:  # forget idle clients, keep memory bounded
                self._buckets.clear()
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                return False
            self._buckets[client] = (tokens - 1.0, now)
            return True


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

    def allowed(self, path: str) -> list[str]:
        """The methods of the routes matching ``path`` (empty: no route has this path)."""
        return sorted({r.method for r in self._routes if r.regex.match(path)})

    def dispatch(self, request: Request) -> tuple[int, Any]:
        """Run the handler matching the request; return ``(status, JSON-ready payload)``."""
        for r in self._routes:
            match = r.regex.match(request.path) if r.method == request.method else None
            if not match:
                continue
            request.params = match.groupdict()
            try:
                return HTTPStatus.OK, r.handler(request)
            except HTTPError as exc:
                return exc.status, _error(exc.code, exc.message)
        allowed = self.allowed(request.path)
        if allowed:
            return HTTPStatus.METHOD_NOT_ALLOWED, _error(
                "method_not_allowed",
                f"{request.method} {shown(request.path)} : utilisez {', '.join(allowed)}",
            )
        return HTTPStatus.NOT_FOUND, _error(
            "not_found", f"aucune route d'API {shown(request.path)}"
        )


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": shown(message, MAX_MESSAGE_CHARACTERS)}}


def _storage_refusal(error: sqlite3.Error) -> tuple[int, dict[str, Any]]:
    """The answer when the sessions' database refuses a change (507 when the disk is full)."""
    text = str(error)
    if "full" in text:
        return HTTPStatus.INSUFFICIENT_STORAGE, _error(
            "storage_full",
            "le disque du serveur est plein : cette action n'a pas été enregistrée ; libérez de "
            "la place sur le disque du dossier des parties (--data), puis réessayez",
        )
    why = "en lecture seule" if "readonly" in text else f"erreur de SQLite : {shown(text, 100)}"
    return HTTPStatus.SERVICE_UNAVAILABLE, _error(
        "storage_failed",
        f"la base de données du serveur n'a pas pu enregistrer cette action ({why}) ; "
        "vérifiez le dossier des parties (--data), puis réessayez",
    )


_STDLIB_REFUSALS = {
    HTTPStatus.BAD_REQUEST: ("bad_request", "requête HTTP mal formée"),
    HTTPStatus.REQUEST_URI_TOO_LONG: (
        "uri_too_long",
        "adresse trop longue : la ligne de requête a au plus 65 536 caractères",
    ),
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: (
        "headers_too_large",
        "en-têtes trop nombreux ou trop longs : au plus 100 en-têtes de 65 536 caractères",
    ),
    HTTPStatus.HTTP_VERSION_NOT_SUPPORTED: (
        "http_version",
        "version de HTTP non prise en charge : HTTP/1.0 ou HTTP/1.1",
    ),
}
"""The standard library's own refusals, as JSON errors (see _RequestHandler.send_error)."""


class _RequestReader(io.RawIOBase):
    """The reading side of a connection, with a timeout for silence and one for each request.

    The client may be silent at most ``timeout`` seconds, and a request (line, headers and
    body) must arrive within ``timeout`` seconds of its first byte. Without the second bound, a client sending a byte of its headers every 29 s would keep its
    thread for ever. :meth:`_RequestHandler.handle_one_request` starts the clock again for
    each request of a kept-alive connection.
    """

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        super().__init__()
        self.sock, self.timeout = sock, timeout
        self.deadline: float | None = None
        self.waiting_since = time.monotonic()
        """When the connection began waiting for its current request (for eviction)."""
        self.receiving = False
        """Whether the thread is blocked waiting for the client (then it may be evicted)."""

    def evict(self) -> None:
        """Close the connection from another thread: its blocked read ends at once."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def readable(self) -> bool:
        """It is."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Receive into ``buffer``; ``TimeoutError`` once the request's time is up."""
        left = self.timeout
        if self.deadline is not None:
            left = min(left, self.deadline - time.monotonic())
            if left <= 0:
                raise TimeoutError(f"request not received within {self.timeout:g} s")
        self.sock.settimeout(left)
        self.receiving = True
        try:
            received = self.sock.recv_into(buffer)
        finally:
            self.receiving = False
        if self.deadline is None and received:
            self.deadline = time.monotonic() + self.timeout
        return received


class _RequestHandler(BaseHTTPRequestHandler):
    """Serves static files and dispatches ``/api/`` requests to the server's router."""

    server: UIServer
    server_version = "terrisim-ui"
    protocol_version = "HTTP/1.1"
    timeout = TIMEOUT_SECONDS

    def setup(self) -> None:
        """Read the connection through a :class:`_RequestReader` (the server's timeout)."""
        self.timeout = self.server.connection_timeout
        super().setup()
        self.rfile.close()  # the standard library's reader: the socket closes only without it
        self.reader = _RequestReader(self.connection, self.timeout)
        self.rfile = io.BufferedReader(self.reader)
        with self.server.readers_lock:
            self.server.readers.add(self.reader)

    def finish(self) -> None:
        """The connection ends: it no longer counts among those that may be evicted."""
        with self.server.readers_lock:
            self.server.readers.discard(self.reader)
        super().finish()

    def handle_one_request(self) -> None:
        """Answer one request; the time it may take to arrive counts from its first byte.

        A connection that opens with a TLS handshake (``https://`` typed in the address bar)
        is closed at once, with one log line: nothing can answer it in plain HTTP, and the
        browser then says so at once instead of waiting for the timeout.
        """
        self.reader.deadline = None
        self.reader.waiting_since = time.monotonic()
        if self.rfile.peek(1)[:1] == TLS_HANDSHAKE:
            log.info(
                "%s: a TLS connection (https://): this server speaks plain HTTP, open http://",
                self.client_address[0],
            )
            self.close_connection = True
            return
        super().handle_one_request()

    def parse_request(self) -> bool:
        """Read the request line and headers; empty lines before the request line are skipped.

        HTTP/1.1 asks a server to ignore them (a client may send a stray CRLF after a body);
        the standard library closed the connection without an answer.
        """
        for _ in range(MAX_EMPTY_LINES):
            if self.raw_requestline not in (b"\r\n", b"\n"):
                break
            self.raw_requestline = self.rfile.readline(65537)
        line = self.raw_requestline
        if len(line) > 65536 or (line and not line.strip()):  # too long; only empty lines
            self.command, self.path, self.requestline = "", "", ""
            self.request_version = self.protocol_version  # answer with a status line
            too_long = len(line) > 65536
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG if too_long else HTTPStatus.BAD_REQUEST)
            return False
        if not line:  # the client hung up after empty lines
            self.close_connection = True
            return False
        return super().parse_request()

    def _not_allowed(self) -> None:
        """PUT, DELETE, HEAD, any method but GET and POST: 405 naming the allowed ones."""
        path = urlsplit(self.path).path
        allowed = self.server.router.allowed(path) if path.startswith("/api/") else ["GET"]
        self.close_connection = True
        self._send_json(
            HTTPStatus.METHOD_NOT_ALLOWED,
            _error(
                "method_not_allowed",
                f"méthode {shown(self.command, 20)} refusée : ce serveur répond à "
                f"{', '.join(allowed or METHODS)}",
            ),
            {"Allow": ", ".join(allowed or METHODS)},
        )

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's refusals (bad request line, too long, too many headers) in JSON.

        The standard library calls it before any route runs, with its own English HTML page;
        here the answer is a JSON error like every other one, and the connection closes.
        """
        if self.request_version == "HTTP/0.9":  # a request line it could not read
            self.request_version = self.protocol_version  # still answer with a status line
        if code == HTTPStatus.NOT_IMPLEMENTED:  # a method with no do_X: PUT, DELETE, HEAD...
            self._not_allowed()
            return
        name, text = _STDLIB_REFUSALS.get(code, ("http_error", f"requête refusée ({code})"))
        self.close_connection = True
        self._send_json(code, _error(name, text))

    def do_GET(self) -> None:
        """Serve a static file, the facilitator's login link or a GET API route."""
        if self.headers.get("Content-Length", "0").strip() not in ("", "0") or (
            "Transfer-Encoding" in self.headers
        ):  # a GET's body is not read: close after the answer, not read it as a request
            self.close_connection = True
        self._answer(self._get)

    def do_POST(self) -> None:
        """Dispatch a POST API route (commands that change a session)."""
        self._answer(self._post)

    def _get(self) -> None:
        if not self._guard("GET"):
            return
        path = urlsplit(self.path).path
        if path.startswith("/api/"):
            self._api("GET")
        elif path == "/login":
            self._login()
        else:
            self._static(path)

    def _post(self) -> None:
        if self._guard("POST"):
            self._api("POST")

    def _answer(self, handle: Callable[[], None]) -> None:
        """The boundary: a bug anywhere in answering is one traceback in the log and a 500.

        A client that hangs up or times out (``ConnectionError``, ``TimeoutError``) goes on to
        :meth:`UIServer.handle_error`, one line; nothing can be answered to it.
        """
        try:
            handle()
        except (ConnectionError, TimeoutError):
            raise
        except sqlite3.Error as exc:  # the disk is full, the folder read-only: not a bug
            log.error(
                "%s %s: the database could not store it: %s",
                self.command,
                shown(urlsplit(self.path).path),
                exc,
            )
            self.close_connection = True
            self._send_json(*_storage_refusal(exc))
        except Exception:
            log.exception("error answering %s %s", self.command, shown(self.path))
            self.close_connection = True
            self._send_json(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                _error("internal_error", "erreur interne du serveur (voir son journal)"),
            )

    def _refuse(self, status: int, code: str, message: str) -> bool:
        self.close_connection = True
        self._send_json(status, _error(code, message))
        return False

    def _guard(self, method: str) -> bool:
        """Host, origin, content type and rate checks; answers the refusal itself."""
        if not self.server.rate.allow(self.client_address[0]):
            return self._refuse(
                HTTPStatus.TOO_MANY_REQUESTS,
                "too_many_requests",
                "trop de requêtes depuis cette machine : attendez une seconde",
            )
        misaddressed = self._misaddressed()
        if misaddressed is not None:
            return self._refuse(*misaddressed)
        if method != "POST":
            return True
        host = self.headers.get("Host", "")
        origin = self.headers.get("Origin")
        fetch_site = self.headers.get("Sec-Fetch-Site")
        if (origin is not None and origin != f"http://{host}") or (
            origin is None and fetch_site not in (None, "same-origin", "none")
        ):
            return self._refuse(
                HTTPStatus.FORBIDDEN,
                "cross_origin",
                "requête refusée : elle vient d'une autre page que celle de ce serveur",
            )
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return self._refuse(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "bad_content_type",
                f"Content-Type « {header_text(ctype) or 'aucun'} » refusé : envoyez "
                "application/json",
            )
        return True

    def _misaddressed(self) -> tuple[int, str, str] | None:
        """``(status, code, message)`` refusing a request's headers or target, else None.

        400 for what the standard library reads but HTTP forbids: a header line without ``:``
        or folded on two lines, two ``Host`` or two ``Content-Length`` headers (which one would
        a proxy have read?), a target that is not a path (``GET http://other.example/...``: its
        host would not be the one checked). 421 for a ``Host`` that is not this machine.
        """
        headers, bad = self.headers, HTTPStatus.BAD_REQUEST
        if headers.defects or any("\n" in value for value in headers.values()):
            return bad, "bad_header", "en-tête mal formé : une ligne « Nom: valeur » par en-tête"
        for name in ("Host", "Content-Length"):
            if len(headers.get_all(name, [])) > 1:
                return bad, "duplicate_header", f"en-tête {name} répété : un seul est permis"
        if not self.path.startswith("/"):
            return (
                bad,
                "bad_target",
                f"adresse « {shown(self.path)} » refusée : un chemin commençant par / est attendu",
            )
        host = headers.get("Host", "")
        if not host_is_this_machine(host, self.server.machine_names):
            why = (
                f"adresse « {header_text(host)} » refusée : ouvrez la page par l'adresse de cet "
                "ordinateur"
            )
            return HTTPStatus.MISDIRECTED_REQUEST, "wrong_host", why
        return None

    def _is_facilitator(self) -> bool:
        key = self.server.facilitator_key
        given = self.headers.get(KEY_HEADER)
        if given is None:
            try:
                cookie = SimpleCookie(self.headers.get("Cookie", ""))
            except CookieError:
                return False
            morsel = cookie.get(FACILITATOR_COOKIE)
            given = morsel.value if morsel else None
        return given is not None and hmac.compare_digest(given.encode(), key.encode())

    def _login(self) -> None:
        """``/login?key=K``: set the facilitator's cookie and go on to the page, key-free."""
        query = dict(parse_qsl(urlsplit(self.path).query))
        key = query.get("key", "")
        if not hmac.compare_digest(key.encode(), self.server.facilitator_key.encode()):
            self._send_json(
                HTTPStatus.FORBIDDEN,
                _error(
                    "bad_login_key",
                    "lien de connexion du formateur invalide : reprenez celui que "
                    "« terrisim ui » a affiché au démarrage",
                ),
            )
            return
        target = query.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location", target)
        self.send_header(
            "Set-Cookie",
            f"{FACILITATOR_COOKIE}={key}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000",
        )
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _api(self, method: str) -> None:
        parts = urlsplit(self.path)
        try:
            body = self._read_json() if method == "POST" else {}
        except HTTPError as exc:
            self.close_connection = True
            self._send_json(exc.status, _error(exc.code, exc.message))
            return
        request = Request(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            body=body,
            client=self.client_address[0],
            facilitator=self._is_facilitator(),
            base_url=self.server.public_url(self.headers.get("Host", "")),
            on_network=self.server.on_network,
        )
        status, payload = self.server.router.dispatch(request)  # a bug: see _answer
        allow = ", ".join(self.server.router.allowed(parts.path))
        self._send_json(
            status, payload, {"Allow": allow} if status == HTTPStatus.METHOD_NOT_ALLOWED else None
        )

    def _body_length(self) -> int:
        """The body's length from ``Content-Length`` (0 without it), refused when unusable."""
        if "Transfer-Encoding" in self.headers:
            raise HTTPError(
                HTTPStatus.LENGTH_REQUIRED,
                "length_required",
                "Transfer-Encoding refusé : envoyez le corps avec un en-tête Content-Length",
            )
        raw_length = self.headers.get("Content-Length") or "0"
        length = int(raw_length) if raw_length.strip().isdigit() else -1
        if length < 0:
            raise HTTPError(
                HTTPStatus.BAD_REQUEST,
                "bad_length",
                f"Content-Length « {header_text(raw_length)} » : un entier positif ou nul est "
                "attendu",
            )
        if length > MAX_BODY_BYTES:
            raise HTTPError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "too_large",
                f"requête trop grande ({length} octets ; au plus {MAX_BODY_BYTES})",
            )
        return length

    def _read_body(self, length: int) -> bytes:
        """Exactly ``length`` bytes, the request arriving within the timeout (else a 400)."""
        chunks, received, why = [], 0, "la connexion a été fermée"
        try:
            while received < length:
                chunk = self.rfile.read1(length - received)
                if not chunk:
                    break
                chunks.append(chunk)
                received += len(chunk)
        except TimeoutError:
            why = f"la requête n'est pas arrivée en entier en {self.timeout:g} s"
        if received < length:
            raise HTTPError(
                HTTPStatus.BAD_REQUEST,
                "short_body",
                f"corps incomplet : {received} octets reçus sur les {length} que Content-Length "
                f"annonce ({why})",
            )
        return b"".join(chunks)

    def _read_json(self) -> dict[str, Any]:
        length = self._body_length()
        raw = self._read_body(length) if length else b""
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError as exc:  # a 5,000-digit number, bytes that are not UTF-8 too
            raise HTTPError(HTTPStatus.BAD_REQUEST, "bad_json", json_problem(exc)) from None
        except RecursionError:
            data = None
            depth = MAX_JSON_DEPTH + 1
        else:
            depth = json_depth(data)
        if depth > MAX_JSON_DEPTH:
            raise HTTPError(
                HTTPStatus.BAD_REQUEST,
                "too_deep",
                f"JSON trop imbriqué (au plus {MAX_JSON_DEPTH} niveaux)",
            )
        broken = lone_surrogate(data)
        if broken is not None:
            raise HTTPError(
                HTTPStatus.BAD_REQUEST,
                "bad_json",
                f"JSON invalide : le texte {ascii(broken)[:60]} contient une moitié de paire "
                "UTF-16 seule (\\ud800 à \\udfff) ; envoyez de l'Unicode valide",
            )
        if not isinstance(data, dict):
            raise HTTPError(
                HTTPStatus.BAD_REQUEST, "bad_json", "le corps doit être un objet JSON {...}"
            )
        return data

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        if status >= HTTPStatus.BAD_REQUEST:
            self._log_refusal(status, payload)
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        try:
            encoded = data.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (from a URL, say): escaped, still JSON
            encoded = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
        self._send(status, encoded, "application/json; charset=utf-8", headers)

    def _log_refusal(self, status: int, payload: Any) -> None:
        """One log line per refused request (INFO; DEBUG for 429, which may come in floods)."""
        error = payload.get("error", {}) if isinstance(payload, dict) else {}
        log.log(
            logging.DEBUG if status == HTTPStatus.TOO_MANY_REQUESTS else logging.INFO,
            "%s %s %s: %d %s: %s",
            self.client_address[0],
            shown(str(self.command or "-"), 20),
            shown(urlsplit(getattr(self, "path", "") or "").path or "-"),
            status,
            error.get("code", "?"),
            shown(str(error.get("message", "")), 200),
        )

    def _static(self, path: str) -> None:
        if path in ("/", "/index.html"):
            path = "/static/index.html"
        elif path in ("/jeu", "/jeu/"):  # the short address teams type to join a game
            path = "/static/game.html"
        if not path.startswith("/static/"):
            self._send_json(HTTPStatus.NOT_FOUND, _error("not_found", f"aucune page {shown(path)}"))
            return
        root = self.server.static_dir
        try:
            target = (root / path.removeprefix("/static/")).resolve()
            found = target.is_relative_to(root) and target.is_file()
        except (OSError, ValueError):  # a name too long, a NUL byte: no such file either
            found = False
        if not found:
            self._send_json(
                HTTPStatus.NOT_FOUND, _error("not_found", f"aucun fichier {shown(path)}")
            )
            return
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith(("javascript", "json")):
            ctype += "; charset=utf-8"
        self._send(HTTPStatus.OK, target.read_bytes(), ctype)

    def _send(
        self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        # The page is small and changes with the package: never serve a stale copy.
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":  # an answer to HEAD has headers only
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
        facilitator_key: The facilitator's credential (default: a new random key).
        connection_timeout: Seconds a connection may stay silent, and a request may take to
            arrive from its first byte, before it is closed (default :data:`TIMEOUT_SECONDS`;
            tests shorten it).
        max_workers: Connections answered at once (default :data:`MAX_WORKERS`). When every
            worker is taken, a new connection closes the one that has waited longest for its
            client (silent, or still sending its request), so that clients which connect and
            send nothing cannot keep others out until the timeout.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        router: Router,
        static_dir: Path | None = None,
        *,
        facilitator_key: str | None = None,
        connection_timeout: float = TIMEOUT_SECONDS,
        max_workers: int = MAX_WORKERS,
    ) -> None:
        host = address[0]
        if ":" in host:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__(address, _RequestHandler)
        self.router = router
        self.static_dir = (static_dir or STATIC_DIR).resolve()
        self.facilitator_key = facilitator_key or secrets.token_urlsafe(18)
        self.rate = RateLimiter()
        self.connection_timeout = connection_timeout
        self.workers = threading.BoundedSemaphore(max_workers)
        self.readers: set[_RequestReader] = set()
        """The reading side of each open connection (see :meth:`evict_longest_waiting`)."""
        self.readers_lock = threading.Lock()
        name = socket.gethostname()
        self.machine_names = frozenset({name.lower(), f"{name.lower()}.local", str(host)})

    def process_request(self, request: Any, client_address: Any) -> None:
        """Answer in a new thread, at most ``max_workers`` at once.

        When every worker is taken, the connection that has waited longest for its client is
        closed to make room (:meth:`evict_longest_waiting`); if every worker is busy answering,
        the new connection waits.
        """
        if not self.workers.acquire(blocking=False):
            self.evict_longest_waiting()
            self.workers.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.workers.release()
            raise

    def evict_longest_waiting(self) -> bool:
        """Close the connection that has waited longest for its client; False if none waits."""
        with self.readers_lock:
            waiting = [r for r in self.readers if r.receiving]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda r: r.waiting_since)
        log.debug(
            "every worker busy: closing a connection that waited %.1f s for its client",
            time.monotonic() - oldest.waiting_since,
        )
        oldest.evict()
        return True

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """The thread of one connection; frees its worker slot at the end."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.workers.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up or times out gets one log line; a bug of the server its traceback.

        Called by the standard library, within ``except``, when answering a connection raised.
        """
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):  # the client's doing
            log.debug("connection from %s ended: %s", client_address[0], shown(repr(error), 200))
        else:
            log.error("error answering %s", client_address[0], exc_info=True)

    @property
    def url(self) -> str:
        """The address to open in a browser (the first reachable address for a wildcard host)."""
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", "::"):  # noqa: S104 (compares the address asked for; binds nothing)
            from terrisim.ui.network import reachable_addresses

            host = (reachable_addresses() or ["127.0.0.1"])[0]
        if ":" in str(host):
            host = f"[{host}]"
        return f"http://{host}:{port}/"

    @property
    def on_network(self) -> bool:
        """Whether the server listens on an address other machines can reach."""
        host = str(self.server_address[0])
        return host not in LOOPBACK_NAMES and not host.startswith("127.")

    def public_url(self, host_header: str) -> str:
        """The base address for links given to other machines (see :attr:`Request.base_url`)."""
        host = urlsplit(f"//{host_header}").hostname or ""
        if host_header and not (host in LOOPBACK_NAMES or host.startswith("127.")):
            return f"http://{host_header}/"
        if self.on_network:
            from terrisim.ui.network import reachable_addresses

            addresses = reachable_addresses()
            if addresses:
                return f"http://{addresses[0]}:{self.server_address[1]}/"
        return f"http://{host_header}/" if host_header else self.url

    @property
    def login_url(self) -> str:
        """The facilitator's link: opening it sets the credential's cookie."""
        return f"{self.url}login?key={self.facilitator_key}"
