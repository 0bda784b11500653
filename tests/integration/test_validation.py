"""Argument validation of the calls that need a broker: send / send_async on a producer,
receive on a consumer (the checks that fail before any connection: tests/unit/test_validation.py).
Deliberate differences from the official client:

* A wrong type raises an exception that is both TypeError and ValueError and whose message
  names the argument (the official client raises ValueError, TypeError or crashes).
* An out-of-range value raises ValueError.
* A malformed service URL raises an exception that is both a pulsar.PulsarException and a
  ValueError.
"""

import datetime
import logging
import time

import pytest
from support.errors import assert_type_and_value_error
from support.messages import receive_unique

import pulsar

# (test id, keyword arguments for send / send_async, the argument the message must name)
SEND_TYPE_ERRORS = [
    ("str-content", {"content": "text"}, "content"),
    ("int-content", {"content": 5}, "content"),
    ("list-content", {"content": [1, 2, 3]}, "content"),
    ("dict-content", {"content": {"a": 1}}, "content"),
    ("properties-list", {"properties": [("a", "b")]}, "properties"),
    ("properties-str", {"properties": "a=b"}, "properties"),
    ("property-key-int", {"properties": {1: "a"}}, "properties"),
    ("property-value-int", {"properties": {"a": 1}}, "properties"),
    ("property-value-bytes", {"properties": {"a": b"x"}}, "properties"),
    ("property-value-none", {"properties": {"a": None}}, "properties"),
    ("partition-key-int", {"partition_key": 5}, "partition_key"),
    ("partition-key-bytes", {"partition_key": b"k"}, "partition_key"),
    ("ordering-key-int", {"ordering_key": 5}, "ordering_key"),
    ("sequence-id-str", {"sequence_id": "1"}, "sequence_id"),
    ("sequence-id-float", {"sequence_id": 1.0}, "sequence_id"),
    ("event-timestamp-float", {"event_timestamp": 1.5}, "event_timestamp"),
    ("event-timestamp-str", {"event_timestamp": "now"}, "event_timestamp"),
    ("deliver-after-int", {"deliver_after": 5}, "deliver_after"),
    ("deliver-after-float", {"deliver_after": 5.0}, "deliver_after"),
    ("deliver-at-str", {"deliver_at": "123"}, "deliver_at"),
    ("deliver-at-datetime", {"deliver_at": datetime.datetime(2030, 1, 1)}, "deliver_at"),
    ("replication-clusters-str", {"replication_clusters": "us-west"}, "replication_clusters"),
    ("replication-clusters-ints", {"replication_clusters": [1, 2]}, "replication_clusters"),
    ("disable-replication-int", {"disable_replication": 1}, "disable_replication"),
    ("disable-replication-str", {"disable_replication": "yes"}, "disable_replication"),
]

SEND_RANGE_ERRORS = [
    ("negative-sequence-id", {"sequence_id": -1}),
    ("negative-event-timestamp", {"event_timestamp": -1}),
    ("negative-deliver-at", {"deliver_at": -1}),
    ("negative-deliver-after", {"deliver_after": datetime.timedelta(seconds=-1)}),
]


@pytest.fixture
def producer(client, topic):
    return client.create_producer(topic)


def _send(producer, mode, kwargs):
    kwargs = dict(kwargs)
    content = kwargs.pop("content", b"payload")
    if mode == "send":
        return producer.send(content, **kwargs)
    return producer.send_async(content, lambda res, msg_id: None, **kwargs)


@pytest.mark.parametrize("mode", ["send", "send_async"])
@pytest.mark.parametrize(
    ("kwargs", "argname"), [c[1:] for c in SEND_TYPE_ERRORS], ids=[c[0] for c in SEND_TYPE_ERRORS]
)
def test_send_wrong_type(producer, mode, kwargs, argname):
    with pytest.raises(TypeError) as info:
        _send(producer, mode, kwargs)
    assert_type_and_value_error(info.value, argname)


@pytest.mark.parametrize("mode", ["send", "send_async"])
@pytest.mark.parametrize(
    "kwargs", [c[1] for c in SEND_RANGE_ERRORS], ids=[c[0] for c in SEND_RANGE_ERRORS]
)
def test_send_out_of_range(producer, mode, kwargs):
    (argname,) = kwargs
    with pytest.raises(ValueError, match=argname):
        _send(producer, mode, kwargs)


@pytest.mark.parametrize("callback", [5, "callback"], ids=["int", "str"])
def test_send_async_non_callable_callback(producer, callback):
    with pytest.raises(TypeError) as info:
        producer.send_async(b"x", callback)
    assert_type_and_value_error(info.value, "callback")


def test_send_async_without_callback_delivers(client, topic):
    # A deliberate difference: callback=None is fire-and-forget (failures are logged).
    producer = client.create_producer(topic)
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    for i in range(10):
        producer.send_async(b"%d" % i, None)
    producer.flush()
    got = sorted(m.data() for m in receive_unique(consumer, 10))
    assert got == sorted(b"%d" % i for i in range(10))


def test_send_async_without_callback_logs_failures(client, topic, caplog):
    # With no callback to tell, a failed send is reported on the "pulsar" logger.
    producer = client.create_producer(topic)
    too_big = b"x" * (6 * 1024 * 1024)  # over the broker's 5 MiB limit
    with caplog.at_level(logging.ERROR, logger="pulsar"):
        producer.send_async(too_big, None)
        producer.flush()
        deadline = time.monotonic() + 10
        while "callback=None) failed" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
    assert "1 message(s) sent with send_async(callback=None) failed" in caplog.text
    assert "MessageTooBig" in caplog.text


def test_send_with_string_schema_requires_str(client, topic):
    producer = client.create_producer(topic, schema=pulsar.schema.StringSchema())
    with pytest.raises(TypeError) as info:
        producer.send(12)
    assert_type_and_value_error(info.value, "content")


@pytest.mark.parametrize("timeout", [-1, -1000])
def test_receive_negative_timeout(client, topic, timeout):
    consumer = client.subscribe(topic, "s")
    with pytest.raises(ValueError, match="timeout_millis"):
        consumer.receive(timeout_millis=timeout)


def test_receive_wrong_timeout_type(client, topic):
    consumer = client.subscribe(topic, "s")
    with pytest.raises(TypeError) as info:
        consumer.receive(timeout_millis="100")
    assert_type_and_value_error(info.value, "timeout_millis")
