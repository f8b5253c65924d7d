"""terrisim: agent-based simulation of cooperation between urban and rural territories."""

__version__ = "0.1.0"
