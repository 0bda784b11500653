"""Obtain libpulsar 4.2.0 for the platform being built and print where it is (for CMake).

The binary comes from a pulsar-client 3.13.0 wheel, whatever Python builds fastpulsar:
for the target platform, one pinned wheel is downloaded with `pip download` in a
subprocess (so the user's pip configuration applies: index URL, find-links, certificates),
its sha256 is checked against the table below, and the library (with the libraries it
needs that the wheel bundles) is extracted into a user cache directory keyed by the
library's sha256, where later builds find it offline.

What each platform's pulsar-client wheel holds (wheels/README.md has the table):

- manylinux_2_28 (glibc) x86_64/aarch64: `pulsar_client.libs/libpulsar-<hash>.so`, which
  needs nothing but the system's libraries. The same build of libpulsar in every CPython
  tag's wheel (the bytes differ only in the bundled OpenSSL's "built on" timestamp, the
  ELF build-id and the SONAME auditwheel gave it), so cp312's is used whatever the
  building Python (3.9 has no wheel), and every tag's library hash is pinned, so
  FASTPULSAR_LIBPULSAR may name any of them.
- musllinux_1_2 x86_64/aarch64: `pulsar_client.libs/libpulsar-<hash>.so` plus the
  libstdc++ and libgcc_s auditwheel grafted beside it (its RPATH is $ORIGIN); identical
  bytes in every tag's wheel. All three are extracted and bundled.
- macOS (universal2, one wheel for x86_64 and arm64, macOS 13.0+) and Windows (amd64): no
  separate library. libpulsar is linked statically into the extension module
  `_pulsar.cpython-3XX-darwin.so` (a Mach-O dylib, install name `@rpath/lib_pulsar.so`) /
  `_pulsar.cp3XX-win_amd64.pyd` (a DLL), which exports libpulsar's C++ API. That module is
  the library fastpulsar links: CMake renames it, and on Windows this script also writes
  a module-definition file of its exports (`exports=` below) for an import library. It
  references its CPython's symbols (python3XX.dll on Windows), so the wheel of the
  building CPython's own tag is used, and CPython 3.9 (no pulsar-client wheel) cannot build
  there.

Environment:
  FASTPULSAR_LIBPULSAR=/path/to/libpulsar-<hash>.so  use this file instead of downloading
      (on macOS/Windows: the pulsar-client wheel's `_pulsar` module of the same CPython;
      on musllinux, the libraries it needs must be beside it, as in pulsar_client.libs/);
      its sha256 must be one of the pinned ones unless FASTPULSAR_LIBPULSAR_UNCHECKED=1.
  XDG_CACHE_HOME  the cache lives in $XDG_CACHE_HOME/fastpulsar (default ~/.cache).

Usage: fetch_libpulsar.py [--fallback-cache-dir DIR]   (DIR: used if the user cache is
not writable; CMake passes its build directory). Prints `library=PATH`, then one
`dependency=PATH` per library to bundle beside it, then on Windows `exports=PATH`. Exit
status 1 with a message on stderr saying what to do when the library cannot be obtained.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

PULSAR_CLIENT_VERSION = "3.13.0"
LIBPULSAR_VERSION = "4.2.0"
# The manylinux_2_28 wheels need glibc 2.28 or newer.
MIN_GLIBC = (2, 28)
# The tag whose wheel is downloaded where the library does not depend on the CPython
# version (Linux); any other would do as well (see the module docstring).
PREFERRED_TAG = "cp312"
MANYLINUX = {"x86_64": "manylinux_2_28_x86_64", "aarch64": "manylinux_2_28_aarch64"}
MUSLLINUX = {"x86_64": "musllinux_1_2_x86_64", "aarch64": "musllinux_1_2_aarch64"}
MACOS = "macosx_13_0_universal2"
WINDOWS = "win_amd64"
# Where libpulsar is linked into one CPython's extension module: the wheel of the building
# CPython's tag, never another (see the module docstring).
PER_PYTHON = frozenset({MACOS, WINDOWS})


@dataclass(frozen=True)
class Member:
    """A file inside a wheel and its sha256."""

    path: str
    sha256: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class WheelPin:
    """One pulsar-client 3.13.0 wheel: its file, its sha256, its libpulsar and what that
    needs from the wheel (bundled beside it, under the same names)."""

    filename: str
    sha256: str
    library: Member  # its base name is the SONAME on Linux
    dependencies: tuple[Member, ...] = ()

    @property
    def soname(self) -> str:
        return self.library.name

    @property
    def platform_tag(self) -> str:
        return self.filename[: -len(".whl")].rsplit("-", 1)[1]


# sha256 computed from the files downloaded from PyPI with pip (each matches the digest
# PyPI's simple index publishes for the file), and of the members extracted from them.
# Where a platform's library and its bundled dependencies are the same files in every
# CPython's wheel (musllinux), they are pinned once below and named by each wheel's pin.
_MUSLLINUX_1_2_AARCH64_LIBRARY = Member(
    "pulsar_client.libs/libpulsar-54f5e44c.so",
    "83bdeeb7cfa210400b437e24166c7fea5d02c5f0775f15a9dba3ef3721a27efa",
)
_MUSLLINUX_1_2_AARCH64_DEPENDENCIES = (
    Member(
        "pulsar_client.libs/libgcc_s-2d945d6c.so.1",
        "767fb99107fa5e41168413b1eed9d73191c94126c37526263e1af1f1f898788f",
    ),
    Member(
        "pulsar_client.libs/libstdc++-85f2cd6d.so.6.0.33",
        "74d419612500998317744231a2b322e296836f4a111fdb48196f136d17f0f030",
    ),
)
_MUSLLINUX_1_2_X86_64_LIBRARY = Member(
    "pulsar_client.libs/libpulsar-e6012b6d.so",
    "ee4a65e1955af0d4e14a97314e577a50144fcaab501815a9a760356524b8a102",
)
_MUSLLINUX_1_2_X86_64_DEPENDENCIES = (
    Member(
        "pulsar_client.libs/libgcc_s-0cd532bd.so.1",
        "c8f934f958f22b3b9c8e790fde6bc2d2f55ab9ae8b9f5eea65425b20271782d0",
    ),
    Member(
        "pulsar_client.libs/libstdc++-5d72f927.so.6.0.33",
        "e43bc58c5e9fde5230e0aab5a9927a4d01a034d9f1d760856682b4d1695da3c0",
    ),
)

PINS: dict[str, dict[str, WheelPin]] = {
    "manylinux_2_28_x86_64": {
        "cp310": WheelPin(
            "pulsar_client-3.13.0-cp310-cp310-manylinux_2_28_x86_64.whl",
            "8e4bd5a7237829b9fb670f477e54c16ff6dbfde363b40f252e957a50c1fba0d9",
            Member(
                "pulsar_client.libs/libpulsar-401d6421.so",
                "a100153fa55bfd00c1b6ff8527193b55e28afcec573bf204088618a1d503cb9c",
            ),
        ),
        "cp311": WheelPin(
            "pulsar_client-3.13.0-cp311-cp311-manylinux_2_28_x86_64.whl",
            "f958a6149b28cfe354d33f2af229e2257d0bc4e1f195eefbd4cbae5d7fd7961d",
            Member(
                "pulsar_client.libs/libpulsar-b0edd7ad.so",
                "e097f092d1f66ac0a40fbedc634306985c5d46f638de3956e076e919dc28f464",
            ),
        ),
        "cp312": WheelPin(
            "pulsar_client-3.13.0-cp312-cp312-manylinux_2_28_x86_64.whl",
            "863fd7b8cdc162f3cc0ea7217c37604c66a7bc9bb5cd554566c5d07f89a50e5e",
            Member(
                "pulsar_client.libs/libpulsar-6c62b74d.so",
                "1e2be373c531941e70837a22720594382abe1fd41a8405d166ec321b9249b700",
            ),
        ),
        "cp313": WheelPin(
            "pulsar_client-3.13.0-cp313-cp313-manylinux_2_28_x86_64.whl",
            "afa143cbadbe0e13c3afcc3925442ee67a3b611d28110462fbcd37fc95cdcd94",
            Member(
                "pulsar_client.libs/libpulsar-7bad4588.so",
                "f93616b05a374cf026ecb8652ecb41460dbaaf5a24b37a3dbb41eaf39ad2327e",
            ),
        ),
        "cp314": WheelPin(
            "pulsar_client-3.13.0-cp314-cp314-manylinux_2_28_x86_64.whl",
            "edd8ffd12cf3dd4b72b080e815652f0c2f18045b5e9b779e63e43caad470e834",
            Member(
                "pulsar_client.libs/libpulsar-7523eaed.so",
                "e54f65b9693d019ec78790879b425456bd74629ed85beef56a936f8805532526",
            ),
        ),
    },
    "manylinux_2_28_aarch64": {
        "cp310": WheelPin(
            "pulsar_client-3.13.0-cp310-cp310-manylinux_2_28_aarch64.whl",
            "61c4b8f478cbe843a9793f3e145709efb407ca6979a4b23b8ee7abd585770720",
            Member(
                "pulsar_client.libs/libpulsar-6ddcddc6.so",
                "c73d942b59816abf69500785a7e7901dfe85c7d25d8ed32b6b01cbff2c102608",
            ),
        ),
        "cp311": WheelPin(
            "pulsar_client-3.13.0-cp311-cp311-manylinux_2_28_aarch64.whl",
            "7c87a6944d5531b59b556b6078b9a0fb6d2dceff7a2edc8875bba43ed37c7f6a",
            Member(
                "pulsar_client.libs/libpulsar-1e7394d2.so",
                "0f7a80e5269c2c63c5f25e3bc97b976092fafbba70c24f637684fe6c089d79a8",
            ),
        ),
        "cp312": WheelPin(
            "pulsar_client-3.13.0-cp312-cp312-manylinux_2_28_aarch64.whl",
            "03244a8af1886591ee56afb1228b85f8b678f980464a2847ebb9a152d8b5e36a",
            Member(
                "pulsar_client.libs/libpulsar-a0bcc7d9.so",
                "49cad262e345c1aba229dee7adb2e5b4842053bbcc0a9ab3195ce26ca45fc0de",
            ),
        ),
        "cp313": WheelPin(
            "pulsar_client-3.13.0-cp313-cp313-manylinux_2_28_aarch64.whl",
            "7cc1cb49a29a85b8469b42d3a088c0fde639887e0b06120d92c34a9412296528",
            Member(
                "pulsar_client.libs/libpulsar-f275f8ac.so",
                "d4dafd6d6614c31fa7c2854b508b784736440c75b15d1d8d48bcd559c8ea6458",
            ),
        ),
        "cp314": WheelPin(
            "pulsar_client-3.13.0-cp314-cp314-manylinux_2_28_aarch64.whl",
            "6060e6856dad29231aba5464941c3154f5ef3175d7d8f98c9edf994df6cd8820",
            Member(
                "pulsar_client.libs/libpulsar-bab61d8a.so",
                "1dd9d4e61dc627ec5beba76c1b828548b5b6c3b576947586701efd643d76dee5",
            ),
        ),
    },
    "macosx_13_0_universal2": {
        "cp310": WheelPin(
            "pulsar_client-3.13.0-cp310-cp310-macosx_13_0_universal2.whl",
            "7b510a8be6ce5fc6dffb772b80baa00900a4b8a7342be38023fcd38cc7582ad0",
            Member(
                "_pulsar.cpython-310-darwin.so",
                "7e678ab88e503ae03d55550bdabce6fe90e72b90c82d2e43b586196123298234",
            ),
        ),
        "cp311": WheelPin(
            "pulsar_client-3.13.0-cp311-cp311-macosx_13_0_universal2.whl",
            "f2eb3afc2e1c002bc74eadd3f3ba49fb4c337d59e83f0861c79a901b62098ec0",
            Member(
                "_pulsar.cpython-311-darwin.so",
                "223e0190601891cb8ac24d0bf6a6c6c7e5b7064072b6769ce5ef4651d0a7132c",
            ),
        ),
        "cp312": WheelPin(
            "pulsar_client-3.13.0-cp312-cp312-macosx_13_0_universal2.whl",
            "f2f24bacf9ad7999a2c9813db68b438b776a2bc5440ed1bbb9cc62acbfc4f85d",
            Member(
                "_pulsar.cpython-312-darwin.so",
                "76d4538be53eecdff93b9cea916a0e3fd7e56bbef60b1db3d662554834ba8f65",
            ),
        ),
        "cp313": WheelPin(
            "pulsar_client-3.13.0-cp313-cp313-macosx_13_0_universal2.whl",
            "0e76acbc9ca5515650e940a0bb10c45860aa14707bb755dde01d0eb011606d77",
            Member(
                "_pulsar.cpython-313-darwin.so",
                "d4cf152d3481b48ac70d2f836fa149c0e4366152bb88213cdeb9daff1ef25a3c",
            ),
        ),
        "cp314": WheelPin(
            "pulsar_client-3.13.0-cp314-cp314-macosx_13_0_universal2.whl",
            "cf62d0ea76b3dee86536115b9e5b5ecc8087920196afea23fd04d8b38ff0c275",
            Member(
                "_pulsar.cpython-314-darwin.so",
                "662e4696a2491b56e52bba561c474bf12baf43d5840eadf75a8156d77f90802a",
            ),
        ),
    },
    "musllinux_1_2_aarch64": {
        "cp310": WheelPin(
            "pulsar_client-3.13.0-cp310-cp310-musllinux_1_2_aarch64.whl",
            "bc0337146a525837c5bb945c50241427806f8200d96ad839c8b6b08cd631c987",
            _MUSLLINUX_1_2_AARCH64_LIBRARY,
            _MUSLLINUX_1_2_AARCH64_DEPENDENCIES,
        ),
        "cp311": WheelPin(
            "pulsar_client-3.13.0-cp311-cp311-musllinux_1_2_aarch64.whl",
            "f3f769e3128366df63296d7caa4934721f70083def652cb34fb0b55538ba325b",
            _MUSLLINUX_1_2_AARCH64_LIBRARY,
            _MUSLLINUX_1_2_AARCH64_DEPENDENCIES,
        ),
        "cp312": WheelPin(
            "pulsar_client-3.13.0-cp312-cp312-musllinux_1_2_aarch64.whl",
            "da4fe1a58e81d1a3131aa8edb44eac91c9931ad6f8e21b2e3409cb8ee8e9173d",
            _MUSLLINUX_1_2_AARCH64_LIBRARY,
            _MUSLLINUX_1_2_AARCH64_DEPENDENCIES,
        ),
        "cp313": WheelPin(
            "pulsar_client-3.13.0-cp313-cp313-musllinux_1_2_aarch64.whl",
            "2cbcae67dc46c3b85288984a51ee0c194f8898cba54fc31b08eeffef8b113a30",
            _MUSLLINUX_1_2_AARCH64_LIBRARY,
            _MUSLLINUX_1_2_AARCH64_DEPENDENCIES,
        ),
        "cp314": WheelPin(
            "pulsar_client-3.13.0-cp314-cp314-musllinux_1_2_aarch64.whl",
            "25d56f51895a01ae885e71ae3f65369496462139bb506450fa11c1c28941177a",
            _MUSLLINUX_1_2_AARCH64_LIBRARY,
            _MUSLLINUX_1_2_AARCH64_DEPENDENCIES,
        ),
    },
    "musllinux_1_2_x86_64": {
        "cp310": WheelPin(
            "pulsar_client-3.13.0-cp310-cp310-musllinux_1_2_x86_64.whl",
            "6410dacd0c2cef0a0c5539acea448d487a1824ff1c69230ae8d366762938020e",
            _MUSLLINUX_1_2_X86_64_LIBRARY,
            _MUSLLINUX_1_2_X86_64_DEPENDENCIES,
        ),
        "cp311": WheelPin(
            "pulsar_client-3.13.0-cp311-cp311-musllinux_1_2_x86_64.whl",
            "8ce5c596a82b4b43d677d7ba82e6f8a553c6ea50ac7cb42bde986868dc851437",
            _MUSLLINUX_1_2_X86_64_LIBRARY,
            _MUSLLINUX_1_2_X86_64_DEPENDENCIES,
        ),
        "cp312": WheelPin(
            "pulsar_client-3.13.0-cp312-cp312-musllinux_1_2_x86_64.whl",
            "55a060c9a7b58e4daa80aa8126e340d378e0f55e5616523574d3144f5a649347",
            _MUSLLINUX_1_2_X86_64_LIBRARY,
            _MUSLLINUX_1_2_X86_64_DEPENDENCIES,
        ),
        "cp313": WheelPin(
            "pulsar_client-3.13.0-cp313-cp313-musllinux_1_2_x86_64.whl",
            "21c241e7a7f359928f677a97bf7e9b31723f575cc9adc0e09350f5e5a5c1be53",
            _MUSLLINUX_1_2_X86_64_LIBRARY,
            _MUSLLINUX_1_2_X86_64_DEPENDENCIES,
        ),
        "cp314": WheelPin(
            "pulsar_client-3.13.0-cp314-cp314-musllinux_1_2_x86_64.whl",
            "d2f65f2e697d20dbef2a9f04763bada0e20ff34e13650204f95d9acbfed1ec1e",
            _MUSLLINUX_1_2_X86_64_LIBRARY,
            _MUSLLINUX_1_2_X86_64_DEPENDENCIES,
        ),
    },
    "win_amd64": {
        "cp310": WheelPin(
            "pulsar_client-3.13.0-cp310-cp310-win_amd64.whl",
            "7de4a2541059e54c1f6cdf5d961306a6fc7f50cd415425b185b653d7dfa5ec39",
            Member(
                "_pulsar.cp310-win_amd64.pyd",
                "b3f0e68e52ab13b3594c5290a397163e1b24469dbdbddf56c1d3fdde31dd90d4",
            ),
        ),
        "cp311": WheelPin(
            "pulsar_client-3.13.0-cp311-cp311-win_amd64.whl",
            "3111678f649afb78ec4d807d7fd352836912537a9cd1ca2ad43c1f992eb83301",
            Member(
                "_pulsar.cp311-win_amd64.pyd",
                "f95fbf50836cefe4a946bbc5601cd09b1fe15ab839d2cd2bc64051989990e025",
            ),
        ),
        "cp312": WheelPin(
            "pulsar_client-3.13.0-cp312-cp312-win_amd64.whl",
            "f5d5dcfc45f73e05db754f2372d278c1183a674c6e2b91416a4f6c829911365b",
            Member(
                "_pulsar.cp312-win_amd64.pyd",
                "093f7c9e5862a662f565e8a4142c3e7103b6c754780f8267a6082f42acc9f101",
            ),
        ),
        "cp313": WheelPin(
            "pulsar_client-3.13.0-cp313-cp313-win_amd64.whl",
            "56109a622fd5373f7971a0e052732dbbcdd0030b7e69c06377cd49763903df20",
            Member(
                "_pulsar.cp313-win_amd64.pyd",
                "6e7a15bfbb3b148b9b626e2f626f7dc8d51ddf4a8b7bf1f8190ae327c6eba6ff",
            ),
        ),
        "cp314": WheelPin(
            "pulsar_client-3.13.0-cp314-cp314-win_amd64.whl",
            "43aa8b5532aa4ca9417342a4c5a0fcf9e03f9b1a64177be5a2420dea08547685",
            Member(
                "_pulsar.cp314-win_amd64.pyd",
                "b0ca94ad2456323268d9107611f39070f3afd5b8d61cf45260844a97226dbd63",
            ),
        ),
    },
}


class FetchError(Exception):
    """libpulsar cannot be obtained; the message says why and what to do."""


def machine_for(build_platform: str, libc: tuple[str, str], pointer_bits: int) -> str:
    """The PINS key (a pulsar-client wheel's platform tag) for a build platform
    (sysconfig.get_platform()), or FetchError.

    libc is platform.libc_ver() of the building interpreter (("musl", "") on musl, see
    libc_of()), pointer_bits its pointer size.
    """
    supported = (
        "linux-x86_64, linux-aarch64 (glibc >= 2.28 or musl), macOS 13.0+ (x86_64, arm64), "
        "win-amd64"
    )
    bits = "" if pointer_bits == 64 else f" ({pointer_bits}-bit Python)"
    unsupported = FetchError(
        f"no libpulsar {LIBPULSAR_VERSION} binary for platform {build_platform}{bits}: "
        f"fastpulsar builds on {supported} only"
    )
    if pointer_bits != 64:
        raise unsupported
    if build_platform == "win-amd64":
        return WINDOWS
    if build_platform.startswith("macosx-"):
        # macosx-13.0-arm64, macosx-10.9-x86_64, macosx-11.0-universal2: one universal2 wheel.
        if build_platform.rsplit("-", 1)[1] in ("arm64", "x86_64", "universal2"):
            return MACOS
        raise unsupported
    system, _, machine = build_platform.partition("-")
    if system != "linux" or machine not in MANYLINUX:
        raise unsupported
    name, version = libc
    if name == "musl":
        return MUSLLINUX[machine]
    if name != "glibc":
        raise FetchError(
            f"no libpulsar {LIBPULSAR_VERSION} binary for platform {build_platform} with "
            f"libc {name or 'neither glibc nor musl'}: the pulsar-client wheels used are "
            f"manylinux_2_28 (glibc >= {MIN_GLIBC[0]}.{MIN_GLIBC[1]}) and musllinux_1_2"
        )
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    if parts < MIN_GLIBC:
        raise FetchError(
            f"glibc {version} is too old for libpulsar {LIBPULSAR_VERSION} "
            f"(manylinux_2_28 wheels need glibc >= {MIN_GLIBC[0]}.{MIN_GLIBC[1]})"
        )
    return MANYLINUX[machine]


def libc_of(machine: str) -> tuple[str, str]:
    """platform.libc_ver(), or ("musl", "") where it finds no glibc and musl's loader is
    there (platform.libc_ver() does not know musl)."""
    name, version = platform.libc_ver()
    if not name and glob.glob(f"/lib/ld-musl-{machine}.so.1"):
        return ("musl", "")
    return (name, version)


def python_tag() -> str:
    """The building interpreter's wheel tag: cp312 for CPython 3.12."""
    return f"cp{sys.version_info[0]}{sys.version_info[1]}"


def pin_for(machine: str, tag: str) -> WheelPin:
    """The wheel whose library a build for PINS key machine by CPython tag uses."""
    if machine not in PER_PYTHON:
        return PINS[machine][PREFERRED_TAG]
    pin = PINS[machine].get(tag)
    if pin is None:
        have = ", ".join(sorted(PINS[machine]))
        raise FetchError(
            f"no pulsar-client {PULSAR_CLIENT_VERSION} wheel for {tag} on {machine} (there "
            f"are {have}): there libpulsar is linked into one CPython's extension module, "
            "so fastpulsar builds only for those CPythons"
        )
    return pin


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, expected: str | set[str], what: str, remedy: str) -> None:
    """Raise FetchError unless path's sha256 is expected (or one of them)."""
    allowed = {expected} if isinstance(expected, str) else expected
    actual = sha256_of(path)
    if actual not in allowed:
        wanted = " or ".join(sorted(allowed))
        raise FetchError(
            f"sha256 mismatch for {what} {path}: got {actual}, expected {wanted}. {remedy}"
        )


REMEDY_INDEX = (
    "Your package index or find-links directory serves a different file under this name "
    "(or pip's cache holds a corrupt one: `pip cache purge`): get the pulsar-client "
    f"{PULSAR_CLIENT_VERSION} wheel from PyPI"
)
REMEDY_CACHE = "The cached file is corrupt: it is downloaded again"


def user_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fastpulsar"


def cached_path(cache_dir: Path, pin: WheelPin) -> Path:
    """Where pin's library lives in a cache: keyed by its hash, named as in the wheel (its
    dependencies beside it, under their names)."""
    return cache_dir / f"libpulsar-{LIBPULSAR_VERSION}-{pin.library.sha256[:16]}" / pin.soname


def dependency_paths(library: Path, pin: WheelPin) -> list[Path]:
    return [library.parent / member.name for member in pin.dependencies]


def from_override(value: str, machine: str, unchecked: bool, cache_dir: Path) -> Path:
    """The library FASTPULSAR_LIBPULSAR names, checked against the pins of machine (on
    macOS/Windows, the running CPython's pin only), with its dependencies beside it.

    A checked library whose file name is not the one in the wheel is copied, with its
    dependencies, into cache_dir under that name (the extension needs it by that name at
    run time).
    """
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        raise FetchError(f"FASTPULSAR_LIBPULSAR={value}: no such file")
    if unchecked:
        print(
            f"fetch_libpulsar: using {path} unchecked (FASTPULSAR_LIBPULSAR_UNCHECKED=1); "
            "its file name must be its SONAME",
            file=sys.stderr,
        )
        return path
    pins: list[WheelPin] = list(PINS[machine].values())
    if machine in PER_PYTHON:
        pins = [pin_for(machine, python_tag())]
    by_hash = {pin.library.sha256: pin for pin in pins}
    actual = sha256_of(path)
    pin = by_hash.get(actual)
    if pin is None:
        names = sorted({p.library.path for p in pins})
        raise FetchError(
            f"FASTPULSAR_LIBPULSAR={value}: sha256 {actual} is not a pinned libpulsar "
            f"{LIBPULSAR_VERSION} for {machine} (from a pulsar-client "
            f"{PULSAR_CLIENT_VERSION} {machine} wheel: {' or '.join(names)}). Point it at "
            "one of those, or set FASTPULSAR_LIBPULSAR_UNCHECKED=1 to use it anyway"
        )
    for member, beside in zip(pin.dependencies, dependency_paths(path, pin)):
        if not beside.is_file():
            raise FetchError(
                f"FASTPULSAR_LIBPULSAR={value}: {member.name}, which it needs, is not beside "
                f"it (copy pulsar_client.libs/ of {pin.filename} whole)"
            )
        verify(beside, member.sha256, f"{member.name} beside {path.name}", REMEDY_INDEX)
    if path.name == pin.soname:
        return path
    target = cached_path(cache_dir, pin)
    for source, copy in zip(dependency_paths(path, pin), dependency_paths(target, pin)):
        install_file(source, copy)
    install_file(path, target)
    return target


def install_file(source: Path, target: Path) -> None:
    """Copy source to target atomically (a concurrent build sees all of it or nothing)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out)
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pip_download_command(pin: WheelPin, dest: Path) -> list[str]:
    """pip download of exactly pin's wheel, whatever the running interpreter is."""
    # pulsar_client-3.13.0-cp312-cp312-manylinux_2_28_x86_64.whl
    _, _, python_tag, abi_tag, platform_tag = pin.filename[: -len(".whl")].split("-")
    return [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--platform",
        platform_tag,
        "--implementation",
        python_tag[:2],
        "--python-version",
        f"{python_tag[2]}.{python_tag[3:]}",
        "--abi",
        abi_tag,
        "--dest",
        str(dest),
        f"pulsar-client=={PULSAR_CLIENT_VERSION}",
    ]


def download(pin: WheelPin, dest: Path) -> Path:
    """Download pin's wheel into dest with pip and check its hash."""
    command = pip_download_command(pin, dest)
    result = subprocess.run(
        command, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    wheel = dest / pin.filename
    if result.returncode != 0 or not wheel.is_file():
        raise FetchError(
            f"could not download {pin.filename} (the source of libpulsar "
            f"{LIBPULSAR_VERSION}) with pip:\n  {' '.join(command)}\n"
            + "\n".join("  | " + line for line in result.stdout.strip().splitlines()[-15:])
            + "\nCheck the network and pip's configuration (PIP_INDEX_URL, PIP_FIND_LINKS, "
            "pip.conf: an index or a find-links directory must serve this file). Offline: "
            "put the wheel in a PIP_FIND_LINKS directory, or set FASTPULSAR_LIBPULSAR to "
            f"{pin.library.path} from a pulsar-client {PULSAR_CLIENT_VERSION} "
            f"{pin.platform_tag} wheel"
        )
    verify(wheel, pin.sha256, "the wheel", REMEDY_INDEX)
    return wheel


def extract(wheel: Path, pin: WheelPin, target: Path) -> None:
    """Extract pin's library and dependencies from wheel to target's directory, each
    checked against its pinned hash; the library last (its presence means all are)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    wanted = {m.path for m in (pin.library, *pin.dependencies)}
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        libs = "pulsar_client.libs/"
        bundled = {n for n in archive.namelist() if n.startswith(libs) and n != libs}
        if bundled != {n for n in wanted if n.startswith(libs)}:
            raise FetchError(f"{wheel.name}: expected {sorted(wanted)} bundled, found {bundled}")
        for member in (*pin.dependencies, pin.library):
            extracted = Path(archive.extract(member.path, tmp))
            verify(extracted, member.sha256, f"{member.name} from {wheel.name}", REMEDY_INDEX)
            extracted.chmod(0o755)
            os.replace(extracted, target.parent / member.name)


def pe_exports(data: bytes) -> list[str]:
    """The names a PE (Windows DLL/.pyd) image exports, in its export table's order."""

    def u16(offset: int) -> int:
        value: int = struct.unpack_from("<H", data, offset)[0]
        return value

    def u32(offset: int) -> int:
        value: int = struct.unpack_from("<I", data, offset)[0]
        return value

    if data[:2] != b"MZ" or data[u32(0x3C) : u32(0x3C) + 4] != b"PE\0\0":
        raise FetchError("not a PE image (no MZ/PE signature)")
    coff = u32(0x3C) + 4
    sections_count, optional_size = u16(coff + 2), u16(coff + 16)
    optional = coff + 20
    magic = u16(optional)
    directories = optional + {0x10B: 96, 0x20B: 112}.get(magic, -1)
    if directories < optional:
        raise FetchError(f"unknown PE optional header magic {magic:#x}")
    export_rva = u32(directories)
    sections = [
        (u32(s + 12), max(u32(s + 8), u32(s + 16)), u32(s + 20))  # rva, size, file offset
        for s in range(optional + optional_size, optional + optional_size + 40 * sections_count, 40)
    ]

    def offset_of(rva: int) -> int:
        for start, size, raw in sections:
            if start <= rva < start + size:
                return rva - start + raw
        raise FetchError(f"PE: RVA {rva:#x} is in no section")

    if export_rva == 0:
        return []
    directory = offset_of(export_rva)
    count, names = u32(directory + 24), offset_of(u32(directory + 32))
    result = []
    for i in range(count):
        start = offset_of(u32(names + 4 * i))
        result.append(data[start : data.index(b"\0", start)].decode("ascii"))
    return result


# MSVC-decorated names of data, not functions: vftables, vbtables, RTTI descriptors, and
# variables (the qualified name, without templates, then a storage class 0-4).
MSVC_DATA = re.compile(r"\?\?_[78R]|\?[A-Za-z_]\w*@(?:[A-Za-z_]\w*@)*@[0-4]")


def write_def(library: Path, target: Path) -> Path:
    """A module-definition file of library's exports (DATA marked), for `lib /def`."""
    names = pe_exports(library.read_bytes())
    if not names:
        raise FetchError(f"{library} exports nothing: it cannot stand in for libpulsar")
    lines = ["EXPORTS"]
    lines += [f"    {n} DATA" if MSVC_DATA.match(n) else f"    {n}" for n in names]
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(tmp, target)
    return target


def writable_cache(candidates: list[Path]) -> Path:
    for directory in candidates:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(directory, os.W_OK):
            return directory
    raise FetchError(f"no writable cache directory among {[str(c) for c in candidates]}")


def obtain(pin: WheelPin, cache_dirs: list[Path]) -> Path:
    """The cached library of pin (its dependencies beside it), downloading it first if no
    cache has it."""
    for cache_dir in cache_dirs:
        cached = cached_path(cache_dir, pin)
        if cached.is_file():
            try:
                verify(cached, pin.library.sha256, "the cached libpulsar", REMEDY_CACHE)
                for member, beside in zip(pin.dependencies, dependency_paths(cached, pin)):
                    verify(beside, member.sha256, f"the cached {member.name}", REMEDY_CACHE)
                return cached
            except FetchError as error:
                print(f"fetch_libpulsar: {error}", file=sys.stderr)
    cache_dir = writable_cache(cache_dirs)
    target = cached_path(cache_dir, pin)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        extract(download(pin, Path(tmp)), pin, target)
    return target


def report(machine: str, library: Path, def_dir: Path) -> list[str]:
    """The lines printed for CMake: the library, what to bundle beside it, and on Windows
    the module-definition file of its exports (written into def_dir)."""
    lines = [f"library={library}"]
    pins = [p for p in PINS[machine].values() if p.soname == library.name]
    if pins:
        lines += [f"dependency={path}" for path in dependency_paths(library, pins[0])]
    if machine == WINDOWS:
        lines.append(f"exports={write_def(library, def_dir / (library.stem + '.def'))}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fallback-cache-dir", type=Path)
    args = parser.parse_args(argv)
    cache_dirs = [user_cache_dir()]
    if args.fallback_cache_dir is not None:
        cache_dirs.append(args.fallback_cache_dir / "fastpulsar")
    try:
        build_platform = sysconfig.get_platform()
        machine = machine_for(
            build_platform,
            libc_of(build_platform.rsplit("-", 1)[-1]),
            64 if sys.maxsize > 2**32 else 32,
        )
        override = os.environ.get("FASTPULSAR_LIBPULSAR")
        if override:
            unchecked = os.environ.get("FASTPULSAR_LIBPULSAR_UNCHECKED") == "1"
            path = from_override(override, machine, unchecked, writable_cache(cache_dirs))
        else:
            path = obtain(pin_for(machine, python_tag()), cache_dirs)
        lines = report(machine, path, writable_cache(cache_dirs) / "exports")
    except FetchError as error:
        print(f"fetch_libpulsar: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
