"""pulsar.Client on a broker: round trips, close/shutdown, context manager, authenticated
clients, topic lookups (what needs no broker: tests/unit/test_client.py)."""

import pytest
from support.auth import AUTH_FACTORIES
from support.messages import receive_unique

import pulsar


def test_client_round_trip(broker, topic):
    client = pulsar.Client(broker.service_url)
    try:
        producer = client.create_producer(topic)
        consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
        producer.send(b"hello")
        assert receive_unique(consumer, 1)[0].data() == b"hello"
    finally:
        client.close()


def test_all_constructor_arguments_accepted(broker, topic):
    client = pulsar.Client(
        broker.service_url,
        authentication=None,
        operation_timeout_seconds=20,
        io_threads=2,
        message_listener_threads=2,
        concurrent_lookup_requests=1000,
        log_conf_file_path=None,
        stats_interval_in_seconds=300,
        use_tls=False,
        tls_trust_certs_file_path=None,
        tls_allow_insecure_connection=False,
        tls_validate_hostname=False,
        logger=None,
        connection_timeout_ms=5000,
        listener_name=None,
        tls_private_key_file_path=None,
        tls_certificate_file_path=None,
    )
    try:
        producer = client.create_producer(topic)
        assert isinstance(producer.send(b"x"), pulsar.MessageId)
    finally:
        client.close()


def test_context_manager_closes_client(broker, topic):
    with pulsar.Client(broker.service_url) as client:
        assert isinstance(client, pulsar.Client)
        producer = client.create_producer(topic)
        producer.send(b"inside")
    with pytest.raises(pulsar.AlreadyClosed):
        client.create_producer(topic)
    with pytest.raises(pulsar.AlreadyClosed):
        producer.send(b"after")


def test_context_manager_closes_client_on_exception(broker, topic):
    with pytest.raises(KeyError), pulsar.Client(broker.service_url) as client:
        raise KeyError("boom")
    with pytest.raises(pulsar.AlreadyClosed):
        client.create_producer(topic)


def test_close_twice_raises_already_closed(broker):
    client = pulsar.Client(broker.service_url)
    client.close()
    with pytest.raises(pulsar.AlreadyClosed) as info:
        client.close()
    assert str(info.value) == "Pulsar error: AlreadyClosed"


def test_closed_client_rejects_create_producer_and_subscribe(broker, topic):
    client = pulsar.Client(broker.service_url)
    client.close()
    with pytest.raises(pulsar.AlreadyClosed):
        client.create_producer(topic)
    with pytest.raises(pulsar.AlreadyClosed):
        client.subscribe(topic, "s")


def test_shutdown(broker, topic):
    client = pulsar.Client(broker.service_url)
    producer = client.create_producer(topic)
    client.shutdown()
    with pytest.raises(pulsar.AlreadyClosed):
        client.create_producer(topic)
    with pytest.raises(pulsar.AlreadyClosed):
        producer.send(b"x")


def test_client_close_closes_producers_and_consumers(broker, topic):
    client = pulsar.Client(broker.service_url)
    producer = client.create_producer(topic)
    consumer = client.subscribe(topic, "s")
    assert producer.is_connected()
    client.close()
    assert not producer.is_connected()
    with pytest.raises(pulsar.AlreadyClosed):
        producer.send(b"x")
    with pytest.raises(pulsar.AlreadyClosed):
        consumer.receive(timeout_millis=100)


def test_get_topic_partitions_of_non_partitioned_topic(client, topic):
    client.create_producer(topic).send(b"x")
    assert client.get_topic_partitions(topic) == [topic]


def test_invalid_topic_name(client):
    with pytest.raises(pulsar.InvalidTopicName) as info:
        client.create_producer("invalid:/topic//name")
    assert str(info.value) == "Pulsar error: InvalidTopicName"
    with pytest.raises(pulsar.InvalidTopicName):
        client.subscribe("invalid:/topic//name", "s")


# --------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["token-str", "token-callable", "basic"])
def test_authenticated_client_works_with_pulsar_lite(broker, topic, kind):
    # pulsar-lite ignores authentication data: connecting with it must still work.
    client = pulsar.Client(broker.service_url, authentication=AUTH_FACTORIES[kind]())
    try:
        producer = client.create_producer(topic)
        consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
        producer.send(b"authenticated")
        assert receive_unique(consumer, 1)[0].data() == b"authenticated"
    finally:
        client.close()


def test_token_supplier_is_called(broker, topic):
    calls = []

    def supplier():
        calls.append(1)
        return "header.payload.signature"

    client = pulsar.Client(broker.service_url, authentication=pulsar.AuthenticationToken(supplier))
    try:
        client.create_producer(topic).send(b"x")
    finally:
        client.close()
    assert calls, "the token supplier was never called"
