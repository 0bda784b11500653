"""pulsar.MessageId without a broker: construction, accessors, str, comparisons, hashing,
(de)serialization (the ids of real messages: tests/integration/test_message_id.py)."""

import pytest

import pulsar

MAX_INT64 = 2**63 - 1


def test_constructor_argument_order_and_accessors():
    m = pulsar.MessageId(1, 2, 3, 4)  # partition, ledger_id, entry_id, batch_index
    assert (m.partition(), m.ledger_id(), m.entry_id(), m.batch_index()) == (1, 2, 3, 4)
    assert str(m) == "(2,3,1,4)"


def test_keyword_arguments_and_defaults():
    assert str(pulsar.MessageId()) == "(-1,-1,-1,-1)"
    m = pulsar.MessageId(ledger_id=10, entry_id=20)
    assert (m.partition(), m.ledger_id(), m.entry_id(), m.batch_index()) == (-1, 10, 20, -1)
    assert str(m) == "(10,20,-1,-1)"


def test_earliest_and_latest_are_instances():
    assert isinstance(pulsar.MessageId.earliest, pulsar.MessageId)
    assert isinstance(pulsar.MessageId.latest, pulsar.MessageId)
    assert str(pulsar.MessageId.earliest) == "(-1,-1,-1,-1)"
    assert str(pulsar.MessageId.latest) == f"({MAX_INT64},{MAX_INT64},-1,-1)"
    assert pulsar.MessageId.earliest < pulsar.MessageId.latest
    assert pulsar.MessageId.earliest != pulsar.MessageId.latest


def test_equality_and_ordering():
    a = pulsar.MessageId(-1, 5, 1, -1)
    b = pulsar.MessageId(-1, 5, 2, -1)
    c = pulsar.MessageId(-1, 6, 0, -1)
    assert a == pulsar.MessageId(-1, 5, 1, -1)
    assert a != b
    assert not (a != pulsar.MessageId(-1, 5, 1, -1))  # noqa: SIM202 - __ne__ itself
    assert a < b < c
    assert a <= b <= c
    assert a <= a  # noqa: PLR0124 - reflexive on purpose
    assert c > b > a
    assert c >= b >= a
    assert c >= c  # noqa: PLR0124 - reflexive on purpose
    assert not (b < a)
    assert not (a > b)
    in_batch0 = pulsar.MessageId(-1, 5, 1, 0)
    in_batch1 = pulsar.MessageId(-1, 5, 1, 1)
    assert in_batch0 < in_batch1
    assert in_batch1 < b


def test_hashable_and_equal_ids_hash_equal():
    a = pulsar.MessageId(0, 7, 8, 9)
    b = pulsar.MessageId(0, 7, 8, 9)
    assert hash(a) == hash(b)
    assert len({a, b, pulsar.MessageId(0, 7, 8, 10)}) == 2
    d = {a: "first"}
    assert d[b] == "first"


@pytest.mark.parametrize(
    "args",
    [(-1, -1, -1, -1), (0, 1, 2, -1), (3, 123456789, 987654, 5), (-1, MAX_INT64, MAX_INT64, -1)],
)
def test_serialize_deserialize_round_trip(args):
    m = pulsar.MessageId(*args)
    data = m.serialize()
    assert isinstance(data, bytes)
    assert data
    back = pulsar.MessageId.deserialize(data)
    assert isinstance(back, pulsar.MessageId)
    assert back == m
    assert hash(back) == hash(m)
    assert str(back) == str(m)


@pytest.mark.parametrize("garbage", [b"garbage", b"\xff" * 16, b""])
def test_deserialize_garbage_raises_value_error(garbage):
    with pytest.raises(ValueError, match="deserialize"):
        pulsar.MessageId.deserialize(garbage)


def test_wrap_is_accepted_for_compatibility():
    m = pulsar.MessageId(2, 3, 4, 5)
    wrapped = pulsar.MessageId.wrap(m)
    assert isinstance(wrapped, pulsar.MessageId)
    assert wrapped == m
    assert str(wrapped) == "(3,4,2,5)"
