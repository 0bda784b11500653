"""One run of the threads workload (bench/threads.py runs it under each interpreter).

    python bench/threads_driver.py --url URL --threads N --layout own|shared
                                   [--messages M] [--size BYTES] [--client fastpulsar|official]
                                   [--work none|json]

N threads call send_async(payload, callback) in a loop, M messages in all (M / N each):
with `--work none` the same payload of --size bytes each time; with `--work json`, each
message is encoded by its thread first, as a service does: json.dumps of a 5-field dict
(its thread, its number, a time, a name, a --size character text), then .encode().
`own` gives each thread a producer of its own on its own topic, `shared` has all of them on
one producer. The clock runs from the threads' start until every callback has run (flush
on every producer). Prints one JSON line: the rate, whether the GIL was enabled at the end
(a free-threaded CPython turns it back on when a module that needs it is imported), and
the callbacks counted (each thread counts its own: no shared counter to contend for).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from typing import Any


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--layout", choices=["own", "shared"], required=True)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--client", choices=["fastpulsar", "official"], default="fastpulsar")
    parser.add_argument("--work", choices=["none", "json"], default="none")
    args = parser.parse_args()
    import pulsar

    if (args.client == "fastpulsar") != hasattr(pulsar, "libpulsar_version"):
        print(f"--client {args.client}, but imported {pulsar.__file__}", file=sys.stderr)
        return 2
    client = pulsar.Client(args.url, operation_timeout_seconds=30)
    producer_count = args.threads if args.layout == "own" else 1
    prefix = f"persistent://public/default/threads-{uuid.uuid4().hex[:12]}"
    producers: list[Any] = [
        client.create_producer(
            f"{prefix}-{i}",
            batching_enabled=True,
            batching_max_messages=1000,
            batching_max_publish_delay_ms=10,
            max_pending_messages=10_000,
            block_if_queue_full=True,
        )
        for i in range(producer_count)
    ]
    payload = b"x" * args.size
    for producer in producers:
        producer.send(payload)  # connected and warm before the clock starts
    per_thread = args.messages // args.threads
    counts = [0] * args.threads
    failures = [0] * args.threads
    start = threading.Barrier(args.threads + 1)

    def work(index: int) -> None:
        send_async = producers[index % producer_count].send_async

        def done(result: Any, _msg_id: Any) -> None:
            # Callbacks of one producer run in order on the dispatcher thread; each thread's
            # list slot is written by its own producer's callbacks (or, shared, by one).
            counts[index] += 1
            if result != pulsar.Result.Ok:
                failures[index] += 1

        start.wait()
        if args.work == "none":
            for _ in range(per_thread):
                send_async(payload, done)
            return
        text = "x" * args.size
        dumps = json.dumps
        for i in range(per_thread):
            record = {"thread": index, "seq": i, "at": 1.7e9 + i, "name": "order", "text": text}
            send_async(dumps(record).encode(), done)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    for producer in producers:
        producer.flush()
    elapsed = time.perf_counter() - began
    client.close()
    sent = per_thread * args.threads
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(
        json.dumps(
            {
                "rate": sent / elapsed,
                "seconds": elapsed,
                "sent": sent,
                "callbacks": sum(counts),
                "failures": sum(failures),
                "gil_enabled": gil,
                "python": sys.version.split()[0] + ("t" if not gil else ""),
            }
        )
    )
    return 0 if sum(counts) == sent and sum(failures) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
