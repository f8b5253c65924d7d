"""``python -m terrisim.ui [--host H] [--port P] [--configs DIR]``: same as ``terrisim ui``."""

from __future__ import annotations

import argparse

from terrisim.ui import serve


def main() -> None:
    """Parse the command line and serve the page."""
    parser = argparse.ArgumentParser(prog="python -m terrisim.ui", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--configs", default=None, help="folder of scenario files")
    args = parser.parse_args()
    from terrisim.game.web import game_routes

    serve(
        args.host,
        args.port,
        configs_dir=args.configs,
        routers=[game_routes(configs_dir=args.configs)],
    )


if __name__ == "__main__":
    main()
