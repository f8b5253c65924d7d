"""This machine's addresses on the room's network (printed by ``terrisim ui --host 0.0.0.0``).

Team laptops reach the server by an IP address, not by the machine's name (which the room's
network often cannot resolve). The addresses come from ``psutil.net_if_addrs`` (the ``ui``
extra) when installed, else from the standard library (the address of the default route and
those the machine's name resolves to).
"""

from __future__ import annotations

import ipaddress
import socket
import time

CACHE_SECONDS = 30.0
_cache: tuple[float, list[str]] = (-CACHE_SECONDS, [])


def _is_reachable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", maxsplit=1)[0])
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified)


def _stdlib_addresses() -> list[str]:
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:  # no packet is sent: connect() on UDP only picks the outgoing interface
            probe.connect(("192.0.2.1", 9))
            found.append(probe.getsockname()[0])
        except OSError:
            pass
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    found.extend(str(info[4][0]) for info in infos)
    return found


def reachable_addresses() -> list[str]:
    """This machine's IPv4 addresses that other machines of the network can reach.

    Loopback, link-local and unspecified addresses are left out; private addresses (a room's
    network: 192.168.x.x, 10.x.x.x) come first. Empty when the machine has no network. Read
    again at most every :data:`CACHE_SECONDS`.
    """
    global _cache  # noqa: PLW0603 (a small time-bounded cache)
    if time.monotonic() - _cache[0] < CACHE_SECONDS:
        return list(_cache[1])
    found = _addresses()
    _cache = (time.monotonic(), found)
    return list(found)


def _addresses() -> list[str]:
    try:
        import psutil
    except ImportError:
        candidates = _stdlib_addresses()
    else:
        candidates = [
            a.address
            for addresses in psutil.net_if_addrs().values()
            for a in addresses
            if a.family == socket.AF_INET
        ] + _stdlib_addresses()
    unique = list(dict.fromkeys(a for a in candidates if _is_reachable(a)))
    return sorted(unique, key=lambda a: (not ipaddress.ip_address(a).is_private, unique.index(a)))
