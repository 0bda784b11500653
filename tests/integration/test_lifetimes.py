"""A Producer, Consumer, Reader or TableView keeps its Client alive (issue 8, section 5).

Code written for pulsar-client does `producer = pulsar.Client(url).create_producer(topic)`
and goes on using the producer after the Client object is collected.
"""

from __future__ import annotations

import gc
import time

from support.messages import publish_keyed

import pulsar

WAIT_S = 10.0


def publish(service_url, topic, items):
    with pulsar.Client(service_url) as client:
        publish_keyed(client, topic, items)


def test_a_producer_outlives_its_dropped_client(broker, topic):
    producer = pulsar.Client(broker.service_url).create_producer(topic)
    gc.collect()
    assert isinstance(producer.send(b"x"), pulsar.MessageId)
    producer.close()


def test_a_consumer_outlives_its_dropped_client(broker, topic):
    consumer = pulsar.Client(broker.service_url).subscribe(topic, "s")
    gc.collect()
    publish(broker.service_url, topic, [("k", b"hello")])
    msg = consumer.receive(timeout_millis=int(WAIT_S * 1000))
    assert msg.data() == b"hello"
    consumer.acknowledge(msg)
    consumer.close()


def test_a_reader_outlives_its_dropped_client(broker, topic):
    publish(broker.service_url, topic, [("k", b"first")])
    reader = pulsar.Client(broker.service_url).create_reader(topic, pulsar.MessageId.earliest)
    gc.collect()
    assert reader.read_next(timeout_millis=int(WAIT_S * 1000)).data() == b"first"
    reader.close()


def test_a_table_view_outlives_its_dropped_client(broker, topic):
    publish(broker.service_url, topic, [("a", b"1")])
    view = pulsar.Client(broker.service_url).create_table_view(topic)
    gc.collect()
    publish(broker.service_url, topic, [("b", b"2")])
    deadline = time.monotonic() + WAIT_S
    while view.get("b") is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (view.get("a"), view.get("b")) == (b"1", b"2")
    view.close()
