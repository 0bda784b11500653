"""Producer API: names, topic, connection state, close, context manager, sequence ids, flush,
closed-producer errors and configuration options."""

import threading

import pytest
from support.messages import drain_unique, receive_unique

import pulsar


def test_topic_is_fully_qualified(client, topic):
    producer = client.create_producer(topic)
    assert producer.topic() == topic
    short = topic.rsplit("/", 1)[1]
    assert client.create_producer(short).topic() == topic


def test_generated_producer_name(client, topic):
    producer = client.create_producer(topic)
    name = producer.producer_name()
    assert isinstance(name, str)
    assert name
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    producer.send(b"x")
    assert receive_unique(consumer, 1)[0].producer_name() == name


def test_given_producer_name(client, topic):
    producer = client.create_producer(topic, producer_name="my-producer-1")
    assert producer.producer_name() == "my-producer-1"
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    producer.send(b"x")
    assert receive_unique(consumer, 1)[0].producer_name() == "my-producer-1"


def test_is_connected_then_closed(client, topic):
    producer = client.create_producer(topic)
    assert producer.is_connected() is True
    producer.close()
    assert producer.is_connected() is False


def test_close_twice_raises_already_closed(client, topic):
    producer = client.create_producer(topic)
    producer.close()
    with pytest.raises(pulsar.AlreadyClosed) as info:
        producer.close()
    assert str(info.value) == "Pulsar error: AlreadyClosed"


def _operation(producer, operation):
    """One of the producer's calls that need it open and raise when it is not."""
    if operation == "send":
        return lambda: producer.send(b"x")
    return producer.flush


@pytest.mark.parametrize("operation", ["send", "flush"])
def test_closed_producer_raises_already_closed(client, topic, operation):
    producer = client.create_producer(topic)
    producer.close()
    call = _operation(producer, operation)
    with pytest.raises(pulsar.AlreadyClosed) as info:
        call()
    assert str(info.value) == "Pulsar error: AlreadyClosed"


@pytest.mark.parametrize("operation", ["send", "flush"])
def test_producer_of_closed_client_raises_already_closed(broker, topic, operation):
    client = pulsar.Client(broker.service_url)
    producer = client.create_producer(topic)
    client.close()
    call = _operation(producer, operation)
    with pytest.raises(pulsar.AlreadyClosed):
        call()


def _send_async_outcome(producer):
    """send_async of a closed producer: what its callback got (waited for), and how often."""
    calls = []
    done = threading.Event()

    def callback(result, message_id):
        calls.append((result, str(message_id)))
        done.set()

    producer.send_async(b"x", callback)  # nothing raised, as in pulsar-client 3.13
    assert done.wait(30), "the callback of a refused send_async never ran"
    return calls


def test_send_async_of_a_closed_producer_calls_back_already_closed(client, topic):
    producer = client.create_producer(topic)
    producer.close()
    assert _send_async_outcome(producer) == [(pulsar.Result.AlreadyClosed, "(-1,-1,-1,-1)")]


def test_send_async_of_a_closed_client_calls_back_already_closed(broker, topic):
    client = pulsar.Client(broker.service_url)
    producer = client.create_producer(topic)
    client.close()
    # No dispatcher thread runs after the last close: the callback runs on this thread.
    assert _send_async_outcome(producer) == [(pulsar.Result.AlreadyClosed, "(-1,-1,-1,-1)")]


def test_context_manager(client, topic):
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    with client.create_producer(topic) as producer:
        assert isinstance(producer, pulsar.Producer)
        assert producer.is_connected()
        producer.send(b"inside")
    assert not producer.is_connected()
    with pytest.raises(pulsar.AlreadyClosed):
        producer.send(b"after")
    assert receive_unique(consumer, 1)[0].data() == b"inside"


def test_context_manager_closes_on_exception(client, topic):
    producer = client.create_producer(topic)
    with pytest.raises(RuntimeError, match="inside the block"), producer:
        raise RuntimeError("inside the block")
    assert not producer.is_connected()
    with pytest.raises(pulsar.AlreadyClosed):
        producer.send(b"after")


def test_send_returns_message_id(client, topic):
    producer = client.create_producer(topic)
    first = producer.send(b"a")
    second = producer.send(b"b")
    assert isinstance(first, pulsar.MessageId)
    assert first < second


def test_last_sequence_id_of_fresh_producer_and_after_sends(client, topic):
    producer = client.create_producer(topic)
    assert producer.last_sequence_id() == -1
    producer.send(b"a")
    assert producer.last_sequence_id() == 0
    producer.send(b"b")
    producer.send(b"c")
    assert producer.last_sequence_id() == 2


def test_last_sequence_id_after_async_sends(client, topic):
    producer = client.create_producer(topic, batching_enabled=True)
    for i in range(25):
        producer.send_async(b"%d" % i, lambda res, msg_id: None)
    producer.flush()
    assert producer.last_sequence_id() == 24


def test_initial_sequence_id(client, topic):
    producer = client.create_producer(topic, initial_sequence_id=5)
    assert producer.last_sequence_id() == 5
    producer.send(b"a")
    assert producer.last_sequence_id() == 6


def test_initial_sequence_id_zero_is_honoured(client, topic):
    # Deliberate difference: the official client ignores 0 (last_sequence_id() stays -1 and
    # the first message gets sequence id 0).
    producer = client.create_producer(topic, initial_sequence_id=0)
    assert producer.last_sequence_id() == 0
    producer.send(b"a")
    assert producer.last_sequence_id() == 1


def test_explicit_sequence_ids(client, topic):
    producer = client.create_producer(topic)
    producer.send(b"a", sequence_id=100)
    assert producer.last_sequence_id() == 100
    producer.send(b"b", sequence_id=200)
    assert producer.last_sequence_id() == 200


def test_sequence_id_zero_is_honoured(client, topic):
    # Deliberate difference: the official client ignores sequence_id=0 and would assign the
    # next automatic id (3 here).
    producer = client.create_producer(topic)
    for payload in (b"a", b"b", b"c"):
        producer.send(payload)
    assert producer.last_sequence_id() == 2
    producer.send(b"zero", sequence_id=10)
    assert producer.last_sequence_id() == 10
    producer.send(b"zero", sequence_id=0)
    assert producer.last_sequence_id() == 0


def test_flush_on_idle_producer(client, topic):
    producer = client.create_producer(topic)
    assert producer.flush() is None
    producer.send(b"x")
    assert producer.flush() is None


def test_batching_and_chunking_together_rejected(client, topic):
    with pytest.raises(ValueError, match=r"(?i)chunking"):
        client.create_producer(topic, batching_enabled=True, chunking_enabled=True)


def test_chunking_enabled_small_message(client, topic):
    producer = client.create_producer(topic, chunking_enabled=True)
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    producer.send(b"small enough for one chunk")
    assert receive_unique(consumer, 1)[0].data() == b"small enough for one chunk"


def test_all_create_producer_options_accepted(client, topic):
    producer = client.create_producer(
        topic,
        producer_name="all-options",
        schema=pulsar.schema.BytesSchema(),
        initial_sequence_id=41,
        send_timeout_millis=20000,
        compression_type=pulsar.CompressionType.LZ4,
        max_pending_messages=500,
        max_pending_messages_across_partitions=1000,
        block_if_queue_full=True,
        batching_enabled=True,
        batching_max_messages=50,
        batching_max_allowed_size_in_bytes=65536,
        batching_max_publish_delay_ms=5,
        chunking_enabled=False,
        message_routing_mode=pulsar.PartitionsRoutingMode.UseSinglePartition,
        lazy_start_partitioned_producers=True,
        properties={"app": "tests", "version": "1"},
        batching_type=pulsar.BatchingType.KeyBased,
        encryption_key=None,
        crypto_key_reader=None,
        access_mode=pulsar.ProducerAccessMode.Shared,
        message_router=None,
    )
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    producer.send(b"payload", partition_key="k")
    msg = receive_unique(consumer, 1)[0]
    assert msg.data() == b"payload"
    assert msg.producer_name() == "all-options"
    assert producer.last_sequence_id() == 42


@pytest.mark.parametrize(
    "mode",
    [pulsar.ProducerAccessMode.Shared, pulsar.ProducerAccessMode.Exclusive],
    ids=["Shared", "Exclusive"],
)
def test_access_mode_single_producer(client, topic, mode):
    producer = client.create_producer(topic, access_mode=mode)
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    producer.send(b"x")
    assert receive_unique(consumer, 1)[0].data() == b"x"


def test_block_if_queue_full_delivers_everything(tmp_path, broker, topic):
    # Runs in a child process: a send_async that blocks while holding the GIL would deadlock
    # with the callbacks, and a hang must fail the test, not the whole run.
    from support.children import assert_child_ok, run_child

    proc = run_child(
        tmp_path,
        f"""
        import threading
        client = pulsar.Client(SERVICE_URL)
        producer = client.create_producer({topic!r}, max_pending_messages=5,
                                          block_if_queue_full=True)
        results = []
        lock = threading.Lock()
        def cb(res, msg_id):
            with lock:
                results.append(res)
        for i in range(300):
            producer.send_async(b"%d" % i, cb)
        producer.flush()
        assert len(results) == 300, len(results)
        assert all(r == pulsar.Result.Ok for r in results), set(results)
        consumer = client.subscribe({topic!r}, "s", initial_position=pulsar.InitialPosition.Earliest)
        seen = set()
        while len(seen) < 300:
            seen.add(consumer.receive(15000).data())
        assert seen == {{b"%d" % i for i in range(300)}}
        client.close()
        print("CHILD-DONE")
        """,
        service_url=broker.service_url,
        timeout=90,
    )
    assert_child_ok(proc)


def test_rejected_sends_publish_nothing(client, topic):
    producer = client.create_producer(topic)
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    bad_calls = [
        lambda: producer.send("text"),
        lambda: producer.send(b"x", properties={"k": 1}),
        lambda: producer.send(b"x", sequence_id=-1),
        lambda: producer.send(b"x", event_timestamp=-5),
        lambda: producer.send_async(b"x", "not callable"),
    ]
    for call in bad_calls:
        with pytest.raises((TypeError, ValueError)):
            call()
    producer.send(b"the only one")
    messages = drain_unique(consumer, idle_ms=1500)
    assert [m.data() for m in messages] == [b"the only one"]


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_send_after_send_async_keeps_the_order(client, topic, batching):
    # send_async queues for the producer's submitter thread; a send() issued behind queued
    # messages must take its place in that queue, not overtake it.
    producer = client.create_producer(topic, batching_enabled=batching)
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    results = []
    expected = []
    for round_ in range(20):
        for i in range(50):
            payload = b"%d-async-%d" % (round_, i)
            expected.append(payload)
            producer.send_async(payload, lambda r, m: results.append(r))
        payload = b"%d-sync" % round_
        expected.append(payload)
        msg_id = producer.send(payload)
        assert msg_id.entry_id() >= 0
    producer.flush()
    assert results == [pulsar.Result.Ok] * 1000
    got = [m.data() for m in receive_unique(consumer, len(expected))]
    assert got == expected


def test_many_queued_sends_then_close_runs_every_callback(client, topic):
    producer = client.create_producer(
        topic, batching_enabled=True, max_pending_messages=100, block_if_queue_full=True
    )
    results = []
    for _ in range(5000):
        producer.send_async(b"x", lambda r, m: results.append(r))
    producer.close()  # hands every queued message to libpulsar first
    assert len(results) == 5000
    assert set(results) == {pulsar.Result.Ok}
