"""Peer process for the schema interoperability tests, run by the *official* pulsar-client's
interpreter (the venv of ``fastpulsar_testing.official_venv``, which has protobuf and
fastavro).

Executed as a script, never imported by the tests: it uses the standard library, the official
``pulsar`` package, ``protobuf_messages`` and ``records`` (beside it: sys.path[0] is
tests/support).
The result is printed on stdout as one line ``PEER-RESULT <json>``.

schema-info --message Person|Address|Strict
    ``{"type": int, "name": str, "schema": str}`` of 3.13's ProtobufNativeSchema(<message>).

produce --service-url URL --topic TOPIC --count N
    Sends make_person(0..N-1) with ProtobufNativeSchema(Person); prints ``{"results":
    [{"message_id": str(id)}...]}``.

consume --service-url URL --topic TOPIC --subscription NAME --count N [--timeout-ms MS]
    Subscribes (Earliest) with ProtobufNativeSchema(Person), receives and acknowledges N
    messages; prints ``{"messages": [{"value": person_as_dict(msg.value()), "payload_b64",
    "schema_version_b64", "message_id"}...]}``.

records  (a JSON spec on stdin)
    JsonSchema / AvroSchema records, with classes and values made by Python source run here
    as the tests run it in fastpulsar (default: ``records.RECORDS_SOURCE``)::

        {"service_url": str, "source": str | null, "timeout_ms": int,
         "produce": [{"topic", "schema": "json"|"avro", "record": class name,
                      "values": [expression evaluated in the source's namespace, ...]}],
         "consume": [{"topic", "subscription", "schema", "record", "count",
                      "lookup": bool (default true)}]}

    Sends every ``produce`` entry's values (one producer each, in order), then subscribes
    (Earliest) to each ``consume`` entry and receives and acknowledges ``count`` distinct
    messages (a repeated delivery of a message id is dropped), decoded by ``msg.value()``,
    or with ``"lookup": false`` by the schema's ``decode(msg.data())``: 3.13's AvroSchema
    value() asks the broker for the writer's schema, a request pulsar-lite 0.2.0 leaves
    unanswered (30 s per message).
    Prints ``{"schemas": {"<schema>:<record>": definition string}, "produced": [[message id,
    ...] per entry], "consumed": [[{"value", "payload_b64", "schema_version_b64",
    "message_id"}...] per entry]}``, a value in the canonical form of ``records.DUMP_SOURCE``'s
    ``canon`` (records as ``{"record": name, "fields": {...}}``, enums ``"enum:Cls.NAME"``,
    bytes ``"bytes:<hex>"``, floats ``"float:<repr>"``).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from typing import Any

import protobuf_messages  # type: ignore[import-not-found]  # beside this script, see above
import records  # type: ignore[import-not-found]  # beside this script, see above

import pulsar
from pulsar.schema import AvroSchema, JsonSchema
from pulsar.schema.schema_protobuf import ProtobufNativeSchema  # a module of 3.13 too

RESULT_PREFIX = "PEER-RESULT "


def _emit(obj: object) -> None:
    sys.stdout.write(RESULT_PREFIX + json.dumps(obj) + "\n")
    sys.stdout.flush()


def _b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def schema_info(args: argparse.Namespace) -> int:
    info = ProtobufNativeSchema(getattr(protobuf_messages, args.message)).schema_info()
    _emit({"type": int(info.schema_type()), "name": info.name(), "schema": info.schema()})
    return 0


def produce(args: argparse.Namespace) -> int:
    client = pulsar.Client(args.service_url)
    try:
        producer = client.create_producer(
            args.topic, schema=ProtobufNativeSchema(protobuf_messages.Person)
        )
        results = [
            {"message_id": str(producer.send(protobuf_messages.make_person(i)))}
            for i in range(args.count)
        ]
        producer.close()
    finally:
        client.close()
    _emit({"results": results})
    return 0


def consume(args: argparse.Namespace) -> int:
    client = pulsar.Client(args.service_url)
    messages: list[dict[str, Any]] = []
    try:
        consumer = client.subscribe(
            args.topic,
            args.subscription,
            schema=ProtobufNativeSchema(protobuf_messages.Person),
            initial_position=pulsar.InitialPosition.Earliest,
        )
        while len(messages) < args.count:
            msg = consumer.receive(args.timeout_ms)
            consumer.acknowledge(msg)
            messages.append(
                {
                    "value": protobuf_messages.person_as_dict(msg.value()),
                    "payload_b64": _b64(msg.data()),
                    "schema_version_b64": _b64(
                        msg.schema_version().encode("utf-8", "surrogateescape")
                    ),
                    "message_id": str(msg.message_id()),
                }
            )
        consumer.close()
    finally:
        client.close()
    _emit({"messages": messages})
    return 0


RECORD_SCHEMAS = {"json": JsonSchema, "avro": AvroSchema}


def _run_source(source: str, name: str) -> dict[str, Any]:
    """The names `source` defines."""
    namespace: dict[str, Any] = {"__name__": name}
    exec(compile(source, name, "exec"), namespace)  # noqa: S102 - source the tests give
    return namespace


def record_exchange(args: argparse.Namespace) -> int:
    spec = json.loads(sys.stdin.read())
    namespace = _run_source(spec.get("source") or records.RECORDS_SOURCE, "peer_records")
    canon = _run_source(records.DUMP_SOURCE, "peer_dump")["canon"]
    timeout_ms = int(spec.get("timeout_ms", 30000))
    schemas: dict[str, str] = {}

    def schema_of(entry: dict[str, Any]) -> Any:
        schema = RECORD_SCHEMAS[entry["schema"]](namespace[entry["record"]])
        schemas[f"{entry['schema']}:{entry['record']}"] = schema.schema_info().schema()
        return schema

    produced: list[list[str]] = []
    consumed: list[list[dict[str, Any]]] = []
    client = pulsar.Client(spec["service_url"])
    try:
        for entry in spec.get("produce", []):
            producer = client.create_producer(entry["topic"], schema=schema_of(entry))
            values = [eval(expr, namespace) for expr in entry["values"]]
            produced.append([str(producer.send(value)) for value in values])
            producer.close()
        for entry in spec.get("consume", []):
            schema = schema_of(entry)
            lookup = entry.get("lookup", True)
            consumer = client.subscribe(
                entry["topic"],
                entry["subscription"],
                schema=schema,
                initial_position=pulsar.InitialPosition.Earliest,
            )
            received: list[dict[str, Any]] = []
            seen: set[str] = set()
            while len(received) < entry["count"]:
                msg = consumer.receive(timeout_ms)
                consumer.acknowledge(msg)
                # pulsar-lite 0.2.0 may deliver an entry twice (support/messages.py): once.
                if str(msg.message_id()) in seen:
                    continue
                seen.add(str(msg.message_id()))
                received.append(
                    {
                        "value": canon(msg.value() if lookup else schema.decode(msg.data())),
                        "payload_b64": _b64(msg.data()),
                        "schema_version_b64": _b64(
                            msg.schema_version().encode("utf-8", "surrogateescape")
                        ),
                        "message_id": str(msg.message_id()),
                    }
                )
            consumer.close()
            consumed.append(received)
    finally:
        client.close()
    _emit({"schemas": schemas, "produced": produced, "consumed": consumed})
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("schema-info")
    info.add_argument("--message", required=True, choices=["Person", "Address", "Strict"])
    p = sub.add_parser("produce")
    c = sub.add_parser("consume")
    for sp in (p, c):
        sp.add_argument("--service-url", required=True)
        sp.add_argument("--topic", required=True)
        sp.add_argument("--count", required=True, type=int)
    c.add_argument("--subscription", required=True)
    c.add_argument("--timeout-ms", type=int, default=30000)
    sub.add_parser("records")
    args = parser.parse_args(argv)
    commands = {
        "schema-info": schema_info,
        "produce": produce,
        "consume": consume,
        "records": record_exchange,
    }
    return commands[args.command](args)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # As official_peer.py: skip finalization, where the official client sometimes aborts.
    os._exit(code)
