"""pulsar.MessageId of real messages: ordering, hashing and round trips of the ids a broker
assigns, and the consumer seeing the same ids (the rest: tests/unit/test_message_id.py)."""

from typing import Any

import pytest
from support.messages import receive_unique

import pulsar


@pytest.mark.parametrize("batching", [False, True], ids=["no-batching", "batching"])
def test_ids_of_real_messages(client, topic, batching):
    producer = client.create_producer(topic, batching_enabled=batching)
    consumer = client.subscribe(topic, "sub", initial_position=pulsar.InitialPosition.Earliest)
    if batching:
        results: list[Any] = [None] * 5

        def make_cb(i):
            def cb(res, msg_id):
                results[i] = (res, msg_id)

            return cb

        for i in range(5):
            producer.send_async(b"m%d" % i, make_cb(i))
        producer.flush()
        assert [r[0] for r in results] == [pulsar.Result.Ok] * 5
        ids = [r[1] for r in results]
    else:
        ids = [producer.send(b"m%d" % i) for i in range(5)]
    assert all(isinstance(i, pulsar.MessageId) for i in ids)
    # Ordering of ids from consecutive sends.
    for earlier, later in zip(ids, ids[1:]):
        assert earlier < later
        assert earlier != later
        assert later > earlier
    assert len(set(ids)) == 5
    if batching:
        assert ids[0].batch_index() >= 0
    else:
        assert all(i.batch_index() == -1 for i in ids)
    assert all(i.partition() == -1 for i in ids)  # non-partitioned topic
    # Round trip of a real id.
    for msg_id in ids:
        back = pulsar.MessageId.deserialize(msg_id.serialize())
        assert back == msg_id
        assert hash(back) == hash(msg_id)
        assert (back.ledger_id(), back.entry_id(), back.batch_index()) == (
            msg_id.ledger_id(),
            msg_id.entry_id(),
            msg_id.batch_index(),
        )
    # The consumer sees the same ids.
    received = receive_unique(consumer, 5)
    assert [m.data() for m in received] == [b"m%d" % i for i in range(5)]
    for msg, sent_id in zip(received, ids):
        got = msg.message_id()
        assert isinstance(got, pulsar.MessageId)
        assert got == sent_id
        assert hash(got) == hash(sent_id)
        assert str(got) == str(sent_id)
