"""Interoperability with the official pulsar-client 3.13.0 on Apache Pulsar standalone.

What pulsar-lite cannot show: partitioned topics (the same key lands on the same partition
from either client, message ids with their partition), delayed delivery, deduplication
state shared across clients, KeyBased batching, chunking, and TLS with token
authentication.  The official client runs in its own virtual environment
(support/official_peer.py); every field is compared.
"""

from __future__ import annotations

import base64
import datetime
import time
import uuid

import pytest
from support.messages import EARLIEST, receive_unique
from support.peer import run_peer

import pulsar

# The first interop test also creates the official venv (pip install): allow for that.
pytestmark = [pytest.mark.interop, pytest.mark.standalone, pytest.mark.timeout(600)]

SHARED = pulsar.ConsumerType.Shared
KEYS = [f"key-{i}" for i in range(6)]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def peer_produce(official_python, service_url, topic, spec, *extra):
    return run_peer(
        official_python, ["produce", "--service-url", service_url, "--topic", topic, *extra], spec
    )


def peer_consume(official_python, service_url, topic, count, *extra, subscription="official"):
    out = run_peer(
        official_python,
        ["consume", "--service-url", service_url, "--topic", topic, "--subscription",
         subscription, "--count", count, "--unique", *extra],
    )  # fmt: skip
    return out["messages"]


def fields_of_record(record):
    return {
        "payload": base64.b64decode(record["payload_b64"]),
        "properties": record["properties"],
        "partition_key": record["partition_key"],
        "ordering_key": record["ordering_key"],
        "event_timestamp": record["event_timestamp"],
        "publish_timestamp": record["publish_timestamp"],
        "topic_name": record["topic_name"],
        "producer_name": record["producer_name"],
        "redelivery_count": record["redelivery_count"],
        "message_id": record["message_id"],
        "partition": record["partition"],
    }


def fields_of_message(msg):
    return {
        "payload": msg.data(),
        "properties": msg.properties(),
        "partition_key": msg.partition_key(),
        "ordering_key": msg.ordering_key(),
        "event_timestamp": msg.event_timestamp(),
        "publish_timestamp": msg.publish_timestamp(),
        "topic_name": msg.topic_name(),
        "producer_name": msg.producer_name(),
        "redelivery_count": msg.redelivery_count(),
        "message_id": str(msg.message_id()),
        "partition": msg.message_id().partition(),
    }


# --------------------------------------------------------------------------------------------
# Partitioned topics
# --------------------------------------------------------------------------------------------


def keyed_messages(n=24):
    return [
        {
            "payload": b"m-%d" % i,
            "partition_key": KEYS[i % len(KEYS)],
            "ordering_key": f"ok-{i % 3}",
            "properties": {"i": str(i), "ключ": "✓"},
            "event_timestamp": 1_700_000_000_000 + i,
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_partitioned_fastpulsar_to_official(
    official_python, standalone_broker, sa_client, partitioned_topic, batching
):
    messages = keyed_messages()
    producer = sa_client.create_producer(
        partitioned_topic, producer_name="fast-partitioned", batching_enabled=batching
    )
    ids = {}
    for m in messages:
        kwargs = {k: v for k, v in m.items() if k != "payload"}
        if batching:

            def cb(res, msg_id, payload=m["payload"]):
                ids[payload] = msg_id if res == pulsar.Result.Ok else res

            producer.send_async(m["payload"], cb, **kwargs)
        else:
            ids[m["payload"]] = producer.send(m["payload"], **kwargs)
    producer.flush()

    records = peer_consume(
        official_python, standalone_broker.service_url, partitioned_topic, len(messages)
    )
    assert len(records) == len(messages)
    by_payload = {base64.b64decode(r["payload_b64"]): r for r in records}
    key_partitions: dict[str, set[int]] = {}
    for m in messages:
        record = by_payload[m["payload"]]
        sent = ids[m["payload"]]
        assert record["message_id"] == str(sent)
        assert pulsar.MessageId.deserialize(base64.b64decode(record["message_id_b64"])) == sent
        assert record["partition"] == sent.partition()
        assert record["topic_name"] == f"{partitioned_topic}-partition-{sent.partition()}"
        assert record["properties"] == m["properties"]
        assert (record["partition_key"], record["ordering_key"]) == (
            m["partition_key"],
            m["ordering_key"],
        )
        assert record["event_timestamp"] == m["event_timestamp"]
        assert record["producer_name"] == "fast-partitioned"
        key_partitions.setdefault(m["partition_key"], set()).add(sent.partition())
    assert all(len(p) == 1 for p in key_partitions.values()), key_partitions

    # fastpulsar's own consumer sees exactly what the official one saw.
    consumer = sa_client.subscribe(partitioned_topic, "fast", initial_position=EARLIEST)
    for msg in receive_unique(consumer, len(messages)):
        record = by_payload[msg.data()]
        assert fields_of_message(msg) == fields_of_record(record)


def test_partitioned_official_to_fastpulsar(
    official_python, standalone_broker, sa_client, partitioned_topic
):
    messages = keyed_messages()
    spec = {
        "producer": {"producer_name": "official-partitioned"},
        "messages": [
            {"payload_b64": b64(m["payload"]), **{k: v for k, v in m.items() if k != "payload"}}
            for m in messages
        ],
    }
    consumer = sa_client.subscribe(partitioned_topic, "fast", initial_position=EARLIEST)
    out = peer_produce(official_python, standalone_broker.service_url, partitioned_topic, spec)
    results = dict(zip((m["payload"] for m in messages), out["results"]))

    official_key_partition: dict[str, set[int]] = {}
    for msg in receive_unique(consumer, len(messages)):
        result = results[msg.data()]
        assert str(msg.message_id()) == result["message_id"]
        assert msg.message_id() == pulsar.MessageId.deserialize(
            base64.b64decode(result["message_id_b64"])
        )
        assert msg.message_id().partition() == result["partition"]
        assert msg.topic_name() == f"{partitioned_topic}-partition-{result['partition']}"
        assert msg.producer_name() == "official-partitioned"
        official_key_partition.setdefault(msg.partition_key(), set()).add(result["partition"])
    assert all(len(p) == 1 for p in official_key_partition.values())

    # Both clients hash a key to the same partition.
    producer = sa_client.create_producer(partitioned_topic)
    for key, partitions in official_key_partition.items():
        assert {producer.send(b"mine", partition_key=key).partition()} == partitions, key


# --------------------------------------------------------------------------------------------
# Delayed delivery
# --------------------------------------------------------------------------------------------

DELAY_MS = 3000
TOO_EARLY_MS = 2500
LATE_MS = 10000


@pytest.mark.parametrize("how", ["deliver_after", "deliver_at"])
def test_delayed_official_to_fastpulsar(official_python, standalone_broker, sa_client, topic, how):
    consumer = sa_client.subscribe(topic, "fast", consumer_type=SHARED)
    delayed: dict[str, object] = {"payload_b64": b64(b"delayed")}
    if how == "deliver_after":
        delayed["deliver_after_ms"] = DELAY_MS
    else:
        # Absolute: leaves room for the official client's start-up.
        deliver_at = int(time.time() * 1000) + DELAY_MS + 3000
        delayed["deliver_at"] = deliver_at
    spec = [delayed, {"payload_b64": b64(b"now")}]
    peer_produce(official_python, standalone_broker.service_url, topic, spec)

    now = consumer.receive(timeout_millis=TOO_EARLY_MS)
    assert now.data() == b"now"
    consumer.acknowledge(now)
    msg = consumer.receive(timeout_millis=DELAY_MS + 3000 + LATE_MS)
    received_at = int(time.time() * 1000)
    assert msg.data() == b"delayed"
    if how == "deliver_after":
        waited = received_at - msg.publish_timestamp()
        assert TOO_EARLY_MS <= waited <= DELAY_MS + LATE_MS, waited
    else:
        assert deliver_at - 100 <= received_at <= deliver_at + LATE_MS, received_at - deliver_at


def test_delayed_fastpulsar_to_official(official_python, standalone_broker, sa_client, topic):
    producer = sa_client.create_producer(topic)
    producer.send(b"delayed", deliver_after=datetime.timedelta(milliseconds=DELAY_MS))
    producer.send(b"now")
    records = peer_consume(
        official_python, standalone_broker.service_url, topic, 2,
        "--subscription-type", "Shared", "--timeout-ms", DELAY_MS + LATE_MS,
    )  # fmt: skip
    assert [base64.b64decode(r["payload_b64"]) for r in records] == [b"now", b"delayed"]
    waited = records[1]["received_at_ms"] - records[1]["publish_timestamp"]
    assert TOO_EARLY_MS <= waited <= DELAY_MS + LATE_MS, waited


# --------------------------------------------------------------------------------------------
# Deduplication state is the broker's: shared by both clients
# --------------------------------------------------------------------------------------------


def test_deduplication_across_clients(official_python, standalone_broker, sa_client):
    admin = standalone_broker.admin()
    namespace = f"public/dedup-interop-{uuid.uuid4().hex[:8]}"
    admin.create_namespace(namespace)
    admin.set_namespace_deduplication(True, namespace)
    topic = f"persistent://{namespace}/t"
    consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)

    producer = sa_client.create_producer(topic, producer_name="shared-name")
    for seq in range(5):
        producer.send(b"fast-%d" % seq, sequence_id=seq)
    producer.close()

    spec = {
        "producer": {"producer_name": "shared-name"},
        "messages": [
            {"payload_b64": b64(b"official-dup"), "sequence_id": 3},
            {"payload_b64": b64(b"official-5"), "sequence_id": 5},
        ],
    }
    out = peer_produce(official_python, standalone_broker.service_url, topic, spec)
    assert out["last_sequence_id_at_start"] == 4  # what fastpulsar's producer persisted
    dup, new = out["results"]
    assert (dup["ledger_id"], dup["entry_id"]) == (-1, -1)  # dropped by the broker
    assert new["entry_id"] >= 0
    assert out["last_sequence_id"] == 5

    again = sa_client.create_producer(topic, producer_name="shared-name")
    assert again.last_sequence_id() == 5  # what the official producer persisted
    assert again.send(b"fast-dup", sequence_id=5).entry_id() == -1
    payloads = [m.data() for m in receive_unique(consumer, 6)]
    assert payloads == [b"fast-0", b"fast-1", b"fast-2", b"fast-3", b"fast-4", b"official-5"]
    with pytest.raises(pulsar.Timeout):
        consumer.receive(timeout_millis=2000)


# --------------------------------------------------------------------------------------------
# KeyBased batching: same batches, same last_sequence_id
# --------------------------------------------------------------------------------------------


def _batch_layout(messages):
    """payload -> (entry number from 0, batch index), plus the key of each entry."""
    entries = sorted({(m["ledger_id"], m["entry_id"]) for m in messages})
    return {
        m["payload"]: (entries.index((m["ledger_id"], m["entry_id"])), m["batch_index"])
        for m in messages
    }


def test_key_based_batching_like_official(official_python, standalone_broker, sa_client):
    keys = [f"k{i % 3}" for i in range(12)]
    fast_topic = f"persistent://public/default/kb-fast-{uuid.uuid4().hex[:8]}"
    official_topic = f"persistent://public/default/kb-official-{uuid.uuid4().hex[:8]}"

    producer = sa_client.create_producer(
        fast_topic,
        batching_enabled=True,
        batching_type=pulsar.BatchingType.KeyBased,
        batching_max_publish_delay_ms=1000,
    )
    for i, key in enumerate(keys):
        producer.send_async(b"%d" % i, lambda r, m: None, partition_key=key)
    producer.flush()
    fast_last = producer.last_sequence_id()

    spec = {
        "producer": {
            "batching_enabled": True,
            "batching_type": "KeyBased",
            "batching_max_publish_delay_ms": 1000,
        },
        "messages": [
            {"payload_b64": b64(b"%d" % i), "partition_key": k} for i, k in enumerate(keys)
        ],
    }
    out = peer_produce(official_python, standalone_broker.service_url, official_topic, spec)
    assert fast_last == out["last_sequence_id"]  # 5 for both: see test_standalone.py

    def layout_of(topic):
        consumer = sa_client.subscribe(topic, "s", initial_position=EARLIEST)
        got = []
        for m in receive_unique(consumer, len(keys)):
            i = m.message_id()
            got.append(
                {"payload": m.data(), "ledger_id": i.ledger_id(), "entry_id": i.entry_id(),
                 "batch_index": i.batch_index()}
            )  # fmt: skip
        return _batch_layout(got)

    assert layout_of(fast_topic) == layout_of(official_topic)


# --------------------------------------------------------------------------------------------
# Chunking
# --------------------------------------------------------------------------------------------

BIG = bytes(range(256)) * (5 * 4096)  # 5 MiB, above the broker's maxMessageSize


def test_chunked_message_both_ways(official_python, standalone_broker, sa_client, topic):
    producer = sa_client.create_producer(topic, chunking_enabled=True, batching_enabled=False)
    sent = producer.send(BIG, properties={"from": "fast"})
    records = peer_consume(official_python, standalone_broker.service_url, topic, 1)
    assert base64.b64decode(records[0]["payload_b64"]) == BIG
    assert records[0]["properties"] == {"from": "fast"}
    # The same id (first and last chunk) on both sides; str() differs, see the next test.
    assert base64.b64decode(records[0]["message_id_b64"]) == sent.serialize()
    assert pulsar.MessageId.deserialize(base64.b64decode(records[0]["message_id_b64"])) == sent

    spec = {
        "producer": {"chunking_enabled": True, "batching_enabled": False},
        "messages": [{"payload_b64": b64(BIG[::-1]), "properties": {"from": "official"}}],
    }
    out = peer_produce(official_python, standalone_broker.service_url, topic, spec)
    consumer = sa_client.subscribe(topic, "fast", initial_position=EARLIEST)
    first, second = receive_unique(consumer, 2)
    assert first.data() == BIG
    assert first.message_id() == sent
    assert second.data() == BIG[::-1]
    assert second.properties() == {"from": "official"}
    assert second.message_id().serialize() == base64.b64decode(out["results"][0]["message_id_b64"])


def test_chunked_message_id_str_like_official(official_python, standalone_broker, sa_client, topic):
    producer = sa_client.create_producer(topic, chunking_enabled=True, batching_enabled=False)
    sent = producer.send(BIG)
    records = peer_consume(official_python, standalone_broker.service_url, topic, 1)
    # libpulsar prints a chunked id as its first and last chunks: "(L,0,-1,-1);(L,5,-1,-1)"
    assert str(sent) == records[0]["message_id"]
    assert ";" in str(sent)


# --------------------------------------------------------------------------------------------
# TLS and token authentication
# --------------------------------------------------------------------------------------------


def test_tls_token_both_ways(official_python, standalone_tls_broker, topic):
    broker = standalone_tls_broker
    auth_args = ["--token", broker.admin_token, "--tls-trust-certs-file", broker.ca_cert_path]
    client = pulsar.Client(
        broker.service_url_tls,
        authentication=pulsar.AuthenticationToken(broker.admin_token),
        tls_trust_certs_file_path=broker.ca_cert_path,
    )
    try:
        producer = client.create_producer(topic, producer_name="fast-tls")
        sent = producer.send(b"from fast", properties={"tls": "yes"}, partition_key="k")
        records = peer_consume(official_python, broker.service_url_tls, topic, 1, *auth_args)
        assert base64.b64decode(records[0]["payload_b64"]) == b"from fast"
        assert records[0]["message_id"] == str(sent)
        assert records[0]["properties"] == {"tls": "yes"}
        assert records[0]["producer_name"] == "fast-tls"

        spec = {"producer": {"producer_name": "official-tls"},
                "messages": [{"payload_b64": b64(b"from official"), "partition_key": "k"}]}  # fmt: skip
        out = peer_produce(official_python, broker.service_url_tls, topic, spec, *auth_args)
        consumer = client.subscribe(topic, "fast", initial_position=EARLIEST)
        first, second = receive_unique(consumer, 2)
        assert fields_of_message(first) == fields_of_record(records[0])
        assert second.data() == b"from official"
        assert str(second.message_id()) == out["results"][0]["message_id"]
        assert second.producer_name() == "official-tls"
    finally:
        client.close()
