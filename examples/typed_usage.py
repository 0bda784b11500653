"""The public API as a typed program uses it: tools/check_types.sh checks this file with
`mypy --strict` (the types the stubs give are asserted with assert_type, so a stub that
degrades to Any fails the check).

It runs too: `python examples/typed_usage.py pulsar://localhost:6650` makes a round trip
through a client, a producer (send and send_async with a callback), a consumer, a reader,
a JSON schema Record and the asyncio client, on topics of its own.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from typing import TYPE_CHECKING, Any

import pulsar
import pulsar.asyncio
from pulsar.schema import Integer, JsonSchema, Record, String

if TYPE_CHECKING:
    from typing_extensions import assert_type
else:

    def assert_type(value: Any, _type: Any) -> Any:
        return value


class Order(Record):
    """A record with two fields, sent as JSON."""

    item = String(required=True)
    quantity = Integer()


def sync_round_trip(service_url: str, topic: str) -> None:
    with pulsar.Client(service_url, operation_timeout_seconds=10) as client:
        consumer = client.subscribe(
            topic,
            "typed-usage",
            consumer_type=pulsar.ConsumerType.Shared,
            initial_position=pulsar.InitialPosition.Earliest,
        )
        assert_type(consumer, pulsar.Consumer)

        with client.create_producer(
            topic,
            compression_type=pulsar.CompressionType.LZ4,
            properties={"app": "typed-usage"},
        ) as producer:
            assert_type(producer, pulsar.Producer)
            message_id = producer.send(b"first", properties={"n": "1"}, partition_key="k")
            assert_type(message_id, pulsar.MessageId)

            outcomes: list[tuple[pulsar.Result, pulsar.MessageId]] = []

            def on_sent(result: pulsar.Result, sent_id: pulsar.MessageId) -> None:
                outcomes.append((result, sent_id))

            producer.send_async(bytearray(b"second"), on_sent)
            producer.flush()
            assert [result for result, _ in outcomes] == [pulsar.Result.Ok]

        for _ in range(2):
            message = consumer.receive(timeout_millis=10_000)
            assert_type(message, pulsar.Message)
            payload = assert_type(message.data(), bytes)
            properties = assert_type(message.properties(), dict[str, str])
            print(f"received {payload!r} {properties} {message.message_id()}")
            consumer.acknowledge(message)
        consumer.close()

        reader = client.create_reader(topic, pulsar.MessageId.earliest)
        assert_type(reader, pulsar.Reader)
        first = reader.read_next(timeout_millis=10_000)
        assert_type(first.publish_timestamp(), int)
        assert first.data() == b"first"
        reader.close()


def schema_round_trip(service_url: str, topic: str) -> None:
    with pulsar.Client(service_url) as client:
        consumer = client.subscribe(topic, "typed-usage", schema=JsonSchema(Order))
        with client.create_producer(topic, schema=JsonSchema(Order)) as producer:
            producer.send(Order(item="book", quantity=2))
        received = consumer.receive(timeout_millis=10_000)
        order = received.value()  # Any: the schema decides the type at run time
        assert isinstance(order, Order)
        print(f"received {order.item} x {order.quantity}")
        consumer.acknowledge(received.message_id())


async def asyncio_round_trip(service_url: str, topic: str) -> None:
    async with pulsar.asyncio.Client(service_url) as client:
        consumer = await client.subscribe(topic, "typed-usage")
        assert_type(consumer, pulsar.asyncio.Consumer)
        async with await client.create_producer(topic) as producer:
            assert_type(producer, pulsar.asyncio.Producer)
            sent = await asyncio.gather(*(producer.send(b"async %d" % i) for i in range(3)))
            assert_type(sent, list[pulsar.MessageId])
        for _ in sent:
            message = await consumer.receive(timeout_millis=10_000)
            assert_type(message, pulsar.Message)
            await consumer.acknowledge(message)
        try:
            await consumer.receive(timeout_millis=100)
        except pulsar.Timeout:
            print("no more messages")
        await consumer.close()


def main(argv: list[str]) -> int:
    service_url = argv[1] if len(argv) > 1 else "pulsar://localhost:6650"
    prefix = f"persistent://public/default/typed-usage-{uuid.uuid4().hex[:8]}"
    sync_round_trip(service_url, f"{prefix}-sync")
    schema_round_trip(service_url, f"{prefix}-schema")
    asyncio.run(asyncio_round_trip(service_url, f"{prefix}-asyncio"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
