"""The extension against the libpulsar it bundles: every pulsar:: symbol it needs is
exported, it binds them all at load time, and it needs nothing outside the package."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pulsar
from pulsar import _core

PACKAGE_DIR = Path(pulsar.__file__).parent
EXTENSION = Path(_core.__file__)

needs_binutils = pytest.mark.skipif(
    shutil.which("nm") is None or shutil.which("readelf") is None,
    reason="nm/readelf (binutils) are needed to read the ELF symbol tables",
)


def _bundled_libpulsar() -> Path:
    libs = sorted((PACKAGE_DIR / "_libs").glob("libpulsar*.so*"))
    assert len(libs) == 1, f"expected one bundled libpulsar, found {libs}"
    return libs[0]


def _symbols(path: Path, *flags: str) -> set[str]:
    out = subprocess.run(
        ["nm", "-D", *flags, str(path)], check=True, capture_output=True, text=True
    ).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def _dynamic_section(path: Path) -> str:
    return subprocess.run(
        ["readelf", "-dW", str(path)], check=True, capture_output=True, text=True
    ).stdout


@needs_binutils
def test_every_pulsar_symbol_the_extension_needs_is_exported_by_the_bundled_library() -> None:
    needed = {s for s in _symbols(EXTENSION, "--undefined-only") if "6pulsar" in s}
    exported = _symbols(_bundled_libpulsar(), "--defined-only")
    assert len(needed) > 100, "the extension should use libpulsar's C++ API"
    missing = sorted(needed - exported)
    assert not missing, f"declared in src/abi/ but not exported: {missing}"


@needs_binutils
def test_extension_binds_now_and_finds_libpulsar_beside_itself() -> None:
    dynamic = _dynamic_section(EXTENSION)
    assert "BIND_NOW" in dynamic or ("FLAGS_1" in dynamic and "NOW" in dynamic)
    assert f"[{_bundled_libpulsar().name}]" in dynamic, "NEEDED must name the bundled SONAME"
    assert "$ORIGIN/_libs" in dynamic, "RUNPATH must point into the package"


def test_imports_with_immediate_binding_and_no_library_path(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
    env["LD_BIND_NOW"] = "1"
    code = (
        "import os, sys\n"
        "sys.setdlopenflags(os.RTLD_NOW | os.RTLD_LOCAL)\n"
        "import pulsar, pulsar._core\n"
        "print(pulsar._core.__file__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(EXTENSION)


def test_official_client_is_not_installed_beside_us() -> None:
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("pulsar-client")
    assert importlib.metadata.distribution("fastpulsar").version == pulsar.__version__
