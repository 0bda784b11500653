"""Run Apache Pulsar standalone as the tests do: ``python -m fastpulsar_testing.standalone``."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from .maven import DEFAULT_VERSION, SOURCES, ensure_broker
from .process import StandaloneBroker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run Apache Pulsar standalone as the tests do.")
    parser.add_argument("--version", default=DEFAULT_VERSION)
    parser.add_argument("--source", default="auto", choices=SOURCES)
    parser.add_argument("--tls", action="store_true", help="TLS ports and token auth")
    parser.add_argument("--fetch-only", action="store_true", help="only fill the cache")
    parser.add_argument("--hold", type=float, default=None, help="seconds to run (default: ^C)")
    args = parser.parse_args(argv)
    if args.fetch_only:
        t0 = time.monotonic()
        print(ensure_broker(args.version, args.source), f"({time.monotonic() - t0:.1f} s)")
        return 0
    with StandaloneBroker(args.version, source=args.source, tls=args.tls) as broker:
        print(f"Apache Pulsar {broker.broker_version} ({broker.source}), pid {broker.pid}")
        print(f"service URL {broker.service_url}, admin {broker.admin_url}")
        if broker.tls:
            print(f"TLS {broker.service_url_tls}, {broker.admin_url_tls}, CA {broker.ca_cert_path}")
            print(f"admin token {broker.admin_token}")
        print("timings", {k: round(v, 2) for k, v in broker.timings.items()}, flush=True)
        try:
            if args.hold is None:
                signal.pause()
            else:
                time.sleep(args.hold)
        except KeyboardInterrupt:
            pass
    print("stopped in", round(broker.timings.get("stop_s", -1), 2), "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
