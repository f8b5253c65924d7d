"""``python -m terrisim.ui [options]``: the same as ``terrisim ui [options]`` (same options)."""

from __future__ import annotations

import sys


def main() -> None:
    """Run ``terrisim ui`` with this command line's arguments."""
    from terrisim.cli import main as terrisim

    sys.argv = ["terrisim ui", "ui", *sys.argv[1:]]
    terrisim()


if __name__ == "__main__":
    main()
