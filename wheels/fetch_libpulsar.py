"""Obtain libpulsar 4.2.0 for the platform being built and print its path (for CMake).

The binary comes from a pulsar-client 3.13.0 wheel, whatever Python builds fastpulsar:
for a given platform, one pinned wheel (cp312's) is downloaded with `pip download` in a
subprocess (so the user's pip configuration applies: index URL, find-links, certificates),
its sha256 is checked against the table below, and its libpulsar is extracted into a user
cache directory keyed by the library's sha256, where later builds find it offline.

The libpulsar of each CPython tag's wheel is the same build of 4.2.0 (same size; the bytes
differ only in the bundled OpenSSL's "built on" timestamp, the ELF build-id and the SONAME
auditwheel gave it): every tag's library hash is pinned, so FASTPULSAR_LIBPULSAR may name
any of them (e.g. the one in an installed pulsar-client 3.13.0).

Environment:
  FASTPULSAR_LIBPULSAR=/path/to/libpulsar-<hash>.so  use this file instead of downloading;
      its sha256 must be one of the pinned ones unless FASTPULSAR_LIBPULSAR_UNCHECKED=1.
  XDG_CACHE_HOME  the cache lives in $XDG_CACHE_HOME/fastpulsar (default ~/.cache).

Usage: fetch_libpulsar.py [--fallback-cache-dir DIR]   (DIR: used if the user cache is
not writable; CMake passes its build directory). Exit status 1 with a message on stderr
saying what to do when the library cannot be obtained.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
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
# The tag whose wheel is downloaded; any other would do as well (see the module docstring).
PREFERRED_TAG = "cp312"


@dataclass(frozen=True)
class WheelPin:
    """One pulsar-client 3.13.0 wheel: its file, its sha256, and its libpulsar's."""

    filename: str
    sha256: str
    member: str  # the library's path inside the wheel; its base name is the SONAME
    library_sha256: str

    @property
    def soname(self) -> str:
        return self.member.rsplit("/", 1)[-1]


# sha256 computed from the files downloaded from PyPI (they match the index's #sha256=).
PINS: dict[str, dict[str, WheelPin]] = {
    "x86_64": {
        "cp310": WheelPin(
            "pulsar_client-3.13.0-cp310-cp310-manylinux_2_28_x86_64.whl",
            "8e4bd5a7237829b9fb670f477e54c16ff6dbfde363b40f252e957a50c1fba0d9",
            "pulsar_client.libs/libpulsar-401d6421.so",
            "a100153fa55bfd00c1b6ff8527193b55e28afcec573bf204088618a1d503cb9c",
        ),
        "cp311": WheelPin(
            "pulsar_client-3.13.0-cp311-cp311-manylinux_2_28_x86_64.whl",
            "f958a6149b28cfe354d33f2af229e2257d0bc4e1f195eefbd4cbae5d7fd7961d",
            "pulsar_client.libs/libpulsar-b0edd7ad.so",
            "e097f092d1f66ac0a40fbedc634306985c5d46f638de3956e076e919dc28f464",
        ),
        "cp312": WheelPin(
            "pulsar_client-3.13.0-cp312-cp312-manylinux_2_28_x86_64.whl",
            "863fd7b8cdc162f3cc0ea7217c37604c66a7bc9bb5cd554566c5d07f89a50e5e",
            "pulsar_client.libs/libpulsar-6c62b74d.so",
            "1e2be373c531941e70837a22720594382abe1fd41a8405d166ec321b9249b700",
        ),
        "cp313": WheelPin(
            "pulsar_client-3.13.0-cp313-cp313-manylinux_2_28_x86_64.whl",
            "afa143cbadbe0e13c3afcc3925442ee67a3b611d28110462fbcd37fc95cdcd94",
            "pulsar_client.libs/libpulsar-7bad4588.so",
            "f93616b05a374cf026ecb8652ecb41460dbaaf5a24b37a3dbb41eaf39ad2327e",
        ),
        "cp314": WheelPin(
            "pulsar_client-3.13.0-cp314-cp314-manylinux_2_28_x86_64.whl",
            "edd8ffd12cf3dd4b72b080e815652f0c2f18045b5e9b779e63e43caad470e834",
            "pulsar_client.libs/libpulsar-7523eaed.so",
            "e54f65b9693d019ec78790879b425456bd74629ed85beef56a936f8805532526",
        ),
    },
    "aarch64": {
        "cp310": WheelPin(
            "pulsar_client-3.13.0-cp310-cp310-manylinux_2_28_aarch64.whl",
            "61c4b8f478cbe843a9793f3e145709efb407ca6979a4b23b8ee7abd585770720",
            "pulsar_client.libs/libpulsar-6ddcddc6.so",
            "c73d942b59816abf69500785a7e7901dfe85c7d25d8ed32b6b01cbff2c102608",
        ),
        "cp311": WheelPin(
            "pulsar_client-3.13.0-cp311-cp311-manylinux_2_28_aarch64.whl",
            "7c87a6944d5531b59b556b6078b9a0fb6d2dceff7a2edc8875bba43ed37c7f6a",
            "pulsar_client.libs/libpulsar-1e7394d2.so",
            "0f7a80e5269c2c63c5f25e3bc97b976092fafbba70c24f637684fe6c089d79a8",
        ),
        "cp312": WheelPin(
            "pulsar_client-3.13.0-cp312-cp312-manylinux_2_28_aarch64.whl",
            "03244a8af1886591ee56afb1228b85f8b678f980464a2847ebb9a152d8b5e36a",
            "pulsar_client.libs/libpulsar-a0bcc7d9.so",
            "49cad262e345c1aba229dee7adb2e5b4842053bbcc0a9ab3195ce26ca45fc0de",
        ),
        "cp313": WheelPin(
            "pulsar_client-3.13.0-cp313-cp313-manylinux_2_28_aarch64.whl",
            "7cc1cb49a29a85b8469b42d3a088c0fde639887e0b06120d92c34a9412296528",
            "pulsar_client.libs/libpulsar-f275f8ac.so",
            "d4dafd6d6614c31fa7c2854b508b784736440c75b15d1d8d48bcd559c8ea6458",
        ),
        "cp314": WheelPin(
            "pulsar_client-3.13.0-cp314-cp314-manylinux_2_28_aarch64.whl",
            "6060e6856dad29231aba5464941c3154f5ef3175d7d8f98c9edf994df6cd8820",
            "pulsar_client.libs/libpulsar-bab61d8a.so",
            "1dd9d4e61dc627ec5beba76c1b828548b5b6c3b576947586701efd643d76dee5",
        ),
    },
}


class FetchError(Exception):
    """libpulsar cannot be obtained; the message says why and what to do."""


def machine_for(build_platform: str, libc: tuple[str, str], pointer_bits: int) -> str:
    """The PINS key for a build platform (sysconfig.get_platform()), or FetchError.

    libc is platform.libc_ver() of the building interpreter, pointer_bits its pointer size.
    """
    supported = ", ".join(f"linux-{m}" for m in PINS)
    system, _, machine = build_platform.partition("-")
    if system != "linux" or machine not in PINS or pointer_bits != 64:
        bits = "" if pointer_bits == 64 else f" ({pointer_bits}-bit Python)"
        raise FetchError(
            f"no libpulsar {LIBPULSAR_VERSION} binary for platform {build_platform}{bits}: "
            f"fastpulsar builds on {supported} (glibc >= {MIN_GLIBC[0]}.{MIN_GLIBC[1]}) only"
        )
    name, version = libc
    if name != "glibc":
        raise FetchError(
            f"no libpulsar {LIBPULSAR_VERSION} binary for platform {build_platform} with "
            f"libc {name or 'other than glibc (musl?)'}: the pulsar-client wheels used are "
            f"manylinux_2_28 (glibc >= {MIN_GLIBC[0]}.{MIN_GLIBC[1]})"
        )
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    if parts < MIN_GLIBC:
        raise FetchError(
            f"glibc {version} is too old for libpulsar {LIBPULSAR_VERSION} "
            f"(manylinux_2_28 wheels need glibc >= {MIN_GLIBC[0]}.{MIN_GLIBC[1]})"
        )
    return machine


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
    """Where pin's library lives in a cache: keyed by its hash, named by its SONAME."""
    return cache_dir / f"libpulsar-{LIBPULSAR_VERSION}-{pin.library_sha256[:16]}" / pin.soname


def from_override(value: str, machine: str, unchecked: bool, cache_dir: Path) -> Path:
    """The library FASTPULSAR_LIBPULSAR names, checked against the pins of machine.

    A checked library whose file name is not its SONAME is copied into cache_dir under
    that name (the extension needs it by that name at run time).
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
    by_hash = {pin.library_sha256: pin for pin in PINS[machine].values()}
    actual = sha256_of(path)
    pin = by_hash.get(actual)
    if pin is None:
        raise FetchError(
            f"FASTPULSAR_LIBPULSAR={value}: sha256 {actual} is not a pinned libpulsar "
            f"{LIBPULSAR_VERSION} for linux-{machine} (from a pulsar-client "
            f"{PULSAR_CLIENT_VERSION} manylinux wheel's pulsar_client.libs/). Point it at "
            "one of those, or set FASTPULSAR_LIBPULSAR_UNCHECKED=1 to use it anyway"
        )
    if path.name == pin.soname:
        return path
    target = cached_path(cache_dir, pin)
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
            "pulsar_client.libs/libpulsar-*.so from a pulsar-client "
            f"{PULSAR_CLIENT_VERSION} manylinux wheel"
        )
    verify(wheel, pin.sha256, "the wheel", REMEDY_INDEX)
    return wheel


def extract(wheel: Path, pin: WheelPin, target: Path) -> None:
    """Extract pin's library from wheel to target, checked against its pinned hash."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        libs = [n for n in archive.namelist() if n.startswith("pulsar_client.libs/")]
        if [n for n in libs if not n.endswith("/")] != [pin.member]:
            raise FetchError(f"{wheel.name}: expected only {pin.member} bundled, found {libs}")
        extracted = Path(archive.extract(pin.member, tmp))
        verify(extracted, pin.library_sha256, f"libpulsar from {wheel.name}", REMEDY_INDEX)
        extracted.chmod(0o755)
        os.replace(extracted, target)


def writable_cache(candidates: list[Path]) -> Path:
    for directory in candidates:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(directory, os.W_OK):
            return directory
    raise FetchError(f"no writable cache directory among {[str(c) for c in candidates]}")


def obtain(machine: str, cache_dirs: list[Path]) -> Path:
    """The cached library for machine, downloading it first if no cache has it."""
    pin = PINS[machine][PREFERRED_TAG]
    for cache_dir in cache_dirs:
        cached = cached_path(cache_dir, pin)
        if cached.is_file():
            try:
                verify(cached, pin.library_sha256, "the cached libpulsar", REMEDY_CACHE)
                return cached
            except FetchError as error:
                print(f"fetch_libpulsar: {error}", file=sys.stderr)
    cache_dir = writable_cache(cache_dirs)
    target = cached_path(cache_dir, pin)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        extract(download(pin, Path(tmp)), pin, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fallback-cache-dir", type=Path)
    args = parser.parse_args(argv)
    cache_dirs = [user_cache_dir()]
    if args.fallback_cache_dir is not None:
        cache_dirs.append(args.fallback_cache_dir / "fastpulsar")
    try:
        machine = machine_for(
            sysconfig.get_platform(), platform.libc_ver(), 64 if sys.maxsize > 2**32 else 32
        )
        override = os.environ.get("FASTPULSAR_LIBPULSAR")
        if override:
            unchecked = os.environ.get("FASTPULSAR_LIBPULSAR_UNCHECKED") == "1"
            path = from_override(override, machine, unchecked, writable_cache(cache_dirs))
        else:
            path = obtain(machine, cache_dirs)
    except FetchError as error:
        print(f"fetch_libpulsar: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
