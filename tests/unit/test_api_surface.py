"""Module surface: enums, the Result enum, the exception hierarchy and exported names.

No broker needed.  Expected names and values are those of pulsar-client 3.13.0 (plus
``Result.Disconnected`` = 46 from libpulsar 4.2.0).
"""

import pytest

import pulsar
import pulsar.exceptions
import pulsar.schema

# The Result names and values are written once, in src/abi/results.hpp (tools/
# update_results.py generates pulsar's sections from it); tests/integration/test_interop.py
# compares them with the official client's own enum.
RESULTS = {member.name: int(member) for member in pulsar.Result}

# The exception classes exported by pulsar-client 3.13.0's pulsar.exceptions.
OFFICIAL_EXCEPTIONS = [name for name in RESULTS if name != "Ok"]

ENUMS = {
    "CompressionType": {"NONE": 0, "LZ4": 1, "ZLib": 2, "ZSTD": 3, "SNAPPY": 4},
    "PartitionsRoutingMode": {
        "UseSinglePartition": 0,
        "RoundRobinDistribution": 1,
        "CustomPartition": 2,
    },
    "BatchingType": {"Default": 0, "KeyBased": 1},
    "ProducerAccessMode": {
        "Shared": 0,
        "Exclusive": 1,
        "WaitForExclusive": 2,
        "ExclusiveWithFencing": 3,
    },
    "ConsumerType": {"Exclusive": 0, "Shared": 1, "Failover": 2, "KeyShared": 3},
    "InitialPosition": {"Latest": 0, "Earliest": 1},
}


@pytest.mark.parametrize("enum_name", sorted(ENUMS))
def test_enum_members_and_values(enum_name):
    enum = getattr(pulsar, enum_name)
    for member, value in ENUMS[enum_name].items():
        item = getattr(enum, member)
        assert int(item) == value, f"{enum_name}.{member}"
        assert item.name == member
        assert item == getattr(enum, member)
    members = list(ENUMS[enum_name])
    assert getattr(enum, members[0]) != getattr(enum, members[1])


def test_result_enum_members_and_values():
    for name, value in RESULTS.items():
        member = getattr(pulsar.Result, name)
        assert int(member) == value, name
        assert member.name == name
    assert int(pulsar.Result.Disconnected) == 46
    assert pulsar.Result.Ok != pulsar.Result.Timeout


@pytest.mark.parametrize("name", OFFICIAL_EXCEPTIONS)
def test_exception_class_per_result(name):
    cls = getattr(pulsar.exceptions, name)
    assert isinstance(cls, type)
    assert issubclass(cls, pulsar.exceptions.PulsarException)
    assert cls is not pulsar.exceptions.PulsarException
    # Importable from the top-level package too (``from pulsar import Timeout``).
    assert getattr(pulsar, name) is cls


def test_exception_base_classes():
    assert pulsar.PulsarException is pulsar.exceptions.PulsarException
    assert issubclass(pulsar.PulsarException, Exception)
    assert issubclass(pulsar.Timeout, pulsar.PulsarException)
    distinct = {getattr(pulsar.exceptions, n) for n in OFFICIAL_EXCEPTIONS}
    assert len(distinct) == len(OFFICIAL_EXCEPTIONS)


def test_public_classes_exist():
    for name in (
        "Client",
        "Producer",
        "Consumer",
        "Message",
        "MessageId",
        "Authentication",
        "AuthenticationToken",
        "AuthenticationTLS",
        "AuthenticationBasic",
        "AuthenticationOauth2",
    ):
        assert isinstance(getattr(pulsar, name), type), name
    assert isinstance(pulsar.schema.BytesSchema(), pulsar.schema.Schema)
    assert isinstance(pulsar.schema.StringSchema(), pulsar.schema.Schema)
    assert isinstance(pulsar.__version__, str)
    assert pulsar.__version__
