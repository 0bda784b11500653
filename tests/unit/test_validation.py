"""Argument checks that fail before any connection (deliberate differences from the official
client); no broker: the clients point at a loopback port nothing listens on.

* A wrong type raises an exception that is both TypeError and ValueError and whose message
  names the argument (the official client raises ValueError, TypeError or crashes).
* An out-of-range value raises ValueError.
* A malformed service URL raises an exception that is both a pulsar.PulsarException and a
  ValueError.
"""

import pytest
from support.errors import assert_type_and_value_error

import pulsar

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
def test_create_producer_wrong_type(offline_client, topic, kwargs, argname):
    kwargs = dict(kwargs)
    target = kwargs.pop("topic", topic)
    with pytest.raises(TypeError) as info:
        offline_client.create_producer(target, **kwargs)
    assert_type_and_value_error(info.value, argname)


def test_create_producer_negative_send_timeout(offline_client, topic):
    with pytest.raises(ValueError, match="send_timeout_millis"):
        offline_client.create_producer(topic, send_timeout_millis=-1)


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
def test_subscribe_wrong_type(offline_client, topic, kwargs, argname):
    kwargs = dict(kwargs)
    target = kwargs.pop("topic", topic)
    name = kwargs.pop("subscription_name", "sub")
    with pytest.raises(TypeError) as info:
        offline_client.subscribe(target, name, **kwargs)
    assert_type_and_value_error(info.value, argname)


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
def test_client_wrong_type(offline_service_url, kwargs, argname):
    kwargs = dict(kwargs)
    url = kwargs.pop("service_url", offline_service_url)
    with pytest.raises(TypeError) as info:
        pulsar.Client(url, **kwargs)
    assert_type_and_value_error(info.value, argname)


@pytest.mark.parametrize("value", [0, -1])
def test_client_non_positive_operation_timeout(offline_service_url, value):
    with pytest.raises(ValueError, match="operation_timeout_seconds"):
        pulsar.Client(offline_service_url, operation_timeout_seconds=value)


@pytest.mark.parametrize("url", ["foo://bar", "", "pulsar://"])
def test_malformed_service_url_is_a_plain_value_error(url):
    # As pulsar-client 3.13: `except PulsarException` around set-up does not catch it.
    with pytest.raises(ValueError, match=r"\w") as info:
        pulsar.Client(url)
    assert type(info.value) is ValueError
