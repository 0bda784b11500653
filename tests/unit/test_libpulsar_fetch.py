"""wheels/fetch_libpulsar.py's pure parts, without network: which pinned wheel a platform
gets, what a hash mismatch says, and the FASTPULSAR_LIBPULSAR override."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "wheels" / "fetch_libpulsar.py"
GLIBC = ("glibc", "2.36")


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_libpulsar", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses looks the module up in sys.modules while building the class.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fetch = load_script()


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_linux_glibc_machines_get_their_own_manylinux_wheel(machine):
    assert fetch.machine_for(f"linux-{machine}", GLIBC, 64) == machine
    pin = fetch.PINS[machine][fetch.PREFERRED_TAG]
    assert pin.filename.endswith(f"-manylinux_2_28_{machine}.whl")
    assert pin.filename.startswith("pulsar_client-3.13.0-")


def test_every_pin_is_consistent():
    for machine, pins in fetch.PINS.items():
        assert fetch.PREFERRED_TAG in pins
        for tag, pin in pins.items():
            assert pin.filename == (
                f"pulsar_client-3.13.0-{tag}-{tag}-manylinux_2_28_{machine}.whl"
            )
            assert re.fullmatch(r"pulsar_client\.libs/libpulsar-[0-9a-f]{8}\.so", pin.member)
            assert re.fullmatch(r"[0-9a-f]{64}", pin.sha256)
            assert re.fullmatch(r"[0-9a-f]{64}", pin.library_sha256)
    hashes = [p.library_sha256 for pins in fetch.PINS.values() for p in pins.values()]
    assert len(set(hashes)) == len(hashes), "two pins share a library hash"


@pytest.mark.parametrize(
    ("build_platform", "libc", "bits", "named"),
    [
        ("macosx-11.0-arm64", ("", ""), 64, "macosx-11.0-arm64"),
        ("win-amd64", ("", ""), 64, "win-amd64"),
        ("linux-ppc64le", GLIBC, 64, "linux-ppc64le"),
        ("linux-x86_64", GLIBC, 32, "32-bit"),
        ("linux-x86_64", ("", ""), 64, "musl"),
        ("linux-aarch64", ("glibc", "2.17"), 64, "glibc 2.17 is too old"),
    ],
)
def test_unsupported_platform_is_named(build_platform, libc, bits, named):
    with pytest.raises(fetch.FetchError, match=re.escape(named)):
        fetch.machine_for(build_platform, libc, bits)


def test_pip_download_asks_for_exactly_the_pinned_wheel(tmp_path):
    pin = fetch.PINS["aarch64"]["cp312"]
    command = fetch.pip_download_command(pin, tmp_path)
    assert command[:4] == [sys.executable, "-m", "pip", "download"]
    options = dict(zip(command, command[1:]))
    assert options["--platform"] == "manylinux_2_28_aarch64"
    assert options["--python-version"] == "3.12"
    assert options["--abi"] == "cp312"
    assert options["--dest"] == str(tmp_path)
    assert "--no-deps" in command
    assert command[-1] == "pulsar-client==3.13.0"


def test_hash_mismatch_names_the_file_both_hashes_and_what_to_do(tmp_path):
    path = tmp_path / "some.whl"
    path.write_bytes(b"not the wheel")
    actual = hashlib.sha256(b"not the wheel").hexdigest()
    expected = "0" * 64
    with pytest.raises(fetch.FetchError) as info:
        fetch.verify(path, expected, "the wheel", fetch.REMEDY_INDEX)
    message = str(info.value)
    assert str(path) in message
    assert actual in message
    assert expected in message
    assert "get the pulsar-client 3.13.0 wheel from PyPI" in message


def test_matching_hash_passes(tmp_path):
    path = tmp_path / "lib.so"
    path.write_bytes(b"library")
    fetch.verify(path, {"1" * 64, hashlib.sha256(b"library").hexdigest()}, "x", "")


@pytest.fixture
def fake_pin(monkeypatch, tmp_path):
    """A pinned x86_64 library whose bytes the test owns."""
    content = b"\x7fELF a stand-in for libpulsar"
    pin = fetch.WheelPin(
        "pulsar_client-3.13.0-cp312-cp312-manylinux_2_28_x86_64.whl",
        "2" * 64,
        "pulsar_client.libs/libpulsar-0123abcd.so",
        hashlib.sha256(content).hexdigest(),
    )
    monkeypatch.setitem(fetch.PINS, "x86_64", {"cp312": pin})
    return pin, content


def test_override_with_its_soname_is_used_in_place(fake_pin, tmp_path):
    pin, content = fake_pin
    library = tmp_path / pin.soname
    library.write_bytes(content)
    cache = tmp_path / "cache"
    assert fetch.from_override(str(library), "x86_64", False, cache) == library
    assert not cache.exists()


def test_renamed_override_is_copied_under_its_soname(fake_pin, tmp_path):
    pin, content = fake_pin
    library = tmp_path / "libpulsar.so"
    library.write_bytes(content)
    path = fetch.from_override(str(library), "x86_64", False, tmp_path / "cache")
    assert path.name == pin.soname
    assert path.read_bytes() == content
    assert path == fetch.cached_path(tmp_path / "cache", pin)


def test_override_with_another_hash_is_refused_unless_unchecked(fake_pin, tmp_path):
    library = tmp_path / "libpulsar-0123abcd.so"
    library.write_bytes(b"something else")
    with pytest.raises(fetch.FetchError, match="FASTPULSAR_LIBPULSAR_UNCHECKED=1"):
        fetch.from_override(str(library), "x86_64", False, tmp_path / "cache")
    assert fetch.from_override(str(library), "x86_64", True, tmp_path / "cache") == library


def test_missing_override_is_named(tmp_path):
    missing = tmp_path / "nope.so"
    with pytest.raises(fetch.FetchError, match=re.escape(f"FASTPULSAR_LIBPULSAR={missing}")):
        fetch.from_override(str(missing), "x86_64", False, tmp_path)


def test_main_prints_the_override_and_reports_errors(fake_pin, tmp_path, monkeypatch, capsys):
    pin, content = fake_pin
    library = tmp_path / pin.soname
    library.write_bytes(content)
    monkeypatch.setattr(fetch.sysconfig, "get_platform", lambda: "linux-x86_64")
    monkeypatch.setattr(fetch.platform, "libc_ver", lambda: GLIBC)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("FASTPULSAR_LIBPULSAR", str(library))
    monkeypatch.delenv("FASTPULSAR_LIBPULSAR_UNCHECKED", raising=False)
    assert fetch.main([]) == 0
    assert capsys.readouterr().out.strip() == str(library)

    library.write_bytes(b"tampered")
    assert fetch.main([]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "is not a pinned libpulsar" in captured.err


def test_cached_library_is_reused_without_download(fake_pin, tmp_path, monkeypatch):
    pin, content = fake_pin
    cached = fetch.cached_path(tmp_path, pin)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(content)

    def no_download(*args):
        raise AssertionError("downloaded although the cache holds the library")

    monkeypatch.setattr(fetch, "download", no_download)
    assert fetch.obtain("x86_64", [tmp_path]) == cached
