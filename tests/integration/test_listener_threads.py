"""Listeners (message, reader and table-view) run on listener threads of their own
(`pulsar-listener-N`, `message_listener_threads` of them per Client, shared by the process's
Clients), apart from send callbacks: a blocked listener holds up no send callback and no
flush(), listeners on different threads run at once, each consumer's in order on one thread;
and the threads go with the last Client, closed or dropped without close() and collected.
Also run under pulsar-client 3.13, which serves listeners on libpulsar's listener threads
and send completions on its I/O thread."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest
from support.children import run_child
from support.messages import EARLIEST
from support.peer import run_peer
from support.waiting import wait_until

import pulsar

PEER = Path(__file__).resolve().parents[1] / "support" / "listener_threads_peer.py"
WAIT_S = 30.0


def test_a_blocked_listener_holds_up_no_send_callback_nor_flush(broker, topic):
    entered = threading.Event()
    release = threading.Event()
    finished = threading.Event()

    def listener(consumer, message):
        entered.set()
        release.wait(WAIT_S)
        consumer.acknowledge(message)
        finished.set()

    client = pulsar.Client(broker.service_url)
    try:
        client.subscribe(topic, "blocked", message_listener=listener, initial_position=EARLIEST)
        client.create_producer(topic).send(b"block")
        assert entered.wait(WAIT_S)
        other = client.create_producer(topic + "-other", batching_enabled=True)
        done: list[pulsar.Result] = []
        for _ in range(200):
            other.send_async(b"x", lambda res, msg_id: done.append(res))
        other.flush()
        assert done == [pulsar.Result.Ok] * 200
        assert not finished.is_set()  # the flush returned while the listener still blocks
    finally:
        release.set()
    assert finished.wait(WAIT_S)
    client.close()


def test_flush_inside_a_listener_returns_once_its_callbacks_ran(client, topic):
    # The callbacks run on the dispatcher thread, not the listener's: flush() waits for
    # them (as with pulsar-client, where they run on libpulsar's I/O thread).
    out = client.create_producer(topic + "-out", batching_enabled=True)
    callbacks: list[pulsar.Result] = []
    at_flush: list[int] = []
    done = threading.Event()

    def listener(consumer, message):
        for _ in range(50):
            out.send_async(b"y", lambda res, msg_id: callbacks.append(res))
        out.flush()
        at_flush.append(len(callbacks))
        consumer.acknowledge(message)
        done.set()

    consumer = client.subscribe(topic, "s", message_listener=listener, initial_position=EARLIEST)
    client.create_producer(topic).send(b"x")
    assert done.wait(WAIT_S)
    assert at_flush == [50]
    consumer.close()


def test_consumers_on_two_listener_threads_run_at_once(broker, topic):
    # Each listener waits for the other inside its call: they meet only on two threads.
    barrier = threading.Barrier(2, timeout=WAIT_S)
    met: dict[str, str] = {}

    def listener_of(name):
        def listener(consumer, message):
            barrier.wait()  # BrokenBarrierError (reported, not recorded) on one thread
            met[name] = threading.current_thread().name
            consumer.acknowledge(message)

        return listener

    with pulsar.Client(broker.service_url, message_listener_threads=2) as client:
        for name in ("a", "b"):
            client.subscribe(
                f"{topic}-{name}",
                "s",
                message_listener=listener_of(name),
                initial_position=EARLIEST,
            )
        producer_a = client.create_producer(f"{topic}-a")
        producer_b = client.create_producer(f"{topic}-b")
        producer_a.send(b"a")
        producer_b.send(b"b")
        assert wait_until(lambda: len(met) == 2, WAIT_S), met
    assert met["a"] != met["b"]
    assert {met["a"], met["b"]} <= {"pulsar-listener-0", "pulsar-listener-1"}


def test_each_consumer_in_order_on_one_of_four_listener_threads(broker, topic):
    count = 300
    lock = threading.Lock()
    seen: dict[int, list[bytes]] = {i: [] for i in range(4)}
    threads: dict[int, set[str]] = {i: set() for i in range(4)}

    def listener_of(index):
        def listener(consumer, message):
            with lock:
                seen[index].append(message.data())
                threads[index].add(threading.current_thread().name)
            consumer.acknowledge(message)

        return listener

    payloads = [b"m%d" % i for i in range(count)]
    with pulsar.Client(broker.service_url, message_listener_threads=4) as client:
        for index in range(4):
            client.subscribe(
                topic, f"s{index}", message_listener=listener_of(index), initial_position=EARLIEST
            )
        producer = client.create_producer(topic, batching_enabled=True)
        for payload in payloads:
            producer.send_async(payload, None)
        producer.flush()
        assert wait_until(lambda: all(len(seen[i]) >= count for i in range(4)), WAIT_S)
    for index in range(4):
        assert seen[index][:count] == payloads
        assert len(threads[index]) == 1
    names = {next(iter(threads[index])) for index in range(4)}
    assert names == {f"pulsar-listener-{i}" for i in range(4)}


def run_json(tmp_path, broker, code):
    proc = run_child(tmp_path, code, service_url=broker.service_url, timeout=90)
    assert proc.returncode == 0, f"child failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


THREADS_OF_CLIENTS = """
import json, threading
def names():
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("pulsar-"))
facts = {"before": threading.active_count()}
one = pulsar.Client(SERVICE_URL)
facts["one"] = names()
three = pulsar.Client(SERVICE_URL, message_listener_threads=3)
facts["three"] = names()
got = threading.Event()
consumer = three.subscribe(TOPIC, "s", message_listener=lambda c, m: got.set(),
                           initial_position=pulsar.InitialPosition.Earliest)
three.create_producer(TOPIC).send(b"x")
facts["listened"] = got.wait(30)
three.close()
facts["after_three"] = names()  # the threads are the process's: one is still open
one.close()
facts["after"] = threading.active_count()
print(json.dumps(facts))
"""


def test_listener_threads_go_with_the_last_client(tmp_path, broker, topic):
    facts = run_json(tmp_path, broker, f"TOPIC = {topic!r}\n" + THREADS_OF_CLIENTS)
    assert facts["one"] == ["pulsar-dispatcher", "pulsar-listener-0"], facts
    listeners = [f"pulsar-listener-{i}" for i in range(3)]
    assert facts["three"] == ["pulsar-dispatcher", *listeners], facts
    assert facts["listened"] is True, facts
    assert facts["after_three"] == ["pulsar-dispatcher", *listeners], facts
    assert facts["after"] == facts["before"], facts


DROPPED_WITH_EVERYTHING = """
import json, threading, time
facts = {"before": threading.active_count()}
results = []
listened = threading.Event()
def use():
    client = pulsar.Client(SERVICE_URL, message_listener_threads=2)
    client.subscribe(TOPIC, "s", message_listener=lambda c, m: listened.set(),
                     initial_position=pulsar.InitialPosition.Earliest)
    reader = client.create_reader(TOPIC, pulsar.MessageId.earliest,
                                  reader_listener=lambda r, m: None)
    producer = client.create_producer(TOPIC, batching_enabled=True,
                                      batching_max_publish_delay_ms=100)
    producer.send(b"first")
    facts["listened"] = listened.wait(30)
    for i in range(50):
        producer.send_async(b"x", lambda res, msg_id: results.append(res == pulsar.Result.Ok))
    facts["open"] = threading.active_count()
use()  # no close(): everything it made goes when it returns
deadline = time.monotonic() + 30
while threading.active_count() != facts["before"] and time.monotonic() < deadline:
    time.sleep(0.01)
facts["after"] = threading.active_count()
facts["callbacks"] = list(results)
# The next client starts the threads again, and they serve.
with pulsar.Client(SERVICE_URL) as client:
    facts["reopened"] = threading.active_count()
    done = threading.Event()
    client.create_producer(TOPIC).send_async(b"y", lambda res, msg_id: done.set())
    facts["served"] = done.wait(30)
facts["end"] = threading.active_count()
print(json.dumps(facts))
"""


def test_a_dropped_client_takes_its_threads_after_every_callback_ran(tmp_path, broker, topic):
    facts = run_json(tmp_path, broker, f"TOPIC = {topic!r}\n" + DROPPED_WITH_EVERYTHING)
    assert facts["listened"] is True, facts
    assert facts["open"] == facts["before"] + 3, facts
    assert facts["after"] == facts["before"], facts
    assert facts["callbacks"] == [True] * 50, facts  # each once, none lost, all sent
    assert facts["reopened"] == facts["before"] + 2, facts
    assert facts["served"] is True, facts
    assert facts["end"] == facts["before"], facts


def run_both(official_python, scenario, broker, topic):
    fast = run_peer(Path(sys.executable), [scenario, broker.service_url, topic], script=PEER)
    official = run_peer(
        official_python, [scenario, broker.service_url, topic + "-official"], script=PEER
    )
    return fast, official


@pytest.mark.interop
def test_flush_returns_while_a_listener_blocks_as_with_the_official_client(
    official_python, broker, topic
):
    fast, official = run_both(official_python, "flush-while-listener-blocks", broker, topic)
    expected = {
        "listener_entered": True,
        "callbacks_at_flush": 200,
        "listener_still_blocked": True,
        "listener_finished": True,
    }
    assert official == expected
    assert fast == expected


@pytest.mark.interop
def test_a_dropped_client_leaves_no_thread_as_with_the_official_client(
    official_python, broker, topic
):
    fast, official = run_both(official_python, "dropped-client", broker, topic)
    assert official["back_to_before"] is True, official
    assert fast["back_to_before"] is True, fast
    # pulsar-client 3.13 destroys the client under the pending sends, whose callbacks never
    # run; fastpulsar's pending sends keep their producer, and every callback runs once.
    assert fast["callbacks"] == 50, fast
    assert fast["sent"] == [True], fast
