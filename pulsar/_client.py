"""pulsar.Client: checks arguments, builds configurations, and hands the work to
the C++ binding (pulsar._core.Client), which creates pulsar.Producer and
pulsar.Consumer objects."""

from __future__ import annotations

import logging
import re
from types import TracebackType
from typing import Callable

from pulsar import _configure, _core, _dispatch
from pulsar._auth import Authentication
from pulsar._checks import (
    INT64_MAX,
    check_int,
    check_optional,
    check_type,
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
from pulsar.schema.schema import BytesSchema, Schema

_schema_kind = _configure.schema_kind
_receiving_schema_info = _configure.receiving_schema_info


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
        args = dict(locals())
        del args["self"]
        conf = _configure.producer(**args)
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
        args = dict(locals())
        del args["self"]
        conf, topic_arg, is_pattern = _configure.consumer(**args)
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
        args = dict(locals())
        del args["self"]
        conf = _configure.reader(**args)
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
