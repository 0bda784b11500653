"""Content may be any C-contiguous buffer (deliberate difference: the official client only
accepts bytes); the consumed payload equals the buffer's bytes."""

import array
import ctypes

import pytest
from support.messages import receive_unique

import pulsar

RAW = bytes(range(256)) * 4  # 1 KiB


def _ctypes_array():
    arr = (ctypes.c_uint8 * len(RAW)).from_buffer_copy(RAW)
    return arr


CONTENTS = {
    "bytes": lambda: (RAW, RAW),
    "bytearray": lambda: (bytearray(RAW), RAW),
    "memoryview-bytes": lambda: (memoryview(RAW), RAW),
    "memoryview-slice": lambda: (memoryview(bytearray(RAW))[10:110], RAW[10:110]),
    "memoryview-2d": lambda: (memoryview(RAW).cast("B", (32, 32)), RAW),
    "array-B": lambda: (array.array("B", RAW), RAW),
    "array-I": lambda: (array.array("I", range(100)), array.array("I", range(100)).tobytes()),
    "array-d": lambda: (array.array("d", [1.5, -2.25]), array.array("d", [1.5, -2.25]).tobytes()),
    "ctypes-array": lambda: (_ctypes_array(), RAW),
    "empty-bytearray": lambda: (bytearray(), b""),
    "empty-memoryview": lambda: (memoryview(b""), b""),
}


@pytest.mark.parametrize("mode", ["send", "send_async"])
@pytest.mark.parametrize("kind", sorted(CONTENTS))
def test_buffer_content(client, topic, kind, mode):
    content, expected = CONTENTS[kind]()
    producer = client.create_producer(topic)
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    if mode == "send":
        assert isinstance(producer.send(content), pulsar.MessageId)
    else:
        results = []
        producer.send_async(content, lambda res, msg_id: results.append(res))
        producer.flush()
        assert results == [pulsar.Result.Ok]
    msg = receive_unique(consumer, 1)[0]
    assert msg.data() == expected
    assert not msg.has_null_value()


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_buffers_with_batching_and_compression(client, topic, batching):
    producer = client.create_producer(
        topic, batching_enabled=batching, compression_type=pulsar.CompressionType.ZSTD
    )
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    kinds = sorted(CONTENTS)
    expected = []
    for kind in kinds:
        content, exp = CONTENTS[kind]()
        producer.send_async(content, lambda r, m: None)
        expected.append(exp)
    producer.flush()
    assert [m.data() for m in receive_unique(consumer, len(kinds))] == expected


@pytest.mark.parametrize("mode", ["send", "send_async"])
def test_non_contiguous_memoryview_rejected(client, topic, mode):
    producer = client.create_producer(topic)
    strided = memoryview(RAW)[::2]
    assert not strided.c_contiguous
    send = producer.send if mode == "send" else lambda c: producer.send_async(c, None)
    with pytest.raises((TypeError, ValueError, BufferError)):
        send(strided)


def test_non_contiguous_2d_view_rejected(client, topic):
    producer = client.create_producer(topic)
    view = memoryview(RAW).cast("B", (32, 32))[::2]
    assert not view.c_contiguous
    with pytest.raises((TypeError, ValueError, BufferError)):
        producer.send(view)


def test_payload_is_copied_at_send_async_time(client, topic):
    producer = client.create_producer(
        topic, batching_enabled=True, batching_max_publish_delay_ms=60000
    )
    consumer = client.subscribe(topic, "s", initial_position=pulsar.InitialPosition.Earliest)
    buf = bytearray(b"original")
    producer.send_async(buf, lambda r, m: None)
    buf[:] = b"MUTATED!"  # the message is still in the batch: its content must not change
    view_source = bytearray(b"view-original")
    view = memoryview(view_source)
    producer.send_async(view, lambda r, m: None)
    view.release()
    view_source[:] = b"view-MUTATED!"
    producer.flush()
    assert [m.data() for m in receive_unique(consumer, 2)] == [b"original", b"view-original"]


def test_bytearray_can_be_resized_after_send_async(client, topic):
    # Exporting a buffer locks a bytearray's size; the lock must be released after the call.
    producer = client.create_producer(topic)
    buf = bytearray(b"abc")
    producer.send_async(buf, lambda r, m: None)
    producer.flush()
    buf.extend(b"def")  # raises BufferError if a buffer export leaked
    assert buf == bytearray(b"abcdef")
