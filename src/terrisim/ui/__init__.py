"""The trainers' web page: ``terrisim ui`` serves it, fully offline, in French and English.

A stdlib HTTP server (:mod:`terrisim.ui.server`) serves the page (HTML, JavaScript and CSS in
``static/``, charts drawn as hand-written SVG) and a JSON API (:mod:`terrisim.ui.api`) that
drives models through :mod:`terrisim.ui.viewmodel`. See ``docs/ui.md``.
"""

from __future__ import annotations

import logging
import secrets
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from terrisim.ui import viewmodel
from terrisim.ui.api import simulation_routes
from terrisim.ui.map_routes import map_routes
from terrisim.ui.server import TIMEOUT_SECONDS, HTTPError, Request, Router, UIServer
from terrisim.ui.sessions import MEMORY_MB, SessionStore
from terrisim.ui.storage import KEEP_DAYS, Database, default_data_dir

__all__ = [
    "HTTPError",
    "Request",
    "Router",
    "SessionStore",
    "UIServer",
    "make_server",
    "serve",
    "start_in_thread",
    "startup_warnings",
]

LOOPBACK = ("127.0.0.1", "::1", "localhost")
PRUNE_EVERY_SECONDS = 3600.0
"""How often a running server deletes old finished sessions (see terrisim.ui.storage)."""

RouterSource = Router | Callable[[SessionStore], Router]
"""Extra routes, or a function building them on the server's session store."""


def make_server(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    configs_dir: Path | str | None = None,
    store: SessionStore | None = None,
    routers: Iterable[RouterSource] = (),
    data_dir: Path | str | None = None,
    memory_mb: float = MEMORY_MB,
    timeout: float = TIMEOUT_SECONDS,
) -> UIServer:
    """Build (and bind) the server of the page, without starting it.

    Args:
        host: Address to listen on; the loopback address unless you want other machines of
            the room's network to connect (``0.0.0.0``).
        port: TCP port; 0 picks a free one (read it back from ``server.url``).
        configs_dir: Folder of the scenario files offered on the page (default: ``./configs``).
        store: Where sessions live (default: a new store on ``data_dir``).
        routers: Extra API routes (for example the baskets game's), or functions building
            them on the server's store (``lambda store: game_routes(store)``).
        data_dir: Folder of the sessions' database (``None``: an in-memory database, for
            tests and notebooks; ``terrisim ui`` passes ``--data``).
        memory_mb: Memory budget of the sessions held in memory (see
            :class:`~terrisim.ui.sessions.SessionStore`).
        timeout: Seconds a connection may stay silent, and a request may take to arrive
            from its first byte, before the server closes it.

    Returns:
        The bound server; call ``serve_forever()`` (and ``shutdown()`` from another thread).
    """
    if store is None:
        database = Database.in_folder(data_dir) if data_dir is not None else Database()
        store = SessionStore(database, memory_mb=memory_mb)
    router = Router()
    router.include(simulation_routes(store, Path(configs_dir) if configs_dir else None))
    router.include(map_routes(Path(configs_dir) if configs_dir else None))  # real boundaries
    for extra in routers:
        router.include(extra if isinstance(extra, Router) else extra(store))
    key = store.database.meta("facilitator_key")
    if key is None:  # kept in the database: the trainer's browser stays logged in on restart
        key = secrets.token_urlsafe(18)
        store.database.set_meta("facilitator_key", key)
    server = UIServer((host, port), router, facilitator_key=key, connection_timeout=timeout)
    server.store = store  # type: ignore[attr-defined]
    server.configs_dir = (  # type: ignore[attr-defined]
        Path(configs_dir) if configs_dir else viewmodel.default_configs_dir()
    )
    return server


def start_in_thread(server: UIServer) -> threading.Thread:
    """Serve in a daemon thread (tests, notebooks); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, name="terrisim-ui", daemon=True)
    thread.start()
    return thread


def _prune_forever(store: SessionStore, keep_days: float) -> None:
    log = logging.getLogger("terrisim.ui")
    while True:
        removed = store.database.prune(keep_days)
        if removed:
            log.info("pruned %d finished sessions older than %g days", removed, keep_days)
        threading.Event().wait(PRUNE_EVERY_SECONDS)


def startup_warnings(configs_dir: Path) -> list[str]:
    """What ``terrisim ui`` warns about at start-up, one line each.

    The scenario files that are not valid TOML, or a folder without any scenario (the page then
    offers the built-in demo).
    """
    entries = viewmodel.list_scenarios(configs_dir)
    if all(e.path is None for e in entries):
        return [f"{configs_dir} holds no scenario file (*.toml): the page offers the built-in demo"]
    return [f"{e.error} (the page lists it as unavailable)" for e in entries if e.error is not None]


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    configs_dir: Path | str | None = None,
    routers: Iterable[RouterSource] = (),
    data_dir: Path | str | None = None,
    memory_mb: float = MEMORY_MB,
    keep_days: float = KEEP_DAYS,
    timeout: float = TIMEOUT_SECONDS,
) -> None:
    """Serve the page until Ctrl-C, printing its address (used by ``terrisim ui``).

    Args:
        host: Address to listen on (loopback by default).
        port: TCP port.
        configs_dir: Folder of the scenario files offered (default: ``./configs``).
        routers: Extra API routes served next to the page's (the baskets game's).
        data_dir: Folder of the sessions' database (default: :func:`default_data_dir`).
        memory_mb: Memory budget of the sessions held in memory.
        keep_days: Finished sessions idle for longer are deleted (at start, then hourly).
        timeout: Seconds a connection may stay silent, or a request take to arrive.
    """
    # INFO for terrisim's own messages only (Mesa logs every step at INFO)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("terrisim").setLevel(logging.INFO)
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    server = make_server(
        host,
        port,
        configs_dir=configs_dir,
        routers=routers,
        data_dir=data_dir,
        memory_mb=memory_mb,
        timeout=timeout,
    )
    threading.Thread(
        target=_prune_forever,
        args=(server.store, keep_days),  # type: ignore[attr-defined]
        daemon=True,
        name="terrisim-ui-prune",
    ).start()
    threading.Thread(
        target=viewmodel.warm_up,
        args=(server.configs_dir,),
        daemon=True,
        name="terrisim-ui-warm-up",
    ).start()
    for problem in startup_warnings(server.configs_dir):  # type: ignore[attr-defined]
        print(f"warning: {problem}", file=sys.stderr)
    print(f"terrisim ui: open {server.login_url}  (Ctrl-C to stop)", flush=True)
    print(
        "  this link makes your browser the facilitator's: open it on your own computer, "
        "do not project it",
        flush=True,
    )
    print(f"games and runs are stored in {server.store.database.path}", flush=True)  # type: ignore[attr-defined]
    if host not in LOOPBACK:
        from terrisim.ui.network import reachable_addresses

        port = server.server_address[1]
        addresses = reachable_addresses()
        print(
            "the page is reachable from other machines of this network at: "
            + (", ".join(f"http://{a}:{port}/" for a in addresses) or "(no network address)"),
            flush=True,
        )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
