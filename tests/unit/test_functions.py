"""pulsar.functions: the Pulsar Functions authoring interfaces and serializers of
pulsar-client 3.13, compared with the official client's own on the same inputs."""

from __future__ import annotations

import json
import pickle
import subprocess

import pytest
from fastpulsar_testing.official_venv import clean_env

import pulsar
from pulsar.functions import Context, Function, IdentitySerDe, PickleSerDe, SerDe

SAMPLES = [b"12", b"-3", b"1.5", b"1e3", b"2j", b"(1+2j)", b"abc", b"", b"\xff\xfe", b" 7 "]


def describe(value: object) -> list[str]:
    return [type(value).__name__, repr(value)]


def test_identity_serde_round_trips_text_and_numbers():
    serde = IdentitySerDe()
    assert serde.serialize(12) == b"12"
    assert serde.serialize(1.5) == b"1.5"
    assert serde.serialize(2j) == b"2j"
    assert serde.serialize("héllo") == "héllo".encode()
    assert serde.serialize(b"\x00raw") == b"\x00raw"
    with pytest.raises(TypeError, match="list"):
        serde.serialize([1])
    assert serde.deserialize(b"12") == 12
    assert serde.deserialize(b"1.5") == 1.5
    assert serde.deserialize(b"2j") == 2j
    assert serde.deserialize(b"abc") == "abc"
    assert serde.deserialize(b"\xff\xfe") == b"\xff\xfe"


def test_pickle_serde_round_trips():
    serde = PickleSerDe()
    value = {"a": [1, 2.5, "x"], "b": None}
    assert serde.deserialize(serde.serialize(value)) == value
    assert pickle.loads(serde.serialize(value)) == value


def test_interfaces_can_be_subclassed_and_exported_as_in_pulsar_client():
    class Echo(Function):
        def process(self, input, context):
            return input

    assert Echo().process("x", Context())  # type: ignore[abstract] # not an ABC, as theirs == "x"
    assert issubclass(IdentitySerDe, SerDe)
    assert issubclass(PickleSerDe, SerDe)
    for name in ("Context", "Function", "SerDe", "IdentitySerDe", "PickleSerDe"):
        assert getattr(pulsar, name) is getattr(pulsar.functions, name)
    # As in pulsar-client, the interfaces are not ABCs: an incomplete subclass instantiates.
    assert Context().get_message_id() is None  # type: ignore[abstract]


def run_official(official_python, tmp_path, code: str, stdin: str = "") -> str:
    """Run ``code`` with the official client, from ``tmp_path`` with a clean environment (the
    checkout's pulsar/ must not shadow theirs); its stdout."""
    proc = subprocess.run(
        [str(official_python), "-c", code],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=str(tmp_path),
        env=clean_env(),
    )
    return proc.stdout


@pytest.mark.interop
def test_identity_serde_matches_the_official_client(official_python, tmp_path):
    code = (
        "import json, sys\n"
        "from pulsar.functions.serde import IdentitySerDe\n"
        "s = IdentitySerDe()\n"
        "out = []\n"
        "for raw in json.loads(sys.stdin.read()):\n"
        "    v = s.deserialize(bytes.fromhex(raw))\n"
        "    out.append([type(v).__name__, repr(v)])\n"
        "print(json.dumps(out))\n"
    )
    theirs = json.loads(
        run_official(official_python, tmp_path, code, json.dumps([s.hex() for s in SAMPLES]))
    )
    ours = [describe(IdentitySerDe().deserialize(s)) for s in SAMPLES]
    assert ours == theirs
    # And the names the official Context declares, we declare too.
    code = (
        "from pulsar.functions.context import Context\n"
        "print(' '.join(sorted(n for n in vars(Context) if not n.startswith('_'))))\n"
    )
    names = run_official(official_python, tmp_path, code).split()
    assert names == sorted(n for n in vars(Context) if not n.startswith("_"))
