"""Peer process driven by the tests, run by the *official* pulsar-client's interpreter.

This file is executed as a script by the python of the venv made by
``fastpulsar_testing.official_venv`` (never imported by the tests): it must only use the standard
library and the official ``pulsar`` package.

Subcommands (the result is printed on stdout as one line ``PEER-RESULT <json>``; libpulsar's
own log goes to stderr):

produce --service-url URL --topic TOPIC  (JSON spec on stdin)
    The spec is either a list of messages or ``{"producer": {...}, "messages": [...]}``.
    Message keys (all optional): ``payload_b64`` (null sends a null value), ``value`` (str,
    with the string schema), ``properties``, ``partition_key``, ``ordering_key``,
    ``event_timestamp``, ``sequence_id``, ``deliver_after_ms``, ``deliver_at``,
    ``replication_clusters``, ``disable_replication``.
    Producer keys: ``producer_name``, ``batching_enabled``, ``batching_max_publish_delay_ms``,
    ``batching_max_messages``, ``compression_type``, ``batching_type``,
    ``message_routing_mode`` (enum member names), ``chunking_enabled``,
    ``initial_sequence_id``, ``send_timeout_millis``, ``access_mode`` (enum member name),
    ``schema`` ("bytes" or "string"), ``async`` (use send_async + flush; default: true when
    batching is enabled).
    Prints ``{"producer_name", "topic", "last_sequence_id", "results": [ {message id fields} ]}``
    (``last_sequence_id_at_start`` too: the producer's before any send).

consume --service-url URL --topic TOPIC [--topic TOPIC2 ...] --subscription NAME --count N
        [--timeout-ms MS] [--subscription-type Exclusive|Shared|Failover|KeyShared]
        [--schema bytes|string] [--no-ack] [--unique]
    Subscribes with InitialPosition.Earliest, receives N messages (with --unique: N distinct
    message ids; repeated deliveries of one id are dropped) and prints
    ``{"messages": [ {every field, and received_at_ms: the local time of receipt} ]}``.

Both take ``--token TOKEN`` (AuthenticationToken) and ``--tls-trust-certs-file PATH``.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import logging
import os
import queue
import sys
import time
from typing import Any

import pulsar
from pulsar.schema import BytesSchema, StringSchema

RESULT_PREFIX = "PEER-RESULT "


def _logger() -> logging.Logger:
    log = logging.getLogger("official-peer")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("peer %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.WARNING)
        log.propagate = False
    return log


def _b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def _id_fields(msg_id: pulsar.MessageId) -> dict[str, Any]:
    return {
        "message_id": str(msg_id),
        "message_id_b64": _b64(msg_id.serialize()),
        "ledger_id": msg_id.ledger_id(),
        "entry_id": msg_id.entry_id(),
        "partition": msg_id.partition(),
        "batch_index": msg_id.batch_index(),
    }


def _schema(name: str) -> StringSchema | BytesSchema:
    return StringSchema() if name == "string" else BytesSchema()


def _emit(obj: object) -> None:
    sys.stdout.write(RESULT_PREFIX + json.dumps(obj) + "\n")
    sys.stdout.flush()


def _client(args: argparse.Namespace) -> pulsar.Client:
    kwargs: dict[str, Any] = {"logger": _logger()}
    if args.token:
        kwargs["authentication"] = pulsar.AuthenticationToken(args.token)
    if args.tls_trust_certs_file:
        kwargs["tls_trust_certs_file_path"] = args.tls_trust_certs_file
    return pulsar.Client(args.service_url, **kwargs)


def produce(args: argparse.Namespace) -> int:
    spec = json.load(sys.stdin)
    if isinstance(spec, list):
        spec = {"messages": spec}
    popts = dict(spec.get("producer") or {})
    schema_name = popts.pop("schema", "bytes")
    use_async = popts.pop("async", bool(popts.get("batching_enabled")))
    if "compression_type" in popts:
        popts["compression_type"] = getattr(pulsar.CompressionType, popts["compression_type"])
    if "access_mode" in popts:
        popts["access_mode"] = getattr(pulsar.ProducerAccessMode, popts["access_mode"])
    if "batching_type" in popts:
        popts["batching_type"] = getattr(pulsar.BatchingType, popts["batching_type"])
    if "message_routing_mode" in popts:
        popts["message_routing_mode"] = getattr(
            pulsar.PartitionsRoutingMode, popts["message_routing_mode"]
        )
    client = _client(args)
    try:
        producer = client.create_producer(args.topic, schema=_schema(schema_name), **popts)
        at_start = producer.last_sequence_id()
        results: list[dict[str, Any] | None] = [None] * len(spec["messages"])
        errors = []
        for index, m in enumerate(spec["messages"]):
            if "value" in m:
                content = m["value"]
            elif m.get("payload_b64") is None:
                content = None
            else:
                content = base64.b64decode(m["payload_b64"])
            kwargs = {}
            for key in (
                "properties",
                "partition_key",
                "ordering_key",
                "event_timestamp",
                "sequence_id",
                "deliver_at",
                "replication_clusters",
                "disable_replication",
            ):
                if m.get(key) is not None:
                    kwargs[key] = m[key]
            if m.get("deliver_after_ms") is not None:
                kwargs["deliver_after"] = datetime.timedelta(milliseconds=m["deliver_after_ms"])
            if use_async:

                def callback(
                    res: pulsar.Result, msg_id: pulsar.MessageId, index: int = index
                ) -> None:
                    if res != pulsar.Result.Ok:
                        errors.append(f"message {index}: {res}")
                    else:
                        results[index] = _id_fields(msg_id)

                producer.send_async(content, callback, **kwargs)
            else:
                results[index] = _id_fields(producer.send(content, **kwargs))
        producer.flush()
        out = {
            "producer_name": producer.producer_name(),
            "topic": producer.topic(),
            "last_sequence_id": producer.last_sequence_id(),
            "last_sequence_id_at_start": at_start,
            "results": results,
            "errors": errors,
        }
        producer.close()
    finally:
        client.close()
    _emit(out)
    return 1 if errors or any(r is None for r in results) else 0


def consume(args: argparse.Namespace) -> int:
    client = _client(args)
    messages: list[dict[str, Any]] = []
    try:
        topics = args.topic if len(args.topic) > 1 else args.topic[0]
        # --listener: a message_listener queues what it gets (on the official client's
        # listener thread) and the loop below takes it from there.
        incoming: queue.Queue[pulsar.Message] = queue.Queue()
        consumer = client.subscribe(
            topics,
            args.subscription,
            consumer_type=getattr(pulsar.ConsumerType, args.subscription_type),
            schema=_schema(args.schema),
            initial_position=pulsar.InitialPosition.Earliest,
            message_listener=(lambda _c, m: incoming.put(m)) if args.listener else None,
        )
        seen = set()
        while len(messages) < args.count:
            if args.listener:
                msg = incoming.get(timeout=args.timeout_ms / 1000)
            else:
                msg = consumer.receive(args.timeout_ms)
            received_at_ms = int(time.time() * 1000)
            if not args.no_ack:
                consumer.acknowledge(msg)
            key = str(msg.message_id())
            if args.unique and key in seen:
                continue
            seen.add(key)
            record = {
                "payload_b64": _b64(msg.data()),
                "has_null_value": msg.has_null_value(),
                "properties": msg.properties(),
                "partition_key": msg.partition_key(),
                "ordering_key": msg.ordering_key(),
                "event_timestamp": msg.event_timestamp(),
                "publish_timestamp": msg.publish_timestamp(),
                "redelivery_count": msg.redelivery_count(),
                "topic_name": msg.topic_name(),
                "producer_name": msg.producer_name(),
                "received_at_ms": received_at_ms,
            }
            if args.schema == "string" and not msg.has_null_value():
                record["value"] = msg.value()
            record.update(_id_fields(msg.message_id()))
            messages.append(record)
        consumer.close()
    finally:
        client.close()
    _emit({"messages": messages})
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("produce")
    p.add_argument("--service-url", required=True)
    p.add_argument("--topic", required=True)
    c = sub.add_parser("consume")
    c.add_argument("--service-url", required=True)
    for sp in (p, c):
        sp.add_argument("--token")
        sp.add_argument("--tls-trust-certs-file")
    c.add_argument("--topic", required=True, action="append")
    c.add_argument("--subscription", required=True)
    c.add_argument("--count", required=True, type=int)
    c.add_argument("--timeout-ms", type=int, default=30000)
    c.add_argument(
        "--subscription-type",
        default="Exclusive",
        choices=["Exclusive", "Shared", "Failover", "KeyShared"],
    )
    c.add_argument("--schema", default="bytes", choices=["bytes", "string"])
    c.add_argument("--no-ack", action="store_true")
    c.add_argument("--unique", action="store_true")
    c.add_argument("--listener", action="store_true", help="read with a message_listener")
    args = parser.parse_args(argv)
    return produce(args) if args.command == "produce" else consume(args)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter finalization: the official client sometimes aborts at exit
    # ("terminate called without an active exception") even after client.close().
    os._exit(code)
