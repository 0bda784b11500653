"""Consumer API: receive and its timeout, acknowledgements, negative acknowledgement,
unsubscribe, multi-topic subscriptions, subscription types, names and context manager."""

import gc
import threading
import time

import pytest
from support.messages import EARLIEST, drain_unique, id_key, receive_unique
from support.topics import unique_topic

import pulsar


def produce(client, topic, payloads, batching=False):
    producer = client.create_producer(topic, batching_enabled=batching)
    ids = [producer.send(p) for p in payloads] if not batching else None
    if batching:
        for p in payloads:
            producer.send_async(p, lambda r, m: None)
        producer.flush()
    producer.close()
    return ids


def remaining_after_resubscribe(client, topic, subscription, expected, timeout=30.0):
    """Re-subscribe until exactly ``expected`` payloads are redelivered (acks are sent to the
    broker asynchronously, grouped); return the last set seen."""
    seen = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        consumer = client.subscribe(topic, subscription, initial_position=EARLIEST)
        seen = {m.data() for m in drain_unique(consumer, idle_ms=1000)}
        consumer.close()
        if seen == expected:
            break
        time.sleep(0.2)
    return seen


def test_receive_timeout_raises_timeout(client, topic):
    consumer = client.subscribe(topic, "s")
    with pytest.raises(pulsar.Timeout) as info:
        consumer.receive(timeout_millis=200)
    assert isinstance(info.value, pulsar.PulsarException)
    assert str(info.value) == "Pulsar error: TimeOut"


def test_receive_timeout_zero_raises_timeout(client, topic):
    consumer = client.subscribe(topic, "s")
    with pytest.raises(pulsar.Timeout):
        consumer.receive(timeout_millis=0)


def test_receive_without_timeout_returns_message(client, topic):
    consumer = client.subscribe(topic, "s")
    producer = client.create_producer(topic)
    sender = threading.Timer(0.3, lambda: producer.send(b"later"))
    sender.start()
    try:
        msg = consumer.receive()
    finally:
        sender.join()
    assert msg.data() == b"later"
    assert isinstance(msg, pulsar.Message)


def test_latest_position_skips_older_messages(client, topic):
    producer = client.create_producer(topic)
    producer.send(b"old")
    consumer = client.subscribe(topic, "s")  # InitialPosition.Latest by default
    producer.send(b"new")
    assert [m.data() for m in drain_unique(consumer, idle_ms=1500)] == [b"new"]


def test_earliest_position_gets_older_messages(client, topic):
    produce(client, topic, [b"old-1", b"old-2"])
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    assert [m.data() for m in receive_unique(consumer, 2)] == [b"old-1", b"old-2"]


def test_names_and_topic(client, topic):
    consumer = client.subscribe(topic, "my-subscription", consumer_name="my-consumer")
    assert consumer.topic() == topic
    assert consumer.subscription_name() == "my-subscription"
    assert consumer.consumer_name() == "my-consumer"
    generated = client.subscribe(topic, "other-subscription")
    assert isinstance(generated.consumer_name(), str)
    assert generated.consumer_name()


@pytest.mark.parametrize("by", ["message", "message_id"])
def test_acknowledge(client, topic, by):
    payloads = [b"m%d" % i for i in range(5)]
    produce(client, topic, payloads)
    consumer = client.subscribe(topic, "sub", initial_position=EARLIEST)
    messages = receive_unique(consumer, 5)
    for i in (0, 1, 3):
        consumer.acknowledge(messages[i] if by == "message" else messages[i].message_id())
    consumer.close()
    remaining = remaining_after_resubscribe(client, topic, "sub", {b"m2", b"m4"})
    assert remaining == {b"m2", b"m4"}


def test_acknowledge_cumulative(client, topic):
    payloads = [b"m%d" % i for i in range(5)]
    produce(client, topic, payloads)
    consumer = client.subscribe(topic, "sub", initial_position=EARLIEST)
    messages = receive_unique(consumer, 5)
    consumer.acknowledge_cumulative(messages[2])
    consumer.close()
    remaining = remaining_after_resubscribe(client, topic, "sub", {b"m3", b"m4"})
    assert remaining == {b"m3", b"m4"}


def test_acknowledge_cumulative_by_id(client, topic):
    produce(client, topic, [b"m%d" % i for i in range(4)])
    consumer = client.subscribe(topic, "sub", initial_position=EARLIEST)
    messages = receive_unique(consumer, 4)
    consumer.acknowledge_cumulative(messages[3].message_id())
    consumer.close()
    assert remaining_after_resubscribe(client, topic, "sub", set()) == set()


def test_acknowledge_whole_batch(client, topic):
    produce(client, topic, [b"b%d" % i for i in range(6)], batching=True)
    consumer = client.subscribe(topic, "sub", initial_position=EARLIEST)
    messages = receive_unique(consumer, 6)
    assert all(m.message_id().batch_index() >= 0 for m in messages)
    for m in messages:
        consumer.acknowledge(m)
    consumer.close()
    assert remaining_after_resubscribe(client, topic, "sub", set()) == set()


def test_negative_acknowledge_redelivers(client, topic):
    producer = client.create_producer(topic)
    consumer = client.subscribe(
        topic,
        "sub",
        consumer_type=pulsar.ConsumerType.Shared,
        negative_ack_redelivery_delay_ms=100,
        initial_position=EARLIEST,
    )
    producer.send(b"nack me")
    first = consumer.receive(timeout_millis=15000)
    assert first.data() == b"nack me"
    assert first.redelivery_count() == 0
    consumer.negative_acknowledge(first)
    deadline = time.monotonic() + 30
    redelivered = None
    while time.monotonic() < deadline:
        msg = consumer.receive(timeout_millis=30000)
        if id_key(msg.message_id()) == id_key(first.message_id()) and msg.redelivery_count() >= 1:
            redelivered = msg
            break
    assert redelivered is not None, "the negatively acknowledged message was not redelivered"
    assert redelivered.data() == b"nack me"
    assert redelivered.message_id() == first.message_id()
    consumer.acknowledge(redelivered)


def test_negative_acknowledge_by_message_id(client, topic):
    producer = client.create_producer(topic)
    consumer = client.subscribe(
        topic,
        "sub",
        consumer_type=pulsar.ConsumerType.Shared,
        negative_ack_redelivery_delay_ms=100,
        initial_position=EARLIEST,
    )
    producer.send(b"nack by id")
    first = consumer.receive(timeout_millis=15000)
    consumer.negative_acknowledge(first.message_id())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        msg = consumer.receive(timeout_millis=30000)
        if msg.message_id() == first.message_id() and msg.redelivery_count() >= 1:
            break
    else:
        pytest.fail("the negatively acknowledged message was not redelivered")
    assert msg.data() == b"nack by id"


def test_unsubscribe(client, topic):
    producer = client.create_producer(topic)
    consumer = client.subscribe(topic, "sub", initial_position=EARLIEST)
    producer.send(b"before unsubscribe")
    assert receive_unique(consumer, 1)[0].data() == b"before unsubscribe"
    assert consumer.unsubscribe() is None
    with pytest.raises(pulsar.AlreadyClosed):
        consumer.receive(timeout_millis=100)
    # The subscription is gone: a new one at the latest position does not see the old message.
    again = client.subscribe(topic, "sub")
    assert drain_unique(again, idle_ms=1500) == []


def test_subscribe_to_list_of_topics(client):
    topics = [unique_topic("multi-a"), unique_topic("multi-b"), unique_topic("multi-c")]
    for t in topics:
        client.create_producer(t)  # make sure the topics exist
    consumer = client.subscribe(topics, "multi", initial_position=EARLIEST)
    for i, t in enumerate(topics):
        client.create_producer(t).send(b"from-%d" % i)
    received = receive_unique(consumer, 3)
    by_topic = {m.topic_name(): m.data() for m in received}
    assert by_topic == {t: b"from-%d" % i for i, t in enumerate(topics)}
    for m in received:
        consumer.acknowledge(m)


def test_shared_subscription_splits_messages(client, topic):
    c1 = client.subscribe(
        topic, "shared", consumer_type=pulsar.ConsumerType.Shared, receiver_queue_size=10
    )
    c2 = client.subscribe(
        topic, "shared", consumer_type=pulsar.ConsumerType.Shared, receiver_queue_size=10
    )
    produce(client, topic, [b"%d" % i for i in range(40)])
    got = set()
    for consumer in (c1, c2):
        for m in drain_unique(consumer, idle_ms=1500, ack=True):
            got.add(m.data())
    assert got == {b"%d" % i for i in range(40)}


def test_key_shared_subscription(client, topic):
    c1 = client.subscribe(topic, "ks", consumer_type=pulsar.ConsumerType.KeyShared)
    c2 = client.subscribe(topic, "ks", consumer_type=pulsar.ConsumerType.KeyShared)
    producer = client.create_producer(topic)
    for i in range(40):
        producer.send(b"%d" % i, partition_key=f"key-{i % 8}")
    owners: dict[str, set[str]] = {}
    got = set()
    for name, consumer in (("c1", c1), ("c2", c2)):
        for m in drain_unique(consumer, idle_ms=1500, ack=True):
            got.add(m.data())
            owners.setdefault(m.partition_key(), set()).add(name)
    assert got == {b"%d" % i for i in range(40)}
    # A key is served by one consumer only.
    assert all(len(v) == 1 for v in owners.values()), owners


def test_failover_subscription(client, topic):
    c1 = client.subscribe(
        topic, "fo", consumer_type=pulsar.ConsumerType.Failover, consumer_name="a"
    )
    c2 = client.subscribe(
        topic, "fo", consumer_type=pulsar.ConsumerType.Failover, consumer_name="b"
    )
    produce(client, topic, [b"%d" % i for i in range(10)])
    got = set()
    for consumer in (c1, c2):
        got |= {m.data() for m in drain_unique(consumer, idle_ms=1500, ack=True)}
    assert got == {b"%d" % i for i in range(10)}


# A second consumer on an Exclusive subscription: Apache Pulsar answers ConsumerBusy at once;
# pulsar-lite answers with an error that libpulsar retries until the operation timeout, so
# there the client raises Timeout (kept short: operation_timeout_seconds=5).
SECOND_EXCLUSIVE_CONSUMER_ERROR = {"standalone": pulsar.ConsumerBusy, "pulsar-lite": pulsar.Timeout}


def test_exclusive_subscription_rejects_second_consumer(pulsar_broker, topic):
    client = pulsar.Client(pulsar_broker.service_url, operation_timeout_seconds=5)
    try:
        first = client.subscribe(topic, "excl")
        with pytest.raises(SECOND_EXCLUSIVE_CONSUMER_ERROR[pulsar_broker.kind]):
            client.subscribe(topic, "excl")
        assert first.subscription_name() == "excl"
    finally:
        client.close()


def test_dropped_consumer_stays_subscribed_until_client_close(pulsar_broker, topic):
    # As in the official client (whose Client keeps a list of its consumers), a consumer
    # whose Python object is dropped is not closed: it holds its subscription until
    # client.close() (this is what keeps fire-and-forget message_listener consumers alive).
    client = pulsar.Client(pulsar_broker.service_url, operation_timeout_seconds=5)
    try:
        client.subscribe(topic, "held")  # return value dropped on purpose
        gc.collect()
        with pytest.raises(SECOND_EXCLUSIVE_CONSUMER_ERROR[pulsar_broker.kind]):
            client.subscribe(topic, "held")
    finally:
        client.close()
    # After client.close() the subscription is free again.
    again = pulsar.Client(pulsar_broker.service_url, operation_timeout_seconds=5)
    try:
        assert again.subscribe(topic, "held").subscription_name() == "held"
    finally:
        again.close()


def test_context_manager(client, topic):
    with client.subscribe(topic, "s", initial_position=EARLIEST) as consumer:
        assert isinstance(consumer, pulsar.Consumer)
        client.create_producer(topic).send(b"x")
        assert receive_unique(consumer, 1)[0].data() == b"x"
    with pytest.raises(pulsar.AlreadyClosed):
        consumer.receive(timeout_millis=100)
    # The consumer was closed, so the exclusive subscription can be taken again.
    client.subscribe(topic, "s").close()


def test_closed_consumer_raises_already_closed(client, topic):
    consumer = client.subscribe(topic, "s")
    consumer.close()
    with pytest.raises(pulsar.AlreadyClosed):
        consumer.receive(timeout_millis=100)
    with pytest.raises(pulsar.AlreadyClosed):
        consumer.acknowledge(pulsar.MessageId(-1, 1, 0, -1))


def test_receiver_queue_size_one(client, topic):
    consumer = client.subscribe(topic, "s", receiver_queue_size=1, initial_position=EARLIEST)
    produce(client, topic, [b"%d" % i for i in range(20)])
    assert [m.data() for m in receive_unique(consumer, 20, ack=True)] == [
        b"%d" % i for i in range(20)
    ]


def test_properties_and_all_subscribe_options_accepted(client, topic):
    consumer = client.subscribe(
        topic,
        "all-options",
        consumer_type=pulsar.ConsumerType.Shared,
        schema=pulsar.schema.BytesSchema(),
        receiver_queue_size=100,
        consumer_name="all-options-consumer",
        negative_ack_redelivery_delay_ms=1000,
        properties={"app": "tests"},
        initial_position=EARLIEST,
    )
    client.create_producer(topic).send(b"x")
    assert receive_unique(consumer, 1)[0].data() == b"x"
    assert consumer.consumer_name() == "all-options-consumer"


def test_message_accessors_types(client, topic):
    producer = client.create_producer(topic)
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST)
    producer.send(b"typed", properties={"a": "b"}, event_timestamp=123)
    msg = receive_unique(consumer, 1)[0]
    assert type(msg.data()) is bytes
    assert type(msg.properties()) is dict
    assert type(msg.partition_key()) is str
    assert type(msg.ordering_key()) is str
    assert type(msg.publish_timestamp()) is int
    assert type(msg.event_timestamp()) is int
    assert type(msg.redelivery_count()) is int
    assert type(msg.topic_name()) is str
    assert type(msg.producer_name()) is str
    assert msg.has_null_value() is False
