"""The broker-failure scenario of the cluster tests, the same for fastpulsar and for the
official pulsar-client (it imports ``pulsar`` and the standard library only, and runs as a
script in the official client's venv).

A named producer (batching, ``block_if_queue_full``) sends numbered messages with
callbacks, a Shared consumer receives and acknowledges them; after a few seconds ``fault()``
takes a broker down; the run waits until every partition has a send acknowledged after the
fault (the time to recover), sends on briefly, flushes, waits until the consumer has every
acknowledged message, then reads the topic through a subscription made at the start to
count what is stored (lost, stored twice).

As a script (``python scenario.py SERVICE_URL TOPIC PRODUCER_NAME PARTITIONS``) the fault is
the caller's: the script prints ``FAULT`` and waits for a line on stdin (sent once the broker
is down), and prints its figures as one JSON line ``RESULT {...}``.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pulsar

SEND_BEFORE_FAULT_S = 3.0
SEND_AFTER_RECOVERY_S = 2.0
RECOVERY_DEADLINE_S = 120.0  # a watchdog, not a speed assertion
SEND_TIMEOUT_MS = 180_000  # longer than any recovery: a send may only fail if none happens
BURST = 20  # messages per burst, one burst every 10 ms: ~2,000 messages/s at most


class Run:
    """What the sender and the receiver saw; ``lock`` guards everything but ``sent``."""

    def __init__(self, partitions: int) -> None:
        self.partitions = partitions
        self.sent = 0
        self.callbacks: collections.Counter[int] = collections.Counter()
        self.failed: dict[int, str] = {}
        self.acked: set[int] = set()
        self.ack_times: dict[int, list[float]] = collections.defaultdict(list)
        self.received: collections.Counter[int] = collections.Counter()
        self.lock = threading.Lock()

    def callback(self, index: int) -> Callable[[Any, Any], None]:
        def done(result: Any, msg_id: Any) -> None:
            now = time.monotonic()
            with self.lock:
                self.callbacks[index] += 1
                if result == pulsar.Result.Ok:
                    self.acked.add(index)
                    self.ack_times[msg_id.partition()].append(now)
                else:
                    self.failed[index] = str(result)

        return done

    def recovered_at(self, after: float) -> float | None:
        """When every partition had an Ok callback later than ``after`` (None: not yet)."""
        with self.lock:
            firsts = [
                min((t for t in self.ack_times.get(p, []) if t > after), default=None)
                for p in range(self.partitions)
            ]
        if any(t is None for t in firsts):
            return None
        return max(t for t in firsts if t is not None)

    def all_received(self) -> bool:
        with self.lock:
            return self.acked <= set(self.received)


def _sender(producer: Any, run: Run, stop: threading.Event) -> None:
    index = 0
    while not stop.is_set():
        for _ in range(BURST):
            producer.send_async(str(index).encode(), run.callback(index))
            index += 1
            run.sent = index
        time.sleep(0.01)


def _receiver(consumer: Any, run: Run, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            msg = consumer.receive(timeout_millis=200)
        except pulsar.Timeout:
            continue
        with run.lock:
            run.received[int(msg.data())] += 1
        consumer.acknowledge(msg)


def _stored(client: Any, topic: str, subscription: str) -> collections.Counter[int]:
    """Every message stored on ``topic`` after ``subscription``'s start, read to the end."""
    stored: collections.Counter[int] = collections.Counter()
    consumer = client.subscribe(topic, subscription, receiver_queue_size=5000)
    try:
        while True:
            try:
                msg = consumer.receive(timeout_millis=5000)
            except pulsar.Timeout:
                return stored
            stored[int(msg.data())] += 1
            consumer.acknowledge(msg)
    finally:
        consumer.close()


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def run_scenario(
    service_url: str, topic: str, producer_name: str, partitions: int, fault: Callable[[], None]
) -> dict[str, Any]:
    """Run the scenario on the partitioned ``topic`` (it must exist); ``fault()`` takes a
    broker down.  Returns the figures: sent, callbacks, callbacks_not_once, failed,
    acked_lost, stored_twice, redelivered, fault_s, recover_s, sender_stuck,
    received_all."""
    run = Run(partitions)
    stop_sending, stop_receiving = threading.Event(), threading.Event()
    client = pulsar.Client(service_url, operation_timeout_seconds=30)
    try:
        # The audit subscription starts now and reads everything stored, at the end.
        client.subscribe(
            topic, "cl-audit", initial_position=pulsar.InitialPosition.Earliest
        ).close()
        consumer = client.subscribe(
            topic,
            "cl-live",
            consumer_type=pulsar.ConsumerType.Shared,
            initial_position=pulsar.InitialPosition.Earliest,
        )
        producer = client.create_producer(
            topic,
            producer_name=producer_name,
            batching_enabled=True,
            block_if_queue_full=True,
            max_pending_messages=5000,
            send_timeout_millis=SEND_TIMEOUT_MS,
        )
        sender = threading.Thread(target=_sender, args=(producer, run, stop_sending), daemon=True)
        receiver = threading.Thread(target=_receiver, args=(consumer, run, stop_receiving))
        sender.start()
        receiver.start()
        recovered: float | None = None
        try:
            time.sleep(SEND_BEFORE_FAULT_S)
            t_fault = time.monotonic()
            fault()
            t_down = time.monotonic()
            if _wait(lambda: run.recovered_at(t_fault) is not None, RECOVERY_DEADLINE_S):
                time.sleep(SEND_AFTER_RECOVERY_S)
        finally:
            stop_sending.set()
            sender.join(60)
        stuck = sender.is_alive()
        if not stuck:
            producer.flush()
        recovered = run.recovered_at(t_fault)
        received_all = _wait(run.all_received, 120)
        stop_receiving.set()
        receiver.join(30)
        consumer.close()
        stored = _stored(client, topic, "cl-audit")
        producer.close()
    finally:
        stop_sending.set()
        stop_receiving.set()
        client.close()
    with run.lock:
        return {
            "sent": run.sent,
            "callbacks": sum(run.callbacks.values()),
            "callbacks_not_once": sorted(
                i for i in range(run.sent) if run.callbacks.get(i, 0) != 1
            )[:20],
            "failed": len(run.failed),
            "acked_lost": len(run.acked - set(stored)),
            "stored_twice": sum(1 for n in stored.values() if n > 1),
            "stored_unknown": sum(1 for i in stored if not 0 <= i < run.sent),
            "redelivered": sum(n - 1 for n in run.received.values() if n > 1),
            "fault_s": t_down - t_fault,
            "recover_s": None if recovered is None else recovered - t_fault,
            "sender_stuck": stuck,
            "received_all": received_all,
        }


def main() -> None:
    service_url, topic, producer_name, partitions = sys.argv[1:5]

    def fault() -> None:
        print("FAULT", flush=True)
        sys.stdin.readline()

    result = run_scenario(service_url, topic, producer_name, int(partitions), fault)
    print("RESULT " + json.dumps(result), flush=True)
    # pulsar-client 3.13 can abort at interpreter exit even with everything closed.
    os._exit(0)


if __name__ == "__main__":
    main()
