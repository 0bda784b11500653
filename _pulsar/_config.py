"""pulsar-client 3.13's `_pulsar` configurations, on the extension's own configuration
objects (pulsar._core's, which pulsar.Client fills too): each class is a subclass of its
`_core` twin, so that `_pulsar.Client` hands it to the core as it is.

Every option is 3.13's: `conf.name()` reads libpulsar's value (its defaults are 3.13's:
the same libpulsar), `conf.name(value)` sets it and returns what 3.13 returns (the
configuration itself, or None). Enum options take and give the `pulsar` enums (a plain int
is a TypeError, as in 3.13); the other values go to the extension as they are, whose
argument conversion is 3.13's (pybind11: TypeError for a wrong type or an int out of the C++
type's range, ValueError where libpulsar rejects a value)."""

from __future__ import annotations

import logging
from typing import Any, Callable

from _pulsar._objects import AbstractCryptoKeyReader, Authentication
from pulsar import _core
from pulsar._enums import (
    BatchingType,
    CompressionType,
    ConsumerCryptoFailureAction,
    ConsumerType,
    InitialPosition,
    LoggerLevel,
    PartitionsRoutingMode,
    ProducerAccessMode,
    RegexSubscriptionMode,
)
from pulsar._logging import ConsoleLogger, FileLogger, _standalone_logger
from pulsar._policies import (
    BatchReceivePolicy,
    DeadLetterPolicy,
    KeySharedMode,
    KeySharedPolicy,
)

_Method = Callable[..., Any]


def _argument_error(owner: str, name: str, expected: str, value: object) -> TypeError:
    return TypeError(
        f"{name}(): incompatible function arguments: expected {expected}, "
        f"got {type(value).__name__} ({owner})"
    )


def _option(base: type, name: str, enum: type[Any] | None = None, chained: bool = True) -> _Method:
    """conf.name() reads the core's value (as an `enum` member when given); conf.name(value)
    sets it (an `enum` member, given to the core as its int) and returns the configuration
    when `chained`, else None."""
    core = getattr(base, name)

    def method(self: Any, *args: Any) -> Any:
        if not args:
            value = core(self)
            return value if enum is None else enum(value)
        if enum is not None:
            member: Any = args[0]
            if len(args) != 1 or not isinstance(member, enum):
                raise _argument_error(type(self).__name__, name, enum.__name__, member)
            args = (member.value,)
        core(self, *args)
        return self if chained else None

    method.__name__ = name
    method.__doc__ = (
        f"{name}() reads the option; {name}(value) sets it and returns "
        f"{'the configuration' if chained else 'None'}."
    )
    return method


def _setter(base: type, name: str, check: type | tuple[type, ...], expected: str) -> _Method:
    """A setter only (3.13 has no getter): checks the type, returns the configuration."""
    core = getattr(base, name)

    def method(self: Any, *args: Any) -> Any:
        if not all(isinstance(arg, check) for arg in args):
            bad = next(arg for arg in args if not isinstance(arg, check))
            raise _argument_error(type(self).__name__, name, expected, bad)
        core(self, *args)
        return self

    method.__name__ = name
    method.__doc__ = f"{name}(value) sets the option and returns the configuration."
    return method


def _callable(value: object, owner: str, name: str) -> None:
    if not callable(value):
        raise _argument_error(owner, name, "a function", value)


def _crypto_key_reader(base: type) -> _Method:
    """crypto_key_reader(reader): read the encryption keys with `reader` (a
    `_pulsar.CryptoKeyReader`); returns the configuration."""
    core = base.crypto_key_reader  # type: ignore[attr-defined]

    def crypto_key_reader(self: Any, reader: AbstractCryptoKeyReader) -> Any:
        if not isinstance(reader, _core.CryptoKeyReader):
            raise _argument_error(
                type(self).__name__, "crypto_key_reader", "CryptoKeyReader", reader
            )
        core(self, reader)
        return self

    crypto_key_reader.__doc__ = _crypto_key_reader.__doc__
    return crypto_key_reader


class _CallbackLogger(logging.Handler):
    """set_logger(fn): each log line as fn(level name, message), as 3.13 calls it."""

    def __init__(self, fn: Callable[[str, str], object]) -> None:
        super().__init__(logging.DEBUG)
        self._fn = fn

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._fn(record.levelname, record.getMessage())
        except Exception:  # noqa: BLE001 - as logging's own handlers: reported, not raised
            self.handleError(record)


class ClientConfiguration(_core.ClientConfiguration):
    """pulsar-client 3.13's `_pulsar.ClientConfiguration`, for `_pulsar.Client(url, conf)`.
    Log lines go to the `pulsar` logger until `set_logger`, `set_console_logger` or
    `set_file_logger` says otherwise."""

    def __init__(self) -> None:
        super().__init__()
        super().logger(None)

    _base = _core.ClientConfiguration
    concurrent_lookup_requests = _option(_base, "concurrent_lookup_requests")
    connection_timeout = _option(_base, "connection_timeout")
    io_threads = _option(_base, "io_threads")
    message_listener_threads = _option(_base, "message_listener_threads")
    operation_timeout_seconds = _option(_base, "operation_timeout_seconds")
    stats_interval_in_seconds = _option(_base, "stats_interval_in_seconds")
    tls_allow_insecure_connection = _option(_base, "tls_allow_insecure_connection")
    tls_certificate_file_path = _option(_base, "tls_certificate_file_path")
    tls_private_key_file_path = _option(_base, "tls_private_key_file_path")
    tls_trust_certs_file_path = _setter(_base, "tls_trust_certs_file_path", (str, bytes), "str")
    tls_validate_hostname = _setter(_base, "tls_validate_hostname", (bool, int), "bool")
    listener_name = _setter(_base, "listener_name", (str, bytes), "str")
    del _base

    def authentication(self, authentication: Authentication) -> ClientConfiguration:  # type: ignore[override]
        """Authenticate with `authentication` (made by a `_pulsar.Authentication*.create`);
        returns the configuration."""
        if not isinstance(authentication, Authentication):
            raise _argument_error(
                "ClientConfiguration", "authentication", "Authentication", authentication
            )
        super().authentication(authentication._handle)
        return self

    def set_logger(self, logger: Callable[[str, str], object]) -> ClientConfiguration:
        """Send libpulsar's log lines to `logger(level_name, message)` (INFO and above);
        returns the configuration."""
        super().logger(_standalone_logger("_pulsar", LoggerLevel.Info, _CallbackLogger(logger)))
        return self

    def set_console_logger(self, level: LoggerLevel) -> ClientConfiguration:
        """Print libpulsar's log lines of `level` and above; returns the configuration."""
        if not isinstance(level, LoggerLevel):
            raise _argument_error("ClientConfiguration", "set_console_logger", "LoggerLevel", level)
        super().logger(ConsoleLogger(level).logger)
        return self

    def set_file_logger(self, level: LoggerLevel, path: str) -> ClientConfiguration:
        """Write libpulsar's log lines of `level` and above to the file `path`; returns the
        configuration."""
        if not isinstance(level, LoggerLevel):
            raise _argument_error("ClientConfiguration", "set_file_logger", "LoggerLevel", level)
        if not isinstance(path, str):
            raise _argument_error("ClientConfiguration", "set_file_logger", "str", path)
        super().logger(FileLogger(level, path).logger)
        return self


class ProducerConfiguration(_core.ProducerConfiguration):
    """pulsar-client 3.13's `_pulsar.ProducerConfiguration`, for
    `_pulsar.Client.create_producer(topic, conf)`."""

    _base = _core.ProducerConfiguration
    access_mode = _option(_base, "access_mode", ProducerAccessMode)
    batching_enabled = _option(_base, "batching_enabled")
    batching_max_allowed_size_in_bytes = _option(_base, "batching_max_allowed_size_in_bytes")
    batching_max_messages = _option(_base, "batching_max_messages")
    batching_max_publish_delay_ms = _option(_base, "batching_max_publish_delay_ms")
    batching_type = _option(_base, "batching_type", BatchingType)
    block_if_queue_full = _option(_base, "block_if_queue_full")
    chunking_enabled = _option(_base, "chunking_enabled")
    compression_type = _option(_base, "compression_type", CompressionType)
    initial_sequence_id = _option(_base, "initial_sequence_id")
    lazy_start_partitioned_producers = _option(_base, "lazy_start_partitioned_producers")
    max_pending_messages = _option(_base, "max_pending_messages")
    max_pending_messages_across_partitions = _option(
        _base, "max_pending_messages_across_partitions"
    )
    partitions_routing_mode = _option(_base, "partitions_routing_mode", PartitionsRoutingMode)
    producer_name = _option(_base, "producer_name")
    schema = _option(_base, "schema")
    send_timeout_millis = _option(_base, "send_timeout_millis")
    property = _setter(_base, "property", (str, bytes), "str")
    encryption_key = _setter(_base, "encryption_key", (str, bytes), "str")
    crypto_key_reader = _crypto_key_reader(_base)
    del _base

    def message_router(self, router: Callable[[Any, int], int]) -> None:
        """Route each message of a partitioned topic with `router(message, num_partitions)
        -> partition` (called on libpulsar's threads with the GIL)."""
        _callable(router, "ProducerConfiguration", "message_router")
        super().message_router(router)


class ConsumerConfiguration(_core.ConsumerConfiguration):
    """pulsar-client 3.13's `_pulsar.ConsumerConfiguration`, for `_pulsar.Client.subscribe`
    and its siblings. A `message_listener` runs on one of the client's listener threads."""

    _listener: Callable[[Any, Any], object] | None = None

    _base = _core.ConsumerConfiguration
    auto_ack_oldest_chunked_message_on_queue_full = _option(
        _base, "auto_ack_oldest_chunked_message_on_queue_full"
    )
    batch_index_ack_enabled = _option(_base, "batch_index_ack_enabled")
    broker_consumer_stats_cache_time_ms = _option(
        _base, "broker_consumer_stats_cache_time_ms", chained=False
    )
    consumer_name = _option(_base, "consumer_name", chained=False)
    consumer_type = _option(_base, "consumer_type", ConsumerType)
    crypto_failure_action = _option(_base, "crypto_failure_action", ConsumerCryptoFailureAction)
    max_pending_chunked_message = _option(_base, "max_pending_chunked_message")
    max_total_receiver_queue_size_across_partitions = _option(
        _base, "max_total_receiver_queue_size_across_partitions", chained=False
    )
    negative_ack_redelivery_delay_ms = _option(
        _base, "negative_ack_redelivery_delay_ms", chained=False
    )
    pattern_auto_discovery_period = _option(_base, "pattern_auto_discovery_period", chained=False)
    read_compacted = _option(_base, "read_compacted", chained=False)
    receiver_queue_size = _option(_base, "receiver_queue_size", chained=False)
    regex_subscription_mode = _option(_base, "regex_subscription_mode", RegexSubscriptionMode)
    replicate_subscription_state_enabled = _option(
        _base, "replicate_subscription_state_enabled", chained=False
    )
    schema = _option(_base, "schema")
    start_message_id_inclusive = _option(_base, "start_message_id_inclusive")
    subscription_initial_position = _option(
        _base, "subscription_initial_position", InitialPosition, chained=False
    )
    unacked_messages_timeout_ms = _option(_base, "unacked_messages_timeout_ms", chained=False)
    property = _setter(_base, "property", (str, bytes), "str")
    crypto_key_reader = _crypto_key_reader(_base)
    del _base

    def message_listener(  # type: ignore[override]
        self, listener: Callable[[Any, Any], object]
    ) -> ConsumerConfiguration:
        """Call `listener(consumer, message)` for each message (on one of the client's
        listener threads, in order); returns the configuration."""
        _callable(listener, "ConsumerConfiguration", "message_listener")
        self._listener = listener
        return self

    def batch_receive_policy(self, *args: BatchReceivePolicy) -> Any:  # type: ignore[override]
        """batch_receive_policy() reads the `BatchReceivePolicy`; batch_receive_policy(policy)
        sets it and returns None."""
        if not args:
            return BatchReceivePolicy(*super().batch_receive_policy())
        policy = args[0]
        if len(args) != 1 or not isinstance(policy, BatchReceivePolicy):
            raise _argument_error(
                "ConsumerConfiguration", "batch_receive_policy", "BatchReceivePolicy", policy
            )
        super().batch_receive_policy(
            policy.getMaxNumMessages(), policy.getMaxNumBytes(), policy.getTimeoutMs()
        )
        return None

    def dead_letter_policy(self, *args: DeadLetterPolicy) -> Any:  # type: ignore[override]
        """dead_letter_policy() reads the `DeadLetterPolicy`; dead_letter_policy(policy) sets
        it and returns None."""
        if not args:
            count, topic, subscription = super().dead_letter_policy()
            return DeadLetterPolicy._of(count, topic, subscription)
        policy = args[0]
        if len(args) != 1 or not isinstance(policy, DeadLetterPolicy):
            raise _argument_error(
                "ConsumerConfiguration", "dead_letter_policy", "DeadLetterPolicy", policy
            )
        super().dead_letter_policy(
            policy.getMaxRedeliverCount(),
            policy.getDeadLetterTopic(),
            policy.getInitialSubscriptionName(),
        )
        return None

    def key_shared_policy(self, *args: KeySharedPolicy) -> Any:  # type: ignore[override]
        """key_shared_policy() reads the `KeySharedPolicy` (a copy); key_shared_policy(policy)
        sets it and returns the configuration."""
        if not args:
            mode, allow, ranges = super().key_shared_policy()
            policy = KeySharedPolicy()
            policy.set_key_shared_mode(KeySharedMode(mode))
            policy.set_allow_out_of_order_delivery(allow)
            if ranges:
                policy.set_sticky_ranges([tuple(r) for r in ranges])
            return policy
        policy = args[0]
        if len(args) != 1 or not isinstance(policy, KeySharedPolicy):
            raise _argument_error(
                "ConsumerConfiguration", "key_shared_policy", "KeySharedPolicy", policy
            )
        super().key_shared_policy(
            policy.get_key_shared_mode().value,
            policy.is_allow_out_of_order_delivery(),
            policy.get_sticky_ranges(),
        )
        return self


class ReaderConfiguration(_core.ReaderConfiguration):
    """pulsar-client 3.13's `_pulsar.ReaderConfiguration`, for
    `_pulsar.Client.create_reader(topic, start_message_id, conf)`. A `reader_listener` runs
    on one of the client's listener threads."""

    _listener: Callable[[Any, Any], object] | None = None

    _base = _core.ReaderConfiguration
    crypto_failure_action = _option(_base, "crypto_failure_action", ConsumerCryptoFailureAction)
    read_compacted = _option(_base, "read_compacted", chained=False)
    reader_name = _option(_base, "reader_name", chained=False)
    receiver_queue_size = _option(_base, "receiver_queue_size", chained=False)
    schema = _option(_base, "schema")
    start_message_id_inclusive = _option(_base, "start_message_id_inclusive")
    subscription_role_prefix = _option(_base, "subscription_role_prefix", chained=False)
    crypto_key_reader = _crypto_key_reader(_base)
    del _base

    def reader_listener(  # type: ignore[override]
        self, listener: Callable[[Any, Any], object]
    ) -> ReaderConfiguration:
        """Call `listener(reader, message)` for each message (on one of the client's
        listener threads, in order); returns the configuration."""
        _callable(listener, "ReaderConfiguration", "reader_listener")
        self._listener = listener
        return self


class TableViewConfiguration:
    """pulsar-client 3.13's `_pulsar.TableViewConfiguration`: the subscription name and
    schema of `_pulsar.Client.create_table_view(topic, conf)` (setters return None)."""

    def __init__(self) -> None:
        self._subscription_name: str | None = None
        self._schema: _core.SchemaInfo | None = None

    def subscription_name(self, name: str) -> None:
        """The name of the table view's subscription (by default libpulsar makes one up)."""
        if not isinstance(name, str):
            raise _argument_error("TableViewConfiguration", "subscription_name", "str", name)
        self._subscription_name = name

    def schema(self, schema: _core.SchemaInfo) -> None:
        """The schema the table view registers (by default BYTES)."""
        if not isinstance(schema, _core.SchemaInfo):
            raise _argument_error("TableViewConfiguration", "schema", "SchemaInfo", schema)
        self._schema = schema
