"""pulsar.MessageId(partition=-1, ledger_id=-1, entry_id=-1, batch_index=-1), pulsar-client
3.13's constructor: the extremes of each field, mixed positional and keyword arguments, and
the TypeError that 3.13 raises for a value that is not an int."""

import pytest

import pulsar

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@pytest.mark.parametrize(
    ("partition", "ledger_id", "entry_id", "batch_index"),
    [
        (INT32_MAX, INT64_MAX, INT64_MAX, INT32_MAX),
        (INT32_MIN, INT64_MIN, INT64_MIN, INT32_MIN),
        (0, 0, 0, 0),
        (7, 123456789012, 42, 3),
    ],
)
def test_each_field_keeps_its_value(partition, ledger_id, entry_id, batch_index):
    m = pulsar.MessageId(partition, ledger_id, entry_id, batch_index)
    assert (m.partition(), m.ledger_id(), m.entry_id(), m.batch_index()) == (
        partition,
        ledger_id,
        entry_id,
        batch_index,
    )
    assert pulsar.MessageId.deserialize(m.serialize()) == m


def test_positional_and_keyword_arguments_mix():
    m = pulsar.MessageId(2, entry_id=9, ledger_id=8)
    assert (m.partition(), m.ledger_id(), m.entry_id(), m.batch_index()) == (2, 8, 9, -1)
    assert m == pulsar.MessageId(partition=2, ledger_id=8, entry_id=9, batch_index=-1)


def test_only_batch_index_given():
    m = pulsar.MessageId(batch_index=5)
    assert (m.partition(), m.ledger_id(), m.entry_id(), m.batch_index()) == (-1, -1, -1, 5)


@pytest.mark.parametrize("bad", ["1", 1.5, None, b"1"])
def test_a_value_that_is_not_an_int_raises_type_error(bad):
    with pytest.raises(TypeError):
        pulsar.MessageId(bad)
    with pytest.raises(TypeError):
        pulsar.MessageId(ledger_id=bad)


def test_unknown_keyword_and_too_many_arguments_raise_type_error():
    with pytest.raises(TypeError):
        pulsar.MessageId(ledger=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        pulsar.MessageId(1, 2, 3, 4, 5)  # type: ignore[call-arg]
