"""The errors terrisim reports to its users, at the bottom of the layers (imports nothing)."""


class ScenarioError(ValueError):
    """A scenario, experiment or data file is invalid; the message says where and why."""
