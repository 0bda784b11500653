"""End-to-end encryption on a broker: a producer with `encryption_key` and a CryptoKeyReader,
consumers and readers with and without the private key, each crypto_failure_action, the
EncryptionContext of what they receive, MessageBatch on a real batch, and interoperability
with pulsar-client 3.13 both ways.

The behaviours asserted were first observed with pulsar-client 3.13 (same libpulsar): without
the key, FAIL delivers the messages after the encrypted one but never it, and leaves it
unacknowledged; DISCARD never delivers it and acknowledges it; CONSUME delivers the payload
still encrypted, with encryption_context().is_decryption_failed() true. Encryption is done
by the client: the broker stores the ciphertext and the keys in the message metadata.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union

import pytest
from fastpulsar_testing.official_venv import clean_env
from support.messages import EARLIEST, id_key

import pulsar

KEY_NAME = "fastpulsar-test-key"
SECRET = b"attack at dawn: " + bytes(range(32))
QUIET_MS = 2500  # how long "nothing more arrives" is watched for

Receiver = Union[pulsar.Consumer, pulsar.Reader]


@pytest.fixture(scope="module")
def rsa_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(public, private) PEM paths of a new 2048-bit RSA key pair, made by the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make the test's RSA key pair")
    folder = tmp_path_factory.mktemp("keys")
    private, public = folder / "private.pem", folder / "public.pem"
    subprocess.run(
        [openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
         "-out", str(private)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    subprocess.run(
        [openssl, "pkey", "-in", str(private), "-pubout", "-out", str(public)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return str(public), str(private)


@pytest.fixture
def key_reader(rsa_keys: tuple[str, str]) -> pulsar.CryptoKeyReader:
    return pulsar.CryptoKeyReader(*rsa_keys)


@pytest.fixture
def any_client(pulsar_broker: Any) -> Iterator[pulsar.Client]:
    """A client of pulsar-lite, then of Apache Pulsar standalone (the test runs on both)."""
    client = pulsar.Client(pulsar_broker.service_url, operation_timeout_seconds=10)
    yield client
    with contextlib.suppress(pulsar.AlreadyClosed):
        client.close()


def _next(receiver: Receiver, timeout_ms: int) -> pulsar.Message:
    if isinstance(receiver, pulsar.Reader):
        return receiver.read_next(timeout_ms)
    return receiver.receive(timeout_ms)


def drain(receiver: Receiver, first_ms: int = 10_000, quiet_ms: int = QUIET_MS) -> list[Any]:
    """Every distinct message until none comes for `quiet_ms` (the first may take
    `first_ms`), acknowledged when `receiver` is a consumer."""
    seen: dict[Any, pulsar.Message] = {}
    timeout = first_ms
    while True:
        try:
            message = _next(receiver, timeout)
        except pulsar.Timeout:
            return list(seen.values())
        timeout = quiet_ms
        seen.setdefault(id_key(message.message_id()), message)
        if isinstance(receiver, pulsar.Consumer):
            receiver.acknowledge(message)


def publish(
    client: pulsar.Client, topic: str, reader: pulsar.CryptoKeyReader, batching: bool = False
) -> tuple[pulsar.MessageId, pulsar.MessageId]:
    """One encrypted message (SECRET), then one plain one (b"plain"); their ids."""
    producer = client.create_producer(
        topic, encryption_key=KEY_NAME, crypto_key_reader=reader, batching_enabled=batching
    )
    encrypted = producer.send(SECRET, properties={"clear": "text"})
    producer.close()
    plain = client.create_producer(topic).send(b"plain")
    return encrypted, plain


def check_context(context: pulsar.EncryptionContext | None, failed: bool) -> None:
    assert isinstance(context, pulsar.EncryptionContext)
    assert context.is_decryption_failed() is failed
    keys = context.keys()
    assert [type(k) for k in keys] == [pulsar.EncryptionKey]
    assert keys[0].key == KEY_NAME
    assert isinstance(keys[0].value, bytes)
    assert len(keys[0].value) == 256  # the data key, RSA-2048 encrypted
    assert keys[0].metadata == {}
    assert isinstance(context.param(), bytes)
    assert len(context.param()) == 12  # AES-GCM's IV
    assert isinstance(context.algorithm(), str)
    assert context.compression_type() is pulsar.CompressionType.NONE
    assert context.uncompressed_message_size() == 0
    assert context.batch_size() == -1
    assert "is_decryption_failed=" + str(failed) in str(context)
    assert f"EncryptionKey(key={KEY_NAME}, value_len=256, metadata={{}})" in repr(context)


def test_with_the_key_the_plaintext_and_its_context(any_client, topic, key_reader):
    encrypted, plain = publish(any_client, topic, key_reader)
    consumer = any_client.subscribe(
        topic, "with-key", initial_position=EARLIEST, crypto_key_reader=key_reader
    )
    first, second = drain(consumer)
    assert first.message_id() == encrypted
    assert first.data() == SECRET
    assert first.properties() == {"clear": "text"}  # properties are not encrypted
    check_context(first.encryption_context(), failed=False)
    assert second.message_id() == plain
    assert second.data() == b"plain"
    assert second.encryption_context() is None


def test_the_context_is_a_copy_that_outlives_its_message(client, topic, key_reader):
    publish(client, topic, key_reader)
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST, crypto_key_reader=key_reader)
    context = consumer.receive(10_000).encryption_context()  # the message is dropped at once
    consumer.close()
    gc.collect()
    check_context(context, failed=False)  # pulsar-client 3.13 may crash here


def test_the_broker_stores_ciphertext_consume_delivers_it(any_client, topic, key_reader):
    encrypted, plain = publish(any_client, topic, key_reader)
    consumer = any_client.subscribe(
        topic,
        "no-key",
        initial_position=EARLIEST,
        crypto_failure_action=pulsar.ConsumerCryptoFailureAction.CONSUME,
    )
    first, second = drain(consumer)
    assert first.message_id() == encrypted
    stored = first.data()
    assert stored != SECRET
    assert SECRET[:8] not in stored
    assert len(stored) == len(SECRET) + 16  # AES-GCM: the same length, and its tag
    check_context(first.encryption_context(), failed=True)
    assert (second.message_id(), second.data()) == (plain, b"plain")


def test_the_context_of_a_compressed_message(client, topic, key_reader):
    """Compressed, then encrypted: the context names the codec and the uncompressed size;
    without the key the payload stays compressed and encrypted."""
    producer = client.create_producer(
        topic,
        encryption_key=KEY_NAME,
        crypto_key_reader=key_reader,
        compression_type=pulsar.CompressionType.LZ4,
        batching_enabled=False,
    )
    producer.send(b"x" * 1000)
    with_key = client.subscribe(
        topic, "key", initial_position=EARLIEST, crypto_key_reader=key_reader
    )
    raw = client.subscribe(
        topic,
        "raw",
        initial_position=EARLIEST,
        crypto_failure_action=pulsar.ConsumerCryptoFailureAction.CONSUME,
    )
    (clear,) = drain(with_key)
    (still_encrypted,) = drain(raw)
    assert clear.data() == b"x" * 1000
    assert len(still_encrypted.data()) < 100  # compressed before it was encrypted
    for message, failed in ((clear, False), (still_encrypted, True)):
        context = message.encryption_context()
        assert context.compression_type() is pulsar.CompressionType.LZ4
        assert context.uncompressed_message_size() == 1000
        assert context.is_decryption_failed() is failed
        assert "compression_type=LZ4" in str(context)


@pytest.mark.parametrize("use_reader", [False, True], ids=["consumer", "reader"])
def test_fail_delivers_the_rest_but_never_the_encrypted_one(
    any_client, topic, key_reader, use_reader
):
    encrypted, plain = publish(any_client, topic, key_reader)
    if use_reader:
        receiver: Receiver = any_client.create_reader(topic, pulsar.MessageId.earliest)
    else:
        receiver = any_client.subscribe(topic, "fail", initial_position=EARLIEST)
    assert [(m.message_id(), m.data()) for m in drain(receiver)] == [(plain, b"plain")]
    receiver.close()
    if not use_reader:  # not acknowledged: a consumer that can take it still finds it
        again = any_client.subscribe(
            topic,
            "fail",
            crypto_failure_action=pulsar.ConsumerCryptoFailureAction.CONSUME,
        )
        assert [m.message_id() for m in drain(again)] == [encrypted]


@pytest.mark.parametrize("use_reader", [False, True], ids=["consumer", "reader"])
def test_discard_drops_the_encrypted_one(any_client, topic, key_reader, use_reader):
    _, plain = publish(any_client, topic, key_reader)
    discard = pulsar.ConsumerCryptoFailureAction.DISCARD
    if use_reader:
        receiver: Receiver = any_client.create_reader(
            topic, pulsar.MessageId.earliest, crypto_failure_action=discard
        )
    else:
        receiver = any_client.subscribe(
            topic, "discard", initial_position=EARLIEST, crypto_failure_action=discard
        )
    assert [(m.message_id(), m.data()) for m in drain(receiver)] == [(plain, b"plain")]
    receiver.close()
    if not use_reader:  # acknowledged: nothing is left on the subscription
        again = any_client.subscribe(
            topic, "discard", crypto_failure_action=pulsar.ConsumerCryptoFailureAction.CONSUME
        )
        assert drain(again, first_ms=QUIET_MS) == []


def test_reader_with_the_key_and_reader_consume(any_client, topic, key_reader):
    encrypted, _ = publish(any_client, topic, key_reader)
    with_key = any_client.create_reader(
        topic, pulsar.MessageId.earliest, crypto_key_reader=key_reader
    )
    assert [m.data() for m in drain(with_key)] == [SECRET, b"plain"]
    consume = any_client.create_reader(
        topic,
        pulsar.MessageId.earliest,
        crypto_failure_action=pulsar.ConsumerCryptoFailureAction.CONSUME,
    )
    first, second = drain(consume)
    assert first.message_id() == encrypted
    assert first.data() != SECRET
    check_context(first.encryption_context(), failed=True)
    assert second.data() == b"plain"


def test_a_batch_is_decrypted_into_its_messages(client, topic, key_reader):
    producer = client.create_producer(
        topic,
        encryption_key=KEY_NAME,
        crypto_key_reader=key_reader,
        batching_enabled=True,
        batching_max_publish_delay_ms=60_000,
    )
    for i in range(3):
        producer.send_async(b"batched-%d" % i, None)
    producer.flush()
    consumer = client.subscribe(topic, "s", initial_position=EARLIEST, crypto_key_reader=key_reader)
    messages = drain(consumer)
    assert [m.data() for m in messages] == [b"batched-0", b"batched-1", b"batched-2"]
    assert [m.message_id().batch_index() for m in messages] == [0, 1, 2]
    for message in messages:
        assert message.encryption_context().batch_size() == 3
        assert not message.encryption_context().is_decryption_failed()
    # Without the key, CONSUME delivers the whole encrypted batch as one message.
    raw = client.subscribe(
        topic,
        "raw",
        initial_position=EARLIEST,
        crypto_failure_action=pulsar.ConsumerCryptoFailureAction.CONSUME,
    )
    (whole,) = drain(raw)
    context = whole.encryption_context()
    assert context.is_decryption_failed()
    assert context.batch_size() == 3
    assert b"batched" not in whole.data()


@pytest.mark.standalone
def test_message_batch_splits_a_stored_batch(sa_client, admin, topic):
    """The raw payload of a batched entry, as the broker's admin API returns it (peek), split
    by MessageBatch into the messages a consumer receives."""
    sa_client.subscribe(topic, "held").close()  # keeps the backlog that peek reads
    producer = sa_client.create_producer(
        topic, batching_enabled=True, batching_max_publish_delay_ms=60_000
    )
    ids: list[Any] = [None] * 3
    for i in range(3):
        producer.send_async(
            b"batched-%d" % i,
            lambda result, msg_id, i=i: ids.__setitem__(i, msg_id),
            properties={"i": str(i)},
            partition_key=f"key-{i}",
        )
    producer.flush()
    headers, payload = admin.peek(topic, "held", 1)
    counts = [
        v for k, vs in headers.items() if k.lower() == "x-pulsar-num-batch-message" for v in vs
    ]
    assert counts == ["3"]
    first = ids[0]
    messages = pulsar.MessageBatch().with_message_id(first).parse_from(payload, 3)
    assert [m.data() for m in messages] == [b"batched-0", b"batched-1", b"batched-2"]
    assert [m.properties() for m in messages] == [{"i": "0"}, {"i": "1"}, {"i": "2"}]
    assert [m.partition_key() for m in messages] == ["key-0", "key-1", "key-2"]
    assert [id_key(m.message_id()) for m in messages] == [id_key(i) for i in ids]
    with pytest.raises(ValueError, match="message 3 of 4"):
        pulsar.MessageBatch().parse_from(payload, 4)


# ---- interoperability with pulsar-client 3.13 ------------------------------------------------

_OFFICIAL_SCRIPT = """
import base64, json, sys
import pulsar
mode, url, topic, public, private, count, batching = sys.argv[1:8]
client = pulsar.Client(url, operation_timeout_seconds=10)
reader = pulsar.CryptoKeyReader(public, private)
out = []
if mode == "produce":
    producer = client.create_producer(topic, encryption_key=KEY_NAME, crypto_key_reader=reader,
                                      batching_enabled=batching == "1",
                                      batching_max_publish_delay_ms=60000)
    for i in range(int(count)):
        producer.send_async(b"from-official-%d" % i, None)
    producer.flush()
else:
    consumer = client.subscribe(topic, "official", crypto_key_reader=reader,
                                initial_position=pulsar.InitialPosition.Earliest)
    while len(out) < int(count):
        msg = consumer.receive(15000)
        consumer.acknowledge(msg)
        ctx = msg.encryption_context()
        record = {"id": str(msg.message_id()), "data": base64.b64encode(msg.data()).decode(),
                  "keys": [k.key for k in ctx.keys()], "batch_size": ctx.batch_size(),
                  "failed": ctx.is_decryption_failed()}
        if record["id"] not in [r["id"] for r in out]:
            out.append(record)
client.close()
print(json.dumps(out))
""".replace("KEY_NAME", repr(KEY_NAME))


def run_official(official_python: Path, tmp_path: Path, *args: object) -> Any:
    done = subprocess.run(
        [str(official_python), "-c", _OFFICIAL_SCRIPT, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        cwd=tmp_path,  # not the repository, whose pulsar/ would shadow the official one
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.interop
@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_official_encrypts_fastpulsar_decrypts(
    client, broker, topic, rsa_keys, official_python, tmp_path, batching
):
    run_official(official_python, tmp_path, "produce", broker.service_url, topic, *rsa_keys, 3,
                 int(batching))  # fmt: skip
    consumer = client.subscribe(
        topic,
        "fast",
        initial_position=EARLIEST,
        crypto_key_reader=pulsar.CryptoKeyReader(*rsa_keys),
    )
    messages = drain(consumer)
    assert [m.data() for m in messages] == [b"from-official-%d" % i for i in range(3)]
    for message in messages:
        context = message.encryption_context()
        keys = context.keys()
        assert [k.key for k in keys] == [KEY_NAME]
        assert context.batch_size() == (3 if batching else -1)
        assert not context.is_decryption_failed()


@pytest.mark.interop
@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_fastpulsar_encrypts_official_decrypts(
    client, broker, topic, rsa_keys, official_python, tmp_path, batching
):
    producer = client.create_producer(
        topic,
        encryption_key=KEY_NAME,
        crypto_key_reader=pulsar.CryptoKeyReader(*rsa_keys),
        batching_enabled=batching,
        batching_max_publish_delay_ms=60_000,
    )
    for i in range(3):
        producer.send_async(b"from-fastpulsar-%d" % i, None)
    producer.flush()
    records = run_official(
        official_python, tmp_path, "consume", broker.service_url, topic, *rsa_keys, 3, 0
    )
    assert [base64.b64decode(r["data"]) for r in records] == [
        b"from-fastpulsar-%d" % i for i in range(3)
    ]
    for record in records:
        assert record["keys"] == [KEY_NAME]
        assert record["batch_size"] == (3 if batching else -1)
        assert record["failed"] is False
