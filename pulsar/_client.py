"""pulsar.Client: checks arguments, builds configurations, and hands the work to
the C++ binding (pulsar._core.Client), which creates pulsar.Producer and
pulsar.Consumer objects."""

from __future__ import annotations

import logging
import re
import weakref
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
from pulsar._failover import (
    AutoClusterFailover,
    ServiceInfo,
    ServiceInfoProvider,
    check_thresholds,
)
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
    """A connection to a Pulsar cluster; creates producers, consumers, readers and table views.

    Usable as a context manager: `with pulsar.Client(url) as client:` closes it.

    Args:
        service_url: The cluster to connect to: a URL (`pulsar://host:6650`,
            `pulsar+ssl://host:6651`, `http(s)://...`, several hosts separated by commas),
            an `AutoClusterFailover`, or a `ServiceInfoProvider` (each of whose
            `ServiceInfo` carries its own authentication and trust store).
        authentication: How the client authenticates: one of the `Authentication*`
            classes. Not with an `AutoClusterFailover` or `ServiceInfoProvider`.
        operation_timeout_seconds: How long producer and consumer creation, lookups,
            seeks, unsubscribes and the like may take before they fail with `Timeout`.
        io_threads: The number of libpulsar threads doing the network I/O.
        message_listener_threads: The number of threads listeners run on (message,
            reader and table-view listeners; Python threads named `pulsar-listener-N`,
            shared with the process's other Clients): each consumer's, reader's or table
            view's always on the same one, in order.
        concurrent_lookup_requests: The most topic lookups in flight on one connection.
        log_conf_file_path: Accepted for pulsar-client compatibility; libpulsar's log4cxx
            configuration is not used (logs go to Python's `logging`).
        stats_interval_in_seconds: How often libpulsar logs producer and consumer
            statistics; 0 turns them off.
        use_tls: Accepted for pulsar-client compatibility: TLS is chosen by the URL's
            scheme (`pulsar+ssl://`, `https://`).
        tls_trust_certs_file_path: A PEM file of the certificate authorities to trust;
            by default certifi's bundle. Not with an `AutoClusterFailover` or
            `ServiceInfoProvider`.
        tls_allow_insecure_connection: Accept a broker certificate that does not verify.
        tls_validate_hostname: Check that the broker's certificate names its host.
        logger: Where libpulsar's log lines go: a `logging.Logger`, a `ConsoleLogger` or a
            `FileLogger`; by default the `pulsar` logger (INFO and above). libpulsar's
            logging is process-wide: the client created last decides.
        connection_timeout_ms: How long opening a TCP connection to a broker may take.
        listener_name: The broker listener to use (its `advertisedListeners` name).
        tls_private_key_file_path: The client's private key (PEM) for mutual TLS.
        tls_certificate_file_path: The client's certificate (PEM) for mutual TLS.

    Raises:
        InvalidArgumentType: An argument of the wrong type.
        ValueError: A value out of range, a malformed service URL (libpulsar's message,
            e.g. "The scheme part is missing: localhost", as pulsar-client), or
            `authentication` / `tls_trust_certs_file_path` together with a failover
            `service_url`.
        AuthenticationError: An `http(s)://` service URL with an `Authentication` plugin
            that could not be loaded (over `pulsar://`, as in pulsar-client, each operation
            needing the broker raises it instead).
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
        self._connect(service_url, conf)

    def _connect(
        self,
        service_url: str | AutoClusterFailover | ServiceInfoProvider,
        conf: _core.ClientConfiguration,
    ) -> None:
        """Make the core client of `conf` (also _pulsar.Client's way in)."""
        self._listening_readers: list[_core.Reader] = []
        _dispatch.client_starting(conf.message_listener_threads())
        try:
            if isinstance(service_url, AutoClusterFailover):
                check_thresholds(service_url)
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
        """Create a producer on `topic`; returns once the broker has registered it.

        Args:
            topic: The topic to publish to (`persistent://tenant/namespace/name`, or a
                short name in `public/default`).
            producer_name: The producer's name, unique on the topic across clusters; by
                default the broker makes one up (see `Producer.producer_name()`).
            schema: How content is encoded and which schema is registered for the topic:
                a `pulsar.schema` schema (`BytesSchema()` by default, which sends
                bytes-like content as it is).
            initial_sequence_id: The sequence id before the first message's: messages get
                `initial_sequence_id + 1`, `+ 2`, ... unless `send()` gives one. 0 is a
                value, not "unset".
            send_timeout_millis: How long a message may wait for the broker's
                acknowledgement before its send fails with `Timeout`; 0 waits forever.
            compression_type: How payloads are compressed: a `CompressionType` (`NONE`,
                `LZ4`, `ZLib`, `ZSTD`, `SNAPPY`).
            max_pending_messages: The most messages awaiting the broker's acknowledgement
                (per partition); beyond it `send_async` fails with `ProducerQueueIsFull`,
                or waits with `block_if_queue_full=True`.
            max_pending_messages_across_partitions: The same bound over all partitions of
                a partitioned topic.
            block_if_queue_full: Make `send` and `send_async` wait for room in a full queue
                instead of failing with `ProducerQueueIsFull`.
            batching_enabled: Group messages into batches (one broker entry each): better
                throughput for small messages. A sync `send()` publishes its batch at once.
            batching_max_messages: The most messages in one batch.
            batching_max_allowed_size_in_bytes: The largest batch, in bytes.
            batching_max_publish_delay_ms: How long a batch may wait for more messages
                before it is published.
            chunking_enabled: Split a message larger than the broker's limit into chunks
                (not with batching).
            message_routing_mode: How messages without a key are spread over the
                partitions of a partitioned topic: a `PartitionsRoutingMode`.
            lazy_start_partitioned_producers: For a partitioned topic, connect to each
                partition only when a message is first routed to it.
            properties: Metadata of the producer (str to str), visible to the broker.
            batching_type: `BatchingType.Default` (messages batched in arrival order) or
                `BatchingType.KeyBased` (one batch per key).
            encryption_key: The name of the public key (read through `crypto_key_reader`)
                that encrypts the messages.
            crypto_key_reader: Reads the keys that encrypt messages (`CryptoKeyReader`).
            access_mode: The producer's access to the topic: a `ProducerAccessMode`
                (`Shared`, `Exclusive`, `WaitForExclusive`, `ExclusiveWithFencing`).
            message_router: `router(message, num_partitions) -> partition`: chooses the
                partition of each message of a partitioned topic (instead of
                `message_routing_mode`).

        Returns:
            The producer.

        Raises:
            InvalidArgumentType: An argument of the wrong type.
            ValueError: A value out of range, or batching together with chunking.
            PulsarException: The broker refused the producer (`TopicNotFound`,
                `ProducerBusy`, `IncompatibleSchema`, `Timeout`, ...).
        """
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

        Args:
            topic: A topic name, a list of topic names, or a compiled regular expression
                (`re.compile("persistent://public/default/orders-.*")`) matching the
                topics of one namespace.
            subscription_name: The subscription's name.
            consumer_type: How the subscription shares messages among its consumers: a
                `ConsumerType` (`Exclusive`, `Shared`, `Failover`, `KeyShared`).
            schema: How message values are decoded (`Message.value()`) and which schema
                the subscription checks against the topic's; `BytesSchema()` by default.
            message_listener: `listener(consumer, message)`, called for each message
                instead of `receive()`. It runs on one of the client's listener threads
                (`pulsar-listener-N`; always the same one), in the order the consumer's
                messages arrive; an exception it raises goes to
                `sys.unraisablehook` and the next message is served.
            receiver_queue_size: How many messages the consumer fetches ahead of
                `receive()`; 0 makes a zero-queue consumer.
            max_total_receiver_queue_size_across_partitions: The same bound over all
                partitions of a partitioned topic.
            consumer_name: The consumer's name; by default one is made up.
            unacked_messages_timeout_ms: Redeliver a message not acknowledged within this
                time; by default (None) never.
            broker_consumer_stats_cache_time_ms: How long the broker's consumer
                statistics are cached.
            negative_ack_redelivery_delay_ms: How long after `negative_acknowledge()` the
                message is redelivered.
            is_read_compacted: Read the compacted topic (the latest message of each key)
                instead of its full backlog.
            properties: Metadata of the consumer (str to str), visible to the broker.
            pattern_auto_discovery_period: How often, in seconds, a pattern subscription
                looks for new topics.
            initial_position: Where a new subscription starts: `InitialPosition.Latest`
                (the default) or `InitialPosition.Earliest`.
            crypto_key_reader: Reads the private keys that decrypt encrypted messages.
            replicate_subscription_state_enabled: Replicate the subscription's position
                to the other clusters of a geo-replicated topic.
            max_pending_chunked_message: The most chunked messages assembled at once.
            auto_ack_oldest_chunked_message_on_queue_full: When that bound is reached,
                acknowledge (drop) the oldest incomplete chunked message instead of
                waiting for it.
            start_message_id_inclusive: After a `seek()`, deliver the message at the
                sought id too.
            batch_receive_policy: The bounds of `batch_receive()`: a
                `ConsumerBatchReceivePolicy`.
            key_shared_policy: The key ranges of a `KeyShared` consumer: a
                `ConsumerKeySharedPolicy`.
            batch_index_ack_enabled: Acknowledge the messages of a batch one by one (the
                broker must enable it too).
            regex_subscription_mode: Which topics a pattern matches: a
                `RegexSubscriptionMode` (`PersistentOnly`, `NonPersistentOnly`,
                `AllTopics`).
            dead_letter_policy: Where messages redelivered too often go: a
                `ConsumerDeadLetterPolicy`.
            crypto_failure_action: What to do with a message that cannot be decrypted: a
                `ConsumerCryptoFailureAction` (`FAIL`, `DISCARD`, `CONSUME`).

        Returns:
            The consumer.

        Raises:
            InvalidArgumentType: An argument of the wrong type.
            ValueError: A value out of range.
            PulsarException: The broker refused the subscription (`ConsumerBusy`,
                `IncompatibleSchema`, `Timeout`, ...).
        """
        args = dict(locals())
        del args["self"]
        conf, topic_arg, is_pattern = _configure.consumer(**args)
        listener = None
        if message_listener is not None:
            # Messages wait in C++ (at most about a receiver queue's worth) until a
            # listener thread serves them to the listener.
            listener = _core.MessageListener(message_listener, schema, receiver_queue_size)
            conf.message_listener(listener)
        schema.attach_client(weakref.proxy(self))
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
        """Create a reader of `topic`: it reads the topic from a position, without a durable
        subscription.

        Args:
            topic: The topic to read (one topic, or one partition of a partitioned
                topic).
            start_message_id: Where reading starts: after `MessageId.earliest`,
                `MessageId.latest` or a message's id (at it with
                `start_message_id_inclusive=True`).
            schema: How message values are decoded (`Message.value()`); `BytesSchema()`
                by default.
            reader_listener: `listener(reader, message)`, called for each message instead
                of `read_next()` (which then raises `InvalidConfiguration`). It runs on one
                of the client's listener threads, in the order the messages arrive, with `reader`
                the Reader returned here; an exception it raises goes to
                `sys.unraisablehook` and the next message is served.
            receiver_queue_size: How many messages the reader fetches ahead of
                `read_next()`.
            reader_name: The reader's name; by default one is made up.
            subscription_role_prefix: The prefix of the reader's internal subscription's
                name.
            is_read_compacted: Read the compacted topic (the latest message of each key).
            crypto_key_reader: Reads the private keys that decrypt encrypted messages.
            start_message_id_inclusive: Deliver the message at `start_message_id` too.
            crypto_failure_action: What to do with a message that cannot be decrypted: a
                `ConsumerCryptoFailureAction`.

        Returns:
            The reader.

        Raises:
            InvalidArgumentType: An argument of the wrong type.
            ValueError: A value out of range.
            PulsarException: The broker refused the reader (`TopicNotFound`, `Timeout`,
                ...).
        """
        args = dict(locals())
        del args["self"]
        conf = _configure.reader(**args)
        if reader_listener is not None:
            # Messages wait in C++ (at most about a receiver queue's worth) until a
            # listener thread serves them to the listener.
            conf.reader_listener(
                _core.MessageListener(reader_listener, schema, receiver_queue_size)
            )
        schema.attach_client(weakref.proxy(self))
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
        """Create a key-value view of `topic`, kept up to date as messages arrive.

        The view maps each partition key to the value of its latest message; a message
        with an empty or null value deletes its key. It returns once the view holds the
        topic's existing messages.

        Args:
            topic: The topic to view.
            subscription_name: The name of the view's subscription; by default libpulsar
                makes one up.
            schema: How the values are decoded; `BytesSchema()` by default.

        Returns:
            The table view.
        """
        check_type(topic, str, "topic")
        check_optional(subscription_name, str, "subscription_name")
        check_type(schema, Schema, "schema")
        schema.attach_client(weakref.proxy(self))
        return self._client.create_table_view(
            topic, subscription_name, _receiving_schema_info(schema), schema
        )

    def get_topic_partitions(self, topic: str) -> list[str]:
        """The partitions of a topic.

        Args:
            topic: The topic's name.

        Returns:
            The names of its partitions, or `[topic]` when it is not partitioned.
        """
        check_type(topic, str, "topic")
        return self._client.get_topic_partitions(topic)

    def get_schema_info(self, topic: str, version: int = -1) -> _core.SchemaInfo:
        """The schema registered for a topic (not in pulsar-client 3.13's `pulsar.Client`;
        its `_pulsar.Client` has it).

        Args:
            topic: The topic's name.
            version: The schema version; -1, the default, asks for the latest.

        Returns:
            The schema: its `schema_type()`, `name()`, `schema()` and `properties()`.
        """
        check_type(topic, str, "topic")
        check_int(version, "version", -1, INT64_MAX)
        return self._client.get_schema_info(topic, version)

    def get_service_info(self) -> ServiceInfo:
        """The cluster the client uses now: its service URL, or the one its
        AutoClusterFailover or ServiceInfoProvider switched it to."""
        return ServiceInfo.wrap(self._client.get_service_info())

    def close(self) -> None:
        """Close the client, its producers and consumers; callbacks of sends still pending
        have run when it returns. Raises AlreadyClosed when already closed (but the first
        close() after shutdown() returns quietly, as in pulsar-client). The last open
        client to close stops the dispatcher's threads."""
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
        """The client itself (`with pulsar.Client(url) as client:`)."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the client, unless it is closed already."""
        if not self._client.is_closed():
            self.close()
