"""pulsar.Client: checks arguments, builds configurations, and hands the work to
the C++ binding (pulsar._core.Client), which creates pulsar.Producer and
pulsar.Consumer objects."""

from __future__ import annotations

import logging
import re
from types import TracebackType
from typing import Callable

from pulsar import _core, _dispatch
from pulsar._auth import Authentication
from pulsar._checks import (
    INT64_MAX,
    check_int,
    check_optional,
    check_str_dict,
    check_type,
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
from pulsar._failover import AutoClusterFailover, ServiceInfo, ServiceInfoProvider
from pulsar._logging import ConsoleLogger, FileLogger
from pulsar._policies import (
    ConsumerBatchReceivePolicy,
    ConsumerDeadLetterPolicy,
    ConsumerKeySharedPolicy,
)
from pulsar.exceptions import InvalidConfiguration
from pulsar.schema.keyvalue import KeyValueSchema
from pulsar.schema.schema import BytesSchema, Schema, StringSchema

# How the extension turns a producer's content into the payload: BytesSchema and
# StringSchema content in C++, without calling encode(); a KeyValueSchema's (key, value)
# into libpulsar's KeyValue; any other schema (a subclass of Bytes/StringSchema included)
# through its encode().
_SCHEMA_KINDS = {BytesSchema: _core.SchemaKind.Bytes, StringSchema: _core.SchemaKind.String}


def _schema_kind(schema: Schema) -> _core.SchemaKind:
    if isinstance(schema, KeyValueSchema):
        return _core.SchemaKind.KeyValue
    return _SCHEMA_KINDS.get(type(schema), _core.SchemaKind.Other)


def _receiving_schema_info(schema: Schema) -> _core.SchemaInfo:
    """The schema info consumers, readers and table views give libpulsar. Not a
    KeyValueSchema's: with a KEY_VALUE schema, libpulsar splits every INLINE payload at
    receipt, on its I/O thread, without checking the lengths in it (a payload that is not a
    KeyValue one crashes the process); they take none (as BytesSchema) and the schema splits
    the payload itself."""
    if isinstance(schema, KeyValueSchema):
        return BytesSchema().schema_info()
    return schema.schema_info()


def _trust_store() -> str | None:
    """pulsar-client's default CA bundle for pulsar+ssl://, when certifi is there."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi is a dependency
        return None
    return str(certifi.where())


class Client:
    """A connection to a Pulsar cluster; creates producers and consumers.

    Usable as a context manager: `with pulsar.Client(url) as client:` closes it.
    """

    def __init__(
        self,
        service_url: str | AutoClusterFailover | ServiceInfoProvider,
        authentication: Authentication | None = None,
        operation_timeout_seconds: int = 30,
        io_threads: int = 1,
        message_listener_threads: int = 1,
        concurrent_lookup_requests: int = 50000,
        log_conf_file_path: str | None = None,
        stats_interval_in_seconds: int = 600,
        use_tls: bool = False,
        tls_trust_certs_file_path: str | None = None,
        tls_allow_insecure_connection: bool = False,
        tls_validate_hostname: bool = False,
        logger: logging.Logger | ConsoleLogger | FileLogger | None = None,
        connection_timeout_ms: int = 10000,
        listener_name: str | None = None,
        tls_private_key_file_path: str | None = None,
        tls_certificate_file_path: str | None = None,
    ) -> None:
        check_type(service_url, (str, AutoClusterFailover, ServiceInfoProvider), "service_url")
        if not isinstance(service_url, str):
            # As pulsar-client: each ServiceInfo carries its own authentication and trust store.
            if authentication is not None:
                raise ValueError(
                    "Argument authentication is not supported when service_url is an "
                    "AutoClusterFailover or ServiceInfoProvider; set authentication on each "
                    "ServiceInfo instead"
                )
            if tls_trust_certs_file_path is not None:
                raise ValueError(
                    "Argument tls_trust_certs_file_path is not supported when service_url is an "
                    "AutoClusterFailover or ServiceInfoProvider; set tls_trust_certs_file_path "
                    "on each ServiceInfo instead"
                )
        check_optional(authentication, Authentication, "authentication")
        check_int(operation_timeout_seconds, "operation_timeout_seconds", 1)
        check_int(io_threads, "io_threads", 1)
        check_int(message_listener_threads, "message_listener_threads", 1)
        check_int(concurrent_lookup_requests, "concurrent_lookup_requests", 1)
        check_optional(log_conf_file_path, str, "log_conf_file_path")
        check_int(stats_interval_in_seconds, "stats_interval_in_seconds", 0)
        check_type(use_tls, bool, "use_tls")
        check_optional(tls_trust_certs_file_path, str, "tls_trust_certs_file_path")
        check_type(tls_allow_insecure_connection, bool, "tls_allow_insecure_connection")
        check_type(tls_validate_hostname, bool, "tls_validate_hostname")
        check_optional(logger, (logging.Logger, ConsoleLogger, FileLogger), "logger")
        check_int(connection_timeout_ms, "connection_timeout_ms", 1)
        check_optional(listener_name, str, "listener_name")
        check_optional(tls_private_key_file_path, str, "tls_private_key_file_path")
        check_optional(tls_certificate_file_path, str, "tls_certificate_file_path")

        conf = _core.ClientConfiguration()
        if authentication is not None:
            conf.authentication(authentication.auth)
        conf.operation_timeout_seconds(operation_timeout_seconds)
        conf.connection_timeout(connection_timeout_ms)
        conf.io_threads(io_threads)
        conf.message_listener_threads(message_listener_threads)
        conf.concurrent_lookup_requests(concurrent_lookup_requests)
        conf.stats_interval_in_seconds(stats_interval_in_seconds)
        if isinstance(logger, (ConsoleLogger, FileLogger)):
            conf.logger(logger.logger)
        else:
            conf.logger(logger)
        if listener_name:
            conf.listener_name(listener_name)
        trust = tls_trust_certs_file_path or _trust_store()
        if trust:
            conf.tls_trust_certs_file_path(trust)
        conf.tls_allow_insecure_connection(tls_allow_insecure_connection)
        conf.tls_validate_hostname(tls_validate_hostname)
        if tls_private_key_file_path is not None:
            conf.tls_private_key_file_path(tls_private_key_file_path)
        if tls_certificate_file_path is not None:
            conf.tls_certificate_file_path(tls_certificate_file_path)

        self._listening_readers: list[_core.Reader] = []
        _dispatch.client_starting()
        try:
            if isinstance(service_url, AutoClusterFailover):
                self._client = _core.Client.with_failover(
                    service_url.primary._info,
                    [info._info for info in service_url.secondary],
                    service_url.check_interval_ms,
                    service_url.failover_threshold,
                    service_url.switch_back_threshold,
                    conf,
                )
            elif isinstance(service_url, ServiceInfoProvider):
                self._client = _core.Client.with_provider(service_url, conf)
            else:
                self._client = _core.Client(service_url, conf)
        finally:
            _dispatch.client_started()

    def create_producer(
        self,
        topic: str,
        producer_name: str | None = None,
        schema: Schema = BytesSchema(),  # noqa: B008 - pulsar-client's default
        initial_sequence_id: int | None = None,
        send_timeout_millis: int = 30000,
        compression_type: CompressionType = CompressionType.NONE,
        max_pending_messages: int = 1000,
        max_pending_messages_across_partitions: int = 50000,
        block_if_queue_full: bool = False,
        batching_enabled: bool = False,
        batching_max_messages: int = 1000,
        batching_max_allowed_size_in_bytes: int = 128 * 1024,
        batching_max_publish_delay_ms: int = 10,
        chunking_enabled: bool = False,
        message_routing_mode: PartitionsRoutingMode = PartitionsRoutingMode.RoundRobinDistribution,
        lazy_start_partitioned_producers: bool = False,
        properties: dict[str, str] | None = None,
        batching_type: BatchingType = BatchingType.Default,
        encryption_key: str | None = None,
        crypto_key_reader: CryptoKeyReader | None = None,
        access_mode: ProducerAccessMode = ProducerAccessMode.Shared,
        message_router: Callable[[Message, int], int] | None = None,
    ) -> _core.Producer:
        """Create a producer on `topic` (waits until the broker has registered it)."""
        check_type(topic, str, "topic")
        check_optional(producer_name, str, "producer_name")
        check_type(schema, Schema, "schema")
        if initial_sequence_id is not None:
            check_int(initial_sequence_id, "initial_sequence_id", -1, INT64_MAX)
        check_int(send_timeout_millis, "send_timeout_millis", 0)
        check_type(compression_type, CompressionType, "compression_type")
        check_int(max_pending_messages, "max_pending_messages", 0)
        check_int(
            max_pending_messages_across_partitions, "max_pending_messages_across_partitions", 0
        )
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
            raise InvalidConfiguration(
                "Batching and chunking of messages can't be enabled together."
            )

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
        return self._client.create_producer(topic, conf, schema, _schema_kind(schema))

    def subscribe(
        self,
        topic: str | list[str] | re.Pattern[str],
        subscription_name: str,
        consumer_type: ConsumerType = ConsumerType.Exclusive,
        schema: Schema = BytesSchema(),  # noqa: B008 - pulsar-client's default
        message_listener: Callable[[_core.Consumer, Message], object] | None = None,
        receiver_queue_size: int = 1000,
        max_total_receiver_queue_size_across_partitions: int = 50000,
        consumer_name: str | None = None,
        unacked_messages_timeout_ms: int | None = None,
        broker_consumer_stats_cache_time_ms: int = 30000,
        negative_ack_redelivery_delay_ms: int = 60000,
        is_read_compacted: bool = False,
        properties: dict[str, str] | None = None,
        pattern_auto_discovery_period: int = 60,
        initial_position: InitialPosition = InitialPosition.Latest,
        crypto_key_reader: CryptoKeyReader | None = None,
        replicate_subscription_state_enabled: bool = False,
        max_pending_chunked_message: int = 10,
        auto_ack_oldest_chunked_message_on_queue_full: bool = False,
        start_message_id_inclusive: bool = False,
        batch_receive_policy: ConsumerBatchReceivePolicy | None = None,
        key_shared_policy: ConsumerKeySharedPolicy | None = None,
        batch_index_ack_enabled: bool = False,
        regex_subscription_mode: RegexSubscriptionMode = RegexSubscriptionMode.PersistentOnly,
        dead_letter_policy: ConsumerDeadLetterPolicy | None = None,
        crypto_failure_action: ConsumerCryptoFailureAction = ConsumerCryptoFailureAction.FAIL,
    ) -> _core.Consumer:
        """Subscribe to a topic, a list of topics or a topic name pattern.

        `message_listener(consumer, message)` runs on the pulsar-dispatcher thread, in the
        order the consumer's messages arrive; an exception it raises goes to
        sys.unraisablehook and the next message is served."""
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
        elif isinstance(topic, list):
            if not topic or not all(isinstance(t, str) for t in topic):
                raise type_error("topic", "a str, a non-empty list of str or a re.Pattern", topic)
            topic_arg = topic
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
        check_int(
            negative_ack_redelivery_delay_ms, "negative_ack_redelivery_delay_ms", 0, INT64_MAX
        )
        check_type(is_read_compacted, bool, "is_read_compacted")
        if properties is not None:
            check_str_dict(properties, "properties")
        check_int(pattern_auto_discovery_period, "pattern_auto_discovery_period", 1)
        check_type(initial_position, InitialPosition, "initial_position")
        check_optional(crypto_key_reader, CryptoKeyReader, "crypto_key_reader")
        check_type(
            replicate_subscription_state_enabled, bool, "replicate_subscription_state_enabled"
        )
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
        conf.schema(_receiving_schema_info(schema))
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
        listener = None
        if message_listener is not None:
            # Messages wait in C++ (at most about a receiver queue's worth) until the
            # dispatcher thread serves them to the listener.
            listener = _core.MessageListener(message_listener, schema, receiver_queue_size)
            conf.message_listener(listener)
        schema.attach_client(self)
        consumer = self._client.subscribe(topic_arg, subscription_name, conf, schema, is_pattern)
        if listener is not None:
            listener.attach(consumer)
        return consumer

    def create_reader(
        self,
        topic: str,
        start_message_id: _core.MessageId,
        schema: Schema = BytesSchema(),  # noqa: B008 - pulsar-client's default
        reader_listener: Callable[[_core.Reader, Message], object] | None = None,
        receiver_queue_size: int = 1000,
        reader_name: str | None = None,
        subscription_role_prefix: str | None = None,
        is_read_compacted: bool = False,
        crypto_key_reader: CryptoKeyReader | None = None,
        start_message_id_inclusive: bool = False,
        crypto_failure_action: ConsumerCryptoFailureAction = ConsumerCryptoFailureAction.FAIL,
    ) -> _core.Reader:
        """Create a reader of `topic`, positioned after `start_message_id`
        (`MessageId.earliest`, `MessageId.latest` or a message's id; at it with
        `start_message_id_inclusive=True`).

        `reader_listener(reader, message)` runs on the pulsar-dispatcher thread, in the
        order the messages arrive, with `reader` the Reader returned here; an exception it
        raises goes to sys.unraisablehook and the next message is served. read_next() then
        raises InvalidConfiguration."""
        if reader_listener is not None and not callable(reader_listener):
            raise type_error(
                "reader_listener", "a function (reader, message) -> None", reader_listener
            )
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
        conf.schema(_receiving_schema_info(schema))
        conf.read_compacted(is_read_compacted)
        if crypto_key_reader is not None:
            conf.crypto_key_reader(crypto_key_reader.cryptoKeyReader)
        conf.start_message_id_inclusive(start_message_id_inclusive)
        conf.crypto_failure_action(crypto_failure_action.value)
        if reader_listener is not None:
            # Messages wait in C++ (at most about a receiver queue's worth) until the
            # dispatcher thread serves them to the listener.
            conf.reader_listener(
                _core.MessageListener(reader_listener, schema, receiver_queue_size)
            )
        schema.attach_client(self)
        reader = self._client.create_reader(topic, start_message_id, conf, schema)
        if reader_listener is not None:
            # Kept (like consumers) until closed, even when the caller drops it: its
            # listener goes on being served. Pruned here.
            kept = [r for r in self._listening_readers if not r._is_closing()]
            self._listening_readers = [*kept, reader]
        return reader

    def create_table_view(
        self,
        topic: str,
        subscription_name: str | None = None,
        schema: Schema = BytesSchema(),  # noqa: B008 - pulsar-client's default
    ) -> _core.TableView:
        """Create a key-value view of `topic` (by partition key; a message with an empty or
        null value deletes its key); it returns once the view holds the topic's existing
        messages. Without `subscription_name`, libpulsar makes one up."""
        check_type(topic, str, "topic")
        check_optional(subscription_name, str, "subscription_name")
        check_type(schema, Schema, "schema")
        schema.attach_client(self)
        return self._client.create_table_view(
            topic, subscription_name, _receiving_schema_info(schema), schema
        )

    def get_topic_partitions(self, topic: str) -> list[str]:
        """The partitions of `topic` (the topic itself when it is not partitioned)."""
        check_type(topic, str, "topic")
        return self._client.get_topic_partitions(topic)

    def get_schema_info(self, topic: str, version: int = -1) -> _core.SchemaInfo:
        """The schema registered for `topic` at `version` (its schema_type(), name(),
        schema() and properties()); -1, the default, asks for the latest. Not in
        pulsar-client 3.13's pulsar.Client (its _pulsar.Client has it)."""
        check_type(topic, str, "topic")
        check_int(version, "version", -1, INT64_MAX)
        return self._client.get_schema_info(topic, version)

    def get_service_info(self) -> ServiceInfo:
        """The cluster the client uses now: its service URL, or the one its
        AutoClusterFailover or ServiceInfoProvider switched it to."""
        return ServiceInfo.wrap(self._client.get_service_info())

    def close(self) -> None:
        """Close the client, its producers and consumers; callbacks of sends still pending
        have run when it returns. Raises AlreadyClosed when already closed. The last
        open client to close stops the dispatcher thread."""
        try:
            self._client.close()
        finally:
            _dispatch.client_closed()

    def shutdown(self) -> None:
        """Stop the client at once, without closing producers and consumers cleanly."""
        try:
            self._client.shutdown()
        finally:
            _dispatch.client_closed()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._client.is_closed():
            self.close()
