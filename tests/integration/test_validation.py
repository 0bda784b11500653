"""Argument validation (deliberate differences from the official client).

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
from support.helpers import assert_type_and_value_error, receive_unique

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
    with pytest.raises(ValueError):
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


CREATE_PRODUCER_TYPE_ERRORS = [
    ("topic-int", {"topic": 3}, "topic"),
    ("topic-bytes", {"topic": b"persistent://public/default/x"}, "topic"),
    ("producer-name-int", {"producer_name": 5}, "producer_name"),
    ("schema-str", {"schema": "bytes"}, "schema"),
    ("initial-sequence-id-str", {"initial_sequence_id": "1"}, "initial_sequence_id"),
    ("send-timeout-str", {"send_timeout_millis": "x"}, "send_timeout_millis"),
    ("compression-int", {"compression_type": 1}, "compression_type"),
    ("compression-str", {"compression_type": "LZ4"}, "compression_type"),
    ("max-pending-str", {"max_pending_messages": "10"}, "max_pending_messages"),
    ("block-if-queue-full-int", {"block_if_queue_full": 1}, "block_if_queue_full"),
    ("batching-enabled-str", {"batching_enabled": "yes"}, "batching_enabled"),
    ("batching-max-messages-float", {"batching_max_messages": 1.5}, "batching_max_messages"),
    ("chunking-enabled-int", {"chunking_enabled": 1}, "chunking_enabled"),
    ("routing-mode-int", {"message_routing_mode": 1}, "message_routing_mode"),
    ("properties-list", {"properties": ["a"]}, "properties"),
    ("properties-int-value", {"properties": {"a": 1}}, "properties"),
    ("batching-type-int", {"batching_type": 0}, "batching_type"),
    ("access-mode-int", {"access_mode": 0}, "access_mode"),
    ("encryption-key-int", {"encryption_key": 5}, "encryption_key"),
]


@pytest.mark.parametrize(
    ("kwargs", "argname"),
    [c[1:] for c in CREATE_PRODUCER_TYPE_ERRORS],
    ids=[c[0] for c in CREATE_PRODUCER_TYPE_ERRORS],
)
def test_create_producer_wrong_type(client, topic, kwargs, argname):
    kwargs = dict(kwargs)
    target = kwargs.pop("topic", topic)
    with pytest.raises(TypeError) as info:
        client.create_producer(target, **kwargs)
    assert_type_and_value_error(info.value, argname)


def test_create_producer_negative_send_timeout(client, topic):
    with pytest.raises(ValueError):
        client.create_producer(topic, send_timeout_millis=-1)


SUBSCRIBE_TYPE_ERRORS = [
    ("topic-int", {"topic": 3}, "topic"),
    ("topic-list-of-ints", {"topic": [1, 2]}, "topic"),
    ("subscription-name-int", {"subscription_name": 3}, "subscription_name"),
    ("consumer-type-int", {"consumer_type": 0}, "consumer_type"),
    ("schema-obj", {"schema": object()}, "schema"),
    ("receiver-queue-size-str", {"receiver_queue_size": "10"}, "receiver_queue_size"),
    ("consumer-name-int", {"consumer_name": 1}, "consumer_name"),
    (
        "nack-delay-str",
        {"negative_ack_redelivery_delay_ms": "x"},
        "negative_ack_redelivery_delay_ms",
    ),
    ("properties-list", {"properties": []}, "properties"),
    ("initial-position-int", {"initial_position": 1}, "initial_position"),
]


@pytest.mark.parametrize(
    ("kwargs", "argname"),
    [c[1:] for c in SUBSCRIBE_TYPE_ERRORS],
    ids=[c[0] for c in SUBSCRIBE_TYPE_ERRORS],
)
def test_subscribe_wrong_type(client, topic, kwargs, argname):
    kwargs = dict(kwargs)
    target = kwargs.pop("topic", topic)
    name = kwargs.pop("subscription_name", "sub")
    with pytest.raises(TypeError) as info:
        client.subscribe(target, name, **kwargs)
    assert_type_and_value_error(info.value, argname)


@pytest.mark.parametrize("timeout", [-1, -1000])
def test_receive_negative_timeout(client, topic, timeout):
    consumer = client.subscribe(topic, "s")
    with pytest.raises(ValueError):
        consumer.receive(timeout_millis=timeout)


def test_receive_wrong_timeout_type(client, topic):
    consumer = client.subscribe(topic, "s")
    with pytest.raises(TypeError) as info:
        consumer.receive(timeout_millis="100")
    assert_type_and_value_error(info.value, "timeout_millis")


CLIENT_TYPE_ERRORS = [
    ("service-url-int", {"service_url": 3}, "service_url"),
    ("service-url-bytes", {"service_url": b"pulsar://127.0.0.1:6650"}, "service_url"),
    ("authentication-str", {"authentication": "token"}, "authentication"),
    ("operation-timeout-str", {"operation_timeout_seconds": "30"}, "operation_timeout_seconds"),
    ("io-threads-float", {"io_threads": 1.5}, "io_threads"),
    ("listener-threads-str", {"message_listener_threads": "1"}, "message_listener_threads"),
    ("lookup-requests-str", {"concurrent_lookup_requests": "1"}, "concurrent_lookup_requests"),
    ("log-conf-int", {"log_conf_file_path": 1}, "log_conf_file_path"),
    ("stats-interval-str", {"stats_interval_in_seconds": "600"}, "stats_interval_in_seconds"),
    ("use-tls-str", {"use_tls": "no"}, "use_tls"),
    ("tls-trust-int", {"tls_trust_certs_file_path": 5}, "tls_trust_certs_file_path"),
    ("tls-insecure-int", {"tls_allow_insecure_connection": 0}, "tls_allow_insecure_connection"),
    ("tls-validate-int", {"tls_validate_hostname": 0}, "tls_validate_hostname"),
    ("logger-str", {"logger": "pulsar"}, "logger"),
    ("connection-timeout-str", {"connection_timeout_ms": "x"}, "connection_timeout_ms"),
    ("listener-name-int", {"listener_name": 5}, "listener_name"),
    ("tls-key-int", {"tls_private_key_file_path": 5}, "tls_private_key_file_path"),
    ("tls-cert-int", {"tls_certificate_file_path": 5}, "tls_certificate_file_path"),
]


@pytest.mark.parametrize(
    ("kwargs", "argname"),
    [c[1:] for c in CLIENT_TYPE_ERRORS],
    ids=[c[0] for c in CLIENT_TYPE_ERRORS],
)
def test_client_wrong_type(broker, kwargs, argname):
    kwargs = dict(kwargs)
    url = kwargs.pop("service_url", broker.service_url)
    with pytest.raises(TypeError) as info:
        pulsar.Client(url, **kwargs)
    assert_type_and_value_error(info.value, argname)


@pytest.mark.parametrize("value", [0, -1])
def test_client_non_positive_operation_timeout(broker, value):
    with pytest.raises(ValueError):
        pulsar.Client(broker.service_url, operation_timeout_seconds=value)


@pytest.mark.parametrize("url", ["foo://bar", "", "pulsar://"])
def test_malformed_service_url_is_pulsar_exception_and_value_error(url):
    with pytest.raises(pulsar.PulsarException) as info:
        pulsar.Client(url)
    assert isinstance(info.value, ValueError)

