"""``python -m fastpulsar_testing.cluster``: start a cluster, print its URLs, wait for Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from .cluster import PulsarCluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brokers", type=int, default=2)
    args = parser.parse_args()
    with PulsarCluster(brokers=args.brokers) as cluster:
        print(f"service URL: {cluster.service_url}")
        for broker in cluster.brokers:
            print(f"{broker.name}: {broker.service_url} admin {broker.admin_url}")
        print("timings: " + ", ".join(f"{k}={v:.1f}s" for k, v in cluster.timings.items()))
        print("RSS MiB: " + ", ".join(f"{k}={v:.0f}" for k, v in cluster.rss_mb().items()))
        print(f"work dir: {cluster.work_dir}; Ctrl-C stops")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
