"""TableView: the topic's existing messages by partition key (latest value wins), updates
after creation, tombstones (null or empty values) delete, get/for_each/len, schemas,
close, repr, argument checks, and for_each_and_listen still NotImplementedError."""

import time
from typing import Any

import pytest

import pulsar

WAIT_S = 10.0


def publish(client, topic, items, schema=None):
    """Send (key, value) pairs one by one, without batching; value None sends a null value."""
    options = {"batching_enabled": False}
    if schema is not None:
        options["schema"] = schema
    producer = client.create_producer(topic, **options)
    for key, value in items:
        producer.send(value, partition_key=key)
    producer.close()


def wait_for(predicate, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def entries(view):
    out: dict[str, Any] = {}
    view.for_each(lambda key, value: out.__setitem__(key, value))
    return out


def test_holds_existing_messages_latest_value_wins(client, topic):
    publish(client, topic, [("a", b"1"), ("b", b"2"), ("a", b"3")])
    view = client.create_table_view(topic)
    # Created: the existing messages are in.
    assert len(view) == 2
    assert view.get("a") == b"3"
    assert view.get("b") == b"2"
    assert view.get("missing") is None
    assert entries(view) == {"a": b"3", "b": b"2"}
    # for_each leaves the view as it was (libpulsar's snapshot() would empty it).
    assert entries(view) == {"a": b"3", "b": b"2"}
    assert len(view) == 2
    assert view.get("a") == b"3"
    view.close()


def test_follows_updates_and_tombstones_delete(client, topic):
    publish(client, topic, [("a", b"1"), ("b", b"2"), ("c", b"3")])
    view = client.create_table_view(topic, subscription_name="tv-sub")
    publish(client, topic, [("a", b"10"), ("b", None), ("c", b"")])
    assert wait_for(lambda: view.get("a") == b"10" and len(view) == 1), entries(view)
    assert view.get("b") is None
    assert view.get("c") is None
    assert entries(view) == {"a": b"10"}
    view.close()


@pytest.mark.standalone  # pulsar-lite 0.2.0: "Topic has no messages" (getLastMessageId)
def test_a_view_of_an_empty_topic_fills_as_messages_arrive(sa_client, topic):
    view = sa_client.create_table_view(topic)
    assert len(view) == 0
    assert view.get("a") is None
    publish(sa_client, topic, [("a", b"1"), ("b", b"2"), ("a", None)])
    assert wait_for(lambda: entries(view) == {"b": b"2"}), entries(view)
    view.close()


@pytest.mark.standalone
def test_existing_messages_and_tombstones_on_apache_pulsar(sa_client, topic):
    publish(sa_client, topic, [("a", b"1"), ("b", b"2"), ("a", b"3"), ("b", None)])
    view = sa_client.create_table_view(topic, subscription_name="tv")
    assert entries(view) == {"a": b"3"}
    view.close()


def test_string_schema_decodes_values(client, topic):
    schema = pulsar.schema.StringSchema()
    publish(client, topic, [("k", "héllo")], schema=schema)
    view = client.create_table_view(topic, schema=schema)
    assert view.get("k") == "héllo"
    assert entries(view) == {"k": "héllo"}


def test_messages_without_a_key_are_left_out(client, topic):
    producer = client.create_producer(topic, batching_enabled=False)
    producer.send(b"no key")
    producer.send(b"v", partition_key="k")
    producer.close()
    view = client.create_table_view(topic)
    assert entries(view) == {"k": b"v"}


def test_for_each_propagates_the_callbacks_exception(client, topic):
    publish(client, topic, [("a", b"1")])
    view = client.create_table_view(topic)

    def fail(key, value):
        raise RuntimeError(f"boom {key}")

    with pytest.raises(RuntimeError, match="boom a"):
        view.for_each(fail)


def test_for_each_and_listen_is_not_implemented_yet(client, topic):
    publish(client, topic, [("a", b"1")])  # pulsar-lite 0.2.0 fails views of empty topics
    view = client.create_table_view(topic)
    with pytest.raises(NotImplementedError, match="for_each_and_listen"):
        view.for_each_and_listen(lambda key, value: None)


def test_close_then_close_again_raises(client, topic):
    publish(client, topic, [("a", b"1")])
    view = client.create_table_view(topic)
    view.close()
    with pytest.raises(pulsar.AlreadyClosed):
        view.close()
    # As pulsar-client: the last known content still answers.
    assert view.get("a") == b"1"


def test_repr_names_topic_and_subscription(client, topic):
    publish(client, topic, [("a", b"1")])  # pulsar-lite 0.2.0 fails views of empty topics
    assert str(client.create_table_view(topic)) == f"TableView(topic={topic})"
    view = client.create_table_view(topic, subscription_name="named")
    assert repr(view) == f"TableView(topic={topic}, subscription=named)"


def test_argument_checks(client, topic):
    with pytest.raises(pulsar.InvalidArgumentType, match="topic"):
        client.create_table_view(None)
    with pytest.raises(pulsar.InvalidArgumentType, match="subscription_name"):
        client.create_table_view(topic, subscription_name=1)
    with pytest.raises(pulsar.InvalidArgumentType, match="schema"):
        client.create_table_view(topic, schema=str)


def test_create_on_a_closed_client_raises(client, topic):
    client.close()
    with pytest.raises(pulsar.AlreadyClosed):
        client.create_table_view(topic)
