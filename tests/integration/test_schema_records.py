"""Records through a broker (pulsar-lite): JsonSchema and AvroSchema, Record subclasses and
dataclasses, nested records, arrays, maps, enums, None and defaults; bad input fails in
send() with an exception naming the field or class, and nothing is sent."""

from __future__ import annotations

import dataclasses
import enum
from typing import Optional

import pytest
from support.messages import EARLIEST, receive_only, receive_unique

from pulsar.schema import (
    Array,
    AvroSchema,
    Boolean,
    Bytes,
    CustomEnum,
    Double,
    Integer,
    JsonSchema,
    Long,
    Map,
    Record,
    String,
)


class Color(enum.Enum):
    RED = 1
    BLUE = 2


class Part(Record):
    label = String()
    qty = Integer(default=1, required_default=True)


class Order(Record):
    id = Long(required=True)
    note = String()
    price = Double()
    paid = Boolean()
    blob = Bytes()
    color = CustomEnum(Color)
    parts = Array(Part())
    tags = Array(String())
    counts = Map(Long())
    by_name = Map(Part())
    main = Part()


def _orders() -> list[Order]:
    return [
        Order(
            id=1,
            note="h\u00e9llo \u2603",
            price=-0.0,
            paid=True,
            blob=b"\x00\x01",
            color=Color.BLUE,
            parts=[Part(label="a", qty=2), Part(label="b")],
            tags=["x", ""],
            counts={"k": 2**40},
            by_name={"p": Part(label="p", qty=3)},
            main=Part(label="m"),
        ),
        Order(id=2),  # None and defaults everywhere
    ]


@dataclasses.dataclass
class DcPart:
    label: str
    qty: int = 1


@dataclasses.dataclass
class DcOrder:
    id: int
    color: Color
    parts: list[DcPart]
    counts: dict[str, float]
    main: Optional[DcPart] = None  # noqa: UP045 - get_type_hints on Python 3.9
    note: Optional[str] = None  # noqa: UP045 - get_type_hints on Python 3.9


SCHEMAS = [JsonSchema, AvroSchema]


def _round_trip(client, topic, schema_factory, values):
    consumer = client.subscribe(topic, "s", schema=schema_factory(), initial_position=EARLIEST)
    producer = client.create_producer(topic, schema=schema_factory())
    for value in values:
        producer.send(value)
    # By message id: pulsar-lite 0.2.0 may deliver an entry twice (see support.messages).
    received = [m.value() for m in receive_unique(consumer, len(values), 10000)]
    producer.close()
    consumer.close()
    return received


@pytest.mark.parametrize("schema_cls", SCHEMAS)
def test_records_round_trip(client, topic, schema_cls):
    orders = _orders()
    received = _round_trip(client, topic, lambda: schema_cls(Order), orders)
    # Records have no repr: on a mismatch, show their fields.
    assert received == orders, (
        f"received {[str(r) for r in received]}, sent {[str(o) for o in orders]}"
    )
    assert received[0].color is Color.BLUE
    assert received[0].parts[0].qty == 2
    assert received[1].note is None
    assert received[1].parts is None


@pytest.mark.parametrize("schema_cls", SCHEMAS)
def test_dataclasses_round_trip(client, topic, schema_cls):
    values = [
        DcOrder(7, Color.RED, [DcPart("a", 5), DcPart("b")], {"x": 0.5}, DcPart("m"), "n"),
        DcOrder(8, Color.BLUE, [], {}),
    ]
    assert _round_trip(client, topic, lambda: schema_cls(DcOrder), values) == values


def test_avro_dict_definition_round_trip(client, topic):
    definition = Part.schema()
    values = [{"label": "d", "qty": 4}, {"label": None, "qty": None}]
    received = _round_trip(
        client, topic, lambda: AvroSchema(None, schema_definition=definition), values
    )
    assert received == values


class Other(Record):
    x = Integer()


class Loose(Record):
    blob = Bytes()  # 3.13's Bytes field takes any value; encoding it fails


@pytest.mark.parametrize("schema_cls", SCHEMAS)
def test_bad_input_raises_and_sends_nothing(client, topic, schema_cls):
    consumer = client.subscribe(topic, "s", schema=schema_cls(Loose), initial_position=EARLIEST)
    producer = client.create_producer(topic, schema=schema_cls(Loose))
    with pytest.raises(TypeError, match="expected type is"):
        producer.send(Other(x=1))
    with pytest.raises((TypeError, ValueError), match="field 'blob' of Loose"):
        producer.send(Loose(blob=object()))
    with pytest.raises((TypeError, ValueError), match="field 'blob' of Loose"):
        producer.send_async(Loose(blob={1, 2}), lambda *a: None)
    producer.send(Loose(blob=b"good"))
    assert receive_only(consumer, 10000).value() == Loose(blob=b"good")


@pytest.mark.parametrize("schema_cls", SCHEMAS)
def test_dataclass_missing_field_raises_and_sends_nothing(client, topic, schema_cls):
    consumer = client.subscribe(topic, "s", schema=schema_cls(DcOrder), initial_position=EARLIEST)
    producer = client.create_producer(topic, schema=schema_cls(DcOrder))
    bad = DcOrder(1, Color.RED, [], {})
    bad.parts = None  # type: ignore[assignment]
    with pytest.raises(TypeError, match="'parts'"):
        producer.send(bad)
    with pytest.raises(TypeError, match="expected type is"):
        producer.send(DcPart("not an order"))
    good = DcOrder(2, Color.RED, [], {})
    producer.send(good)
    assert receive_only(consumer, 10000).value() == good


def test_record_missing_required_field_raises_at_construction():
    with pytest.raises(TypeError, match="field 'id'"):
        Order(id=None)
