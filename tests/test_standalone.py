"""Features that pulsar-lite cannot serve; they need Apache Pulsar standalone.

These tests are skipped by conftest.py (marker ``standalone``) before any fixture is requested.
They are written for a real Apache Pulsar standalone, reached through a ``standalone_broker``
fixture (to be provided later) exposing ``service_url`` (pulsar://...) and ``admin_url``
(http://... of the admin REST API).
"""

import datetime
import json
import time
import urllib.request

import pytest
from support.helpers import receive_unique, unique_topic

import pulsar

EARLIEST = pulsar.InitialPosition.Earliest


def admin(standalone_broker, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        standalone_broker.admin_url.rstrip("/") + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        text = resp.read().decode()
    return json.loads(text) if text.strip() else None


@pytest.fixture
def sa_client(standalone_broker):
    client = pulsar.Client(standalone_broker.service_url)
    try:
        yield client
    finally:
        try:
            client.close()
        except pulsar.AlreadyClosed:
            pass


def _delay_is_honoured(consumer, expected_payload, delay_s):
    # Nothing may arrive well before the delay; the message arrives eventually.
    with pytest.raises(pulsar.Timeout):
        consumer.receive(timeout_millis=int(delay_s * 1000 * 0.4))
    msg = consumer.receive(timeout_millis=int(delay_s * 1000) + 30000)
    assert msg.data() == expected_payload


@pytest.mark.standalone("delayed delivery")
@pytest.mark.parametrize("mode", ["send", "send_async"])
def test_deliver_after_delays_delivery(sa_client, mode):
    topic = unique_topic("deliver-after")
    consumer = sa_client.subscribe(topic, "s", consumer_type=pulsar.ConsumerType.Shared)
    producer = sa_client.create_producer(topic)
    if mode == "send":
        producer.send(b"delayed", deliver_after=datetime.timedelta(seconds=5))
    else:
        producer.send_async(b"delayed", lambda r, m: None, deliver_after=datetime.timedelta(seconds=5))
        producer.flush()
    _delay_is_honoured(consumer, b"delayed", 5)


@pytest.mark.standalone("delayed delivery")
def test_deliver_at_delays_delivery(sa_client):
    topic = unique_topic("deliver-at")
    consumer = sa_client.subscribe(topic, "s", consumer_type=pulsar.ConsumerType.Shared)
    producer = sa_client.create_producer(topic)
    producer.send(b"at", deliver_at=int(time.time() * 1000) + 5000)
    _delay_is_honoured(consumer, b"at", 5)


@pytest.mark.standalone("deduplication")
def test_deduplication_last_sequence_id_after_producer_recreation(standalone_broker, sa_client):
    topic = unique_topic("dedup")
    short = topic.rsplit("/", 1)[1]
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)  # creates the topic
    admin(standalone_broker, "POST", f"/admin/v2/persistent/public/default/{short}/deduplication", True)
    time.sleep(3)  # topic policies are applied asynchronously
    producer = sa_client.create_producer(topic, producer_name="dedup-producer")
    for seq in range(5):
        producer.send(b"%d" % seq, sequence_id=seq)
    producer.close()
    again = sa_client.create_producer(topic, producer_name="dedup-producer")
    assert again.last_sequence_id() == 4
    # Sequence ids at or below the last one are dropped by the broker.
    again.send(b"duplicate", sequence_id=3)
    again.send(b"new", sequence_id=5)
    payloads = [m.data() for m in receive_unique(consumer, 6)]
    assert payloads == [b"0", b"1", b"2", b"3", b"4", b"new"]
    with pytest.raises(pulsar.Timeout):
        consumer.receive(timeout_millis=2000)


@pytest.mark.standalone("partitioned topics")
def test_partitioned_topic(standalone_broker, sa_client):
    topic = unique_topic("partitioned")
    short = topic.rsplit("/", 1)[1]
    admin(standalone_broker, "PUT", f"/admin/v2/persistent/public/default/{short}/partitions", 3)
    partitions = sa_client.get_topic_partitions(topic)
    assert partitions == [f"{topic}-partition-{i}" for i in range(3)]
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(
        topic, message_routing_mode=pulsar.PartitionsRoutingMode.RoundRobinDistribution
    )
    ids = [producer.send(b"%d" % i, partition_key="key-%d" % (i % 5)) for i in range(30)]
    assert all(0 <= i.partition() < 3 for i in ids)
    messages = receive_unique(consumer, 30)
    assert {m.data() for m in messages} == {b"%d" % i for i in range(30)}
    by_key = {}
    for m in messages:
        assert m.topic_name() in partitions
        by_key.setdefault(m.partition_key(), set()).add(m.message_id().partition())
    assert all(len(v) == 1 for v in by_key.values()), by_key  # a key sticks to a partition


@pytest.mark.standalone("partitioned topics")
def test_partitioned_topic_single_partition_routing(standalone_broker, sa_client):
    topic = unique_topic("partitioned-single")
    short = topic.rsplit("/", 1)[1]
    admin(standalone_broker, "PUT", f"/admin/v2/persistent/public/default/{short}/partitions", 4)
    producer = sa_client.create_producer(
        topic, message_routing_mode=pulsar.PartitionsRoutingMode.UseSinglePartition
    )
    ids = [producer.send(b"%d" % i) for i in range(10)]
    assert len({i.partition() for i in ids}) == 1


@pytest.mark.standalone("access-mode fencing")
def test_exclusive_access_mode_fences_other_producers(sa_client):
    topic = unique_topic("exclusive")
    first = sa_client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    with pytest.raises((pulsar.ProducerBusy, pulsar.ProducerFenced)):
        sa_client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    with pytest.raises((pulsar.ProducerBusy, pulsar.ProducerFenced)):
        sa_client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Shared)
    first.send(b"still the owner")


@pytest.mark.standalone("access-mode fencing")
def test_exclusive_with_fencing_takes_over(sa_client):
    topic = unique_topic("fencing")
    first = sa_client.create_producer(topic, access_mode=pulsar.ProducerAccessMode.Exclusive)
    second = sa_client.create_producer(
        topic, access_mode=pulsar.ProducerAccessMode.ExclusiveWithFencing
    )
    second.send(b"new owner")
    with pytest.raises(pulsar.PulsarException):
        first.send(b"fenced")


@pytest.mark.standalone("chunking")
@pytest.mark.parametrize("mode", ["send", "send_async"])
def test_chunking_large_message(sa_client, mode):
    topic = unique_topic("chunking")
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    producer = sa_client.create_producer(topic, chunking_enabled=True, batching_enabled=False)
    payload = bytes(range(256)) * (7 * 4096)  # 7 MiB, above the default 5 MiB limit
    if mode == "send":
        producer.send(payload, properties={"chunked": "yes"})
    else:
        producer.send_async(payload, lambda r, m: None, properties={"chunked": "yes"})
        producer.flush()
    msg = consumer.receive(timeout_millis=60000)
    assert msg.data() == payload
    assert msg.properties() == {"chunked": "yes"}
