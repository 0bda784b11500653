"""The methods of pulsar-client 3.13's _pulsar classes on fastpulsar's objects, on a broker:
Producer.send / send_async with a message MessageBuilder built, and the *_async(...,
callback) methods of Producer, Consumer and Reader. Each callback runs exactly once, with a
pulsar.Result (and the value, where 3.13 gives one), on the dispatcher thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from support.messages import EARLIEST, receive_unique
from support.waiting import wait_until

import pulsar
from pulsar import _core
from pulsar.schema import BytesSchema, KeyValueSchema, StringSchema

DISPATCHER = "pulsar-dispatcher"


class Calls:
    """The calls of one callback: (thread name, args) each."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __call__(self, *args: Any) -> None:
        with self.lock:
            self.calls.append((threading.current_thread().name, args))

    def wait_one(self) -> tuple[Any, ...]:
        """The arguments of the one call, once it has come; asserts it ran on the dispatcher."""
        assert wait_until(lambda: len(self.calls) >= 1), "the callback was not called"
        assert len(self.calls) == 1, self.calls
        thread, args = self.calls[0]
        assert thread == DISPATCHER
        assert isinstance(args[0], pulsar.Result)
        return args


def assert_still_once(producer: pulsar.Producer, *calls: Calls) -> None:
    """Exactly once: still one call each once a callback queued after theirs has run."""
    barrier = Calls()
    producer.flush_async(barrier)
    barrier.wait_one()
    for c in calls:
        assert len(c.calls) == 1, c.calls


@pytest.fixture
def producer(client: pulsar.Client, topic: str) -> pulsar.Producer:
    return client.create_producer(topic, batching_enabled=False)


def built(payload: bytes, **properties: str) -> pulsar.Message:
    return _core.MessageBuilder().content(payload).properties(properties).build()


def test_send_takes_a_built_message(client, topic, producer) -> None:
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    message = (
        _core.MessageBuilder()
        .content(b"built")
        .property("k", "v")
        .partition_key("pk")
        .event_timestamp(1_700_000_000_000)
        .build()
    )
    message_id = producer.send(message)
    assert isinstance(message_id, pulsar.MessageId)
    (received,) = receive_unique(consumer, 1)
    assert received.data() == b"built"
    assert received.properties() == {"k": "v"}
    assert received.partition_key() == "pk"
    assert received.event_timestamp() == 1_700_000_000_000
    assert received.message_id() == message_id


def test_send_async_takes_a_built_message_and_calls_back_once(client, topic, producer) -> None:
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    calls = Calls()
    producer.send_async(built(b"async", a="1"), calls)
    producer.flush()
    result, message_id = calls.wait_one()
    assert result == pulsar.Result.Ok
    assert isinstance(message_id, pulsar.MessageId)
    (received,) = receive_unique(consumer, 1)
    assert (received.data(), received.properties()) == (b"async", {"a": "1"})


def test_a_built_message_is_sent_once(producer) -> None:
    message = built(b"once")
    producer.send(message)
    with pytest.raises(pulsar.InvalidMessage):
        producer.send(message)


def test_a_built_message_takes_no_other_message_argument(producer) -> None:
    with pytest.raises(TypeError, match="partition_key"):
        producer.send(built(b"x"), partition_key="pk")
    with pytest.raises(TypeError, match="properties"):
        producer.send_async(built(b"x"), None, properties={"a": "b"})


def test_flush_async_calls_back_after_the_earlier_sends(producer) -> None:
    order: list[str] = []
    flushed = Calls()
    for i in range(20):
        producer.send_async(b"%d" % i, lambda result, msg_id: order.append("send"))

    def on_flush(result: pulsar.Result) -> None:
        order.append("flush")
        flushed(result)

    producer.flush_async(on_flush)
    assert flushed.wait_one() == (pulsar.Result.Ok,)
    assert order == ["send"] * 20 + ["flush"]


def test_producer_close_async_then_its_callbacks_get_already_closed(client, topic) -> None:
    producer = client.create_producer(topic)
    sent = Calls()
    producer.send_async(b"before close", sent)
    closed = Calls()
    producer.close_async(closed)
    assert closed.wait_one() == (pulsar.Result.Ok,)
    assert sent.wait_one()[0] == pulsar.Result.Ok  # the send's callback ran before
    with pytest.raises(pulsar.AlreadyClosed):
        producer.send(b"after close")
    again, flushed = Calls(), Calls()
    producer.close_async(again)
    producer.flush_async(flushed)
    assert again.wait_one() == (pulsar.Result.AlreadyClosed,)
    assert flushed.wait_one() == (pulsar.Result.AlreadyClosed,)


def test_consumer_callbacks_run_once_on_the_dispatcher(client, topic, producer) -> None:
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    received = Calls()
    consumer.receive_async(received)
    sent_id = producer.send(b"one")
    result, message = received.wait_one()
    assert result == pulsar.Result.Ok
    assert isinstance(message, pulsar.Message)
    assert message.data() == b"one"

    acked, cumulative, nacked, last = Calls(), Calls(), Calls(), Calls()
    consumer.acknowledge_async(message, acked)
    consumer.acknowledge_cumulative_async(message.message_id(), cumulative)
    consumer.negative_acknowledge_async(message, nacked)
    consumer.get_last_message_id_async(last)
    assert acked.wait_one() == (pulsar.Result.Ok,)
    assert cumulative.wait_one() == (pulsar.Result.Ok,)
    assert nacked.wait_one() == (pulsar.Result.Ok,)
    result, last_id = last.wait_one()
    assert result == pulsar.Result.Ok
    assert last_id == sent_id

    unsubscribed = Calls()
    consumer.unsubscribe_async(unsubscribed)
    assert unsubscribed.wait_one() == (pulsar.Result.Ok,)
    assert_still_once(producer, received, acked, cumulative, nacked, last, unsubscribed)


# pulsar-lite 0.2.0 drops the connection on a seek (ResultDisconnected): Apache Pulsar only.
@pytest.mark.standalone
def test_seek_async_replays_and_calls_back_once(sa_client, topic) -> None:
    producer = sa_client.create_producer(topic, batching_enabled=False)
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
    reader = sa_client.create_reader(topic, pulsar.MessageId.earliest)
    producer.send(b"first")
    assert consumer.receive(timeout_millis=10000).data() == b"first"
    assert reader.read_next(timeout_millis=10000).data() == b"first"
    consumer_seeked, reader_seeked = Calls(), Calls()
    consumer.seek_async(pulsar.MessageId.earliest, consumer_seeked)
    reader.seek_async(0, reader_seeked)  # a publish time: the beginning
    assert consumer_seeked.wait_one() == (pulsar.Result.Ok,)
    assert reader_seeked.wait_one() == (pulsar.Result.Ok,)
    assert consumer.receive(timeout_millis=10000).data() == b"first"
    assert reader.read_next(timeout_millis=10000).data() == b"first"
    assert_still_once(producer, consumer_seeked, reader_seeked)


def test_consumer_close_async_then_operations_call_back_already_closed(client, topic) -> None:
    consumer = client.subscribe(topic, "s")
    closed = Calls()
    consumer.close_async(closed)
    assert closed.wait_one() == (pulsar.Result.Ok,)
    with pytest.raises(pulsar.AlreadyClosed):
        consumer.receive(timeout_millis=10)
    received, acked = Calls(), Calls()
    consumer.receive_async(received)
    consumer.acknowledge_async(pulsar.MessageId(-1, 1, 2, -1), acked)
    assert received.wait_one() == (pulsar.Result.AlreadyClosed, None)
    assert acked.wait_one() == (pulsar.Result.AlreadyClosed,)


def test_reader_callbacks_run_once_on_the_dispatcher(client, topic, producer) -> None:
    sent_id = producer.send(b"for the reader")
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    available, read = Calls(), Calls()
    reader.has_message_available_async(available)
    assert available.wait_one() == (pulsar.Result.Ok, True)
    reader.read_next_async(read)
    result, message = read.wait_one()
    assert result == pulsar.Result.Ok
    assert message.message_id() == sent_id
    closed = Calls()
    reader.close_async(closed)
    assert closed.wait_one() == (pulsar.Result.Ok,)
    after = Calls()
    reader.read_next_async(after)
    assert after.wait_one() == (pulsar.Result.AlreadyClosed, None)


def test_a_callback_that_is_not_callable_raises_before_anything_starts(client, topic) -> None:
    consumer = client.subscribe(topic, "s")
    with pytest.raises(pulsar.InvalidArgumentType, match="callback"):
        consumer.receive_async(None)
    with pytest.raises(pulsar.InvalidArgumentType, match="message"):
        consumer.acknowledge_async(5, lambda result: None)
    with pytest.raises(pulsar.InvalidArgumentType, match="messageid"):
        consumer.seek_async("x", lambda result: None)
    with pytest.raises(pulsar.InvalidArgumentType, match="callback"):
        consumer.close_async(42)
    consumer.close()  # still open: close_async raised before closing anything


def test_table_view_size_is_its_length(client, topic, producer) -> None:
    producer.send(b"v", partition_key="k")
    view = client.create_table_view(topic)
    try:
        assert wait_until(lambda: len(view) == 1)
        assert view.size() == 1
    finally:
        view.close()


def test_a_keyvalue_producer_refuses_a_built_message(client, topic) -> None:
    producer = client.create_producer(topic, schema=KeyValueSchema(StringSchema(), BytesSchema()))
    with pytest.raises(pulsar.InvalidArgumentType, match="content"):
        producer.send(built(b"x"))


def test_a_raising_callback_is_reported_and_the_next_one_runs(client, topic, monkeypatch) -> None:
    consumer = client.subscribe(topic, "s")
    reported: list[object] = []
    monkeypatch.setattr("sys.unraisablehook", reported.append)

    def raising(result: pulsar.Result) -> None:
        raise RuntimeError("from the callback")

    consumer.negative_acknowledge_async(pulsar.MessageId(-1, 1, 2, -1), raising)
    after = Calls()
    consumer.negative_acknowledge_async(pulsar.MessageId(-1, 1, 3, -1), after)
    assert after.wait_one() == (pulsar.Result.Ok,)
    assert len(reported) == 1


def test_a_received_message_cannot_be_sent_again(client, topic, producer) -> None:
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    producer.send(b"received")
    (message,) = receive_unique(consumer, 1)
    with pytest.raises(pulsar.InvalidMessage):  # libpulsar's check, as in 3.13
        producer.send(message)
