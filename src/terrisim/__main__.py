"""``python -m terrisim``: the same command line as ``terrisim``."""

from terrisim.cli import main

if __name__ == "__main__":
    main()
