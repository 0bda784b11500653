"""Listener threads and dropped clients, run as a script by fastpulsar's interpreter and by
pulsar-client 3.13's (each in its own process, this file as the script), so that the tests
compare what each does.

Arguments: a scenario, the service URL, a topic. Prints one line ``PEER-RESULT <json>``.
Imports nothing but pulsar and the standard library.

flush-while-listener-blocks
    A message listener blocks (on an Event this script holds) in its first call; meanwhile
    another producer sends 200 messages with callbacks and flush()es. Reports whether the
    flush returned with every callback run while the listener was still blocked.
dropped-client
    A function makes a Client and a producer, sends 50 messages with send_async (batched,
    not flushed) and returns without close(). Reports the thread count before, whether it
    came back to it (within 30 s) and how many callbacks ran (each counted).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from typing import Any

import pulsar

PEER_PREFIX = "PEER-RESULT "
WAIT_S = 30.0


def flush_while_listener_blocks(url: str, topic: str) -> dict[str, Any]:
    entered = threading.Event()
    release = threading.Event()
    finished = threading.Event()

    def listener(consumer: Any, message: Any) -> None:
        entered.set()
        release.wait(WAIT_S)
        consumer.acknowledge(message)
        finished.set()

    client = pulsar.Client(url)
    try:
        client.subscribe(
            topic,
            "blocked",
            message_listener=listener,
            initial_position=pulsar.InitialPosition.Earliest,
        )
        client.create_producer(topic).send(b"block")
        result: dict[str, Any] = {"listener_entered": entered.wait(WAIT_S)}
        other = client.create_producer(topic + "-other", batching_enabled=True)
        done: list[str] = []
        for _ in range(200):
            other.send_async(b"x", lambda res, msg_id: done.append(str(res)))
        other.flush()
        result["callbacks_at_flush"] = len(done)
        result["listener_still_blocked"] = not finished.is_set()
    finally:
        release.set()
    result["listener_finished"] = finished.wait(WAIT_S)
    client.close()
    return result


def dropped_client(url: str, topic: str) -> dict[str, Any]:
    before = threading.active_count()
    results: list[bool] = []

    def use() -> None:
        client = pulsar.Client(url)
        producer = client.create_producer(
            topic, batching_enabled=True, batching_max_publish_delay_ms=100
        )
        for _ in range(50):
            producer.send_async(b"x", lambda res, msg_id: results.append(res == pulsar.Result.Ok))

    use()
    gc.collect()
    deadline = time.monotonic() + WAIT_S
    while threading.active_count() != before and time.monotonic() < deadline:
        time.sleep(0.01)
    return {
        "before": before,
        "back_to_before": threading.active_count() == before,
        "callbacks": len(results),
        "sent": sorted(set(results)),
    }


def main() -> None:
    scenario, url, topic = sys.argv[1:4]
    run = {
        "flush-while-listener-blocks": flush_while_listener_blocks,
        "dropped-client": dropped_client,
    }
    print(PEER_PREFIX + json.dumps(run[scenario](url, topic)), flush=True)


if __name__ == "__main__":
    main()
    # pulsar-client 3.13 (no `pulsar.libpulsar_version`) can abort at interpreter exit after
    # a program that closed everything ("terminate called without an active exception"): it
    # leaves once the result is printed. fastpulsar exits the normal way (a clean exit, with
    # the dispatcher's threads stopping, is part of what is tested).
    if not hasattr(pulsar, "libpulsar_version"):
        sys.stderr.flush()
        os._exit(0)
