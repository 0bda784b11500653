"""One benchmark workload with whichever `pulsar` this interpreter imports (fastpulsar, or
the official pulsar-client in its own virtual environment). Prints one JSON object.

    python driver.py --url URL --topic T --mode MODE [--count N] [--payload BYTES]
                     [--batching 0|1] [--threads T]

Modes: async (send_async with a Python callback), async-nocb (send_async without one;
the official client requires a callable, so it gets a no-op), sync (send, with latency
percentiles), threads (T threads doing send on one producer), rss (1,000,000 async sends,
resident memory after the first 100,000 and at the end).

Consumer modes, on a topic that already holds count + 100 messages (the first 100 are the
untimed warm-up): receive (receive + acknowledge), listener (a message listener that
acknowledges), listener4 (four consumers, each of a subscription of its own reading the
whole topic, with message_listener_threads=4; it times four times count messages), batch (batch_receive + acknowledge of each; --batch-max messages at most),
reader (read_next). A consumer stops once it has seen count + 100 distinct message ids (a
broker may deliver one twice); the duplicate check runs off the clock.

Typed modes (a 5-field Record, `Reading` below, with JsonSchema or AvroSchema; the same
class under both clients): json-send-async / avro-send-async (a Reading built and given to
send_async with a callback per message, batching on, after 100 untimed sends), and
json-receive / avro-receive (receive + value() + acknowledge, on a topic that already
holds count + 100 records written with the same schema: the send modes' output).
"""

from __future__ import annotations

import argparse
import json
import resource
import threading
import time
from collections.abc import Callable
from typing import Any

import pulsar
from pulsar.schema import AvroSchema, Boolean, Double, JsonSchema, Long, Record, String


class Reading(Record):
    """The typed workloads' record: what a sensor might report."""

    sensor = String(required=True)
    seq = Long(required=True)
    value = Double()
    ok = Boolean()
    unit = String()


def reading(seq: int) -> Reading:
    return Reading(sensor="sensor-0042", seq=seq, value=seq * 0.5, ok=True, unit="celsius")


TYPED_MODES = ("json-send-async", "avro-send-async", "json-receive", "avro-receive")


def typed_schema(mode: str) -> Any:
    return JsonSchema(Reading) if mode.startswith("json") else AvroSchema(Reading)


def rss_kib(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def is_fastpulsar() -> bool:
    return hasattr(pulsar, "libpulsar_version")


CONSUMER_MODES = ("receive", "listener", "listener4", "batch", "reader")
WARMUP = 100  # consumer modes: messages received before the clock starts
TIMEOUT_S = 30.0  # a consumer that waits this long for its messages has failed


def distinct(ids: list[Any]) -> int:
    """How many distinct message ids (pulsar-client's MessageId is not hashable); a
    (consumer index, message id) pair counts as its pair."""
    return len({key(i) for i in ids})


def key(i: Any) -> tuple[int, ...]:
    if isinstance(i, tuple):
        return (i[0], *key(i[1]))
    return (i.ledger_id(), i.entry_id(), i.partition(), i.batch_index())


def cpu_seconds() -> float:
    """CPU time of the whole process (every thread, libpulsar's included), user + system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pull_loop(total: int, pull: Callable[[list[Any]], None]) -> tuple[float, float, list[Any]]:
    """Calls pull(ids) until `total` distinct ids; the clock runs from the end of the
    warm-up and stops for the duplicate check. Returns (seconds, CPU seconds, ids)."""
    ids: list[Any] = []
    while len(ids) < WARMUP:
        pull(ids)
    elapsed = cpu = 0.0
    target = total
    while True:
        start, cpu_start = time.perf_counter(), cpu_seconds()
        while len(ids) < target:
            pull(ids)
        elapsed += time.perf_counter() - start
        cpu += cpu_seconds() - cpu_start
        unique = distinct(ids)
        if unique >= total:
            return elapsed, cpu, ids
        target = len(ids) + total - unique


def consumer_sample(count: int, elapsed: float, cpu: float, ids: list[Any]) -> dict[str, float]:
    """A consumer workload's figures: `count` timed messages in `elapsed` seconds and `cpu`
    CPU seconds; `ids` every message id received (warm-up and duplicates included)."""
    return {
        "rate": count / elapsed,
        "seconds": elapsed,
        "count": count,
        "cpu_us_per_msg": cpu / count * 1e6,
        "received": len(ids),
        "duplicates": len(ids) - distinct(ids),
    }


def consume(client: pulsar.Client, args: argparse.Namespace) -> dict[str, float]:
    total = args.count + WARMUP
    if args.mode == "reader":
        reader = client.create_reader(args.topic, pulsar.MessageId.earliest)
        read_next = reader.read_next

        def read(ids: list[Any]) -> None:
            ids.append(read_next().message_id())

        elapsed, cpu, ids = pull_loop(total, read)
        reader.close()
    elif args.mode == "listener":
        elapsed, cpu, ids = listen(client, args.topic, total)
    elif args.mode == "listener4":
        elapsed, cpu, ids = listen_many(client, args.topic, total, 4)
        return consumer_sample(4 * args.count, elapsed, cpu, ids)
    else:
        kwargs: dict[str, Any] = {}
        if args.mode == "batch":
            kwargs["batch_receive_policy"] = pulsar.ConsumerBatchReceivePolicy(
                args.batch_max, -1, 100
            )
        consumer = client.subscribe(
            args.topic,
            "bench",
            initial_position=pulsar.InitialPosition.Earliest,
            **kwargs,
        )
        receive = consumer.receive
        batch_receive = consumer.batch_receive
        acknowledge = consumer.acknowledge

        def receive_one(ids: list[Any]) -> None:
            msg = receive()
            acknowledge(msg)
            ids.append(msg.message_id())

        def receive_batch(ids: list[Any]) -> None:
            for msg in batch_receive():
                acknowledge(msg)
                ids.append(msg.message_id())

        elapsed, cpu, ids = pull_loop(
            total, receive_one if args.mode == "receive" else receive_batch
        )
        consumer.close()
    return consumer_sample(args.count, elapsed, cpu, ids)


def consume_typed(client: pulsar.Client, args: argparse.Namespace) -> dict[str, float]:
    """receive + value() + acknowledge of count + 100 records (100 untimed)."""
    total = args.count + WARMUP
    consumer = client.subscribe(
        args.topic,
        "bench",
        schema=typed_schema(args.mode),
        initial_position=pulsar.InitialPosition.Earliest,
    )
    receive = consumer.receive
    acknowledge = consumer.acknowledge
    checked: list[Any] = []

    def receive_one(ids: list[Any]) -> None:
        msg = receive()
        value = msg.value()
        acknowledge(msg)
        ids.append(msg.message_id())
        if len(ids) <= WARMUP:
            checked.append(value)

    elapsed, cpu, ids = pull_loop(total, receive_one)
    consumer.close()
    for value in checked:  # the warm-up's values: records, as they were sent
        seq: Any = getattr(value, "seq", None)
        if type(value) is not Reading or value != reading(seq):
            raise SystemExit(f"{args.mode}: unexpected value {value}")
    return consumer_sample(args.count, elapsed, cpu, ids)


def produce_typed(client: pulsar.Client, args: argparse.Namespace) -> dict[str, float]:
    """send_async(Reading(...), callback) of count records, batching on (100 untimed first)."""
    producer = client.create_producer(
        args.topic,
        schema=typed_schema(args.mode),
        batching_enabled=True,
        batching_max_publish_delay_ms=10,
        batching_max_messages=1000,
        max_pending_messages=10_000,
        block_if_queue_full=True,
    )
    # Any: fastpulsar's stubs type content as bytes or str, not yet as a schema's record.
    send: Any = producer.send
    send_async: Any = producer.send_async
    for i in range(WARMUP):
        send(reading(i))
    completed = failed = 0

    def callback(result: pulsar.Result, msg_id: pulsar.MessageId) -> None:
        nonlocal completed, failed
        completed += 1
        if result != pulsar.Result.Ok:
            failed += 1

    start = time.perf_counter()
    for i in range(WARMUP, WARMUP + args.count):
        send_async(
            Reading(sensor="sensor-0042", seq=i, value=i * 0.5, ok=True, unit="celsius"), callback
        )
    producer.flush()
    elapsed = time.perf_counter() - start
    if completed != args.count or failed:
        raise SystemExit(f"{completed} of {args.count} callbacks, {failed} failed")
    producer.close()
    return {"rate": args.count / elapsed, "seconds": elapsed, "count": args.count}


def listen(client: pulsar.Client, topic: str, total: int) -> tuple[float, float, list[Any]]:
    """A message listener that acknowledges; the clock runs from the warm-up's last
    message to the one that completes `total` distinct ids. Returns (seconds, CPU
    seconds, ids)."""
    ids: list[Any] = []
    stamps: dict[str, float] = {}
    target = total
    reached = threading.Event()
    append = ids.append

    def listener(consumer: Any, msg: Any) -> None:
        consumer.acknowledge(msg)
        append(msg.message_id())
        n = len(ids)
        if n == WARMUP:
            stamps["start"], stamps["cpu_start"] = time.perf_counter(), cpu_seconds()
        if n == target:
            stamps["end"], stamps["cpu_end"] = time.perf_counter(), cpu_seconds()
            reached.set()

    consumer = client.subscribe(
        topic,
        "bench",
        message_listener=listener,
        initial_position=pulsar.InitialPosition.Earliest,
    )
    while True:
        if not reached.wait(TIMEOUT_S):
            raise SystemExit(f"listener: {len(ids)} of {target} messages")
        unique = distinct(list(ids))
        if unique >= total:
            break
        reached.clear()
        target = len(ids) + total - unique
        if len(ids) >= target:  # the duplicates' replacements came in meanwhile
            stamps["end"], stamps["cpu_end"] = time.perf_counter(), cpu_seconds()
            reached.set()
    consumer.close()
    return stamps["end"] - stamps["start"], stamps["cpu_end"] - stamps["cpu_start"], ids


def listen_many(
    client: pulsar.Client, topic: str, total: int, consumers: int
) -> tuple[float, float, list[Any]]:
    """`consumers` consumers, each of a subscription of its own, with a message listener
    that acknowledges (on the client's listener threads); as listen(), over `consumers`
    times `total` (consumer index, message id) pairs."""
    ids: list[Any] = []
    stamps: dict[str, float] = {}
    wanted = consumers * total
    target = wanted
    reached = threading.Event()
    lock = threading.Lock()
    append = ids.append

    def listener_of(index: int) -> Callable[[Any, Any], None]:
        def listener(consumer: Any, msg: Any) -> None:
            consumer.acknowledge(msg)
            with lock:
                append((index, msg.message_id()))
                n = len(ids)
                if n == consumers * WARMUP:
                    stamps["start"], stamps["cpu_start"] = time.perf_counter(), cpu_seconds()
                if n == target:
                    stamps["end"], stamps["cpu_end"] = time.perf_counter(), cpu_seconds()
                    reached.set()

        return listener

    subscribed = [
        client.subscribe(
            topic,
            f"bench-{index}",
            message_listener=listener_of(index),
            initial_position=pulsar.InitialPosition.Earliest,
        )
        for index in range(consumers)
    ]
    while True:
        if not reached.wait(TIMEOUT_S):
            raise SystemExit(f"listener4: {len(ids)} of {target} messages")
        with lock:
            snapshot = list(ids)
        unique = distinct(snapshot)
        if unique >= wanted:
            break
        with lock:
            reached.clear()
            target = len(ids) + wanted - unique
            if len(ids) >= target:
                stamps["end"], stamps["cpu_end"] = time.perf_counter(), cpu_seconds()
                reached.set()
    for consumer in subscribed:
        consumer.close()
    return stamps["end"] - stamps["start"], stamps["cpu_end"] - stamps["cpu_start"], ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument(
        "--mode",
        required=True,
        choices=["async", "async-nocb", "sync", "threads", "rss", *CONSUMER_MODES, *TYPED_MODES],
    )
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--payload", type=int, default=100)
    parser.add_argument("--batching", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-max", type=int, default=100)
    args = parser.parse_args()

    client = pulsar.Client(args.url, message_listener_threads=4 if args.mode == "listener4" else 1)
    if args.mode in TYPED_MODES:
        if args.mode.endswith("receive"):
            sample = consume_typed(client, args)
        else:
            sample = produce_typed(client, args)
        client.close()
        print(json.dumps(sample), flush=True)
        return
    if args.mode in CONSUMER_MODES:
        sample = consume(client, args)
        client.close()
        print(json.dumps(sample), flush=True)
        return
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
