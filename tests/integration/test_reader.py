"""Reader: positions (earliest, latest, a message id, inclusive or not), read_next and its
timeout, has_message_available, seek, iteration, context manager, close, argument checks,
lifetime (a reader keeps its client alive) and Ctrl-C in read_next."""

import base64
import gc
import json
import subprocess
import threading
import time

import pytest
from fastpulsar_testing.official_venv import clean_env
from support.interrupts import sigint_after
from support.messages import id_key

import pulsar

READ_MS = 10000


def publish(client, topic, payloads):
    """Send ``payloads`` one by one (no batching); return their ids."""
    producer = client.create_producer(topic, batching_enabled=False)
    ids = [producer.send(p) for p in payloads]
    producer.close()
    return ids


def read_all(reader, count):
    return [reader.read_next(timeout_millis=READ_MS) for _ in range(count)]


def test_reads_from_earliest_in_order(client, topic):
    payloads = [f"m{i}".encode() for i in range(5)]
    ids = publish(client, topic, payloads)
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    assert isinstance(reader, pulsar._core.Reader)
    messages = read_all(reader, 5)
    assert [m.data() for m in messages] == payloads
    assert [id_key(m.message_id()) for m in messages] == [id_key(i) for i in ids]
    assert reader.topic().endswith(topic)
    reader.close()


def test_latest_reads_only_messages_published_after_creation(client, topic):
    publish(client, topic, [b"before"])
    reader = client.create_reader(topic, pulsar.MessageId.latest)
    with pytest.raises(pulsar.Timeout):
        reader.read_next(timeout_millis=300)
    publish(client, topic, [b"after"])
    assert reader.read_next(timeout_millis=READ_MS).data() == b"after"


@pytest.mark.parametrize(("inclusive", "first"), [(False, b"m2"), (True, b"m1")])
def test_starts_after_or_at_a_message_id(client, topic, inclusive, first):
    ids = publish(client, topic, [b"m0", b"m1", b"m2", b"m3"])
    reader = client.create_reader(topic, ids[1], start_message_id_inclusive=inclusive)
    assert reader.read_next(timeout_millis=READ_MS).data() == first


def test_read_next_timeout_raises_timeout(client, topic):
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    started = time.monotonic()
    with pytest.raises(pulsar.Timeout):
        reader.read_next(timeout_millis=200)
    assert time.monotonic() - started < 5
    with pytest.raises(pulsar.Timeout):
        reader.read_next(0)


def test_read_next_without_timeout_waits_for_a_message(client, topic):
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    sender = threading.Timer(0.3, lambda: publish(client, topic, [b"later"]))
    sender.start()
    try:
        assert reader.read_next().data() == b"later"
    finally:
        sender.join()


def test_read_next_rejects_a_bad_timeout(client, topic):
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    with pytest.raises(pulsar.InvalidArgumentType, match="timeout_millis"):
        reader.read_next(timeout_millis="1")
    with pytest.raises(ValueError, match="timeout_millis"):
        reader.read_next(timeout_millis=-1)


def test_has_message_available(client, topic):
    publish(client, topic, [b"a", b"b"])
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    assert reader.has_message_available() is True
    read_all(reader, 2)
    assert reader.has_message_available() is False
    publish(client, topic, [b"c"])
    assert reader.has_message_available() is True


@pytest.mark.standalone  # pulsar-lite 0.2.0 acknowledges a seek but does not redeliver
def test_seek_to_a_message_id_and_back_to_earliest(sa_client, topic):
    ids = publish(sa_client, topic, [b"m0", b"m1", b"m2"])
    reader = sa_client.create_reader(topic, pulsar.MessageId.earliest)
    assert [m.data() for m in read_all(reader, 3)] == [b"m0", b"m1", b"m2"]
    reader.seek(ids[0])
    assert reader.read_next(timeout_millis=READ_MS).data() == b"m1"
    reader.seek(pulsar.MessageId.earliest)
    assert reader.read_next(timeout_millis=READ_MS).data() == b"m0"


def test_seek_rejects_what_is_neither_an_id_nor_a_timestamp(client, topic):
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    with pytest.raises(pulsar.InvalidArgumentType, match="messageid"):
        reader.seek("earliest")
    with pytest.raises(ValueError, match="messageid"):
        reader.seek(-1)


@pytest.mark.standalone
def test_seek_by_publish_time(sa_client, topic):
    publish(sa_client, topic, [b"old"])
    time.sleep(0.05)
    boundary = int(time.time() * 1000)
    time.sleep(0.05)
    publish(sa_client, topic, [b"new"])
    reader = sa_client.create_reader(topic, pulsar.MessageId.earliest)
    reader.seek(boundary)
    assert reader.read_next(timeout_millis=READ_MS).data() == b"new"
    reader.seek(0)
    assert reader.read_next(timeout_millis=READ_MS).data() == b"old"


def test_reads_batched_messages_with_their_batch_indexes(client, topic):
    # One batch: only flush() publishes it (no size or timer trigger before).
    producer = client.create_producer(
        topic,
        batching_enabled=True,
        batching_max_messages=10,
        batching_max_publish_delay_ms=60000,
    )
    payloads = [f"b{i}".encode() for i in range(5)]
    for payload in payloads:
        producer.send_async(payload, None)
    producer.flush()
    producer.close()
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    messages = read_all(reader, len(payloads))
    assert [m.data() for m in messages] == payloads
    assert [m.message_id().batch_index() for m in messages] == list(range(len(payloads)))


@pytest.mark.standalone
def test_reads_every_partition_of_a_partitioned_topic(sa_client, partitioned_topic):
    producer = sa_client.create_producer(
        partitioned_topic,
        batching_enabled=False,
        message_routing_mode=pulsar.PartitionsRoutingMode.RoundRobinDistribution,
    )
    payloads = {f"p{i}".encode() for i in range(8)}
    for payload in sorted(payloads):
        producer.send(payload)
    producer.close()
    reader = sa_client.create_reader(partitioned_topic, pulsar.MessageId.earliest)
    messages = read_all(reader, len(payloads))
    assert {m.data() for m in messages} == payloads
    assert len({m.message_id().partition() for m in messages}) > 1
    assert reader.has_message_available() is False


def test_iteration_yields_messages_and_ends_when_closed(client, topic):
    payloads = [f"m{i}".encode() for i in range(3)]
    publish(client, topic, payloads)
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    seen = []
    for message in reader:
        seen.append(message.data())
        if len(seen) == len(payloads):
            # Closed from another thread while the loop waits for the next message.
            threading.Timer(0.3, reader.close).start()
    assert seen == payloads
    assert list(reader) == []


def test_iteration_ends_when_the_client_is_closed(client, topic):
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    closer = threading.Timer(0.3, client.close)
    closer.start()
    try:
        assert list(reader) == []
    finally:
        closer.join()


def test_context_manager_closes_and_close_twice_raises(client, topic):
    with client.create_reader(topic, pulsar.MessageId.earliest) as reader:
        assert reader.is_connected() is True
    assert reader.is_connected() is False
    with pytest.raises(pulsar.AlreadyClosed):
        reader.close()
    with pytest.raises(pulsar.AlreadyClosed):
        reader.read_next(timeout_millis=100)


def test_closing_the_client_closes_its_readers(client, topic):
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    client.close()
    with pytest.raises(pulsar.AlreadyClosed):
        reader.read_next(timeout_millis=100)


def test_string_schema_decodes_values(client, topic):
    producer = client.create_producer(topic, schema=pulsar.schema.StringSchema())
    producer.send("héllo")
    reader = client.create_reader(
        topic, pulsar.MessageId.earliest, schema=pulsar.schema.StringSchema()
    )
    assert reader.read_next(timeout_millis=READ_MS).value() == "héllo"


def test_options_are_accepted(client, topic):
    publish(client, topic, [b"x"])
    reader = client.create_reader(
        topic,
        pulsar.MessageId.earliest,
        receiver_queue_size=10,
        reader_name="my-reader",
        subscription_role_prefix="role",
        is_read_compacted=False,
        crypto_failure_action=pulsar.ConsumerCryptoFailureAction.CONSUME,
    )
    assert reader.read_next(timeout_millis=READ_MS).data() == b"x"


def test_a_reader_keeps_its_client_alive(broker, topic):
    reader = pulsar.Client(broker.service_url).create_reader(topic, pulsar.MessageId.earliest)
    gc.collect()
    producer_client = pulsar.Client(broker.service_url)
    try:
        publish(producer_client, topic, [b"kept"])
        assert reader.read_next(timeout_millis=READ_MS).data() == b"kept"
        reader.close()
    finally:
        producer_client.close()


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="SIGINT is delivered to the main thread only",
)
def test_sigint_interrupts_read_next(client, topic):
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    # If the signal did not interrupt it, a message ends the wait and the test fails.
    with sigint_after(0.5, lambda: publish(client, topic, [b"rescue"])):
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            reader.read_next()
        assert time.monotonic() - started < 5


def test_argument_checks(client, topic):
    earliest = pulsar.MessageId.earliest
    with pytest.raises(pulsar.InvalidArgumentType, match="topic"):
        client.create_reader(1, earliest)
    with pytest.raises(pulsar.InvalidArgumentType, match="start_message_id"):
        client.create_reader(topic, "earliest")
    with pytest.raises(pulsar.InvalidArgumentType, match="schema"):
        client.create_reader(topic, earliest, schema=bytes)
    with pytest.raises(ValueError, match="receiver_queue_size"):
        client.create_reader(topic, earliest, receiver_queue_size=-1)
    with pytest.raises(pulsar.InvalidArgumentType, match="reader_name"):
        client.create_reader(topic, earliest, reader_name=3)
    with pytest.raises(pulsar.InvalidArgumentType, match="is_read_compacted"):
        client.create_reader(topic, earliest, is_read_compacted=None)
    with pytest.raises(pulsar.InvalidArgumentType, match="crypto_failure_action"):
        client.create_reader(topic, earliest, crypto_failure_action=0)
    with pytest.raises(pulsar.InvalidArgumentType, match="reader_listener"):
        client.create_reader(topic, earliest, reader_listener="not callable")


def test_create_reader_on_a_closed_client_raises(client, topic):
    client.close()
    with pytest.raises(pulsar.AlreadyClosed):
        client.create_reader(topic, pulsar.MessageId.earliest)


def test_message_producer_name_null_value_and_schema_version(client, topic):
    producer = client.create_producer(topic, producer_name="the-producer", batching_enabled=False)
    producer.send(b"x")
    producer.send(None, partition_key="k")
    producer.close()
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    first, tombstone = read_all(reader, 2)
    assert first.producer_name() == "the-producer"
    assert first.has_null_value() is False
    assert tombstone.has_null_value() is True
    assert tombstone.data() == b""
    # pulsar-client 3.13 returns the schema version as a str ('' when the topic has none).
    assert first.schema_version() == ""


@pytest.mark.standalone
def test_schema_version_is_a_str_of_the_versions_bytes(sa_client, topic):
    producer = sa_client.create_producer(topic, schema=pulsar.schema.StringSchema())
    producer.send("v")
    producer.close()
    reader = sa_client.create_reader(
        topic, pulsar.MessageId.earliest, schema=pulsar.schema.StringSchema()
    )
    version = reader.read_next(timeout_millis=READ_MS).schema_version()
    assert isinstance(version, str)
    # The broker's version number, 8 bytes big-endian: the topic's first schema is 0.
    raw = version.encode("utf-8", "surrogateescape")
    assert len(raw) == 8
    assert int.from_bytes(raw, "big") == 0


# ---- interoperability with pulsar-client 3.13 -----------------------------------------------

OFFICIAL_READER_SCRIPT = r"""
import base64, json, sys
import pulsar
from pulsar.schema import StringSchema

url, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = pulsar.Client(url)
reader = client.create_reader(topic, pulsar.MessageId.earliest, schema=StringSchema())
messages = []
for _ in range(count):
    m = reader.read_next(timeout_millis=15000)
    messages.append({
        "data_b64": base64.b64encode(m.data()).decode(),
        "value": m.value(),
        "partition_key": m.partition_key(),
        "properties": m.properties(),
        "producer_name": m.producer_name(),
        "has_null_value": m.has_null_value(),
        "schema_version": m.schema_version(),
        "schema_version_type": type(m.schema_version()).__name__,
        "id_b64": base64.b64encode(m.message_id().serialize()).decode(),
    })
reader.close()
view = client.create_table_view(topic, schema=StringSchema())
table = {}
view.for_each(lambda k, v: table.__setitem__(k, v))
view.close()
client.close()
print("OFFICIAL-RESULT " + json.dumps({"messages": messages, "table": table}))
"""


def run_official_reader(official_python, tmp_path, service_url, topic, count):
    script = tmp_path / "official_reader.py"
    script.write_text(OFFICIAL_READER_SCRIPT)
    proc = subprocess.run(
        [str(official_python), str(script), service_url, topic, str(count)],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        cwd=str(tmp_path),
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("OFFICIAL-RESULT ")]
    output = f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, output
    assert lines, output
    return json.loads(lines[-1][len("OFFICIAL-RESULT ") :])


@pytest.mark.interop
@pytest.mark.timeout(600)
def test_our_reader_and_table_view_read_as_the_official_ones(
    pulsar_broker, topic, official_python, tmp_path
):
    client = pulsar.Client(pulsar_broker.service_url)
    try:
        compare_with_official(client, pulsar_broker, topic, official_python, tmp_path)
    finally:
        client.close()


def compare_with_official(client, broker, topic, official_python, tmp_path):
    schema = pulsar.schema.StringSchema()
    producer = client.create_producer(
        topic, schema=schema, producer_name="fast-producer", batching_enabled=False
    )
    sent = [("k1", "one", {"p": "1"}), ("k2", "two", {}), ("k1", "uno", {"p": "3"})]
    for key, value, properties in sent:
        producer.send(value, partition_key=key, properties=properties)
    producer.send(None, partition_key="k2")
    producer.close()
    count = len(sent) + 1

    official = run_official_reader(official_python, tmp_path, broker.service_url, topic, count)

    ours = read_all(client.create_reader(topic, pulsar.MessageId.earliest, schema=schema), count)
    assert len(official["messages"]) == count
    for mine, theirs in zip(ours, official["messages"]):
        assert base64.b64encode(mine.data()).decode() == theirs["data_b64"]
        assert mine.partition_key() == theirs["partition_key"]
        assert mine.properties() == theirs["properties"]
        assert mine.producer_name() == theirs["producer_name"] == "fast-producer"
        assert mine.has_null_value() is theirs["has_null_value"]
        assert type(mine.schema_version()).__name__ == theirs["schema_version_type"]
        assert mine.schema_version() == theirs["schema_version"]
        assert base64.b64encode(mine.message_id().serialize()).decode() == theirs["id_b64"]
        if not mine.has_null_value():
            assert mine.value() == theirs["value"]

    view = client.create_table_view(topic, schema=schema)
    table: dict[str, str] = {}
    view.for_each(lambda key, value: table.__setitem__(key, value))
    assert table == official["table"] == {"k1": "uno"}
    if broker.kind == "standalone":
        # On Apache Pulsar the version is 8 bytes (a big-endian int): a non-empty str.
        assert len(ours[0].schema_version()) == 8
