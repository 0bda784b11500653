"""Consumer and Reader features only Apache Pulsar serves (issue 8, section 6): regex
subscriptions that discover new topics, each regex_subscription_mode, a zero-queue consumer,
and is_read_compacted on a compacted topic."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from fastpulsar_testing.admin import topic_path
from support.messages import publish_keyed

import pulsar

pytestmark = pytest.mark.standalone

WAIT_MS = 20000


def send(client, topic, payloads):
    """Send ``payloads`` one by one, without batching and without keys."""
    producer = client.create_producer(topic, batching_enabled=False)
    for payload in payloads:
        producer.send(payload)
    producer.close()


def test_regex_subscription_discovers_topics_created_later(sa_client, admin):
    prefix = f"rx-{uuid.uuid4().hex[:8]}"
    first = f"persistent://public/default/{prefix}-a"
    admin.create_topic(first)
    consumer = sa_client.subscribe(
        re.compile(f"persistent://public/default/{prefix}-.*"),
        "s",
        initial_position=pulsar.InitialPosition.Earliest,
        pattern_auto_discovery_period=1,
    )
    send(sa_client, first, [b"on-a"])
    assert consumer.receive(timeout_millis=WAIT_MS).data() == b"on-a"
    # A topic made after subscribe() is found by the periodic discovery (every second here).
    later = f"persistent://public/default/{prefix}-b"
    admin.create_topic(later)
    deadline = time.monotonic() + 30
    got = None
    while got is None and time.monotonic() < deadline:
        send(sa_client, later, [b"on-b"])
        try:
            got = consumer.receive(timeout_millis=2000)
        except pulsar.Timeout:
            continue
    assert got is not None, "the consumer never discovered the topic created later"
    assert got.data() == b"on-b"
    assert got.topic_name() == later
    consumer.close()


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (pulsar.RegexSubscriptionMode.PersistentOnly, {b"persistent"}),
        (pulsar.RegexSubscriptionMode.NonPersistentOnly, {b"non-persistent"}),
        (pulsar.RegexSubscriptionMode.AllTopics, {b"persistent", b"non-persistent"}),
    ],
    ids=["persistent", "non-persistent", "all"],
)
def test_regex_subscription_mode_picks_the_topic_domains(sa_client, admin, mode, expected):
    prefix = f"rm-{uuid.uuid4().hex[:8]}"
    durable = f"persistent://public/default/{prefix}-p"
    volatile = f"non-persistent://public/default/{prefix}-n"
    admin.create_topic(durable)
    # A non-persistent topic exists while it has a producer: keep one open.
    volatile_producer = sa_client.create_producer(volatile, batching_enabled=False)
    consumer = sa_client.subscribe(
        re.compile(f"public/default/{prefix}-.*"),
        "s",
        regex_subscription_mode=mode,
        pattern_auto_discovery_period=1,
    )
    time.sleep(2)  # let a discovery round pass before publishing
    send(sa_client, durable, [b"persistent"])
    volatile_producer.send(b"non-persistent")
    received = set()
    try:
        while True:
            received.add(consumer.receive(timeout_millis=3000).data())
    except pulsar.Timeout:
        pass
    assert received == expected
    volatile_producer.close()
    consumer.close()


def test_zero_queue_consumer_receives_in_order(sa_client, topic):
    consumer = sa_client.subscribe(topic, "s", receiver_queue_size=0)
    payloads = [b"z%d" % i for i in range(5)]
    send(sa_client, topic, payloads)
    got = []
    for _ in payloads:
        msg = consumer.receive()
        consumer.acknowledge(msg)
        got.append(msg.data())
    assert got == payloads
    with pytest.raises(pulsar.InvalidConfiguration):
        consumer.receive(timeout_millis=100)
    consumer.close()


def compact(admin, topic, timeout=60.0):
    admin.put(f"{topic_path(topic)}/compaction")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = admin.get(f"{topic_path(topic)}/compaction")
        if status.get("status") == "SUCCESS":
            return
        if status.get("status") == "ERROR":
            raise AssertionError(f"compaction failed: {status}")
        time.sleep(0.5)
    raise AssertionError(f"compaction did not finish within {timeout} s")


def read_until_timeout(reader):
    out = []
    try:
        while True:
            out.append(reader.read_next(timeout_millis=3000).data())
    except pulsar.Timeout:
        return out


def test_is_read_compacted_reads_the_latest_value_per_key(sa_client, admin, topic):
    publish_keyed(sa_client, topic, [("k1", b"k1-old"), ("k2", b"k2-only"), ("k1", b"k1-new")])
    compact(admin, topic)
    compacted = sa_client.create_reader(topic, pulsar.MessageId.earliest, is_read_compacted=True)
    assert read_until_timeout(compacted) == [b"k2-only", b"k1-new"]
    compacted.close()
    everything = sa_client.create_reader(topic, pulsar.MessageId.earliest)
    assert read_until_timeout(everything) == [b"k1-old", b"k2-only", b"k1-new"]
    everything.close()


def test_table_view_of_a_compacted_topic(sa_client, admin, topic):
    """A TableView reads the compacted ledger, then what was published after compaction."""
    items = [("a", b"a-old"), ("b", b"b-gone"), ("a", b"a-new"), ("c", b"c-kept")]
    publish_keyed(sa_client, topic, [*items, ("b", None)])  # a tombstone: b leaves the table
    compact(admin, topic)
    publish_keyed(sa_client, topic, [("d", b"d-after")])
    view = sa_client.create_table_view(topic)
    deadline = time.monotonic() + 20

    def snapshot() -> dict[str, object]:
        table: dict[str, object] = {}
        view.for_each(lambda key, value: table.__setitem__(key, value))
        return table

    table = snapshot()
    while "d" not in table and time.monotonic() < deadline:
        time.sleep(0.1)
        table = snapshot()
    assert table == {"a": b"a-new", "c": b"c-kept", "d": b"d-after"}
    assert len(view) == 3
    view.close()
