"""Consumer methods beyond receive/acknowledge: batch_receive, seek, get_last_message_id,
redeliver_unacknowledged_messages, iteration, zero-queue consumers, message listeners
(served on a listener thread of ours, in order, pausable, closable from inside), and the
subscribe policies. pulsar-lite where it serves; Apache Pulsar standalone (marked) for
dead-letter topics, key-shared sticky ranges and seek by time."""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Callable

import pytest
from support.children import DONE_MARKER, assert_child_ok, run_child
from support.messages import EARLIEST, IdKey, id_key, receive_unique

import pulsar


def produce(client: pulsar.Client, topic: str, payloads: list[bytes]) -> list[pulsar.MessageId]:
    producer = client.create_producer(topic)
    ids = [producer.send(p) for p in payloads]
    producer.close()
    return ids


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


class Collector:
    """A message listener recording (thread name, consumer, payload), first delivery of each id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: set[tuple[int, int, int, int]] = set()
        self.payloads: list[bytes] = []
        self.consumers: list[pulsar.Consumer] = []
        self.threads: set[str] = set()

    def __call__(self, consumer: pulsar.Consumer, message: pulsar.Message) -> None:
        with self.lock:
            self.threads.add(threading.current_thread().name)
            self.consumers.append(consumer)
            key = id_key(message.message_id())
            if key not in self.seen:
                self.seen.add(key)
                self.payloads.append(message.data())
        # A call under way when the test's client closes may find it closed.
        with contextlib.suppress(pulsar.AlreadyClosed):
            consumer.acknowledge(message)

    def count(self) -> int:
        with self.lock:
            return len(self.payloads)


# ---- batch_receive -------------------------------------------------------------------------


def test_batch_receive_returns_a_list_of_messages_limited_by_the_policy(client, topic):
    consumer = client.subscribe(
        topic,
        "s",
        initial_position=EARLIEST,
        batch_receive_policy=pulsar.ConsumerBatchReceivePolicy(3, -1, 5000),
    )
    payloads = [b"m%d" % i for i in range(7)]
    produce(client, topic, payloads)
    got: list[bytes] = []
    seen: set[IdKey] = set()
    deadline = time.monotonic() + 20
    while len(seen) < len(payloads) and time.monotonic() < deadline:
        batch = consumer.batch_receive()
        assert isinstance(batch, list)
        assert len(batch) <= 3
        for msg in batch:
            assert isinstance(msg, pulsar.Message)
            key = id_key(msg.message_id())
            if key not in seen:
                seen.add(key)
                got.append(msg.data())
            consumer.acknowledge(msg)
    assert got == payloads


def test_batch_receive_times_out_with_an_empty_list(client, topic):
    consumer = client.subscribe(
        topic, "s", batch_receive_policy=pulsar.ConsumerBatchReceivePolicy(10, -1, 200)
    )
    start = time.monotonic()
    assert consumer.batch_receive() == []
    assert time.monotonic() - start >= 0.15


def test_batch_receive_decodes_with_the_schema(client, topic):
    consumer = client.subscribe(
        topic,
        "s",
        schema=pulsar.schema.StringSchema(),
        initial_position=EARLIEST,
        batch_receive_policy=pulsar.ConsumerBatchReceivePolicy(1, -1, 5000),
    )
    client.create_producer(topic, schema=pulsar.schema.StringSchema()).send("héllo")
    (msg,) = consumer.batch_receive()
    assert msg.value() == "héllo"


def test_batch_receive_on_a_closed_consumer_raises_already_closed(client, topic):
    consumer = client.subscribe(topic, "s")
    consumer.close()
    with pytest.raises(pulsar.AlreadyClosed):
        consumer.batch_receive()


# ---- seek, get_last_message_id, redeliver ---------------------------------------------------


def test_get_last_message_id_is_the_last_one_published(client, topic):
    consumer = client.subscribe(topic, "s")
    ids = produce(client, topic, [b"a", b"b", b"c"])
    last = consumer.get_last_message_id()
    assert isinstance(last, pulsar.MessageId)
    assert (last.ledger_id(), last.entry_id()) == (ids[-1].ledger_id(), ids[-1].entry_id())


# pulsar-lite 0.2.0 drops the connection on a seek (ResultDisconnected): Apache Pulsar only.
@pytest.mark.standalone
def test_seek_to_a_message_id_replays_from_there(sa_client, topic):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    ids = produce(sa_client, topic, [b"a", b"b", b"c", b"d"])
    first = receive_unique(consumer, 4, ack=True)
    assert [m.data() for m in first] == [b"a", b"b", b"c", b"d"]
    consumer.seek(ids[1])
    again = consumer.receive(timeout_millis=15000)
    # As in pulsar-client: the subscription resumes after the id given.
    assert again.data() == b"c"
    assert again.message_id() == ids[2]


@pytest.mark.standalone
def test_seek_to_earliest_replays_everything(sa_client, topic):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    produce(sa_client, topic, [b"a", b"b"])
    assert [m.data() for m in receive_unique(consumer, 2, ack=True)] == [b"a", b"b"]
    consumer.seek(pulsar.MessageId.earliest)
    assert consumer.receive(timeout_millis=15000).data() == b"a"


@pytest.mark.parametrize("bad", ["x", 1.5, None, -1])
def test_seek_rejects_what_is_neither_an_id_nor_a_timestamp(client, topic, bad):
    consumer = client.subscribe(topic, "s")
    with pytest.raises(ValueError, match="messageid"):
        consumer.seek(bad)


def test_redeliver_unacknowledged_messages_delivers_them_again(client, topic):
    consumer = client.subscribe(
        topic, "s", consumer_type=pulsar.ConsumerType.Shared, initial_position=EARLIEST
    )
    produce(client, topic, [b"a", b"b"])
    assert {m.data() for m in receive_unique(consumer, 2)} == {b"a", b"b"}
    consumer.redeliver_unacknowledged_messages()
    # Skip pulsar-lite's duplicate first deliveries (redelivery count 0) still queued.
    again = consumer.receive(timeout_millis=15000)
    while again.redelivery_count() == 0:
        again = consumer.receive(timeout_millis=15000)
    assert again.data() in (b"a", b"b")


# ---- iteration, zero queue ---------------------------------------------------------------


def test_a_consumer_is_iterable_and_stops_when_closed(client, topic):
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    produce(client, topic, [b"a", b"b", b"c"])
    got: list[bytes] = []
    seen: set[IdKey] = set()
    for msg in consumer:
        if id_key(msg.message_id()) in seen:
            continue
        seen.add(id_key(msg.message_id()))
        got.append(msg.data())
        consumer.acknowledge(msg)
        if len(got) == 3:
            break
    assert got == [b"a", b"b", b"c"]
    assert iter(consumer) is consumer

    closer = threading.Timer(0.3, consumer.close)
    closer.start()
    start = time.monotonic()
    # Blocks until closed, then stops; only pulsar-lite's duplicates may come meanwhile.
    rest = [m for m in consumer if id_key(m.message_id()) not in seen]
    closer.join()
    assert rest == []
    assert time.monotonic() - start >= 0.25
    assert list(consumer) == []


def test_zero_queue_consumer_receives_without_timeout(client, topic):
    consumer = client.subscribe(topic, "s", receiver_queue_size=0, initial_position=EARLIEST)
    produce(client, topic, [b"a", b"b"])
    got: list[bytes] = []
    seen: set[IdKey] = set()
    while len(got) < 2:
        msg = consumer.receive()
        if id_key(msg.message_id()) not in seen:
            seen.add(id_key(msg.message_id()))
            got.append(msg.data())
        consumer.acknowledge(msg)
    assert got == [b"a", b"b"]


def test_zero_queue_consumer_receive_with_timeout_is_invalid(client, topic):
    # libpulsar serves a zero-queue consumer only through its blocking receive.
    consumer = client.subscribe(topic, "s", receiver_queue_size=0)
    with pytest.raises(pulsar.InvalidConfiguration):
        consumer.receive(timeout_millis=100)


def test_zero_queue_consumer_with_a_listener(client, topic):
    collector = Collector()
    client.subscribe(
        topic, "s", receiver_queue_size=0, initial_position=EARLIEST, message_listener=collector
    )
    produce(client, topic, [b"a", b"b", b"c"])
    assert wait_until(lambda: collector.count() == 3)
    assert collector.payloads == [b"a", b"b", b"c"]


# ---- message listeners -----------------------------------------------------------------------


def test_listener_runs_on_a_listener_thread_in_order_with_the_users_consumer(client, topic):
    collector = Collector()
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST, message_listener=collector)
    payloads = [b"m%d" % i for i in range(200)]
    producer = client.create_producer(topic, batching_enabled=True)
    for p in payloads:
        producer.send_async(p, None)
    producer.flush()
    assert wait_until(lambda: collector.count() == len(payloads))
    assert collector.payloads == payloads
    assert collector.threads == {"pulsar-listener-0"}
    assert all(c is consumer for c in collector.consumers)


def test_a_raising_listener_is_reported_and_the_consumer_goes_on(client, topic, monkeypatch):
    reported: list[BaseException | None] = []
    monkeypatch.setattr("sys.unraisablehook", lambda u: reported.append(u.exc_value))
    got: list[bytes] = []

    def listener(consumer, message):
        got.append(message.data())
        consumer.acknowledge(message)
        if message.data() == b"boom":
            raise RuntimeError("listener failed")

    client.subscribe(topic, "s", initial_position=EARLIEST, message_listener=listener)
    produce(client, topic, [b"a", b"boom", b"b"])
    assert wait_until(lambda: b"b" in got)
    assert b"boom" in got
    assert any(isinstance(e, RuntimeError) and str(e) == "listener failed" for e in reported)


def test_pause_and_resume_message_listener(client, topic):
    got: list[bytes] = []
    seen: set[IdKey] = set()
    paused = threading.Event()

    def listener(consumer, message):
        if id_key(message.message_id()) not in seen:  # pulsar-lite's duplicates
            seen.add(id_key(message.message_id()))
            got.append(message.data())
        consumer.acknowledge(message)
        if message.data() == b"pause" and not paused.is_set():
            consumer.pause_message_listener()  # from inside the listener
            paused.set()

    consumer = client.subscribe(topic, "s", initial_position=EARLIEST, message_listener=listener)
    produce(client, topic, [b"pause", b"x", b"y"])
    assert paused.wait(15)
    time.sleep(0.5)
    assert got == [b"pause"]
    consumer.resume_message_listener()
    assert wait_until(lambda: b"y" in got)
    assert got == [b"pause", b"x", b"y"]


def test_close_from_inside_the_listener_does_not_deadlock(client, topic):
    calls: list[bytes] = []
    closed = threading.Event()

    def listener(consumer, message):
        calls.append(message.data())
        consumer.negative_acknowledge(message)
        consumer.close()
        closed.set()

    consumer = client.subscribe(topic, "s", initial_position=EARLIEST, message_listener=listener)
    produce(client, topic, [b"a", b"b", b"c"])
    assert closed.wait(15)
    time.sleep(0.3)
    assert calls == [b"a"]  # nothing after close
    with pytest.raises(pulsar.AlreadyClosed):
        consumer.receive(timeout_millis=10)


def test_listeners_of_two_consumers_each_keep_their_order(client, topic):
    first, second = Collector(), Collector()
    client.subscribe(topic, "one", initial_position=EARLIEST, message_listener=first)
    client.subscribe(topic, "two", initial_position=EARLIEST, message_listener=second)
    payloads = [b"m%d" % i for i in range(100)]
    produce(client, topic, payloads)
    assert wait_until(lambda: first.count() == 100 and second.count() == 100)
    assert first.payloads == payloads
    assert second.payloads == payloads


def test_a_slow_listener_holds_libpulsar_back_and_loses_nothing(client, topic):
    got: list[bytes] = []
    seen: set[IdKey] = set()

    def listener(consumer, message):
        if id_key(message.message_id()) not in seen:
            seen.add(id_key(message.message_id()))
            got.append(message.data())
        consumer.acknowledge(message)
        time.sleep(0.001)

    payloads = [b"m%d" % i for i in range(300)]
    client.subscribe(
        topic, "s", initial_position=EARLIEST, receiver_queue_size=10, message_listener=listener
    )
    produce(client, topic, payloads)
    assert wait_until(lambda: len(got) == len(payloads), timeout=30)
    assert got == payloads


def test_client_close_from_inside_the_listener_does_not_deadlock(tmp_path, broker, topic):
    # In a child process: a deadlock must fail this test, not hang the run.
    proc = run_child(
        tmp_path,
        f"""
        import threading
        client = pulsar.Client(SERVICE_URL)
        done = threading.Event()
        calls = []
        def listener(consumer, message):
            calls.append(message.data())
            client.close()
            done.set()
        client.subscribe({topic!r}, "s", initial_position=pulsar.InitialPosition.Earliest,
                         message_listener=listener)
        producer = pulsar.Client(SERVICE_URL).create_producer({topic!r})
        for i in range(50):
            producer.send(b"m%d" % i)
        assert done.wait(20), "the listener never ran"
        print("calls", calls[:1])
        print({DONE_MARKER!r})
        """,
        service_url=broker.service_url,
        timeout=60,
    )
    assert_child_ok(proc)
    assert "calls [b'm0']" in proc.stdout


def test_exit_with_a_busy_listener_consumer_still_open(tmp_path, broker, topic):
    proc = run_child(
        tmp_path,
        f"""
        import threading, time
        client = pulsar.Client(SERVICE_URL)
        started = threading.Event()
        def listener(consumer, message):
            started.set()
            time.sleep(0.01)
            consumer.acknowledge(message)
        client.subscribe({topic!r}, "s", initial_position=pulsar.InitialPosition.Earliest,
                         receiver_queue_size=5, message_listener=listener)
        producer = client.create_producer({topic!r})
        for i in range(200):
            producer.send_async(b"m%d" % i, None)
        producer.flush()
        assert started.wait(20), "the listener never ran"
        print({DONE_MARKER!r})
        """,
        service_url=broker.service_url,
        timeout=60,
    )
    assert_child_ok(proc)


def test_a_listener_consumer_dropped_by_the_user_keeps_listening(client, topic):
    collector = Collector()
    client.subscribe(topic, "s", initial_position=EARLIEST, message_listener=collector)
    gc.collect()
    produce(client, topic, [b"a", b"b"])
    assert wait_until(lambda: collector.count() == 2)
    assert collector.payloads == [b"a", b"b"]
    assert all(isinstance(c, pulsar.Consumer) for c in collector.consumers)


def test_pause_and_resume_from_another_thread_keep_order_and_lose_nothing(client, topic):
    collector = Collector()
    consumer = client.subscribe(
        topic, "s", initial_position=EARLIEST, receiver_queue_size=50, message_listener=collector
    )
    payloads = [b"m%d" % i for i in range(2000)]
    producer = client.create_producer(topic, batching_enabled=True, block_if_queue_full=True)
    for p in payloads:
        producer.send_async(p, None)
    producer.flush()
    for _ in range(20):
        consumer.pause_message_listener()
        time.sleep(0.1)  # a call that had started when pausing may still finish
        frozen = collector.count()
        time.sleep(0.05)
        assert collector.count() == frozen  # no call starts while paused
        consumer.resume_message_listener()
        time.sleep(0.01)
    assert wait_until(lambda: collector.count() == len(payloads), timeout=30)
    assert collector.payloads == payloads


def test_message_listener_must_be_callable(client, topic):
    with pytest.raises(pulsar.InvalidArgumentType, match="message_listener"):
        client.subscribe(topic, "s", message_listener=42)


def test_pause_without_listener_raises(client, topic):
    consumer = client.subscribe(topic, "s")
    with pytest.raises(pulsar.PulsarException):
        consumer.pause_message_listener()


# ---- policies on the broker --------------------------------------------------------------


def test_policies_are_accepted_by_subscribe(client, topic):
    consumer = client.subscribe(
        topic,
        "s",
        consumer_type=pulsar.ConsumerType.KeyShared,
        key_shared_policy=pulsar.ConsumerKeySharedPolicy(allow_out_of_order_delivery=True),
        dead_letter_policy=pulsar.ConsumerDeadLetterPolicy(3),
        batch_receive_policy=pulsar.ConsumerBatchReceivePolicy(10, -1, 100),
        initial_position=EARLIEST,
    )
    produce(client, topic, [b"a"])
    assert consumer.receive(timeout_millis=15000).data() == b"a"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("batch_receive_policy", 1),
        ("key_shared_policy", "auto"),
        ("dead_letter_policy", {"max_redeliver_count": 1}),
    ],
)
def test_subscribe_rejects_a_policy_of_the_wrong_type(client, topic, name, value):
    with pytest.raises(pulsar.InvalidArgumentType, match=name):
        client.subscribe(topic, "s", **{name: value})


@pytest.mark.standalone
def test_dead_letter_topic_receives_messages_redelivered_too_often(sa_client, topic):
    dlq = topic + "-my-dlq"
    dlq_consumer = sa_client.subscribe(dlq, "dlq-sub", initial_position=EARLIEST)
    consumer = sa_client.subscribe(
        topic,
        "s",
        consumer_type=pulsar.ConsumerType.Shared,
        negative_ack_redelivery_delay_ms=100,
        dead_letter_policy=pulsar.ConsumerDeadLetterPolicy(2, dead_letter_topic=dlq),
    )
    produce(sa_client, topic, [b"poison"])
    deliveries = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            msg = consumer.receive(timeout_millis=1000)
        except pulsar.Timeout:
            try:
                dead = dlq_consumer.receive(timeout_millis=1000)
                break
            except pulsar.Timeout:
                continue
        deliveries += 1
        consumer.negative_acknowledge(msg)
    else:
        pytest.fail("nothing reached the dead letter topic")
    assert dead.data() == b"poison"
    assert deliveries == 3  # the first delivery and two redeliveries


@pytest.mark.standalone
def test_key_shared_sticky_ranges_pick_the_keys(sa_client, topic):
    # Two sticky consumers splitting the hash range: every key goes to exactly one of them.
    policy_low = pulsar.ConsumerKeySharedPolicy(
        pulsar.KeySharedMode.Sticky, sticky_ranges=[(0, 32767)]
    )
    policy_high = pulsar.ConsumerKeySharedPolicy(
        pulsar.KeySharedMode.Sticky, sticky_ranges=[(32768, 65535)]
    )
    low = sa_client.subscribe(
        topic, "ks", consumer_type=pulsar.ConsumerType.KeyShared, key_shared_policy=policy_low
    )
    high = sa_client.subscribe(
        topic, "ks", consumer_type=pulsar.ConsumerType.KeyShared, key_shared_policy=policy_high
    )
    producer = sa_client.create_producer(topic)
    keys = [f"key-{i}" for i in range(40)]
    for key in keys:
        producer.send(key.encode(), partition_key=key)
    by_consumer: dict[str, set[str]] = {"low": set(), "high": set()}
    total = 0
    for name, consumer in (("low", low), ("high", high)):
        while True:
            try:
                msg = consumer.receive(timeout_millis=2000)
            except pulsar.Timeout:
                break
            by_consumer[name].add(msg.partition_key())
            consumer.acknowledge(msg)
            total += 1
    assert total == len(keys)
    assert by_consumer["low"]
    assert by_consumer["high"]
    assert not by_consumer["low"] & by_consumer["high"]


@pytest.mark.standalone
def test_seek_by_publish_time(sa_client, topic):
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(topic)
    producer.send(b"old")
    time.sleep(0.5)
    middle = int(time.time() * 1000)
    time.sleep(0.5)
    producer.send(b"new")
    assert [m.data() for m in receive_unique(consumer, 2, ack=True)] == [b"old", b"new"]
    consumer.seek(middle)
    assert consumer.receive(timeout_millis=15000).data() == b"new"
    consumer.seek(0)
    assert consumer.receive(timeout_millis=15000).data() == b"old"


# ---- Ctrl-C ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call", ["consumer.batch_receive()", "for m in consumer: pass"], ids=["batch", "iterate"]
)
def test_sigint_interrupts_a_blocking_consumer_call(tmp_path, broker, topic, call):
    from integration.test_concurrency import SIGINT_RECEIVE_CHILD, run_and_interrupt

    run_and_interrupt(tmp_path, broker, topic, SIGINT_RECEIVE_CHILD.format(call=call), call)
