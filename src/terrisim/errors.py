"""The errors terrisim reports to its users, at the bottom of the layers (imports nothing)."""


class ScenarioError(ValueError):
    """A scenario, experiment or data file is invalid; the message says where and why."""


SHOWN_CHARACTERS = 60
"""Longest part of a bad value an error message quotes (a pasted 500,000-character name...)."""


def shown(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """``text`` as an error message quotes it: cut to ``limit`` characters, ``…`` marking a cut.

    Example:
        >>> shown("A" * 100, 5)
        'AAAAA… (100)'
    """
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)})"
