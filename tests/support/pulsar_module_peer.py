"""Code written for pulsar-client 3.13's private `_pulsar` module, run as a script by both
clients (tests/integration/test_pulsar_module.py): the imports published code uses, every
configuration getter's default, what the setters return, the class of the errors a wrong
argument raises, and `_pulsar.Client(url, conf)` producing and consuming a message.

Usage: pulsar_module_peer.py SERVICE_URL TOPIC; prints `PEER-RESULT <json>`.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import Any

import _pulsar
from _pulsar import (
    CompressionType,
    ConsumerConfiguration,
    ConsumerType,
    InitialPosition,
    PartitionsRoutingMode,
    ProducerConfiguration,
    RegexSubscriptionMode,
    Result,
)

GETTERS = {
    "ClientConfiguration": [
        "concurrent_lookup_requests",
        "connection_timeout",
        "io_threads",
        "message_listener_threads",
        "operation_timeout_seconds",
        "stats_interval_in_seconds",
        "tls_allow_insecure_connection",
        "tls_certificate_file_path",
        "tls_private_key_file_path",
    ],
    "ProducerConfiguration": [
        "access_mode",
        "batching_enabled",
        "batching_max_allowed_size_in_bytes",
        "batching_max_messages",
        "batching_max_publish_delay_ms",
        "batching_type",
        "block_if_queue_full",
        "chunking_enabled",
        "compression_type",
        "initial_sequence_id",
        "lazy_start_partitioned_producers",
        "max_pending_messages",
        "max_pending_messages_across_partitions",
        "partitions_routing_mode",
        "producer_name",
        "schema",
        "send_timeout_millis",
    ],
    "ConsumerConfiguration": [
        "auto_ack_oldest_chunked_message_on_queue_full",
        "batch_index_ack_enabled",
        "batch_receive_policy",
        "broker_consumer_stats_cache_time_ms",
        "consumer_name",
        "consumer_type",
        "crypto_failure_action",
        "dead_letter_policy",
        "key_shared_policy",
        "max_pending_chunked_message",
        "max_total_receiver_queue_size_across_partitions",
        "negative_ack_redelivery_delay_ms",
        "pattern_auto_discovery_period",
        "read_compacted",
        "receiver_queue_size",
        "regex_subscription_mode",
        "replicate_subscription_state_enabled",
        "schema",
        "start_message_id_inclusive",
        "subscription_initial_position",
        "unacked_messages_timeout_ms",
    ],
    "ReaderConfiguration": [
        "crypto_failure_action",
        "read_compacted",
        "reader_name",
        "receiver_queue_size",
        "schema",
        "start_message_id_inclusive",
        "subscription_role_prefix",
    ],
}

# (class, method, argument): set on a new configuration; what it returns.
SETTERS = [
    ("ClientConfiguration", "operation_timeout_seconds", 12),
    ("ClientConfiguration", "io_threads", 2),
    ("ClientConfiguration", "tls_allow_insecure_connection", True),
    ("ClientConfiguration", "listener_name", "internal"),
    ("ClientConfiguration", "tls_validate_hostname", True),
    ("ProducerConfiguration", "producer_name", "p"),
    ("ProducerConfiguration", "compression_type", CompressionType.LZ4),
    ("ProducerConfiguration", "partitions_routing_mode", PartitionsRoutingMode.UseSinglePartition),
    ("ProducerConfiguration", "send_timeout_millis", 5000),
    ("ProducerConfiguration", "batching_enabled", False),
    ("ProducerConfiguration", "batching_max_messages", 10),
    ("ProducerConfiguration", "initial_sequence_id", 7),
    ("ProducerConfiguration", "chunking_enabled", True),
    ("ConsumerConfiguration", "consumer_type", ConsumerType.Shared),
    ("ConsumerConfiguration", "consumer_name", "c"),
    ("ConsumerConfiguration", "receiver_queue_size", 7),
    ("ConsumerConfiguration", "subscription_initial_position", InitialPosition.Earliest),
    ("ConsumerConfiguration", "regex_subscription_mode", RegexSubscriptionMode.AllTopics),
    ("ConsumerConfiguration", "read_compacted", True),
    ("ConsumerConfiguration", "unacked_messages_timeout_ms", 20000),
    ("ConsumerConfiguration", "start_message_id_inclusive", True),
    ("ConsumerConfiguration", "max_pending_chunked_message", 3),
    ("ReaderConfiguration", "reader_name", "r"),
    ("ReaderConfiguration", "receiver_queue_size", 9),
    ("ReaderConfiguration", "start_message_id_inclusive", True),
]

# (class, method, arguments): the class of the error.
BAD_CALLS: list[tuple[str, str, tuple[Any, ...]]] = [
    ("ProducerConfiguration", "compression_type", (1,)),
    ("ProducerConfiguration", "send_timeout_millis", ("1",)),
    ("ProducerConfiguration", "send_timeout_millis", (1.5,)),
    ("ProducerConfiguration", "send_timeout_millis", (2**40,)),
    ("ProducerConfiguration", "batching_max_messages", (-1,)),
    ("ProducerConfiguration", "batching_max_messages", (0,)),
    ("ProducerConfiguration", "max_pending_messages", (-1,)),
    ("ProducerConfiguration", "producer_name", ("a", "b")),
    ("ConsumerConfiguration", "consumer_type", (0,)),
    ("ConsumerConfiguration", "unacked_messages_timeout_ms", (5,)),
    ("ConsumerConfiguration", "unacked_messages_timeout_ms", (-1,)),
    ("ConsumerConfiguration", "receiver_queue_size", (None,)),
    ("ClientConfiguration", "io_threads", ("2",)),
    ("ClientConfiguration", "set_console_logger", (1,)),
]


def plain(value: Any) -> Any:
    """A JSON form of a getter's value, the same for both clients."""
    if isinstance(value, (bool, int, str)) and not hasattr(value, "name"):
        return value
    if hasattr(value, "name") and hasattr(value, "value") and not callable(value.value):
        return f"{type(value).__name__}.{value.name}"
    if hasattr(value, "schema_type"):
        return [plain(value.schema_type()), value.name(), value.schema()]
    if hasattr(value, "getMaxNumMessages"):
        return [value.getMaxNumMessages(), value.getMaxNumBytes(), value.getTimeoutMs()]
    if hasattr(value, "getDeadLetterTopic"):
        return [
            value.getDeadLetterTopic(),
            value.getMaxRedeliverCount(),
            value.getInitialSubscriptionName(),
        ]
    if hasattr(value, "get_key_shared_mode"):
        return [
            plain(value.get_key_shared_mode()),
            value.is_allow_out_of_order_delivery(),
            [list(r) for r in value.get_sticky_ranges()],
        ]
    return repr(type(value))


def error_class(call: Any) -> str:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the class is the outcome
        return "TypeError" if isinstance(exc, TypeError) else type(exc).__name__
    return "no error"


def main(service_url: str, topic: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["imports"] = [
        _pulsar.SchemaType.PROTOBUF_NATIVE.name,
        Result.Ok.name,
        isinstance(_pulsar.MessageId.earliest, _pulsar.MessageId),
    ]
    out["defaults"] = {
        cls: {name: plain(getattr(getattr(_pulsar, cls)(), name)()) for name in names}
        for cls, names in GETTERS.items()
    }
    setters = {}
    for cls, name, arg in SETTERS:
        conf = getattr(_pulsar, cls)()
        returned = getattr(conf, name)(arg)
        read = plain(getattr(conf, name)()) if name in GETTERS[cls] else None
        setters[f"{cls}.{name}"] = ["self" if returned is conf else repr(returned), read]
    out["setters"] = setters
    out["bad_calls"] = {
        f"{cls}.{name}{args!r}": error_class(
            lambda cls=cls, name=name, args=args: getattr(getattr(_pulsar, cls)(), name)(*args)
        )
        for cls, name, args in BAD_CALLS
    }
    policies = _pulsar.DeadLetterPolicyBuilder().deadLetterTopic("dlq").maxRedeliverCount(3)
    conf = _pulsar.ConsumerConfiguration()
    conf.dead_letter_policy(policies.build())
    conf.batch_receive_policy(_pulsar.BatchReceivePolicy(5, 0, 0))
    conf.key_shared_policy(
        _pulsar.KeySharedPolicy()
        .set_key_shared_mode(_pulsar.KeySharedMode.Sticky)
        .set_sticky_ranges([(0, 100)])
    )
    out["policies"] = [
        plain(conf.dead_letter_policy()),
        plain(conf.batch_receive_policy()),
        plain(conf.key_shared_policy()),
        error_class(lambda: _pulsar.BatchReceivePolicy(0, 0, 0)),
        error_class(lambda: _pulsar.DeadLetterPolicyBuilder().maxRedeliverCount(0).build()),
    ]
    out["auth"] = [
        _pulsar.AuthenticationToken.create("t").getAuthMethodName(),
        _pulsar.AuthenticationTLS.create("c", "k").getAuthMethodName(),
        _pulsar.AuthenticationBasic.create("u", "p", "m").getAuthMethodName(),
        type(_pulsar.Authentication.create("token", "token:t")).__name__,
        _pulsar.TopicRegex("a.*").pattern,
        error_class(lambda: _pulsar.Error()),
    ]

    client_conf = _pulsar.ClientConfiguration().operation_timeout_seconds(20)
    client = _pulsar.Client(service_url, client_conf)
    producer_conf = ProducerConfiguration().batching_enabled(False).producer_name("peer")
    producer = client.create_producer(topic, producer_conf)
    builder = getattr(_pulsar, "MessageBuilder", None)
    if builder is not None:  # 3.13 (and fastpulsar once it has MessageBuilder)
        producer.send(builder().content(b"hello").property("k", "v").build())
    else:
        producer.send(b"hello", properties={"k": "v"})
    consumer_conf = ConsumerConfiguration()
    consumer_conf.subscription_initial_position(InitialPosition.Earliest)
    consumer = client.subscribe(topic, "peer-sub", consumer_conf)
    msg = consumer.receive(20000)
    consumer.acknowledge(msg)
    out["message"] = [bytes(msg.data()).decode(), msg.properties(), producer.producer_name()]

    done = threading.Event()
    got: list[Any] = []

    def on_partitions(result: Any, partitions: Any) -> None:
        got.append([result.name, list(partitions)])
        done.set()

    client.get_topic_partitions_async(topic, on_partitions)
    assert done.wait(20)
    out["partitions_async"] = got[0][0], len(got[0][1])
    done.clear()

    def on_close(result: Any) -> None:
        got.append(result.name)
        done.set()

    producer.close()
    consumer.close()
    client.close_async(on_close)
    assert done.wait(20)
    out["close_async"] = got[-1]
    return out


if __name__ == "__main__":
    print("PEER-RESULT " + json.dumps(main(sys.argv[1], sys.argv[2])), flush=True)
    # pulsar-client 3.13 (whose _pulsar is an extension module, not a package) can abort at
    # interpreter exit after a program that closed everything ("terminate called without an
    # active exception", return code -6: seen once in 15 runs): it leaves once the result is
    # printed. fastpulsar exits the normal way: a clean exit is part of what is tested.
    if not hasattr(_pulsar, "__path__"):
        sys.stderr.flush()
        os._exit(0)
