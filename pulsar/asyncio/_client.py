"""pulsar.asyncio.Client: pulsar-client 3.13's asyncio client. It takes the keyword
arguments of pulsar.Client and wraps one; producers, consumers and readers are made with
libpulsar's asynchronous calls, their outcome reaching the event loop through the
dispatcher (pulsar.asyncio._loop). Defaults are 3.13's asyncio ones where they differ from
the sync API's (batching is on for producers)."""

from __future__ import annotations

import re
import weakref
from typing import Any, Callable

from pulsar import _configure, _core, _dispatch
from pulsar import exceptions as _sync
from pulsar._checks import check_int, check_type, type_error
from pulsar._client import Client as _SyncClient
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
from pulsar.asyncio._closing import AsyncClosing
from pulsar.asyncio._consumer import Consumer, MessageListener
from pulsar.asyncio._errors import async_error
from pulsar.asyncio._loop import complete, current_bridge
from pulsar.asyncio._producer import Producer
from pulsar.asyncio._reader import Reader
from pulsar.schema.schema import BytesSchema, Schema


class Client(AsyncClosing):
    """An asyncio client of a Pulsar cluster: `Client(service_url, **kwargs)` takes
    pulsar.Client's arguments. Every coroutine must run on an event loop (each loop gets its
    completions in batches); a client may serve several loops.

    `async with pulsar.asyncio.Client(url) as client:` closes it.

    Args:
        service_url: The cluster to connect to, as for `pulsar.Client`.
        **kwargs: `pulsar.Client`'s keyword arguments (`authentication`,
            `operation_timeout_seconds`, `logger`, ...).
    """

    def __init__(self, service_url: Any, **kwargs: Any) -> None:
        self._sync = _SyncClient(service_url, **kwargs)
        self._client = self._sync._client

    async def create_producer(
        self,
        topic: str,
        producer_name: str | None = None,
        schema: Schema | None = None,
        initial_sequence_id: int | None = None,
        send_timeout_millis: int = 30000,
        compression_type: CompressionType = CompressionType.NONE,
        max_pending_messages: int = 1000,
        max_pending_messages_across_partitions: int = 50000,
        block_if_queue_full: bool = False,
        batching_enabled: bool = True,
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
        message_router: Callable[[_core.Message, int], int] | None = None,
    ) -> Producer:
        """Create a producer on `topic` (once the broker has registered it). The keyword
        arguments are pulsar.Client.create_producer's; batching is on by default, as in
        pulsar-client 3.13's asyncio.

        Args:
            topic: The topic to publish to.
            producer_name: The producer's name; by default the broker makes one up.
            schema: How content is encoded; `BytesSchema()` when None.
            initial_sequence_id: The sequence id before the first message's.
            send_timeout_millis: How long a send may wait for the broker (0: forever).
            compression_type: How payloads are compressed.
            max_pending_messages: The most messages awaiting the broker, per partition.
            max_pending_messages_across_partitions: The same, over all partitions.
            block_if_queue_full: Wait for room in a full queue instead of failing with
                `ProducerQueueIsFull`.
            batching_enabled: Group messages into batches (on by default here).
            batching_max_messages: The most messages in one batch.
            batching_max_allowed_size_in_bytes: The largest batch, in bytes.
            batching_max_publish_delay_ms: How long a batch may wait for more messages.
            chunking_enabled: Split messages larger than the broker's limit (not with
                batching).
            message_routing_mode: How messages are spread over partitions.
            lazy_start_partitioned_producers: Connect to each partition on first use.
            properties: Metadata of the producer (str to str).
            batching_type: `BatchingType.Default` or `BatchingType.KeyBased`.
            encryption_key: The name of the public key that encrypts the messages.
            crypto_key_reader: Reads the encryption keys.
            access_mode: The producer's access to the topic.
            message_router: `router(message, num_partitions) -> partition`.

        Returns:
            The producer.

        Raises:
            InvalidArgumentType: An argument of the wrong type.
            PulsarException: The broker refused the producer (also a
                `pulsar.asyncio.PulsarException`).
        """
        args = dict(locals())
        del args["self"]
        if schema is None:
            schema = args["schema"] = BytesSchema()
        try:
            conf = _configure.producer(**args)
        except _sync.PulsarException as error:
            raise async_error(error) from None
        schema.attach_client(weakref.proxy(self._sync))
        kind = _configure.schema_kind(schema)
        core = await complete(
            lambda sink, future: self._client.create_producer(
                topic, conf, schema, kind, sink, future
            )
        )
        return Producer(core, current_bridge())

    async def subscribe(
        self,
        topic: str | list[str] | re.Pattern[str],
        subscription_name: str,
        consumer_type: ConsumerType = ConsumerType.Exclusive,
        schema: Schema | None = None,
        receiver_queue_size: int = 1000,
        max_total_receiver_queue_size_across_partitions: int = 50000,
        consumer_name: str | None = None,
        unacked_messages_timeout_ms: int | None = None,
        broker_consumer_stats_cache_time_ms: int = 30000,
        negative_ack_redelivery_delay_ms: int = 60000,
        is_read_compacted: bool = False,
        properties: dict[str, str] | None = None,
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
        is_pattern_topic: bool = False,
        message_listener: MessageListener | None = None,
        message_listener_concurrency: int = 1,
        pattern_auto_discovery_period: int = 60,
    ) -> Consumer:
        """Subscribe to a topic, a list of topics, or a pattern (`is_pattern_topic=True`
        with a str, or a re.Pattern). The keyword arguments are pulsar.Client.subscribe's.

        `message_listener(consumer, message)`, a coroutine function (or a plain function),
        runs on this event loop for each message, in order; at most
        `message_listener_concurrency` calls run at once (1: one after the other). While
        they are behind, the consumer takes no more messages from libpulsar. An exception
        the listener raises goes to the loop's exception handler; the next message is
        served. Closing the consumer stops it.

        Args:
            topic: A topic name, a list of names, or a pattern (a `re.Pattern`, or a str
                with `is_pattern_topic=True`).
            subscription_name: The subscription's name.
            consumer_type: How the subscription shares messages among its consumers.
            schema: How message values are decoded; `BytesSchema()` when None.
            receiver_queue_size: How many messages are fetched ahead of `receive()`.
            max_total_receiver_queue_size_across_partitions: The same, over all
                partitions.
            consumer_name: The consumer's name; by default one is made up.
            unacked_messages_timeout_ms: Redeliver a message not acknowledged within this
                time; by default (None) never.
            broker_consumer_stats_cache_time_ms: How long the broker's consumer
                statistics are cached.
            negative_ack_redelivery_delay_ms: How long after `negative_acknowledge()` the
                message is redelivered.
            is_read_compacted: Read the compacted topic.
            properties: Metadata of the consumer (str to str).
            initial_position: Where a new subscription starts.
            crypto_key_reader: Reads the keys that decrypt messages.
            replicate_subscription_state_enabled: Replicate the subscription's position
                to the other clusters.
            max_pending_chunked_message: The most chunked messages assembled at once.
            auto_ack_oldest_chunked_message_on_queue_full: Drop the oldest incomplete
                chunked message rather than wait, when that bound is reached.
            start_message_id_inclusive: After a `seek()`, deliver the message at the
                sought id too.
            batch_receive_policy: The bounds of `batch_receive()`.
            key_shared_policy: The key ranges of a `KeyShared` consumer.
            batch_index_ack_enabled: Acknowledge the messages of a batch one by one.
            regex_subscription_mode: Which topics a pattern matches.
            dead_letter_policy: Where messages redelivered too often go.
            crypto_failure_action: What to do with a message that cannot be decrypted.
            is_pattern_topic: Take the str `topic` as a regular expression.
            message_listener: `listener(consumer, message)`, a coroutine function or a
                plain one, called on this loop for each message instead of `receive()`.
            message_listener_concurrency: How many listener calls may run at once.
            pattern_auto_discovery_period: How often, in seconds, a pattern subscription
                looks for new topics.

        Returns:
            The consumer.

        Raises:
            InvalidArgumentType: An argument of the wrong type.
            PulsarException: The broker refused the subscription (also a
                `pulsar.asyncio.PulsarException`).
        """
        if is_pattern_topic:
            if not isinstance(topic, str):
                raise ValueError(
                    "Argument 'topic' must be a string when 'is_pattern_topic' is True; lists "
                    "of topics do not support pattern subscriptions"
                )
            topic = re.compile(topic)
        if message_listener is not None and not callable(message_listener):
            raise type_error("message_listener", "a function (consumer, message)", message_listener)
        check_int(message_listener_concurrency, "message_listener_concurrency", 1)
        if schema is None:
            schema = BytesSchema()
        args = dict(locals())
        for name in ("self", "is_pattern_topic", "message_listener_concurrency"):
            del args[name]
        args["message_listener"] = None  # served here, not by libpulsar's listener thread
        try:
            conf, topic_arg, is_pattern = _configure.consumer(**args)
        except _sync.PulsarException as error:
            raise async_error(error) from None
        schema.attach_client(weakref.proxy(self._sync))
        core = await complete(
            lambda sink, future: self._client.subscribe(
                topic_arg, subscription_name, conf, schema, is_pattern, sink, future
            )
        )
        consumer = Consumer(core, current_bridge())
        if message_listener is not None:
            consumer._start_listener(message_listener, message_listener_concurrency)
        return consumer

    async def create_reader(
        self,
        topic: str,
        start_message_id: _core.MessageId,
        schema: Schema | None = None,
        receiver_queue_size: int = 1000,
        reader_name: str | None = None,
        subscription_role_prefix: str | None = None,
        is_read_compacted: bool = False,
        crypto_key_reader: CryptoKeyReader | None = None,
        start_message_id_inclusive: bool = False,
        crypto_failure_action: ConsumerCryptoFailureAction = ConsumerCryptoFailureAction.FAIL,
    ) -> Reader:
        """Create a reader of `topic` positioned after `start_message_id` (at it with
        `start_message_id_inclusive=True`). The keyword arguments are
        pulsar.Client.create_reader's (there is no `reader_listener`: use `async for`).

        Args:
            topic: The topic to read.
            start_message_id: Where reading starts: after `MessageId.earliest`,
                `MessageId.latest` or a message's id.
            schema: How message values are decoded; `BytesSchema()` when None.
            receiver_queue_size: How many messages are fetched ahead of `read_next()`.
            reader_name: The reader's name; by default one is made up.
            subscription_role_prefix: The prefix of the reader's internal subscription.
            is_read_compacted: Read the compacted topic.
            crypto_key_reader: Reads the keys that decrypt messages.
            start_message_id_inclusive: Deliver the message at `start_message_id` too.
            crypto_failure_action: What to do with a message that cannot be decrypted.

        Returns:
            The reader.
        """
        if schema is None:
            schema = BytesSchema()
        args = dict(locals())
        del args["self"]
        args["reader_listener"] = None
        try:
            conf = _configure.reader(**args)
        except _sync.PulsarException as error:
            raise async_error(error) from None
        schema.attach_client(weakref.proxy(self._sync))
        core = await complete(
            lambda sink, future: self._client.create_reader(
                topic, start_message_id, conf, schema, sink, future
            )
        )
        return Reader(core, current_bridge())

    async def get_topic_partitions(self, topic: str) -> list[str]:
        """The partitions of a topic.

        Args:
            topic: The topic's name.

        Returns:
            The names of its partitions, or `[topic]` when it is not partitioned.
        """
        check_type(topic, str, "topic")
        result: list[str] = await complete(
            lambda sink, future: self._client.get_topic_partitions(topic, sink, future)
        )
        return result

    async def close(self) -> None:
        """Close the client, its producers, consumers and readers; awaits still pending on
        them fail with AlreadyClosed. AlreadyClosed when closed already (but the first
        close() after shutdown() returns quietly, as in pulsar-client)."""
        try:
            await complete(self._client._close_async)
        finally:
            _dispatch.client_closed()

    def shutdown(self) -> None:
        """Stop the client at once, without closing producers and consumers cleanly."""
        self._sync.shutdown()
