"""fastpulsar on a free-threaded CPython (3.13t): the GIL stays off, and many threads using
producers and consumers at once lose nothing.

On a regular CPython these tests skip, saying so; tools/freethreaded.sh runs them (with the
unit tests and the producer race and stress tests) on a python3.13t.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import threading
import time
import uuid
from collections import Counter

import pytest

import pulsar

pytestmark = pytest.mark.skipif(
    not sysconfig.get_config_var("Py_GIL_DISABLED"),
    reason="not a free-threaded CPython (tools/freethreaded.sh runs these on python3.13t)",
)

# How long the concurrent-use test runs (the 60 s stress: FASTPULSAR_FT_STRESS_S=60).
STRESS_S = float(os.environ.get("FASTPULSAR_FT_STRESS_S", "8"))

GIL_CHILD = textwrap.dedent(
    """
    import json, sys
    facts = {"after_import_sys": sys._is_gil_enabled()}
    import pulsar
    facts["after_import_pulsar"] = sys._is_gil_enabled()
    client = pulsar.Client(sys.argv[1])
    producer = client.create_producer(sys.argv[2])
    consumer = client.subscribe(sys.argv[2], "sub", message_listener=lambda c, m: c.acknowledge(m))
    producer.send(b"first")
    facts["after_first_send"] = sys._is_gil_enabled()
    done = []
    producer.send_async(b"second", lambda r, i: done.append(r.name))
    producer.flush()
    facts["callbacks"] = done
    import pulsar.asyncio
    facts["after_asyncio"] = sys._is_gil_enabled()
    client.close()
    facts["at_end"] = sys._is_gil_enabled()
    print("FACTS " + json.dumps(facts))
    """
)


def test_the_gil_stays_off_without_python_gil(broker, topic, tmp_path):
    # A child without PYTHON_GIL (the suite itself may run with PYTHON_GIL=0): the
    # interpreter turns the GIL on when a module that did not declare itself safe loads.
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    result = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", GIL_CHILD, broker.service_url, topic],
        cwd=tmp_path,  # not the checkout, whose pulsar/ has no extension
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("FACTS "))
    facts = json.loads(line[len("FACTS ") :])
    assert facts == {
        "after_import_sys": False,
        "after_import_pulsar": False,
        "after_first_send": False,
        "callbacks": ["Ok"],
        "after_asyncio": False,
        "at_end": False,
    }


def test_many_threads_send_flush_close_create_at_once(broker):
    """16 threads for STRESS_S seconds: senders on shared producers (send_async and send),
    flushers, churners creating and closing producers and consumers, and a listener consumer
    per shared topic. Every accepted send_async gets exactly one callback, every send that
    returned reached its topic once, nothing raises but AlreadyClosed from a churned object,
    and no thread is stuck at the end."""
    client = pulsar.Client(broker.service_url, operation_timeout_seconds=30)
    # The churned consumers on a client (so a connection) of their own: pulsar-lite 0.2.0
    # drops a whole connection when a flow permit crosses a consumer's close (see
    # test_stress.py), and the producers' resends would then store duplicates.
    churn_client = pulsar.Client(broker.service_url, operation_timeout_seconds=30)
    topics = [f"persistent://public/default/ft-{uuid.uuid4().hex[:10]}-{i}" for i in range(2)]
    # payload -> the message ids it was delivered under: a redelivery of the same id is
    # Pulsar's at-least-once (pulsar-lite redelivers acknowledged messages now and then, on
    # the regular CPython alike); one payload under two ids would be one send stored twice.
    received: dict[bytes, set[str]] = {}
    received_lock = threading.Lock()

    def on_message(consumer, msg):
        with received_lock:
            received.setdefault(msg.data(), set()).add(str(msg.message_id()))
        consumer.acknowledge(msg)

    consumers = [  # kept open until client.close()
        client.subscribe(t, "ft", message_listener=on_message, receiver_queue_size=1000)
        for t in topics
    ]
    producers = [client.create_producer(t, batching_enabled=True) for t in topics]
    callbacks: Counter[bytes] = Counter()
    callbacks_lock = threading.Lock()
    accepted: list[bytes] = []
    accepted_lock = threading.Lock()
    errors: list[str] = []
    deadline = time.monotonic() + STRESS_S

    def callback_for(payload):
        def done(result, _msg_id):
            with callbacks_lock:
                callbacks[payload] += 1
            if result != pulsar.Result.Ok:
                errors.append(f"send_async {payload!r}: {result}")

        return done

    def sender(index):
        n = 0
        producer = producers[index % len(producers)]
        while time.monotonic() < deadline:
            payload = f"s{index}-{n}".encode()
            n += 1
            try:
                if n % 50 == 0:
                    producer.send(payload)
                    with accepted_lock:
                        accepted.append(payload)
                    with callbacks_lock:
                        callbacks[payload] += 1  # (a send has no callback: counted here)
                else:
                    producer.send_async(payload, callback_for(payload))
                    with accepted_lock:
                        accepted.append(payload)
            except Exception as e:  # noqa: BLE001 (collected, asserted on below)
                errors.append(f"sender {index}: {e!r}")
                return

    def flusher(index):
        while time.monotonic() < deadline:
            try:
                producers[index % len(producers)].flush()
            except Exception as e:  # noqa: BLE001
                errors.append(f"flusher {index}: {e!r}")
                return
            time.sleep(0.01)

    def churner(index):
        n = 0
        while time.monotonic() < deadline:
            topic = topics[n % len(topics)]
            n += 1
            try:
                if n % 2:
                    p = client.create_producer(topic)
                    payload = f"c{index}-{n}".encode()
                    p.send_async(payload, callback_for(payload))
                    with accepted_lock:
                        accepted.append(payload)
                    p.close()
                    with callbacks_lock:
                        if callbacks[payload] != 1:
                            errors.append(f"close returned before the callback of {payload!r}")
                else:
                    c = churn_client.subscribe(topic, f"churn-{index}-{n}")
                    c.close()
            except Exception as e:  # noqa: BLE001
                errors.append(f"churner {index}: {e!r}")
                return

    roles = [sender] * 8 + [flusher] * 4 + [churner] * 4
    threads = [
        threading.Thread(target=role, args=(i,), daemon=True) for i, role in enumerate(roles)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=STRESS_S + 60)
    stuck = [t.name for t in threads if t.is_alive()]
    for producer in producers:
        producer.flush()
    settle = time.monotonic() + 30
    while time.monotonic() < settle:
        with received_lock:
            if len(received) >= len(accepted):
                break
        time.sleep(0.05)
    client.close()
    churn_client.close()
    assert len(consumers) == len(topics)  # (open until the client closed)
    assert not stuck, f"threads still running: {stuck}"
    assert not errors, errors[:10]
    assert len(accepted) > 1000, "too few sends to say anything"
    assert len(set(accepted)) == len(accepted)
    missing_callbacks = [p for p in accepted if callbacks[p] != 1]
    assert not missing_callbacks, f"{len(missing_callbacks)} without exactly one callback"
    not_received = [p for p in accepted if p not in received]
    assert not not_received, f"{len(not_received)} of {len(accepted)} sends never received"
    twice = [p for p, ids in received.items() if len(ids) > 1]
    assert not twice, f"{len(twice)} sends stored twice (two message ids): {twice[:5]}"
