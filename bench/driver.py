"""One benchmark workload with whichever `pulsar` this interpreter imports (fastpulsar, or
the official pulsar-client in its own virtual environment). Prints one JSON object.

    python driver.py --url URL --topic T --mode MODE [--count N] [--payload BYTES]
                     [--batching 0|1] [--threads T]

Modes: async (send_async with a Python callback), async-nocb (send_async without one;
the official client requires a callable, so it gets a no-op), sync (send, with latency
percentiles), threads (T threads doing send on one producer), rss (1,000,000 async sends,
resident memory after the first 100,000 and at the end).
"""

from __future__ import annotations

import argparse
import json
import threading
import time

import pulsar


def rss_kib(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def is_fastpulsar() -> bool:
    return hasattr(pulsar, "libpulsar_version")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument(
        "--mode", required=True, choices=["async", "async-nocb", "sync", "threads", "rss"]
    )
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--payload", type=int, default=100)
    parser.add_argument("--batching", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    client = pulsar.Client(args.url)
    producer = client.create_producer(
        args.topic,
        batching_enabled=bool(args.batching),
        batching_max_publish_delay_ms=10,
        batching_max_messages=1000,
        max_pending_messages=10_000,
        block_if_queue_full=True,
    )
    payload = b"x" * args.payload
    for _ in range(100):  # warm-up: connection, first batches
        producer.send(payload)

    completed = 0
    failed = 0

    def callback(result: pulsar.Result, msg_id: pulsar.MessageId) -> None:
        nonlocal completed, failed
        completed += 1
        if result != pulsar.Result.Ok:
            failed += 1

    out: dict[str, float] = {}
    send_async = producer.send_async
    if args.mode in ("async", "async-nocb"):
        cb = callback if args.mode == "async" else (None if is_fastpulsar() else lambda r, m: None)
        start = time.perf_counter()
        for _ in range(args.count):
            send_async(payload, cb)
        producer.flush()
        elapsed = time.perf_counter() - start
        if args.mode == "async" and (completed != args.count or failed):
            raise SystemExit(f"{completed} of {args.count} callbacks, {failed} failed")
    elif args.mode == "sync":
        latencies = []
        send = producer.send
        start = time.perf_counter()
        for _ in range(args.count):
            t0 = time.perf_counter()
            send(payload)
            latencies.append((time.perf_counter() - t0) * 1e6)
        elapsed = time.perf_counter() - start
        latencies.sort()
        out["p50_us"] = latencies[len(latencies) // 2]
        out["p99_us"] = latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)]
    elif args.mode == "threads":
        per_thread = args.count // args.threads

        def worker() -> None:
            for _ in range(per_thread):
                producer.send(payload)

        workers = [threading.Thread(target=worker) for _ in range(args.threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - start
        args.count = per_thread * args.threads
    else:  # rss
        start = time.perf_counter()
        total = 1_000_000
        for i in range(total):
            send_async(payload, callback)
            if i + 1 == 100_000:
                producer.flush()
                out["rss_100k_mib"] = rss_kib() / 1024
        producer.flush()
        elapsed = time.perf_counter() - start
        out["rss_1m_mib"] = rss_kib() / 1024
        out["peak_rss_mib"] = rss_kib("VmHWM") / 1024
        args.count = total

    out["rate"] = args.count / elapsed
    out["seconds"] = elapsed
    out["count"] = args.count
    producer.close()
    client.close()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
