"""Strict reading of a request's fields: the JSON type as sent, the bounds, the value quoted short.

A JSON body's fields keep their JSON type: ``{"n": true}`` is not the integer 1, ``{"n": 2.5}``
and ``{"n": "3"}`` are not integers, ``{"version": "x"}`` is not a version. A field read from
the query string is text and is parsed (``?n=3``). A refused field is an
:class:`~terrisim.ui.server.HTTPError` 400 whose message names the field, the value as sent
(in its JSON form, cut to :data:`terrisim.errors.SHOWN_CHARACTERS`) and what is allowed, in
French (the trainers' page) or English (the game page in English, ``lang="en"``).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from http import HTTPStatus
from typing import Any

from terrisim.errors import shown
from terrisim.ui.server import HTTPError, Request

MAX_VERSION = 10**9
"""Largest version a page may send (a session logs far fewer actions)."""
_MISSING = object()
_DIGITS = re.compile(r"-?[0-9]{1,30}")


def quoted(value: Any) -> str:
    """A value as an error message quotes it: its JSON form, cut short (``"x"``, ``true``)."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (ValueError, RecursionError):
        text = repr(value)
    return shown(text)


def bad_field(name: str, value: Any, fr: str, en: str, lang: str = "fr") -> HTTPError:
    """The 400 refusing field ``name``: ``fr`` / ``en`` say what is allowed."""
    if lang == "en":
        message = f"{name}: {en} (got {quoted(value)})"
    else:
        message = f"{name} : {fr} (reçu {quoted(value)})"
    return HTTPError(HTTPStatus.BAD_REQUEST, "bad_field", message)


def _raw(request: Request, name: str, default: Any) -> tuple[Any, bool]:
    """``(value, from_text)``: the body's value, else the query string's (text), else default."""
    if name in request.body:
        return request.body[name], False
    if name in request.query:
        return request.query[name], True
    return default, False


def integer(
    request: Request,
    name: str,
    default: Any,
    lo: int,
    hi: int,
    *,
    lang: str = "fr",
    text: bool = False,
) -> int:
    """The integer field ``name`` (``default`` when absent), within ``lo .. hi``.

    Args:
        request: The request.
        name: The field.
        default: Its value when the request does not give it.
        lo: Smallest value allowed.
        hi: Largest value allowed.
        lang: Language of the refusal (``"fr"`` or ``"en"``).
        text: Whether a JSON string of decimal digits is accepted too (a form field's text).

    Raises:
        HTTPError: 400 naming the field and the value (a boolean, a float, other text...).
    """
    value, from_text = _raw(request, name, default)
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and (from_text or text) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None or not lo <= number <= hi:
        raise bad_field(
            name,
            value,
            f"un nombre entier de {lo} à {hi} est attendu",
            f"an integer from {lo} to {hi} is expected",
            lang,
        )
    return number


def number(
    request: Request,
    name: str,
    default: Any,
    lo: float,
    hi: float,
    *,
    lang: str = "fr",
) -> float:
    """The number field ``name`` (an integer or a float, not a boolean), finite, in ``lo .. hi``.

    Raises:
        HTTPError: 400 naming the field and the value.
    """
    value, from_text = _raw(request, name, default)
    result = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        result = float(value)
    elif isinstance(value, str) and from_text:
        with contextlib.suppress(ValueError):
            result = float(value)
    if not (math.isfinite(result) and lo <= result <= hi):
        raise bad_field(
            name,
            value,
            f"un nombre de {lo:g} à {hi:g} est attendu",
            f"a number from {lo:g} to {hi:g} is expected",
            lang,
        )
    return result


def version(request: Request, *, lang: str = "fr") -> int | None:
    """The optional ``version`` a page sends with a command: ``None`` or an integer >= 0."""
    if _raw(request, "version", None)[0] is None:
        return None
    return integer(request, "version", None, 0, MAX_VERSION, lang=lang)


def string(
    request: Request,
    name: str,
    default: Any = _MISSING,
    *,
    longest: int = 200,
    lang: str = "fr",
) -> str:
    """The text field ``name``, of 1 to ``longest`` characters.

    Raises:
        HTTPError: 400 when it is missing (and has no default), not text, empty or too long.
    """
    value, _ = _raw(request, name, default)
    if value is _MISSING or not isinstance(value, str) or not 1 <= len(value) <= longest:
        raise bad_field(
            name,
            None if value is _MISSING else value,
            f"un texte de 1 à {longest} caractères est attendu",
            f"a text of 1 to {longest} characters is expected",
            lang,
        )
    return value
