"""pulsar-client 3.13's `_pulsar.Client(service_url, ClientConfiguration)`: creates the
very Producer, Consumer, Reader and TableView objects `pulsar.Client` does, through the
same core client (pulsar._client.Client's), from `_pulsar`'s configuration objects.

The `*_async` methods call back on fastpulsar's dispatcher thread (never on libpulsar's):
the operation runs on a short-lived helper thread (the GIL released while it waits), whose
outcome is then handed to the dispatcher. `callback(result, value)` gets `pulsar.Result`
and the object (None on failure); the `_v2` forms get the object or a `_pulsar.Error`."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Callable

import pulsar
from _pulsar._config import (
    ClientConfiguration,
    ConsumerConfiguration,
    ProducerConfiguration,
    ReaderConfiguration,
    TableViewConfiguration,
)
from _pulsar._objects import Error, ServiceInfo, TopicRegex
from pulsar import _core, _dispatch
from pulsar._enums import Result
from pulsar.exceptions import PulsarException
from pulsar.schema.schema import BytesSchema

# Content goes to the broker as the bytes given, whatever schema the configuration
# registers (3.13's _pulsar sends the bytes of a built message).
_BYTES = BytesSchema()


def _argument_error(name: str, expected: str, value: object) -> TypeError:
    return TypeError(
        f"{name}(): incompatible function arguments: expected {expected}, "
        f"got {type(value).__name__}"
    )


def _check(value: object, types: type | tuple[type, ...], name: str, expected: str) -> None:
    if not isinstance(value, types):
        raise _argument_error(name, expected, value)


def _check_topics(value: object, name: str) -> None:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _argument_error(name, "a list of str", value)
    for topic in value:
        _check(topic, str, name, "a list of str")


def _result_of(error: PulsarException) -> Result:
    return getattr(Result, type(error).__name__, Result.UnknownError)


def _deliver(call: Callable[[], object]) -> None:
    """Run `call` on the dispatcher thread; when none runs (no client open any more), on
    this one."""
    _core._dispatch_call(call)
    if not _core._dispatch_running():
        _core._dispatch_serve_pending()


def _in_background(
    work: Callable[[], Any], done: Callable[[Result, Any, str], Callable[[], object]]
) -> None:
    """Run `work()` on a helper thread, then `done(result, value, message)` on the
    dispatcher thread."""

    def run() -> None:
        try:
            value = work()
        except PulsarException as error:
            _deliver(done(_result_of(error), None, str(error)))
        else:
            _deliver(done(Result.Ok, value, ""))

    threading.Thread(target=run, name="pulsar-async-call", daemon=True).start()


def _callback_v1(callback: Callable[[Result, Any], object]) -> Any:
    def done(result: Result, value: Any, message: str) -> Callable[[], object]:
        return lambda: callback(result, value)

    return done


def _callback_v2(callback: Callable[[Any], object]) -> Any:
    def done(result: Result, value: Any, message: str) -> Callable[[], object]:
        if result != Result.Ok:
            error = Error._of(result, message)
            return lambda: callback(error)
        return lambda: callback(value)

    return done


class Client:
    """pulsar-client 3.13's `_pulsar.Client`.

    Args:
        service_url: The cluster's URL.
        configuration: A `_pulsar.ClientConfiguration`.
    """

    def __init__(self, service_url: str, configuration: ClientConfiguration) -> None:
        _check(service_url, str, "__init__", "str")
        _check(configuration, ClientConfiguration, "__init__", "ClientConfiguration")
        self._client = pulsar.Client.__new__(pulsar.Client)
        self._client._connect(service_url, configuration)

    @classmethod
    def _around(
        cls,
        service_url: pulsar.AutoClusterFailover | pulsar.ServiceInfoProvider,
        configuration: ClientConfiguration,
    ) -> Client:
        _check(configuration, ClientConfiguration, "client_configuration", "ClientConfiguration")
        self = cls.__new__(cls)
        self._client = pulsar.Client.__new__(pulsar.Client)
        self._client._connect(service_url, configuration)
        return self

    @staticmethod
    def create_auto_cluster_failover(
        primary: ServiceInfo,
        secondary: Sequence[ServiceInfo],
        check_interval_ms: int,
        failover_threshold: int,
        switch_back_threshold: int,
        client_configuration: ClientConfiguration,
    ) -> Client:
        """A client that fails over from `primary` to the first reachable of `secondary`
        (`_pulsar.ServiceInfo`s), as `pulsar.AutoClusterFailover` describes."""
        _check(primary, _core.ServiceInfo, "create_auto_cluster_failover", "ServiceInfo")
        for info in secondary:
            _check(info, _core.ServiceInfo, "create_auto_cluster_failover", "ServiceInfo")
        failover = pulsar.AutoClusterFailover(
            pulsar.ServiceInfo.wrap(primary),
            [pulsar.ServiceInfo.wrap(info) for info in secondary],
            check_interval_ms,
            failover_threshold,
            switch_back_threshold,
        )
        return Client._around(failover, client_configuration)

    @staticmethod
    def create_service_info_provider(
        provider: pulsar.ServiceInfoProvider, client_configuration: ClientConfiguration
    ) -> Client:
        """A client whose cluster `provider` (a `pulsar.ServiceInfoProvider`) chooses."""
        _check(provider, pulsar.ServiceInfoProvider, "create_service_info_provider", "a provider")
        return Client._around(provider, client_configuration)

    # ---- blocking -------------------------------------------------------------------------

    def create_producer(self, topic: str, conf: ProducerConfiguration) -> pulsar.Producer:
        """A producer of `topic` (the `pulsar.Producer` class)."""
        _check(topic, str, "create_producer", "str")
        _check(conf, ProducerConfiguration, "create_producer", "ProducerConfiguration")
        return self._client._client.create_producer(topic, conf, _BYTES, _core.SchemaKind.Bytes)

    def _subscribe(
        self, topic: str | list[str], name: str, conf: ConsumerConfiguration, pattern: bool
    ) -> pulsar.Consumer:
        _check(name, str, "subscribe", "str")
        _check(conf, ConsumerConfiguration, "subscribe", "ConsumerConfiguration")
        listener = None
        if conf._listener is not None:
            listener = _core.MessageListener(conf._listener, _BYTES, conf.receiver_queue_size())
            _core.ConsumerConfiguration.message_listener(conf, listener)
        consumer = self._client._client.subscribe(topic, name, conf, _BYTES, pattern)
        if listener is not None:
            listener.attach(consumer)
        return consumer

    def subscribe(
        self, topic: str, subscription_name: str, conf: ConsumerConfiguration
    ) -> pulsar.Consumer:
        """A consumer of `topic` on the subscription `subscription_name`."""
        _check(topic, str, "subscribe", "str")
        return self._subscribe(topic, subscription_name, conf, False)

    def subscribe_topics(
        self, topics: Sequence[str], subscription_name: str, conf: ConsumerConfiguration
    ) -> pulsar.Consumer:
        """A consumer of every topic of `topics`."""
        _check_topics(topics, "subscribe_topics")
        return self._subscribe(list(topics), subscription_name, conf, False)

    def subscribe_pattern(
        self, topic_pattern: str, subscription_name: str, conf: ConsumerConfiguration
    ) -> pulsar.Consumer:
        """A consumer of the topics matching the regular expression `topic_pattern`."""
        _check(topic_pattern, str, "subscribe_pattern", "str")
        return self._subscribe(topic_pattern, subscription_name, conf, True)

    def create_reader(
        self, topic: str, start_message_id: pulsar.MessageId, conf: ReaderConfiguration
    ) -> pulsar.Reader:
        """A reader of `topic` from `start_message_id`."""
        _check(topic, str, "create_reader", "str")
        _check(start_message_id, _core.MessageId, "create_reader", "MessageId")
        _check(conf, ReaderConfiguration, "create_reader", "ReaderConfiguration")
        if conf._listener is not None:
            listener = _core.MessageListener(conf._listener, _BYTES, conf.receiver_queue_size())
            _core.ReaderConfiguration.reader_listener(conf, listener)
        reader = self._client._client.create_reader(topic, start_message_id, conf, _BYTES)
        if conf._listener is not None:
            # As pulsar.Client: kept until closed, its listener goes on being served.
            kept = [r for r in self._client._listening_readers if not r._is_closing()]
            self._client._listening_readers = [*kept, reader]
        return reader

    def create_table_view(self, topic: str, conf: TableViewConfiguration) -> pulsar.TableView:
        """A table view of `topic`."""
        _check(topic, str, "create_table_view", "str")
        _check(conf, TableViewConfiguration, "create_table_view", "TableViewConfiguration")
        schema_info = conf._schema if conf._schema is not None else _BYTES.schema_info()
        return self._client._client.create_table_view(
            topic, conf._subscription_name, schema_info, _BYTES
        )

    def get_topic_partitions(self, topic: str) -> list[str]:
        """The partitions of `topic` (`[topic]` when it is not partitioned)."""
        _check(topic, str, "get_topic_partitions", "str")
        return self._client._client.get_topic_partitions(topic)

    def get_schema_info(self, topic: str, version: int) -> _core.SchemaInfo:
        """The schema of `topic` at `version` (-1: the latest)."""
        _check(topic, str, "get_schema_info", "str")
        _check(version, int, "get_schema_info", "int")
        return self._client._client.get_schema_info(topic, version)

    def get_service_info(self) -> _core.ServiceInfo:
        """The cluster in use."""
        return self._client._client.get_service_info()

    def close(self) -> None:
        """Close the client, its producers, consumers and readers."""
        self._client.close()

    def shutdown(self) -> None:
        """Stop the client at once."""
        self._client.shutdown()

    # ---- callbacks --------------------------------------------------------------------------

    def create_producer_async(
        self,
        topic: str,
        conf: ProducerConfiguration,
        callback: Callable[[Result, pulsar.Producer | None], object],
    ) -> None:
        """create_producer, then `callback(result, producer)` on the dispatcher thread."""
        _check(topic, str, "create_producer_async", "str")
        _check(conf, ProducerConfiguration, "create_producer_async", "ProducerConfiguration")
        _check_callback(callback)
        _in_background(lambda: self.create_producer(topic, conf), _callback_v1(callback))

    def create_producer_async_v2(
        self,
        topic: str,
        conf: ProducerConfiguration,
        callback: Callable[[Error | pulsar.Producer], object],
    ) -> None:
        """create_producer, then `callback(producer or Error)` on the dispatcher thread."""
        _check(topic, str, "create_producer_async_v2", "str")
        _check(conf, ProducerConfiguration, "create_producer_async_v2", "ProducerConfiguration")
        _check_callback(callback)
        _in_background(lambda: self.create_producer(topic, conf), _callback_v2(callback))

    def subscribe_async(
        self,
        topic: str,
        subscription_name: str,
        conf: ConsumerConfiguration,
        callback: Callable[[Result, pulsar.Consumer | None], object],
    ) -> None:
        """subscribe, then `callback(result, consumer)` on the dispatcher thread."""
        _check(topic, str, "subscribe_async", "str")
        self._check_subscription(subscription_name, conf, callback)
        _in_background(
            lambda: self._subscribe(topic, subscription_name, conf, False), _callback_v1(callback)
        )

    def subscribe_async_topics(
        self,
        topics: Sequence[str],
        subscription_name: str,
        conf: ConsumerConfiguration,
        callback: Callable[[Result, pulsar.Consumer | None], object],
    ) -> None:
        """subscribe_topics, then `callback(result, consumer)` on the dispatcher thread."""
        _check_topics(topics, "subscribe_async_topics")
        self._check_subscription(subscription_name, conf, callback)
        names = list(topics)
        _in_background(
            lambda: self._subscribe(names, subscription_name, conf, False), _callback_v1(callback)
        )

    def subscribe_async_pattern(
        self,
        topic_pattern: str,
        subscription_name: str,
        conf: ConsumerConfiguration,
        callback: Callable[[Result, pulsar.Consumer | None], object],
    ) -> None:
        """subscribe_pattern, then `callback(result, consumer)` on the dispatcher thread."""
        _check(topic_pattern, str, "subscribe_async_pattern", "str")
        self._check_subscription(subscription_name, conf, callback)
        _in_background(
            lambda: self._subscribe(topic_pattern, subscription_name, conf, True),
            _callback_v1(callback),
        )

    def subscribe_async_v2(
        self,
        topic: str | Sequence[str] | TopicRegex,
        subscription_name: str,
        conf: ConsumerConfiguration,
        callback: Callable[[Error | pulsar.Consumer], object],
    ) -> None:
        """subscribe to a topic, a list of topics or a `TopicRegex`, then
        `callback(consumer or Error)` on the dispatcher thread."""
        self._check_subscription(subscription_name, conf, callback)
        if isinstance(topic, TopicRegex):
            target: str | list[str] = topic.pattern
            pattern = True
        elif isinstance(topic, str):
            target, pattern = topic, False
        else:
            _check_topics(topic, "subscribe_async_v2")
            target, pattern = list(topic), False
        _in_background(
            lambda: self._subscribe(target, subscription_name, conf, pattern),
            _callback_v2(callback),
        )

    def create_reader_async(
        self,
        topic: str,
        start_message_id: pulsar.MessageId,
        conf: ReaderConfiguration,
        callback: Callable[[Result, pulsar.Reader | None], object],
    ) -> None:
        """create_reader, then `callback(result, reader)` on the dispatcher thread."""
        self._check_reader(topic, start_message_id, conf, callback)
        _in_background(
            lambda: self.create_reader(topic, start_message_id, conf), _callback_v1(callback)
        )

    def create_reader_async_v2(
        self,
        topic: str,
        start_message_id: pulsar.MessageId,
        conf: ReaderConfiguration,
        callback: Callable[[Error | pulsar.Reader], object],
    ) -> None:
        """create_reader, then `callback(reader or Error)` on the dispatcher thread."""
        self._check_reader(topic, start_message_id, conf, callback)
        _in_background(
            lambda: self.create_reader(topic, start_message_id, conf), _callback_v2(callback)
        )

    def get_topic_partitions_async(
        self, topic: str, callback: Callable[[Result, list[str] | None], object]
    ) -> None:
        """get_topic_partitions, then `callback(result, partitions)` on the dispatcher
        thread."""
        _check(topic, str, "get_topic_partitions_async", "str")
        _check_callback(callback)
        _in_background(lambda: self.get_topic_partitions(topic), _callback_v1(callback))

    def close_async(self, callback: Callable[[Result], object]) -> None:
        """close, then `callback(result)` on the dispatcher thread (served before the
        dispatcher stops, when this was the last open client)."""
        _check_callback(callback)
        core = self._client._client

        def run() -> None:
            try:
                core.close()
                result = Result.Ok
            except PulsarException as error:
                result = _result_of(error)
            _core._dispatch_call(lambda: callback(result))
            _dispatch.client_closed()  # serves what is queued before it stops
            if not _core._dispatch_running():
                _core._dispatch_serve_pending()

        threading.Thread(target=run, name="pulsar-async-call", daemon=True).start()

    # ---- argument checks ------------------------------------------------------------------------

    @staticmethod
    def _check_subscription(name: object, conf: object, callback: object) -> None:
        _check(name, str, "subscribe_async", "str")
        _check(conf, ConsumerConfiguration, "subscribe_async", "ConsumerConfiguration")
        _check_callback(callback)

    @staticmethod
    def _check_reader(topic: object, message_id: object, conf: object, callback: object) -> None:
        _check(topic, str, "create_reader_async", "str")
        _check(message_id, _core.MessageId, "create_reader_async", "MessageId")
        _check(conf, ReaderConfiguration, "create_reader_async", "ReaderConfiguration")
        _check_callback(callback)


def _check_callback(callback: object) -> None:
    if not callable(callback):
        raise _argument_error("callback", "a function", callback)
