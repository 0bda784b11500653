"""pulsar.MessageBatch on batch payloads built here by hand, in Pulsar's batch format (each
message: a 4-byte big-endian size, a SingleMessageMetadata protobuf of that size, then the
payload of its payload_size field), and on malformed ones, which must raise ValueError
(libpulsar itself reads the sizes unchecked). The same on a real broker's batch:
tests/integration/test_encryption.py."""

from __future__ import annotations

import random
import struct
from typing import Any

import pytest

import pulsar

# ---- a minimal protobuf writer, for SingleMessageMetadata -----------------------------------


def varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # int32/int64 negatives: ten bytes, two's complement
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def field_bytes(number: int, value: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(value)) + value


def metadata(
    payload_size: int,
    properties: dict[str, str] | None = None,
    partition_key: str | None = None,
    event_time: int | None = None,
    ordering_key: bytes | None = None,
    sequence_id: int | None = None,
    null_value: bool = False,
) -> bytes:
    """A SingleMessageMetadata: properties = 1 (KeyValue: key = 1, value = 2),
    partition_key = 2, payload_size = 3, event_time = 5, ordering_key = 7, sequence_id = 8,
    null_value = 9."""
    out = b""
    for key, value in (properties or {}).items():
        out += field_bytes(1, field_bytes(1, key.encode()) + field_bytes(2, value.encode()))
    if partition_key is not None:
        out += field_bytes(2, partition_key.encode())
    out += field_varint(3, payload_size)
    if event_time is not None:
        out += field_varint(5, event_time)
    if ordering_key is not None:
        out += field_bytes(7, ordering_key)
    if sequence_id is not None:
        out += field_varint(8, sequence_id)
    if null_value:
        out += field_varint(9, 1)
    return out


def entry(payload: bytes, **fields: Any) -> bytes:
    meta = metadata(len(payload), **fields)
    return struct.pack(">I", len(meta)) + meta + payload


MESSAGES: list[tuple[bytes, dict[str, Any]]] = [
    (b"first", {"properties": {"k": "v", "ключ": "значение"}, "partition_key": "pk"}),
    (b"", {"event_time": 1_700_000_000_123, "ordering_key": b"ok", "sequence_id": 7}),
    (bytes(range(256)) * 4, {}),
    (b"", {"null_value": True, "partition_key": "tombstone"}),
]
PAYLOAD = b"".join(entry(data, **fields) for data, fields in MESSAGES)


def test_parses_every_message_with_its_fields():
    msg_id = pulsar.MessageId(partition=3, ledger_id=11, entry_id=22, batch_index=-1)
    messages = pulsar.MessageBatch().with_message_id(msg_id).parse_from(PAYLOAD, len(MESSAGES))
    assert [m.data() for m in messages] == [data for data, _ in MESSAGES]
    assert [m.value() for m in messages] == [data for data, _ in MESSAGES]
    assert all(isinstance(m, pulsar.Message) for m in messages)
    first, second, third, tombstone = messages
    assert first.properties() == {"k": "v", "ключ": "значение"}
    assert first.partition_key() == "pk"
    assert second.properties() == {}
    assert second.event_timestamp() == 1_700_000_000_123
    assert second.ordering_key() == "ok"
    assert third.partition_key() == ""
    assert tombstone.has_null_value()
    assert tombstone.partition_key() == "tombstone"
    assert not first.has_null_value()
    for index, message in enumerate(messages):
        mid = message.message_id()
        assert (mid.partition(), mid.ledger_id(), mid.entry_id()) == (3, 11, 22)
        assert mid.batch_index() == index
        assert message.encryption_context() is None


def test_with_message_id_returns_the_batch_and_fewer_messages_than_held():
    batch = pulsar.MessageBatch()
    assert batch.with_message_id(pulsar.MessageId(0, 1, 2, -1)) is batch
    assert [m.data() for m in batch.parse_from(PAYLOAD, 2)] == [b"first", b""]
    assert batch.parse_from(PAYLOAD, 0) == []


def test_accepts_bytes_like_and_str():
    batch = pulsar.MessageBatch()
    one = entry(b"text")
    assert batch.parse_from(bytearray(one), 1)[0].data() == b"text"
    assert batch.parse_from(memoryview(one), 1)[0].data() == b"text"
    assert batch.parse_from(one.decode("ascii"), 1)[0].data() == b"text"  # as 3.13: UTF-8


def test_argument_types():
    batch = pulsar.MessageBatch()
    with pytest.raises(pulsar.InvalidArgumentType, match="msg_id"):
        batch.with_message_id((1, 2))  # type: ignore[arg-type]
    with pytest.raises(pulsar.InvalidArgumentType, match="data"):
        batch.parse_from(12, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="size"):
        batch.parse_from(PAYLOAD, -1)
    with pytest.raises(pulsar.InvalidArgumentType, match="size"):
        batch.parse_from(PAYLOAD, "1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("payload", "size", "why"),
    [
        (b"", 1, "ends before its metadata size"),
        (PAYLOAD, len(MESSAGES) + 1, "ends before its metadata size"),
        (b"\x00\x00\x01\x00" + b"x", 1, "ends within its metadata"),
        (b"\xff\xff\xff\xff", 1, "ends within its metadata"),
        (struct.pack(">I", 2) + field_varint(3, 100), 1, "ends within its content"),
        (struct.pack(">I", 11) + field_varint(3, -1), 1, "payload_size"),
        (struct.pack(">I", 2) + field_varint(2, 5), 1, "payload_size"),  # no field 3
        (struct.pack(">I", 2) + b"\x1a\x05", 1, "payload_size"),  # field 3, cut short
        (struct.pack(">I", 1) + b"\x1b", 1, "payload_size"),  # a group: not accepted
        (struct.pack(">I", 1) + b"\x00", 1, "payload_size"),  # field number 0
    ],
)
def test_malformed_payloads_raise_value_error(payload, size, why):
    with pytest.raises(ValueError, match=why):
        pulsar.MessageBatch().parse_from(payload, size)


def test_every_truncation_and_random_bytes_raise_or_parse_never_crash():
    batch = pulsar.MessageBatch()
    for cut in range(len(PAYLOAD)):
        try:
            parsed = batch.parse_from(PAYLOAD[:cut], len(MESSAGES))
        except ValueError:
            continue
        raise AssertionError(f"a payload cut at {cut} parsed: {parsed}")
    rng = random.Random(8)
    for _ in range(2000):
        noise = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
        try:
            for message in batch.parse_from(noise, rng.randrange(1, 4)):
                message.data()
        except ValueError:
            pass
