"""wheels/fetch_libpulsar.py's pure parts, without network: which pinned wheel a platform
gets, what a hash mismatch says, and the FASTPULSAR_LIBPULSAR override."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
import zipfile
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
    key = fetch.machine_for(f"linux-{machine}", GLIBC, 64)
    assert key == f"manylinux_2_28_{machine}"
    pin = fetch.pin_for(key, "cp39")  # any CPython: the library does not depend on it
    assert pin == fetch.PINS[key][fetch.PREFERRED_TAG]
    assert pin.filename.endswith(f"-manylinux_2_28_{machine}.whl")
    assert pin.filename.startswith("pulsar_client-3.13.0-")
    assert pin.dependencies == ()


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_musl_machines_get_the_musllinux_wheel_with_its_libstdcxx(machine):
    key = fetch.machine_for(f"linux-{machine}", ("musl", ""), 64)
    assert key == f"musllinux_1_2_{machine}"
    pin = fetch.pin_for(key, "cp313")
    assert pin.filename.endswith(f"-musllinux_1_2_{machine}.whl")
    assert re.fullmatch(r"libpulsar-[0-9a-f]{8}\.so", pin.soname)
    names = sorted(m.name for m in pin.dependencies)
    assert [n.split("-")[0] for n in names] == ["libgcc_s", "libstdc++"]


@pytest.mark.parametrize(
    "build_platform",
    ["macosx-13.0-arm64", "macosx-13.0-x86_64", "macosx-10.9-universal2", "macosx-14.0-arm64"],
)
def test_macos_gets_the_universal2_wheel_of_the_building_cpython(build_platform):
    key = fetch.machine_for(build_platform, ("", ""), 64)
    assert key == "macosx_13_0_universal2"
    pin = fetch.pin_for(key, "cp311")
    assert pin.filename == "pulsar_client-3.13.0-cp311-cp311-macosx_13_0_universal2.whl"
    assert pin.soname == "_pulsar.cpython-311-darwin.so"


def test_windows_gets_the_amd64_wheel_of_the_building_cpython():
    key = fetch.machine_for("win-amd64", ("", ""), 64)
    assert key == "win_amd64"
    pin = fetch.pin_for(key, "cp314")
    assert pin.filename == "pulsar_client-3.13.0-cp314-cp314-win_amd64.whl"
    assert pin.soname == "_pulsar.cp314-win_amd64.pyd"


@pytest.mark.parametrize("key", ["macosx_13_0_universal2", "win_amd64"])
def test_cpython_39_cannot_build_where_libpulsar_is_in_the_extension(key):
    with pytest.raises(fetch.FetchError, match=r"no pulsar-client 3\.13\.0 wheel for cp39"):
        fetch.pin_for(key, "cp39")


def test_every_pin_is_consistent():
    tags = {"cp310", "cp311", "cp312", "cp313", "cp314"}
    assert set(fetch.PINS) == {
        "manylinux_2_28_x86_64",
        "manylinux_2_28_aarch64",
        "musllinux_1_2_x86_64",
        "musllinux_1_2_aarch64",
        "macosx_13_0_universal2",
        "win_amd64",
    }
    library = {
        "manylinux": r"pulsar_client\.libs/libpulsar-[0-9a-f]{8}\.so",
        "musllinux": r"pulsar_client\.libs/libpulsar-[0-9a-f]{8}\.so",
        "macosx": r"_pulsar\.cpython-{v}-darwin\.so",
        "win": r"_pulsar\.cp{v}-win_amd64\.pyd",
    }
    for key, pins in fetch.PINS.items():
        assert set(pins) == tags
        for tag, pin in pins.items():
            assert pin.filename == f"pulsar_client-3.13.0-{tag}-{tag}-{key}.whl"
            assert pin.platform_tag == key
            pattern = library[key.split("_")[0]].replace("{v}", tag[2:])
            assert re.fullmatch(pattern, pin.library.path), pin.library.path
            for member in (pin.library, *pin.dependencies):
                assert re.fullmatch(r"[0-9a-f]{64}", member.sha256)
            assert re.fullmatch(r"[0-9a-f]{64}", pin.sha256)
    wheels = [p.sha256 for pins in fetch.PINS.values() for p in pins.values()]
    assert len(set(wheels)) == len(wheels), "two pins share a wheel hash"
    # Each platform's libraries are its own (musllinux's are the same bytes in every tag).
    per_platform = [{p.library.sha256 for p in pins.values()} for pins in fetch.PINS.values()]
    flat = [h for hashes in per_platform for h in hashes]
    assert len(set(flat)) == len(flat), "two platforms share a library hash"


@pytest.mark.parametrize(
    ("build_platform", "libc", "bits", "named"),
    [
        ("macosx-11.0-ppc", ("", ""), 64, "macosx-11.0-ppc"),
        ("win32", ("", ""), 32, "32-bit"),
        ("win-arm64", ("", ""), 64, "win-arm64"),
        ("linux-ppc64le", GLIBC, 64, "linux-ppc64le"),
        ("linux-x86_64", GLIBC, 32, "32-bit"),
        ("linux-x86_64", ("", ""), 64, "neither glibc nor musl"),
        ("linux-aarch64", ("glibc", "2.17"), 64, "glibc 2.17 is too old"),
    ],
)
def test_unsupported_platform_is_named(build_platform, libc, bits, named):
    with pytest.raises(fetch.FetchError, match=re.escape(named)):
        fetch.machine_for(build_platform, libc, bits)


def test_musl_is_recognised_by_its_loader(monkeypatch):
    monkeypatch.setattr(fetch.platform, "libc_ver", lambda: ("", ""))
    monkeypatch.setattr(fetch.glob, "glob", lambda pattern: [pattern])
    assert fetch.libc_of("aarch64") == ("musl", "")
    monkeypatch.setattr(fetch.glob, "glob", lambda pattern: [])
    assert fetch.libc_of("aarch64") == ("", "")
    monkeypatch.setattr(fetch.platform, "libc_ver", lambda: GLIBC)
    assert fetch.libc_of("x86_64") == GLIBC


@pytest.mark.parametrize(
    ("key", "tag", "platform_tag"),
    [
        ("manylinux_2_28_aarch64", "cp312", "manylinux_2_28_aarch64"),
        ("musllinux_1_2_x86_64", "cp312", "musllinux_1_2_x86_64"),
        ("macosx_13_0_universal2", "cp310", "macosx_13_0_universal2"),
        ("win_amd64", "cp313", "win_amd64"),
    ],
)
def test_pip_download_asks_for_exactly_the_pinned_wheel(tmp_path, key, tag, platform_tag):
    pin = fetch.PINS[key][tag]
    command = fetch.pip_download_command(pin, tmp_path)
    assert command[:4] == [sys.executable, "-m", "pip", "download"]
    options = dict(zip(command, command[1:]))
    assert options["--platform"] == platform_tag
    assert options["--python-version"] == f"3.{tag[3:]}"
    assert options["--abi"] == tag
    assert options["--dest"] == str(tmp_path)
    assert "--no-deps" in command
    assert command[-1] == "pulsar-client==3.13.0"


def make_pe(names: list[str], pe32_plus: bool = True) -> bytes:
    """A minimal PE image with one section holding an export table of names."""
    section_rva, section_raw = 0x1000, 0x200
    optional_size = 240 if pe32_plus else 224
    # Export directory (40 bytes), then the name pointer table, then the names.
    strings, pointers, cursor = b"", [], section_rva + 40 + 4 * len(names)
    for name in names:
        pointers.append(cursor + len(strings))
        strings += name.encode() + b"\0"
    directory = bytearray(40)
    directory[24:28] = len(names).to_bytes(4, "little")
    directory[32:36] = (section_rva + 40).to_bytes(4, "little")
    body = bytes(directory) + b"".join(p.to_bytes(4, "little") for p in pointers) + strings
    header = bytearray(section_raw)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = (0x40).to_bytes(4, "little")
    header[0x40:0x44] = b"PE\0\0"
    coff = 0x44
    header[coff + 2 : coff + 4] = (1).to_bytes(2, "little")  # one section
    header[coff + 16 : coff + 18] = optional_size.to_bytes(2, "little")
    optional = coff + 20
    header[optional : optional + 2] = (0x20B if pe32_plus else 0x10B).to_bytes(2, "little")
    exports = optional + (112 if pe32_plus else 96)
    header[exports : exports + 4] = section_rva.to_bytes(4, "little")
    header[exports + 4 : exports + 8] = len(body).to_bytes(4, "little")
    section = optional + optional_size
    header[section : section + 8] = b".edata\0\0"
    for offset, value in ((8, len(body)), (12, section_rva), (16, len(body)), (20, section_raw)):
        header[section + offset : section + offset + 4] = value.to_bytes(4, "little")
    return bytes(header) + body


@pytest.mark.parametrize("pe32_plus", [True, False])
def test_pe_exports_reads_the_export_table(pe32_plus):
    names = ["??0Client@pulsar@@QEAA@XZ", "PyInit__pulsar", "??_7Authentication@pulsar@@6B@"]
    assert fetch.pe_exports(make_pe(names, pe32_plus)) == names


def test_pe_exports_refuses_what_is_not_a_pe_image():
    with pytest.raises(fetch.FetchError, match="not a PE image"):
        fetch.pe_exports(b"\x7fELF" + bytes(200))


def test_def_file_marks_data_exports(tmp_path):
    code = [
        "??0Client@pulsar@@QEAA@AEBV?$basic_string@DU?$char_traits@D@std@@@std@@@Z",
        "?send@Producer@pulsar@@QEAA?AW4Result@2@AEBVMessage@2@@Z",
        "PyInit__pulsar",
    ]
    data = ["??_7Authentication@pulsar@@6B@", "?EMPTY@Message@pulsar@@2V12@B"]
    library = tmp_path / "_pulsar.pyd"
    library.write_bytes(make_pe(code + data))
    text = fetch.write_def(library, tmp_path / "out" / "x.def").read_text()
    lines = text.splitlines()
    assert lines[0] == "EXPORTS"
    assert [line.strip() for line in lines[1:]] == code + [f"{n} DATA" for n in data]


def test_windows_report_writes_the_def_beside_the_library(tmp_path):
    pin = fetch.PINS["win_amd64"]["cp312"]
    library = tmp_path / pin.soname
    library.write_bytes(make_pe(["?f@pulsar@@YAXXZ"]))
    lines = fetch.report("win_amd64", library, tmp_path / "exports")
    definition = tmp_path / "exports" / "_pulsar.cp312-win_amd64.def"
    assert lines == [f"library={library}", f"exports={definition}"]
    assert "?f@pulsar@@YAXXZ" in definition.read_text()


def test_musl_report_names_the_dependencies_beside_the_library(tmp_path):
    pin = fetch.PINS["musllinux_1_2_x86_64"]["cp312"]
    library = tmp_path / pin.soname
    lines = fetch.report("musllinux_1_2_x86_64", library, tmp_path)
    assert lines[0] == f"library={library}"
    assert lines[1:] == [f"dependency={tmp_path / m.name}" for m in pin.dependencies]


def make_wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pulsar/__init__.py", b"")
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_extract_takes_the_library_and_its_dependencies(tmp_path):
    contents = {
        "pulsar_client.libs/libpulsar-0123abcd.so": b"libpulsar",
        "pulsar_client.libs/libstdc++-01234567.so.6.0.33": b"libstdc++",
    }
    members = [fetch.Member(n, hashlib.sha256(c).hexdigest()) for n, c in contents.items()]
    pin = fetch.WheelPin("x.whl", "0" * 64, members[0], (members[1],))
    wheel = make_wheel(tmp_path / "x.whl", contents)
    target = fetch.cached_path(tmp_path / "cache", pin)
    fetch.extract(wheel, pin, target)
    assert target.read_bytes() == b"libpulsar"
    assert (target.parent / "libstdc++-01234567.so.6.0.33").read_bytes() == b"libstdc++"
    # A wheel bundling something unexpected is refused.
    contents["pulsar_client.libs/libz-89abcdef.so"] = b"zlib"
    with pytest.raises(fetch.FetchError, match="expected"):
        fetch.extract(make_wheel(tmp_path / "y.whl", contents), pin, target)


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
        fetch.Member(
            "pulsar_client.libs/libpulsar-0123abcd.so", hashlib.sha256(content).hexdigest()
        ),
    )
    monkeypatch.setitem(fetch.PINS, "manylinux_2_28_x86_64", {"cp312": pin})
    return pin, content


def test_override_with_its_soname_is_used_in_place(fake_pin, tmp_path):
    pin, content = fake_pin
    library = tmp_path / pin.soname
    library.write_bytes(content)
    cache = tmp_path / "cache"
    assert fetch.from_override(str(library), "manylinux_2_28_x86_64", False, cache) == library
    assert not cache.exists()


def test_renamed_override_is_copied_under_its_soname(fake_pin, tmp_path):
    pin, content = fake_pin
    library = tmp_path / "libpulsar.so"
    library.write_bytes(content)
    path = fetch.from_override(str(library), "manylinux_2_28_x86_64", False, tmp_path / "cache")
    assert path.name == pin.soname
    assert path.read_bytes() == content
    assert path == fetch.cached_path(tmp_path / "cache", pin)


def test_override_with_another_hash_is_refused_unless_unchecked(fake_pin, tmp_path):
    library = tmp_path / "libpulsar-0123abcd.so"
    library.write_bytes(b"something else")
    with pytest.raises(fetch.FetchError, match="FASTPULSAR_LIBPULSAR_UNCHECKED=1"):
        fetch.from_override(str(library), "manylinux_2_28_x86_64", False, tmp_path / "cache")
    assert (
        fetch.from_override(str(library), "manylinux_2_28_x86_64", True, tmp_path / "cache")
        == library
    )


def test_missing_override_is_named(tmp_path):
    missing = tmp_path / "nope.so"
    with pytest.raises(fetch.FetchError, match=re.escape(f"FASTPULSAR_LIBPULSAR={missing}")):
        fetch.from_override(str(missing), "manylinux_2_28_x86_64", False, tmp_path)


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
    assert capsys.readouterr().out.strip() == f"library={library}"

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
    assert fetch.obtain(pin, [tmp_path]) == cached
