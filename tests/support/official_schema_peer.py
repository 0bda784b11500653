"""Peer process for the schema interoperability tests, run by the *official* pulsar-client's
interpreter (the venv of ``fastpulsar_testing.official_venv``, which has protobuf).

Executed as a script, never imported by the tests: it uses the standard library, the official
``pulsar`` package and ``protobuf_messages`` (beside it: sys.path[0] is tests/support).
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
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from typing import Any

import protobuf_messages  # type: ignore[import-not-found]  # beside this script, see above

import pulsar
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
    args = parser.parse_args(argv)
    return {"schema-info": schema_info, "produce": produce, "consume": consume}[args.command](args)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # As official_peer.py: skip finalization, where the official client sometimes aborts.
    os._exit(code)
