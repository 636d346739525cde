"""`python -m spacetraders.supervisor`: the daemon process `spacetraders daemon start` detaches.

Database and API URLs come from SPACETRADERS_DATABASE_URL / SPACETRADERS_API_URL (never
from the command line, where `ps` would show a password)."""

from __future__ import annotations

import argparse
import sys

from spacetraders.errors import SpacetradersError
from spacetraders.settings import Settings
from spacetraders.supervisor.config import DaemonConfig
from spacetraders.supervisor.runner import configure_logging, run_daemon


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spacetraders.supervisor")
    defaults = DaemonConfig()
    parser.add_argument("--lease", type=float, default=defaults.lease_s)
    parser.add_argument("--heartbeat", type=float, default=defaults.heartbeat_s)
    parser.add_argument("--poll", type=float, default=defaults.poll_s)
    parser.add_argument("--grace", type=float, default=defaults.stop_grace_s)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        config = DaemonConfig(lease_s=args.lease, heartbeat_s=args.heartbeat, poll_s=args.poll,
                              stop_grace_s=args.grace)
        settings = Settings.load()
        return run_daemon(settings.database_url, settings.api_url, config)
    except (SpacetradersError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
