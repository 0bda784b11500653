"""The installed distribution's metadata: license, license files, classifiers, version.

Reads what pip installed (importlib.metadata), not pyproject.toml, so a packaging change
that loses a license file or a classifier fails here. No build: every check is cheap.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path

import pytest

import pulsar

DIST = "fastpulsar"
# The license texts the wheel must carry: fastpulsar's own, and those of what it bundles
# (libpulsar, the libraries linked into it, pybind11). NOTICE lists the same set.
BUNDLED_LICENSES = (
    "libpulsar",
    "openssl",
    "curl",
    "protobuf",
    "utf8_range",
    "abseil",
    "boost",
    "zlib",
    "zstd",
    "snappy",
    "pybind11",
)
SUPPORTED_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")


@pytest.fixture(scope="module")
def dist() -> metadata.Distribution:
    return metadata.distribution(DIST)


def test_license_is_an_spdx_expression_without_license_classifiers(dist):
    meta = dist.metadata
    assert meta["License-Expression"] == "Apache-2.0"
    # PEP 639: no legacy License field and no License :: classifier beside the expression.
    # (.get: 3.13.4+ warns that a missing key will raise KeyError)
    assert meta.get("License") is None
    assert not [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    assert float(meta["Metadata-Version"]) >= 2.4


def test_license_files_are_declared_and_installed(dist):
    declared = set(dist.metadata.get_all("License-File") or [])
    expected = {"LICENSE", "NOTICE"} | {f"LICENSES/{name}.txt" for name in BUNDLED_LICENSES}
    assert expected <= declared
    # Each declared file is in the wheel's dist-info (licenses/<path>), not empty.
    for name in declared:
        text = dist.read_text(f"licenses/{name}")
        assert text, f"{name} is declared but missing or empty in the installed dist-info"
    assert "Apache License" in (dist.read_text("licenses/LICENSE") or "")


def test_notice_lists_every_bundled_license_file(dist):
    notice = dist.read_text("licenses/NOTICE") or ""
    for name in BUNDLED_LICENSES:
        assert f"{name}.txt" in notice


@pytest.mark.parametrize("version", SUPPORTED_PYTHONS)
def test_classifier_for_each_supported_python(dist, version):
    assert f"Programming Language :: Python :: {version}" in dist.metadata.get_all("Classifier")


def test_requires_python_matches_the_oldest_classifier(dist):
    assert dist.metadata["Requires-Python"] == f">={SUPPORTED_PYTHONS[0]}"


def test_typed(dist):
    assert "Typing :: Typed" in dist.metadata.get_all("Classifier")
    assert Path(str(dist.locate_file("pulsar/py.typed"))).is_file()


def test_ships_the_pulsar_client_private_module_beside_pulsar(dist):
    files = {str(f) for f in dist.files or []}
    assert {"_pulsar/__init__.py", "_pulsar/py.typed"} <= files


def test_project_urls(dist):
    urls = dict(u.split(", ", 1) for u in dist.metadata.get_all("Project-URL") or [])
    assert set(urls) >= {"Homepage", "Repository", "Issues", "Documentation"}
    assert all(u.startswith("https://") for u in urls.values())


def test_version_has_one_source(dist):
    assert dist.version == pulsar.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+([abrc.]+\d+)?(\.dev\d+)?", pulsar.__version__)


def test_libpulsar_version_names_the_bundled_library(dist):
    assert re.fullmatch(r"\d+\.\d+\.\d+", pulsar.libpulsar_version)
    assert f"libpulsar {pulsar.libpulsar_version}" in (dist.read_text("licenses/NOTICE") or "")
    bundled = [
        f for f in dist.files or [] if re.search(r"_libs/libpulsar[^/]*\.(so|dylib|dll)", str(f))
    ]
    assert bundled, "the wheel carries no libpulsar under pulsar/_libs"


# What an sdist must hold for `pip install fastpulsar-*.tar.gz` to build, and what must
# never leak into it.
SDIST_REQUIRED = (
    "pyproject.toml",
    "CMakeLists.txt",
    "README.md",
    "LICENSE",
    "NOTICE",
    "LICENSES/libpulsar.txt",
    "wheels/fetch_libpulsar.py",
    "pulsar/__init__.py",
    "pulsar/__about__.py",
    "pulsar/py.typed",
    "_pulsar/__init__.py",
)
SDIST_FORBIDDEN = re.compile(
    r"(^|/)(\.venv|venv|build|_skbuild|dist|wheelhouse|__pycache__|\.git|\.ci)/"
    r"|^bench/results/|\.py[cod]$"
)


def test_sdist_holds_the_build_inputs_and_no_build_output(tmp_path):
    """Builds an sdist of the source tree (about 10 s; no compilation)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        pytest.skip("needs the source tree (tests run from a checkout)")
    try:
        import build  # noqa: F401
    except ImportError:
        pytest.skip("the 'build' package is not installed (pip install build)")
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
        timeout=110,
    )
    (archive,) = tmp_path.glob("fastpulsar-*.tar.gz")
    assert archive.name == f"fastpulsar-{pulsar.__version__}.tar.gz"
    with tarfile.open(archive) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
    for required in SDIST_REQUIRED:
        assert required in names
    assert any(n.startswith("src/abi/") and n.endswith(".hpp") for n in names)
    assert not [n for n in names if SDIST_FORBIDDEN.search(n)]
