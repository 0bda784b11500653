"""The producer side of the fault scenarios (tests/integration/test_faults.py), a script run
in a child process by fastpulsar and by pulsar-client 3.13 alike: it imports only ``pulsar``
and the standard library, and does the same thing with either.

``python fault_producer.py '<json config>'``: one client, one named producer with batching
and ``block_if_queue_full``, ``count`` messages sent with ``send_async`` and a callback each
(payload: the message's index, 8 bytes big-endian), at ``rate`` messages/s if given (else as
fast as the queue allows).  After ``fault_after`` sends it prints the line
``FAULT-EVENT fault-now`` so the test can kill the broker or cut the connection, and it goes
on sending.  Then ``flush()``, and it waits up to ``callback_deadline_s`` for the callbacks.

It writes ``out`` (see support.faults.ProducerOutcome.load): per message, how many times its
callback ran, the last result code, the time of the send_async call and of the callback
(``time.monotonic()``, the same clock as the test's on Linux).  Lines starting with
``FAULT-EVENT`` are its only output on stdout; libpulsar logs to ``log_file`` (warnings).
"""

from __future__ import annotations

import array
import json
import os
import sys
import threading
import time
from functools import partial
from typing import Any

import pulsar

NO_CALLBACK = 255  # result code of a message whose callback never ran
SEND_RAISED = 254  # send_async raised instead of taking the message


def event(name: str, **data: Any) -> None:
    sys.stdout.write(f"FAULT-EVENT {name} {json.dumps(data)}\n")
    sys.stdout.flush()


def main() -> int:
    cfg = json.loads(sys.argv[1])
    count = int(cfg["count"])
    calls = array.array("B", bytes(count))
    results = array.array("B", [NO_CALLBACK]) * count
    sent_at = array.array("d", [0.0]) * count
    done_at = array.array("d", [0.0]) * count
    done = [0]
    lock = threading.Lock()
    all_done = threading.Event()

    def callback(index: int, result: Any, msg_id: Any) -> None:
        now = time.monotonic()
        with lock:
            calls[index] = min(calls[index] + 1, 250)
            results[index] = int(result)
            done_at[index] = now
            done[0] += 1
            if done[0] >= count:
                all_done.set()

    client_kw: dict[str, Any] = {
        "operation_timeout_seconds": int(cfg.get("operation_timeout_s", 30)),
        "logger": pulsar.FileLogger(pulsar.LoggerLevel.Warn, cfg["log_file"]),
    }
    if cfg.get("listener_name"):
        client_kw["listener_name"] = cfg["listener_name"]
    client = pulsar.Client(cfg["service_url"], **client_kw)
    producer = client.create_producer(
        cfg["topic"],
        producer_name=cfg["producer_name"],
        send_timeout_millis=int(cfg["send_timeout_ms"]),
        batching_enabled=True,
        batching_max_messages=1000,
        batching_max_publish_delay_ms=10,
        max_pending_messages=int(cfg.get("max_pending", 10000)),
        block_if_queue_full=True,
    )
    event("started")
    fault_after = int(cfg["fault_after"])
    rate = float(cfg.get("rate") or 0.0)
    t0 = time.monotonic()
    for i in range(count):
        if i == fault_after:
            event("fault-now", sent=i)
        if rate:
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        sent_at[i] = time.monotonic()
        try:
            producer.send_async(i.to_bytes(8, "big"), partial(callback, i))
        except Exception as exc:  # noqa: BLE001 - recorded: the test decides
            with lock:
                results[i] = SEND_RAISED
                done[0] += 1
                if done[0] >= count:
                    all_done.set()
            event("send-raised", index=i, error=repr(exc))
    t_sent = time.monotonic()
    event("all-sent", seconds=t_sent - t0)
    try:
        producer.flush()
    except Exception as exc:  # noqa: BLE001 - the callbacks say what happened
        event("flush-raised", error=repr(exc))
    finished = all_done.wait(float(cfg["callback_deadline_s"]))
    t_end = time.monotonic()
    with lock:
        with open(cfg["out"], "wb") as out:
            for arr in (calls, results, sent_at, done_at):
                arr.tofile(out)
        callbacks = done[0]
    event(
        "done",
        finished=finished,
        callbacks=callbacks,
        send_s=t_sent - t0,
        total_s=t_end - t0,
    )
    try:
        producer.close()
        client.close()
    except Exception as exc:  # noqa: BLE001 - the figures are written already
        event("close-raised", error=repr(exc))
    if cfg.get("hard_exit"):
        # pulsar-client 3.13 can abort at interpreter exit even with everything closed.
        sys.stdout.flush()
        os._exit(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
