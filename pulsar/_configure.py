"""The checked configurations of producers, consumers and readers: one place for the
argument checks and the configuration each keyword sets, shared by pulsar.Client and
pulsar.asyncio.Client (whose defaults differ in places, as pulsar-client 3.13's do).
Every function takes all of its method's parameters, by keyword."""

from __future__ import annotations

import re
from typing import Callable

from pulsar import _core
from pulsar._checks import (
    INT64_MAX,
    check_int,
    check_optional,
    check_str_dict,
    check_type,
    check_utf8,
    type_error,
)
from pulsar._core import Message
from pulsar._crypto import CryptoKeyReader
from pulsar._enums import (
    BatchingType,
    CompressionType,
    ConsumerCryptoFailureAction,
    ConsumerType,
    InitialPosition,
    PartitionsRoutingMode,
    ProducerAccessMode,
    RegexSubscriptionMode,
)
from pulsar._policies import (
    ConsumerBatchReceivePolicy,
    ConsumerDeadLetterPolicy,
    ConsumerKeySharedPolicy,
)
from pulsar.schema.keyvalue import KeyValueSchema
from pulsar.schema.schema import BytesSchema, Schema, StringSchema

# How the extension turns a producer's content into the payload: BytesSchema and
# StringSchema content in C++, without calling encode(); a KeyValueSchema's (key, value)
# into libpulsar's KeyValue; any other schema (a subclass of Bytes/StringSchema included)
# through its encode().
_SCHEMA_KINDS = {BytesSchema: _core.SchemaKind.Bytes, StringSchema: _core.SchemaKind.String}


def schema_kind(schema: Schema) -> _core.SchemaKind:
    if isinstance(schema, KeyValueSchema):
        return _core.SchemaKind.KeyValue
    return _SCHEMA_KINDS.get(type(schema), _core.SchemaKind.Other)


def receiving_schema_info(schema: Schema) -> _core.SchemaInfo:
    """The schema info consumers, readers and table views give libpulsar. Not a
    KeyValueSchema's: with a KEY_VALUE schema, libpulsar splits every INLINE payload at
    receipt, on its I/O thread, without checking the lengths in it (a payload that is not a
    KeyValue one crashes the process); they take none (as BytesSchema) and the schema splits
    the payload itself."""
    if isinstance(schema, KeyValueSchema):
        return BytesSchema().schema_info()
    return schema.schema_info()


def producer(
    *,
    topic: str,
    producer_name: str | None,
    schema: Schema,
    initial_sequence_id: int | None,
    send_timeout_millis: int,
    compression_type: CompressionType,
    max_pending_messages: int,
    max_pending_messages_across_partitions: int,
    block_if_queue_full: bool,
    batching_enabled: bool,
    batching_max_messages: int,
    batching_max_allowed_size_in_bytes: int,
    batching_max_publish_delay_ms: int,
    chunking_enabled: bool,
    message_routing_mode: PartitionsRoutingMode,
    lazy_start_partitioned_producers: bool,
    properties: dict[str, str] | None,
    batching_type: BatchingType,
    encryption_key: str | None,
    crypto_key_reader: CryptoKeyReader | None,
    access_mode: ProducerAccessMode,
    message_router: Callable[[Message, int], int] | None,
) -> _core.ProducerConfiguration:
    """The checked configuration of Client.create_producer (sync and asyncio)."""
    check_type(topic, str, "topic")
    check_optional(producer_name, str, "producer_name")
    check_type(schema, Schema, "schema")
    if initial_sequence_id is not None:
        check_int(initial_sequence_id, "initial_sequence_id", -1, INT64_MAX)
    check_int(send_timeout_millis, "send_timeout_millis", 0)
    check_type(compression_type, CompressionType, "compression_type")
    check_int(max_pending_messages, "max_pending_messages", 0)
    check_int(max_pending_messages_across_partitions, "max_pending_messages_across_partitions", 0)
    check_type(block_if_queue_full, bool, "block_if_queue_full")
    check_type(batching_enabled, bool, "batching_enabled")
    check_int(batching_max_messages, "batching_max_messages", 1, 2**32 - 1)
    check_int(
        batching_max_allowed_size_in_bytes, "batching_max_allowed_size_in_bytes", 1, INT64_MAX
    )
    check_int(batching_max_publish_delay_ms, "batching_max_publish_delay_ms", 0, INT64_MAX)
    check_type(chunking_enabled, bool, "chunking_enabled")
    check_type(message_routing_mode, PartitionsRoutingMode, "message_routing_mode")
    check_type(lazy_start_partitioned_producers, bool, "lazy_start_partitioned_producers")
    if properties is not None:
        check_str_dict(properties, "properties")
    check_type(batching_type, BatchingType, "batching_type")
    check_optional(encryption_key, str, "encryption_key")
    check_optional(crypto_key_reader, CryptoKeyReader, "crypto_key_reader")
    check_type(access_mode, ProducerAccessMode, "access_mode")
    if message_router is not None and not callable(message_router):
        raise type_error(
            "message_router", "a function (message, num_partitions) -> int", message_router
        )
    if batching_enabled and chunking_enabled:
        # A plain ValueError, as pulsar-client 3.13 (not a PulsarException).
        raise ValueError("Batching and chunking of messages can't be enabled together.")

    conf = _core.ProducerConfiguration()
    conf.send_timeout_millis(send_timeout_millis)
    conf.compression_type(compression_type.value)
    conf.max_pending_messages(max_pending_messages)
    conf.max_pending_messages_across_partitions(max_pending_messages_across_partitions)
    conf.block_if_queue_full(block_if_queue_full)
    conf.batching_enabled(batching_enabled)
    conf.batching_max_messages(batching_max_messages)
    conf.batching_max_allowed_size_in_bytes(batching_max_allowed_size_in_bytes)
    conf.batching_max_publish_delay_ms(batching_max_publish_delay_ms)
    conf.partitions_routing_mode(message_routing_mode.value)
    conf.batching_type(batching_type.value)
    conf.chunking_enabled(chunking_enabled)
    conf.lazy_start_partitioned_producers(lazy_start_partitioned_producers)
    conf.access_mode(access_mode.value)
    if message_router is not None:
        conf.message_router(message_router)
    if producer_name is not None:
        conf.producer_name(producer_name)
    if initial_sequence_id is not None:
        # Unlike pulsar-client, 0 is honoured (the first message gets 1).
        conf.initial_sequence_id(initial_sequence_id)
    for key, value in (properties or {}).items():
        conf.property(key, value)
    conf.schema(schema.schema_info())
    if encryption_key is not None:
        conf.encryption_key(encryption_key)
    if crypto_key_reader is not None:
        conf.crypto_key_reader(crypto_key_reader.cryptoKeyReader)
    return conf


def consumer(
    *,
    topic: str | list[str] | re.Pattern[str],
    subscription_name: str,
    consumer_type: ConsumerType,
    schema: Schema,
    message_listener: Callable[[_core.Consumer, Message], object] | None,
    receiver_queue_size: int,
    max_total_receiver_queue_size_across_partitions: int,
    consumer_name: str | None,
    unacked_messages_timeout_ms: int | None,
    broker_consumer_stats_cache_time_ms: int,
    negative_ack_redelivery_delay_ms: int,
    is_read_compacted: bool,
    properties: dict[str, str] | None,
    pattern_auto_discovery_period: int,
    initial_position: InitialPosition,
    crypto_key_reader: CryptoKeyReader | None,
    replicate_subscription_state_enabled: bool,
    max_pending_chunked_message: int,
    auto_ack_oldest_chunked_message_on_queue_full: bool,
    start_message_id_inclusive: bool,
    batch_receive_policy: ConsumerBatchReceivePolicy | None,
    key_shared_policy: ConsumerKeySharedPolicy | None,
    batch_index_ack_enabled: bool,
    regex_subscription_mode: RegexSubscriptionMode,
    dead_letter_policy: ConsumerDeadLetterPolicy | None,
    crypto_failure_action: ConsumerCryptoFailureAction,
) -> tuple[_core.ConsumerConfiguration, str | list[str], bool]:
    """The checked configuration of Client.subscribe (sync and asyncio), with the topic
    argument for the extension and whether it is a pattern. The listener is the caller's."""
    if message_listener is not None and not callable(message_listener):
        raise type_error(
            "message_listener", "a function (consumer, message) -> None", message_listener
        )
    check_optional(batch_receive_policy, ConsumerBatchReceivePolicy, "batch_receive_policy")
    check_optional(key_shared_policy, ConsumerKeySharedPolicy, "key_shared_policy")
    check_optional(dead_letter_policy, ConsumerDeadLetterPolicy, "dead_letter_policy")
    is_pattern = isinstance(topic, re.Pattern)
    if is_pattern:
        assert isinstance(topic, re.Pattern)
        topic_arg: str | list[str] = topic.pattern
        check_type(topic_arg, str, "topic")  # (a bytes pattern is not a topic pattern)
    elif isinstance(topic, list):
        if not topic or not all(isinstance(t, str) for t in topic):
            raise type_error("topic", "a str, a non-empty list of str or a re.Pattern", topic)
        topic_arg = topic
        for name in topic:
            check_utf8(name, "topic")
    else:
        check_type(topic, (str, list, re.Pattern), "topic")
        assert isinstance(topic, str)
        topic_arg = topic
    check_type(subscription_name, str, "subscription_name")
    check_type(consumer_type, ConsumerType, "consumer_type")
    check_type(schema, Schema, "schema")
    check_int(receiver_queue_size, "receiver_queue_size", 0)
    check_int(
        max_total_receiver_queue_size_across_partitions,
        "max_total_receiver_queue_size_across_partitions",
        0,
    )
    check_optional(consumer_name, str, "consumer_name")
    if unacked_messages_timeout_ms is not None:
        check_int(unacked_messages_timeout_ms, "unacked_messages_timeout_ms", 0, INT64_MAX)
    check_int(
        broker_consumer_stats_cache_time_ms, "broker_consumer_stats_cache_time_ms", 0, INT64_MAX
    )
    check_int(negative_ack_redelivery_delay_ms, "negative_ack_redelivery_delay_ms", 0, INT64_MAX)
    check_type(is_read_compacted, bool, "is_read_compacted")
    if properties is not None:
        check_str_dict(properties, "properties")
    check_int(pattern_auto_discovery_period, "pattern_auto_discovery_period", 1)
    check_type(initial_position, InitialPosition, "initial_position")
    check_optional(crypto_key_reader, CryptoKeyReader, "crypto_key_reader")
    check_type(replicate_subscription_state_enabled, bool, "replicate_subscription_state_enabled")
    check_int(max_pending_chunked_message, "max_pending_chunked_message", 0)
    check_type(
        auto_ack_oldest_chunked_message_on_queue_full,
        bool,
        "auto_ack_oldest_chunked_message_on_queue_full",
    )
    check_type(start_message_id_inclusive, bool, "start_message_id_inclusive")
    check_type(batch_index_ack_enabled, bool, "batch_index_ack_enabled")
    check_type(regex_subscription_mode, RegexSubscriptionMode, "regex_subscription_mode")
    check_type(crypto_failure_action, ConsumerCryptoFailureAction, "crypto_failure_action")

    conf = _core.ConsumerConfiguration()
    conf.consumer_type(consumer_type.value)
    conf.regex_subscription_mode(regex_subscription_mode.value)
    conf.read_compacted(is_read_compacted)
    conf.receiver_queue_size(receiver_queue_size)
    conf.max_total_receiver_queue_size_across_partitions(
        max_total_receiver_queue_size_across_partitions
    )
    if consumer_name is not None:
        conf.consumer_name(consumer_name)
    if unacked_messages_timeout_ms is not None:
        conf.unacked_messages_timeout_ms(unacked_messages_timeout_ms)
    conf.negative_ack_redelivery_delay_ms(negative_ack_redelivery_delay_ms)
    conf.broker_consumer_stats_cache_time_ms(broker_consumer_stats_cache_time_ms)
    conf.pattern_auto_discovery_period(pattern_auto_discovery_period)
    for key, value in (properties or {}).items():
        conf.property(key, value)
    conf.subscription_initial_position(initial_position.value)
    conf.schema(receiving_schema_info(schema))
    if crypto_key_reader is not None:
        conf.crypto_key_reader(crypto_key_reader.cryptoKeyReader)
    conf.replicate_subscription_state_enabled(replicate_subscription_state_enabled)
    conf.max_pending_chunked_message(max_pending_chunked_message)
    conf.auto_ack_oldest_chunked_message_on_queue_full(
        auto_ack_oldest_chunked_message_on_queue_full
    )
    conf.start_message_id_inclusive(start_message_id_inclusive)
    conf.batch_index_ack_enabled(batch_index_ack_enabled)
    conf.crypto_failure_action(crypto_failure_action.value)
    if batch_receive_policy is not None:
        conf.batch_receive_policy(
            batch_receive_policy.max_num_message,
            batch_receive_policy.max_num_bytes,
            batch_receive_policy.timeout_ms,
        )
    if key_shared_policy is not None:
        conf.key_shared_policy(
            key_shared_policy.key_shared_mode.value,
            key_shared_policy.allow_out_of_order_delivery,
            key_shared_policy.sticky_ranges,
        )
    if dead_letter_policy is not None:
        conf.dead_letter_policy(
            dead_letter_policy.max_redeliver_count,
            dead_letter_policy.dead_letter_topic,
            dead_letter_policy.initial_subscription_name,
        )
    return conf, topic_arg, is_pattern


def reader(
    *,
    topic: str,
    start_message_id: _core.MessageId,
    schema: Schema,
    reader_listener: Callable[[_core.Reader, Message], object] | None,
    receiver_queue_size: int,
    reader_name: str | None,
    subscription_role_prefix: str | None,
    is_read_compacted: bool,
    crypto_key_reader: CryptoKeyReader | None,
    start_message_id_inclusive: bool,
    crypto_failure_action: ConsumerCryptoFailureAction,
) -> _core.ReaderConfiguration:
    """The checked configuration of Client.create_reader (sync and asyncio). The listener
    is the caller's."""
    if reader_listener is not None and not callable(reader_listener):
        raise type_error("reader_listener", "a function (reader, message) -> None", reader_listener)
    check_type(topic, str, "topic")
    check_type(start_message_id, _core.MessageId, "start_message_id")
    check_type(schema, Schema, "schema")
    check_int(receiver_queue_size, "receiver_queue_size", 0)
    check_optional(reader_name, str, "reader_name")
    check_optional(subscription_role_prefix, str, "subscription_role_prefix")
    check_type(is_read_compacted, bool, "is_read_compacted")
    check_optional(crypto_key_reader, CryptoKeyReader, "crypto_key_reader")
    check_type(start_message_id_inclusive, bool, "start_message_id_inclusive")
    check_type(crypto_failure_action, ConsumerCryptoFailureAction, "crypto_failure_action")

    conf = _core.ReaderConfiguration()
    conf.receiver_queue_size(receiver_queue_size)
    if reader_name:  # as pulsar-client: an empty name lets libpulsar choose one
        conf.reader_name(reader_name)
    if subscription_role_prefix:
        conf.subscription_role_prefix(subscription_role_prefix)
    conf.schema(receiving_schema_info(schema))
    conf.read_compacted(is_read_compacted)
    if crypto_key_reader is not None:
        conf.crypto_key_reader(crypto_key_reader.cryptoKeyReader)
    conf.start_message_id_inclusive(start_message_id_inclusive)
    conf.crypto_failure_action(crypto_failure_action.value)
    return conf
