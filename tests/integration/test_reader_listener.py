"""create_reader(reader_listener=fn): fn(reader, message) runs on a listener thread of ours
(never libpulsar's), once per message in order, with `reader` the user's own Reader; a raising
listener is reported and the reader goes on; close() from inside the listener; read_next is
refused while a listener is set; flow control loses nothing; and what pulsar-client 3.13
produces, the listener reads identically."""

from __future__ import annotations

import base64
import gc
import threading
import time
from typing import Any

import pytest
from support.messages import IdKey, id_key
from support.peer import run_peer
from support.waiting import wait_until

import pulsar
from pulsar.schema import StringSchema

EARLIEST = pulsar.MessageId.earliest


def publish(client: pulsar.Client, topic: str, payloads: list[bytes], **options: Any) -> None:
    producer = client.create_producer(topic, **options)
    for p in payloads:
        producer.send_async(p, None)
    producer.flush()
    producer.close()


class Recorder:
    """A reader listener recording each message once (pulsar-lite may re-deliver: by id),
    the readers it was given and the threads it ran on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: set[IdKey] = set()
        self.ids: list[IdKey] = []
        self.messages: list[pulsar.Message] = []
        self.readers: list[object] = []
        self.threads: set[threading.Thread] = set()

    def __call__(self, reader: pulsar.Reader, message: pulsar.Message) -> None:
        with self.lock:
            self.threads.add(threading.current_thread())
            self.readers.append(reader)
            key = id_key(message.message_id())
            if key not in self.seen:
                self.seen.add(key)
                self.ids.append(key)
                self.messages.append(message)

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def payloads(self) -> list[bytes]:
        with self.lock:
            return [m.data() for m in self.messages]


def test_every_message_once_in_order_on_a_listener_thread_with_the_users_reader(client, topic):
    payloads = [b"m%d" % i for i in range(300)]
    publish(client, topic, payloads[:100], batching_enabled=True)
    recorder = Recorder()
    reader = client.create_reader(topic, EARLIEST, reader_listener=recorder)
    publish(client, topic, payloads[100:], batching_enabled=True)
    assert wait_until(lambda: recorder.count() == len(payloads), 30)
    time.sleep(0.3)
    assert recorder.payloads() == payloads
    assert recorder.ids == sorted(recorder.ids)
    assert all(r is reader for r in recorder.readers)
    assert len(recorder.threads) == 1
    (thread,) = recorder.threads
    assert thread is not threading.main_thread()
    assert thread.name == "pulsar-listener-0"
    reader.close()


def test_start_after_a_message_id_and_string_schema(client, topic):
    producer = client.create_producer(topic, schema=StringSchema(), batching_enabled=False)
    ids = [producer.send(t) for t in ["zero", "un", "deux", "trois"]]
    recorder = Recorder()
    client.create_reader(topic, ids[1], schema=StringSchema(), reader_listener=recorder)
    assert wait_until(lambda: recorder.count() == 2)
    assert [m.value() for m in recorder.messages] == ["deux", "trois"]
    assert recorder.ids == [id_key(i) for i in ids[2:]]


def test_a_dropped_reader_goes_on_listening_until_closed(client, topic):
    # As pulsar-client (its client keeps its readers): the caller need not keep it.
    recorder = Recorder()
    client.create_reader(topic, EARLIEST, reader_listener=recorder)
    gc.collect()
    publish(client, topic, [b"a", b"b"], batching_enabled=False)
    assert wait_until(lambda: recorder.count() == 2)
    reader = recorder.readers[0]
    assert isinstance(reader, pulsar.Reader)
    assert all(r is reader for r in recorder.readers)
    reader.close()
    publish(client, topic, [b"c"], batching_enabled=False)
    time.sleep(0.5)
    assert recorder.payloads() == [b"a", b"b"]


def test_a_raising_listener_is_reported_and_the_reader_goes_on(client, topic, monkeypatch):
    reported: list[BaseException | None] = []
    monkeypatch.setattr("sys.unraisablehook", lambda u: reported.append(u.exc_value))
    recorder = Recorder()

    def listener(reader, message):
        recorder(reader, message)
        if message.data() == b"boom":
            raise RuntimeError("listener failed")

    client.create_reader(topic, EARLIEST, reader_listener=listener)
    publish(client, topic, [b"a", b"boom", b"b"], batching_enabled=False)
    assert wait_until(lambda: recorder.count() == 3)
    assert recorder.payloads() == [b"a", b"boom", b"b"]
    assert any(isinstance(e, RuntimeError) and str(e) == "listener failed" for e in reported)


def test_close_from_inside_the_listener_does_not_deadlock(client, topic):
    calls: list[bytes] = []
    closed = threading.Event()

    def listener(reader, message):
        calls.append(message.data())
        reader.close()
        closed.set()

    reader = client.create_reader(topic, EARLIEST, reader_listener=listener)
    publish(client, topic, [b"a", b"b", b"c"], batching_enabled=False)
    assert closed.wait(15)
    time.sleep(0.5)
    assert calls == [b"a"]  # nothing after close
    with pytest.raises(pulsar.AlreadyClosed):
        reader.close()
    # The client goes on serving others.
    recorder = Recorder()
    client.create_reader(topic, EARLIEST, reader_listener=recorder)
    assert wait_until(lambda: recorder.count() == 3)


def test_read_next_is_refused_while_a_listener_is_set(client, topic):
    # As pulsar-client 3.13 (libpulsar refuses a receive on a consumer with a listener).
    publish(client, topic, [b"a"], batching_enabled=False)
    recorder = Recorder()
    reader = client.create_reader(topic, EARLIEST, reader_listener=recorder)
    with pytest.raises(pulsar.InvalidConfiguration):
        reader.read_next(timeout_millis=100)
    assert wait_until(lambda: recorder.count() == 1)


def test_a_slow_listener_holds_libpulsar_back_and_loses_nothing(client, topic):
    payloads = [b"m%d" % i for i in range(60)]
    publish(client, topic, payloads, batching_enabled=False)
    recorder = Recorder()

    def listener(reader, message):
        time.sleep(0.01)
        recorder(reader, message)

    client.create_reader(topic, EARLIEST, receiver_queue_size=5, reader_listener=listener)
    assert wait_until(lambda: recorder.count() == len(payloads), 30)
    assert recorder.payloads() == payloads


def test_no_call_starts_once_the_client_is_closing(broker, topic):
    client = pulsar.Client(broker.service_url)
    started = threading.Event()
    release = threading.Event()
    after_close: list[bytes] = []
    closed = threading.Event()

    def listener(reader, message):
        if closed.is_set():
            after_close.append(message.data())
        started.set()
        release.wait(5)

    # Published before the reader exists: the listener blocks its listener thread (the
    # client's only one) for up to 5 s a call.
    publish(client, topic, [b"m%d" % i for i in range(20)], batching_enabled=False)
    try:
        client.create_reader(topic, EARLIEST, reader_listener=listener)
        assert started.wait(15)
        closer = threading.Thread(target=client.close)
        closer.start()
        time.sleep(0.3)  # close() has begun while the listener runs
        closed.set()
        release.set()
        closer.join(20)
        assert not closer.is_alive()
        time.sleep(0.3)
        assert after_close == []
    finally:
        # Whatever failed above, no later call of this listener may hold the listener
        # thread (shared by every test of the session).
        release.set()


def test_reader_listener_must_be_callable(client, topic):
    with pytest.raises(pulsar.InvalidArgumentType, match="reader_listener"):
        client.create_reader(topic, EARLIEST, reader_listener=42)


@pytest.mark.interop
@pytest.mark.timeout(600)
def test_what_the_official_client_produces_the_listener_reads_identically(
    client, topic, official_python, broker
):
    spec = {
        "producer": {"batching_enabled": True},
        "messages": [
            {
                "payload_b64": base64.b64encode(b"payload-%d" % i).decode(),
                "properties": {"i": str(i)},
                "partition_key": f"k{i % 3}",
                "event_timestamp": 1_700_000_000_000 + i,
            }
            for i in range(20)
        ],
    }
    out = run_peer(
        official_python, ["produce", "--service-url", broker.service_url, "--topic", topic], spec
    )
    recorder = Recorder()
    client.create_reader(topic, EARLIEST, reader_listener=recorder)
    assert wait_until(lambda: recorder.count() == 20)
    by_listener = recorder.messages
    plain = client.create_reader(topic, EARLIEST)
    by_read_next = [plain.read_next(timeout_millis=10000) for _ in range(20)]
    for i, (msg, other, result) in enumerate(zip(by_listener, by_read_next, out["results"])):
        assert msg.data() == b"payload-%d" % i
        assert msg.properties() == {"i": str(i)}
        assert msg.partition_key() == f"k{i % 3}"
        assert msg.event_timestamp() == 1_700_000_000_000 + i
        assert str(msg.message_id()) == result["message_id"]
        assert msg.message_id() == other.message_id()
        assert (msg.data(), msg.properties(), msg.publish_timestamp()) == (
            other.data(),
            other.properties(),
            other.publish_timestamp(),
        )
