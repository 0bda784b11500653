"""End to end: every send keyword argument checked on the consumed message, for send and
send_async, with batching on and off and each compression type.

Each test subscribes (from the earliest message) once its messages are published, not
before: with a consumer attached while they are published, pulsar-lite 0.2.0 now and then
leaves the last entry undispatched until something else is published to the topic. The
ten-message sequence of test_every_field_round_trips, in loops of 300 rounds on one
pulsar-lite: the last message (after a 100 KB one) missing in 7 rounds with fastpulsar on
python3.13t, in 4 and 7 (two loops) on CPython 3.11, and in 2 with pulsar-client 3.13. It
stays missing after 10 s more and after redeliver_unacknowledged_messages(), while a reader
from the earliest message reads all ten. 0 of 300 on Apache Pulsar 4.2.4 standalone; 0 of
400 on pulsar-lite when subscribing after publishing; 0 of 600 with ten small messages, and
3 of 500 when the one before the last is 16 KB. Consumers attached while messages are
published are tested elsewhere (the consumer, listener and stress tests), with small ones.
"""

import datetime
import time
from typing import Any

import pytest
from support.messages import EARLIEST, receive_unique

import pulsar
from pulsar.schema import StringSchema

COMPRESSIONS = ["NONE", "LZ4", "ZLib", "ZSTD", "SNAPPY"]

# (payload or None for a null value, send keyword arguments)
MESSAGES = [
    (b"plain payload", {}),
    (b"with properties", {"properties": {"k1": "v1", "unicode-ключ": "значение ✓", "empty": ""}}),
    (b"with partition key", {"partition_key": "pk-1"}),
    (b"with ordering key", {"ordering_key": "ok-1"}),
    (b"with event time", {"event_timestamp": 1_700_000_000_123}),
    (
        b"everything",
        {
            "properties": {"a": "1", "b": "2"},
            "partition_key": "pk-2",
            "ordering_key": "ok-2",
            "event_timestamp": 1_600_000_000_000,
            "replication_clusters": ["standalone"],
            "disable_replication": False,
        },
    ),
    (None, {"properties": {"null": "yes"}, "partition_key": "tombstone"}),
    (b"", {}),
    (b"z" * 100_000, {"properties": {"compressible": "1"}}),
    (bytes(range(256)) * 16, {}),
]


def expected_fields(payload, kwargs):
    return {
        "data": b"" if payload is None else payload,
        "has_null_value": payload is None,
        "properties": kwargs.get("properties", {}),
        "partition_key": kwargs.get("partition_key", ""),
        "ordering_key": kwargs.get("ordering_key", ""),
        "event_timestamp": kwargs.get("event_timestamp", 0),
    }


def actual_fields(msg):
    return {
        "data": msg.data(),
        "has_null_value": msg.has_null_value(),
        "properties": msg.properties(),
        "partition_key": msg.partition_key(),
        "ordering_key": msg.ordering_key(),
        "event_timestamp": msg.event_timestamp(),
    }


def messages_for(compression, batching):
    # libpulsar's ZLib codec cannot decompress a zero-length payload: a consumer (of either
    # client) discards such a message as corrupted ("Failed to decompress zlib buffer: -2").
    # Inside a batch the payload is never empty, so only the non-batched case is affected.
    if compression == "ZLib" and not batching:
        return [(p, kw) for p, kw in MESSAGES if p]
    return MESSAGES


def send_all(producer, mode, base_sequence_id, messages):
    """Send ``messages`` with explicit increasing sequence ids; return their message ids."""
    if mode == "send":
        return [
            producer.send(payload, sequence_id=base_sequence_id + i, **kwargs)
            for i, (payload, kwargs) in enumerate(messages)
        ]
    results: list[Any] = [None] * len(messages)

    def make_cb(i):
        def cb(res, msg_id):
            results[i] = (res, msg_id)

        return cb

    for i, (payload, kwargs) in enumerate(messages):
        ret = producer.send_async(payload, make_cb(i), sequence_id=base_sequence_id + i, **kwargs)
        assert ret is None
    producer.flush()
    assert all(r is not None for r in results), "flush returned before every callback ran"
    assert [r[0] for r in results] == [pulsar.Result.Ok] * len(messages)
    return [r[1] for r in results]


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
@pytest.mark.parametrize("mode", ["send", "send_async"])
def test_every_field_round_trips(client, topic, mode, batching, compression):
    producer = client.create_producer(
        topic,
        producer_name=f"p-{mode}",
        compression_type=getattr(pulsar.CompressionType, compression),
        batching_enabled=batching,
        batching_max_publish_delay_ms=20,
    )
    messages = messages_for(compression, batching)
    before_ms = int(time.time() * 1000)
    ids = send_all(producer, mode, 1000, messages)
    after_ms = int(time.time() * 1000)
    assert all(isinstance(i, pulsar.MessageId) for i in ids)
    assert len(set(ids)) == len(messages)
    assert producer.last_sequence_id() == 1000 + len(messages) - 1

    consumer = client.subscribe(topic, "sub", initial_position=EARLIEST)  # after: see the top
    received = receive_unique(consumer, len(messages))
    for index, (msg, (payload, kwargs), sent_id) in enumerate(zip(received, messages, ids)):
        assert actual_fields(msg) == expected_fields(payload, kwargs), f"message {index}"
        assert msg.value() == msg.data()
        assert msg.message_id() == sent_id, f"message {index}"
        assert msg.topic_name() == topic
        assert msg.producer_name() == f"p-{mode}"
        assert msg.redelivery_count() == 0
        # Same machine, same clock: allow a wide margin, this is not a timing assertion.
        assert before_ms - 300_000 <= msg.publish_timestamp() <= after_ms + 300_000
        if batching and mode == "send_async":
            assert sent_id.batch_index() >= 0


@pytest.mark.parametrize("mode", ["send", "send_async"])
def test_event_timestamp_zero_is_accepted(client, topic, mode):
    producer = client.create_producer(topic)
    if mode == "send":
        producer.send(b"t0", event_timestamp=0)
    else:
        producer.send_async(b"t0", lambda res, msg_id: None, event_timestamp=0)
        producer.flush()
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    msg = receive_unique(consumer, 1)[0]
    assert msg.data() == b"t0"
    assert msg.event_timestamp() == 0  # 0 means "no event time" in the protocol


@pytest.mark.parametrize("mode", ["send", "send_async"])
@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_null_value(client, topic, mode, batching):
    producer = client.create_producer(topic, batching_enabled=batching)
    if mode == "send":
        producer.send(b"before")
        producer.send(None, partition_key="k")
        producer.send(b"after")
    else:
        for content in (b"before", None, b"after"):
            producer.send_async(content, lambda res, msg_id: None, partition_key="k")
        producer.flush()
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    before, null, after = receive_unique(consumer, 3)
    assert before.data() == b"before"
    assert not before.has_null_value()
    assert null.has_null_value() is True
    assert null.data() == b""
    assert null.partition_key() == "k"
    assert after.data() == b"after"
    assert not after.has_null_value()


@pytest.mark.parametrize("mode", ["send", "send_async"])
def test_deliver_after_and_deliver_at_are_accepted(client, topic, mode):
    # pulsar-lite ignores the delivery time (see test_standalone.py for the real delay);
    # here the arguments must be accepted and the messages delivered.
    producer = client.create_producer(topic)
    deliver_at = int(time.time() * 1000) + 1000
    if mode == "send":
        producer.send(b"after", deliver_after=datetime.timedelta(milliseconds=500))
        producer.send(b"at", deliver_at=deliver_at)
    else:
        producer.send_async(
            b"after", lambda r, m: None, deliver_after=datetime.timedelta(milliseconds=500)
        )
        producer.send_async(b"at", lambda r, m: None, deliver_at=deliver_at)
        producer.flush()
    consumer = client.subscribe(
        topic, "s", consumer_type=pulsar.ConsumerType.Shared, initial_position=EARLIEST
    )
    got = sorted(m.data() for m in receive_unique(consumer, 2, timeout_ms=30000))
    assert got == [b"after", b"at"]


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_string_schema_round_trip(client, topic, batching):
    producer = client.create_producer(topic, schema=StringSchema(), batching_enabled=batching)
    texts = ["héllo ✓", "", "plain ascii", "日本語"]
    if batching:
        for text in texts:
            producer.send_async(text, lambda r, m: None)
        producer.flush()
    else:
        for text in texts:
            producer.send(text)
    consumer = client.subscribe(topic, "s", schema=StringSchema(), initial_position=EARLIEST)
    received = receive_unique(consumer, len(texts))
    assert [m.value() for m in received] == texts
    assert all(isinstance(m.value(), str) for m in received)
    assert [m.data() for m in received] == [t.encode("utf-8") for t in texts]


def test_string_schema_rejects_bytes(client, topic):
    producer = client.create_producer(topic, schema=StringSchema())
    with pytest.raises((TypeError, ValueError)):
        producer.send(b"bytes are not str")


def test_bytes_consumer_reads_string_topic(client, topic):
    producer = client.create_producer(topic, schema=StringSchema())
    producer.send("ü")
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    msg = receive_unique(consumer, 1)[0]
    assert msg.value() == "ü".encode()
    assert msg.data() == "ü".encode()


def test_many_messages_in_order(client, topic):
    producer = client.create_producer(topic, batching_enabled=True, max_pending_messages=5000)
    results = []
    for i in range(2000):
        producer.send_async(b"%06d" % i, lambda r, m: results.append(r))
    producer.flush()
    assert results == [pulsar.Result.Ok] * 2000
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    received = receive_unique(consumer, 2000)
    assert [m.data() for m in received] == [b"%06d" % i for i in range(2000)]
