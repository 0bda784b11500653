"""One asyncio benchmark workload with whichever `pulsar.asyncio` this interpreter imports
(fastpulsar's, or pulsar-client 3.13's in its own virtual environment). Prints one JSON
object, as bench/driver.py does.

    python async_driver.py --url URL --topic T --mode MODE [--count N]

Producer modes (100-byte payloads; the producer settings of driver.py's send_async modes:
batching --batching, 10 ms, 1,000 messages, 10,000 pending, block_if_queue_full; 100 untimed
sends first):
  aio-gather      `await producer.send()` count times, in windows of WINDOW gathered with
                  asyncio.gather (count is rounded up to a whole window);
  aio-sequential  one `await producer.send()` after the other, with latency percentiles
                  (run it with --batching 0: the round trip, not the batch delay).

Consumer modes, on a topic that already holds count + 100 messages (the first 100 are the
untimed warm-up), stopping at count + 100 distinct message ids (duplicate check off the
clock), as driver.py's consumer modes:
  aio-receive     `await consumer.receive()` + `await consumer.acknowledge(msg)`;
  aio-for         `async for msg in consumer` + `await consumer.acknowledge(msg)`
                  (fastpulsar only: pulsar-client 3.13's Consumer is not async-iterable).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

import pulsar
import pulsar.asyncio

if TYPE_CHECKING:  # run as a script, bench/ is on sys.path; mypy sees the bench package
    from bench.driver import WARMUP, consumer_sample, cpu_seconds, distinct
else:
    from driver import WARMUP, consumer_sample, cpu_seconds, distinct

WINDOW = 1000  # aio-gather: sends per asyncio.gather
PRODUCER_MODES = ("aio-gather", "aio-sequential")
CONSUMER_MODES = ("aio-receive", "aio-for")
MODES = PRODUCER_MODES + CONSUMER_MODES


async def produce(client: Any, args: argparse.Namespace) -> dict[str, float]:
    producer = await client.create_producer(
        args.topic,
        batching_enabled=bool(args.batching),
        batching_max_publish_delay_ms=10,
        batching_max_messages=1000,
        max_pending_messages=10_000,
        block_if_queue_full=True,
    )
    payload = b"x" * args.payload
    send = producer.send
    for _ in range(WARMUP):  # connection, first batches
        await send(payload)
    out: dict[str, float] = {}
    count = args.count
    if args.mode == "aio-gather":
        windows = -(-count // WINDOW)
        count = windows * WINDOW
        gather = asyncio.gather
        start = time.perf_counter()
        for _ in range(windows):
            ids = await gather(*[send(payload) for _ in range(WINDOW)])
            if len(ids) != WINDOW:
                raise SystemExit(f"{len(ids)} message ids for a window of {WINDOW}")
        elapsed = time.perf_counter() - start
    else:  # aio-sequential
        latencies = []
        start = time.perf_counter()
        for _ in range(count):
            t0 = time.perf_counter()
            await send(payload)
            latencies.append((time.perf_counter() - t0) * 1e6)
        elapsed = time.perf_counter() - start
        latencies.sort()
        out["p50_us"] = latencies[len(latencies) // 2]
        out["p99_us"] = latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)]
    await producer.close()
    out.update(rate=count / elapsed, seconds=elapsed, count=count)
    return out


class Tally:
    """The clock of a consumer loop: it starts once WARMUP ids are in, and stops at `total`
    distinct ids (the duplicate check runs off the clock). The loop appends each message's
    id to `ids` and calls reached() whenever len(ids) >= target."""

    def __init__(self, total: int) -> None:
        self.ids: list[Any] = []
        self.total = total
        self.target = WARMUP
        self.started = False
        self.start = self.cpu_start = 0.0
        self.elapsed = self.cpu = 0.0

    def reached(self) -> bool:
        now, cpu_now = time.perf_counter(), cpu_seconds()
        if self.started:
            self.elapsed += now - self.start
            self.cpu += cpu_now - self.cpu_start
            unique = distinct(self.ids)
            if unique >= self.total:
                return True
            self.target = len(self.ids) + self.total - unique
        else:
            self.started, self.target = True, self.total
        self.start, self.cpu_start = time.perf_counter(), cpu_seconds()
        return False


async def consume(client: Any, args: argparse.Namespace) -> dict[str, float]:
    consumer = await client.subscribe(
        args.topic, "bench", initial_position=pulsar.InitialPosition.Earliest
    )
    tally = Tally(args.count + WARMUP)
    append = tally.ids.append
    acknowledge = consumer.acknowledge
    if args.mode == "aio-receive":
        receive = consumer.receive
        while True:
            msg = await receive()
            await acknowledge(msg)
            append(msg.message_id())
            if len(tally.ids) >= tally.target and tally.reached():
                break
    else:  # aio-for
        async for msg in consumer:
            await acknowledge(msg)
            append(msg.message_id())
            if len(tally.ids) >= tally.target and tally.reached():
                break
    await consumer.close()
    return consumer_sample(args.count, tally.elapsed, tally.cpu, tally.ids)


async def run(args: argparse.Namespace) -> dict[str, float]:
    client: Any = pulsar.asyncio.Client(args.url)
    try:
        if args.mode in CONSUMER_MODES:
            return await consume(client, args)
        return await produce(client, args)
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--mode", required=True, choices=MODES)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--payload", type=int, default=100)
    parser.add_argument("--batching", type=int, default=1)
    args = parser.parse_args()
    if args.mode == "aio-for" and not hasattr(pulsar, "libpulsar_version"):
        raise SystemExit("aio-for: pulsar-client 3.13's asyncio Consumer has no `async for`")
    print(json.dumps(asyncio.run(run(args))), flush=True)
    if not hasattr(pulsar, "libpulsar_version"):
        # pulsar-client 3.13: its asyncio callbacks, still queued on libpulsar's threads, can
        # abort the interpreter's exit ("terminate called without an active exception") or
        # crash it, after the figures are printed. The run is over: end the process here.
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
