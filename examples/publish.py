"""Publish a few messages and print their message ids.

By default this starts an embedded pulsar-lite broker on a free loopback port, publishes
to it and stops it (this needs the broker helpers from the checkout and pulsar-lite:
`pip install ./testing` and `pip install --no-deps pulsar-lite==0.2.0`); with --service-url
it publishes to that cluster instead, and needs nothing but fastpulsar.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pulsar


def publish(service_url: str, topic: str, count: int) -> None:
    with pulsar.Client(service_url) as client, client.create_producer(topic) as producer:
        for i in range(count):
            message_id = producer.send(f"hello {i}".encode(), properties={"n": str(i)})
            print(f"sent message {i} to {topic}: {message_id}")
        # The same, without waiting for each: the callback runs on pulsar's dispatcher thread.
        acked: list[pulsar.MessageId] = []
        for i in range(count):
            producer.send_async(f"async {i}".encode(), lambda result, mid: acked.append(mid))
        producer.flush()  # when it returns, every callback has run
        for mid in acked:
            print(f"sent async message to {topic}: {mid}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--service-url", help="publish to this cluster instead of pulsar-lite")
    parser.add_argument("--topic", default="persistent://public/default/fastpulsar-demo")
    parser.add_argument("--count", type=int, default=5)
    args = parser.parse_args()
    if args.service_url:
        publish(args.service_url, args.topic, args.count)
        return 0
    try:  # the pulsar-lite launcher the tests use
        from fastpulsar_testing.lite import PulsarLite, find_pulsar_lite_binary
    except ImportError:
        parser.error(
            "starting pulsar-lite needs the broker helpers: `pip install ./testing` from the "
            "fastpulsar checkout (or give --service-url)"
        )
    with tempfile.TemporaryDirectory(prefix="fastpulsar-demo-") as workdir:
        broker = PulsarLite(find_pulsar_lite_binary(), Path(workdir)).start()
        try:
            print(f"started pulsar-lite at {broker.service_url}")
            publish(broker.service_url, args.topic, args.count)
        finally:
            broker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
