"""Replaceable rules: the base class and the registry (ODD 7, Submodels).

A rule is a small class with a ``role`` (which slot of the step it fills), a ``name`` (how a
scenario file names it), a pydantic ``Params`` model (its parameters, with defaults) and one
method. Scenario files name a rule by its registered name or by ``"module:Class"`` for a rule
written outside the package::

    [rules]
    trust = { name = "my_rules:ForgettingTrust", half_life = 12 }
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from terrisim.scenario.loading import ScenarioError, format_validation_error

ROLES = ("valuation", "partners", "trust", "governance", "shock", "defection")
_REGISTRY: dict[str, dict[str, type]] = {role: {} for role in ROLES}


class NoParams(BaseModel):
    """A rule without parameters."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Rule:
    """Base of every replaceable rule (ODD 7).

    Subclasses set ``role`` and ``name`` and may declare ``Params`` (a pydantic model, with
    ``extra="forbid"``); validated parameters are available as ``self.params``. Subclass the
    base of a role rather than this class: :class:`~terrisim.rules.valuation.BasketValuation`,
    :class:`~terrisim.rules.partners.PartnerChoice`, :class:`~terrisim.rules.trust.TrustUpdate`,
    :class:`~terrisim.rules.defection.Defection`,
    :class:`~terrisim.governance.base.Governance` or :class:`~terrisim.shocks.ShockKind`.
    ``terrisim check-rule module:Class`` runs a new rule through the model's invariants
    (:mod:`terrisim.checking`).

    Attributes:
        role: The slot of the step the rule fills (one of :data:`ROLES`).
        name: How scenario files and ``terrisim describe`` call it (set your own in a
            subclass: it inherits its parent's otherwise).
        Params: The pydantic model of its parameters.
        step: The current step (1 = first; 0 before the first), set by the model when a step
            opens.
        rng: The rule's own random stream (a ``numpy.random.Generator``), seeded from the
            model's seed (ODD 5.3): draw from it, never from ``numpy.random`` or ``random``.
            A rule built outside a model draws from a stream of seed 0 until a model seeds it.
    """

    role: ClassVar[str] = ""
    name: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = NoParams

    def __init__(self, **params: Any) -> None:
        self.params = self.Params(**params)
        self.step = 0
        self.rng = np.random.default_rng(0)

    def describe(self) -> str:
        """One line: the rule's name and parameters (used by ``terrisim describe``)."""
        values = ", ".join(f"{k}={v!r}" for k, v in self.params.model_dump().items())
        return f"{self.name or type(self).__name__}({values})"


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: make a rule available by its ``name`` in scenario files."""
    if cls.role not in _REGISTRY:
        raise ValueError(f"unknown rule role {cls.role!r}; roles: {ROLES}")
    _REGISTRY[cls.role][cls.name] = cls
    return cls


def registered(role: str) -> dict[str, type]:
    """The rules registered for a role, by name."""
    return dict(_REGISTRY[role])


def import_hint(module_name: str, example: str = "terrisim run scenario.toml") -> str:
    """What to do when a rule's module cannot be imported (the same words everywhere)."""
    return (
        f"put the folder of {module_name.replace('.', '/')}.py on PYTHONPATH, e.g. "
        f"PYTHONPATH=examples {example}"
    )


def import_module_of(
    spec: str, where: str, example: str = "terrisim run scenario.toml"
) -> tuple[ModuleType, str]:
    """Import the module of a ``"module:Class"`` spec; return it and the class's name.

    Every way it can fail is one line starting with ``where``: an empty module or class name,
    a module not found (with :func:`import_hint`), or a module that raises while it is
    imported (a syntax error, an exception at its top level).

    Raises:
        ScenarioError: the spec is malformed or its module cannot be imported.
    """
    module_name, _, attr = spec.partition(":")
    if not module_name.strip() or not attr.strip():
        raise ScenarioError(
            f"{where}: expected 'module:Class', e.g. 'forgetting_trust:ForgettingTrust' "
            f"(got {spec!r})"
        )
    module = f"module {module_name!r}" + ("" if spec in where else f" of {spec!r}")
    try:
        return importlib.import_module(module_name), attr
    except ImportError as exc:
        raise ScenarioError(
            f"{where}: cannot import {module} ({exc}); " + import_hint(module_name, example)
        ) from None
    except Exception as exc:
        raise ScenarioError(
            f"{where}: importing {module} failed: {type(exc).__name__}: {exc}"
        ) from None


def create(cls: type, params: dict[str, Any], where: str) -> Any:
    """``cls(**params)``; an ``__init__`` that raises becomes one line starting with ``where``.

    A :class:`pydantic.ValidationError` (bad parameters) is left to the caller, which names
    the allowed parameters.

    Raises:
        ScenarioError: the constructor raised anything but a ValidationError.
    """
    try:
        return cls(**params)
    except ValidationError:
        raise
    except Exception as exc:
        raise ScenarioError(
            f"{where}: cannot be created with parameters {params}: {type(exc).__name__}: {exc}"
        ) from None


def resolve(role: str, name: str) -> type:
    """Find a rule class by registered name or ``module:Class``.

    Raises:
        ScenarioError: unknown name, module that cannot be imported, or a class of another role.
    """
    if ":" in name:
        module, attr = import_module_of(name, f"{role} rule {name!r}")
        module_name = module.__name__
        cls = getattr(module, attr, None)
        if cls is None:
            raise ScenarioError(f"{role} rule {name!r}: module {module_name!r} has no {attr!r}")
        if getattr(cls, "role", None) != role:
            raise ScenarioError(
                f"{role} rule {name!r}: {attr} is a "
                f"{getattr(cls, 'role', '?') or 'non-rule'} rule, not a {role} "
                "rule (set its class attribute role)"
            )
        return cls
    try:
        return _REGISTRY[role][name]
    except KeyError:
        raise ScenarioError(
            f"{role} rule {name!r} is unknown; registered: "
            f"{sorted(_REGISTRY[role])} (or give 'module:Class')"
        ) from None


def build_rule(role: str, spec: dict[str, Any], field: str) -> Rule:
    """Instantiate a rule from its scenario spec (``{"name": ..., **params}``).

    Args:
        role: The rule's role.
        spec: The scenario table: the rule name under ``name`` (or ``rule``), other keys are
            parameters.
        field: The scenario field, for error messages (e.g. ``"rules.trust"``).
    """
    spec = dict(spec)
    key = "name" if spec.get("name") else "rule"
    name = spec.pop("name", None) or spec.pop("rule", None)
    if name is None:
        raise ScenarioError(f"{field}: missing the rule's name")
    try:
        cls = resolve(role, name)
    except ScenarioError as exc:
        raise ScenarioError(f"{field}.{key}: {exc}") from None
    try:
        return create(cls, spec, f"{field}: {role} rule {name!r}")
    except ValidationError as exc:
        own = sorted(cls.Params.model_fields)
        raise ScenarioError(
            format_validation_error(exc, "scenario", prefix=field, allowed=[key, *own])
        ) from None
