"""pulsar._core.MessageBuilder (pulsar-client 3.13's _pulsar.MessageBuilder) and the other
methods of 3.13's _pulsar classes that need no broker: the built message's getters, bad
inputs, MessageId.topic_name, Message.length and int_schema_version."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

import pulsar
from pulsar import _core

SURFACE = Path(__file__).parent / "data" / "pulsar_client_3_13_0_surface.json"


def test_setters_return_the_builder_and_build_a_pulsar_message() -> None:
    builder = _core.MessageBuilder()
    assert builder.content(b"payload") is builder
    assert builder.property("a", "1") is builder
    assert builder.properties({"b": "2"}) is builder
    assert builder.partition_key("pk") is builder
    assert builder.ordering_key("ok") is builder
    assert builder.sequence_id(7) is builder
    assert builder.event_timestamp(1234) is builder
    assert builder.deliver_at(99) is builder
    assert builder.deliver_after(datetime.timedelta(seconds=1)) is builder
    assert builder.replication_clusters(["c1"]) is builder
    assert builder.disable_replication(True) is builder
    message = builder.build()
    assert type(message) is pulsar.Message
    assert message.data() == b"payload"
    assert message.value() == b"payload"
    assert message.length() == len(b"payload")
    assert message.properties() == {"a": "1", "b": "2"}
    assert message.partition_key() == "pk"
    assert message.ordering_key() == "ok"
    assert message.event_timestamp() == 1234
    assert not message.has_null_value()
    assert message.int_schema_version() == -1
    assert message.encryption_context() is None


def test_a_str_content_is_utf8_and_an_empty_builder_builds_an_empty_message() -> None:
    assert _core.MessageBuilder().content("héllo").build().data() == "héllo".encode()
    assert _core.MessageBuilder().content(bytearray(b"ab")).build().data() == b"ab"
    assert _core.MessageBuilder().content(memoryview(b"xyz")).build().length() == 3
    empty = _core.MessageBuilder().build()
    assert empty.data() == b""
    assert empty.length() == 0
    assert empty.properties() == {}


def test_set_null_value_builds_a_null_message() -> None:
    message = _core.MessageBuilder().set_null_value().build()
    assert message.has_null_value()
    assert message.data() == b""


def test_each_build_gives_an_independent_message() -> None:
    builder = _core.MessageBuilder().content(b"x").property("a", "1")
    first = builder.build()
    builder.property("b", "2").content(b"y")
    second = builder.build()
    assert first is not second
    assert first.properties() == {"a": "1"}
    assert first.data() == b"x"
    assert second.properties() == {"a": "1", "b": "2"}
    assert second.data() == b"y"


def test_properties_add_to_those_set_before() -> None:
    builder = _core.MessageBuilder().property("a", "1").properties({"a": "2", "b": "3"})
    assert builder.build().properties() == {"a": "2", "b": "3"}


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda b: b.content(5), "content"),
        (lambda b: b.content(None), "content"),
        (lambda b: b.property("a", None), "value"),
        (lambda b: b.property(1, "a"), "name"),
        (lambda b: b.properties({"a": 1}), "properties"),
        (lambda b: b.properties([("a", "b")]), "properties"),
        (lambda b: b.partition_key(b"k"), "partition_key"),
        (lambda b: b.ordering_key(None), "ordering_key"),
        (lambda b: b.sequence_id("1"), "sequence_id"),
        (lambda b: b.event_timestamp(1.5), "event_timestamp"),
        (lambda b: b.deliver_at(None), "deliver_at"),
        (lambda b: b.deliver_after(5), "deliver_after"),
        (lambda b: b.replication_clusters("c1"), "replication_clusters"),
        (lambda b: b.replication_clusters([1]), "replication_clusters"),
        (lambda b: b.disable_replication(1), "disable_replication"),
    ],
)
def test_a_wrong_type_raises_invalid_argument_type_naming_the_argument(call, name) -> None:
    with pytest.raises(pulsar.InvalidArgumentType, match=name):
        call(_core.MessageBuilder())


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda b: b.sequence_id(-1), "sequence_id"),
        (lambda b: b.event_timestamp(-1), "event_timestamp"),
        (lambda b: b.deliver_at(-5), "deliver_at"),
        (lambda b: b.deliver_after(datetime.timedelta(seconds=-1)), "deliver_after"),
        (lambda b: b.sequence_id(2**63), "sequence_id"),
    ],
)
def test_a_value_out_of_range_raises_value_error(call, name) -> None:
    with pytest.raises(ValueError, match=name):
        call(_core.MessageBuilder())


def test_a_failed_setter_changes_nothing() -> None:
    builder = _core.MessageBuilder().properties({"a": "1"})
    with pytest.raises(pulsar.InvalidArgumentType):
        builder.properties({"b": "2", "c": 3})  # type: ignore[dict-item]
    assert builder.build().properties() == {"a": "1"}


def test_message_id_topic_name_sets_the_topic_and_returns_none() -> None:
    message_id = pulsar.MessageId(0, 1, 2, 3)
    assert message_id.topic_name("persistent://public/default/t") is None  # type: ignore[func-returns-value]
    assert (message_id.ledger_id(), message_id.entry_id(), message_id.partition()) == (1, 2, 0)
    assert message_id.batch_index() == 3
    assert message_id == pulsar.MessageId(0, 1, 2, 3)
    with pytest.raises(pulsar.InvalidArgumentType, match="topic_name"):
        message_id.topic_name(5)  # type: ignore[arg-type]


def test_message_batch_messages_are_those_parse_from_gave() -> None:
    batch = pulsar.MessageBatch()
    assert batch.messages() == []


def test_the_extension_classes_have_every_method_of_3_13s_pulsar_classes() -> None:
    surface = json.loads(SURFACE.read_text())["_pulsar"]
    ours = {
        "Producer": pulsar.Producer,
        "Consumer": pulsar.Consumer,
        "Reader": pulsar.Reader,
        "TableView": pulsar.TableView,
        "Message": pulsar.Message,
        "MessageId": pulsar.MessageId,
        "MessageBatch": pulsar.MessageBatch,
        "MessageBuilder": _core.MessageBuilder,
    }
    missing = {
        name: sorted(set(surface[name]["attributes"]) - set(dir(cls))) for name, cls in ours.items()
    }
    assert missing == {name: [] for name in ours}
