"""The enums behave as pulsar-client's pybind11 enums where a user could notice."""

from __future__ import annotations

import pickle

import pytest

import pulsar

ENUMS = [
    pulsar.Result,
    pulsar.CompressionType,
    pulsar.PartitionsRoutingMode,
    pulsar.BatchingType,
    pulsar.ProducerAccessMode,
    pulsar.ConsumerType,
    pulsar.InitialPosition,
    pulsar.RegexSubscriptionMode,
    pulsar.ConsumerCryptoFailureAction,
    pulsar.LoggerLevel,
    pulsar.SchemaType,
]


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_members_str_repr_int_and_lookup_by_value(enum):
    for name, member in enum.__members__.items():
        assert str(member) == f"{enum.__name__}.{name}"
        assert repr(member) == f"<{enum.__name__}.{name}: {member.value}>"
        assert int(member) == member.value
        assert enum(member.value) is member
        assert member.name == name
        assert pickle.loads(pickle.dumps(member)) is member


def test_result_compares_like_pulsar_clients_enum():
    assert pulsar.Result.Ok == pulsar.Result.Ok
    assert pulsar.Result.Ok != pulsar.Result.Timeout
    assert pulsar.Result.Ok == 0  # pulsar-client's pybind11 enums equal their values
    assert pulsar.Result.Timeout != 0
    assert hash(pulsar.Result.Ok) == hash(pulsar.Result(0))
    assert [0, 1, 2][pulsar.Result.InvalidConfiguration] == 2  # usable as an index
    assert f"{pulsar.Result.Timeout}" == "Result.Timeout"
    assert "%s" % pulsar.Result.Timeout == "Result.Timeout"  # noqa: UP031 - %-formatting too
