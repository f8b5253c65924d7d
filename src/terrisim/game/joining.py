"""Joining a game from a team's laptop: short join codes and their QR codes.

Each team of a game gets a **join code** of :data:`CODE_LENGTH` characters from
:data:`ALPHABET` (no 0/O, 1/I/L: easy to read on a projector and to type), unique on the
server (``join_codes`` table of :mod:`terrisim.ui.storage`). A team opens
``http://<address of the trainer's computer>:<port>/jeu`` and types it, or scans the QR code
the trainer's screen shows, which encodes ``<address>/jeu#join=<code>``. The QR code is drawn
offline as SVG by `segno <https://segno.readthedocs.io>`_ (pure Python, BSD; the ``ui``
extra); without it the page shows the code and the address only.
"""

from __future__ import annotations

import io
import secrets
from functools import lru_cache

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
"""31**6, about 887 million codes: guessing one at the server's rate limit takes years."""


def new_code() -> str:
    """A random join code (the caller checks it is not taken)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(code: str) -> str:
    """A code as typed (lower case, spaces, dashes) in its stored form."""
    return "".join(c for c in str(code).upper() if c.isalnum())


def join_url(base_url: str, code: str) -> str:
    """The address a team opens (or scans) to join: ``<base>jeu#join=<code>``."""
    return f"{base_url.rstrip('/')}/jeu#join={code}"


@lru_cache(maxsize=256)
def qr_svg(text: str) -> str | None:
    """An SVG QR code of ``text`` (``None`` if segno is not installed)."""
    try:
        import segno
    except ImportError:
        return None
    out = io.BytesIO()
    segno.make(text, error="m").save(
        out, kind="svg", scale=4, border=2, xmldecl=False, svgns=False, nl=False
    )
    return out.getvalue().decode("utf-8")
