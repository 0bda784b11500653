"""Build a free-threaded CPython 3.13 (`python3.13t`, PEP 703) once, and print its path.

No free-threaded CPython comes as a binary from the registries this project reaches; its
source does: Debian's source package `python3.13` (suite trixie) is the upstream tree plus
Debian's patches, of which only the upstream tarball (`python3.13_<version>.orig.tar.xz`)
is used. This script downloads it with `apt-get source --download-only` against a private
sources list and package-list directory (the system's apt configuration is neither read
for sources nor changed), unpacks it, and runs

    ./configure --disable-gil --prefix=<cache> && make -j<cores> && make install

into a temporary prefix, checks that the result says `sys._is_gil_enabled() == False`,
then moves it into the cache directory in one rename. Later runs find it there and only
re-check it (a second or so). Building takes about ten minutes on two cores.

Cache: `$FASTPULSAR_PYTHON_FT_CACHE`, else `$XDG_CACHE_HOME/fastpulsar-python/3.13t`
(default `~/.cache/fastpulsar-python/3.13t`). Nothing is written into the checkout.

Build needs: a C compiler, make, xz, apt-get, and the development headers of OpenSSL,
zlib, libffi, bz2, lzma, sqlite3, readline (without OpenSSL, pip cannot reach PyPI; the
script fails naming any module that did not build).

Usage: freethreaded_python.py [--quiet] (--quiet: a step's output only when it fails). Prints the interpreter's path on the last line of
stdout; progress goes to stderr. Exit 0 on success, 1 on failure with the reason.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SUITE = "trixie"
PACKAGE = "python3.13"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
MIRROR = os.environ.get("FASTPULSAR_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# Modules whose absence makes the interpreter useless for the suite (pip needs ssl).
REQUIRED_MODULES = ("ssl", "zlib", "_ctypes", "bz2", "lzma", "sqlite3", "_hashlib")
CHECK = (
    "import sys, sysconfig; "
    "assert sysconfig.get_config_var('Py_GIL_DISABLED') == 1, 'not a free-threaded build'; "
    "assert not sys._is_gil_enabled(), 'the GIL is enabled'; "
    f"import {', '.join(REQUIRED_MODULES)}; "
    "print(sys.version)"
)


def cache_dir() -> Path:
    explicit = os.environ.get("FASTPULSAR_PYTHON_FT_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fastpulsar-python" / "3.13t"


def interpreter(prefix: Path) -> Path:
    return prefix / "bin" / "python3.13t"


def check(python: Path) -> str | None:
    """The interpreter's version if it is a working free-threaded build, else None."""
    if not python.exists():
        return None
    result = subprocess.run([str(python), "-c", CHECK], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        log(f"{python} fails its check: {result.stderr.strip().splitlines()[-1:]}")
        return None
    return result.stdout.strip()


def log(text: str) -> None:
    print(f"freethreaded_python: {text}", file=sys.stderr, flush=True)


def run(argv: list[str], cwd: Path, quiet: bool) -> None:
    """Runs a build step; quiet, its output is shown only when it fails (the last lines)."""
    log("$ " + " ".join(argv))
    if not quiet:
        subprocess.run(argv, cwd=cwd, stdout=sys.stderr, stderr=subprocess.STDOUT, check=True)
        return
    result = subprocess.run(
        argv,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        check=False,
    )
    if result.returncode != 0:
        print("\n".join(result.stdout.splitlines()[-40:]), file=sys.stderr)
        raise subprocess.CalledProcessError(result.returncode, argv)


def download_source(work: Path, quiet: bool) -> Path:
    """Download the upstream tarball of Debian's python3.13 source package into work."""
    apt = work / "apt"
    (apt / "lists" / "partial").mkdir(parents=True)
    sources = apt / "sources.list"
    sources.write_text(f"deb-src [signed-by={KEYRING}] {MIRROR} {SUITE} main\n")
    options = [
        f"-o=Dir::Etc::sourcelist={sources}",
        "-o=Dir::Etc::sourceparts=/nonexistent",
        f"-o=Dir::State::Lists={apt / 'lists'}",
        "-o=APT::Sandbox::User=root",
    ]
    run(["apt-get", *options, "update"], work, quiet)
    download = work / "download"
    download.mkdir()
    run(["apt-get", *options, "source", "--download-only", PACKAGE], download, quiet)
    tarballs = sorted(download.glob(f"{PACKAGE}_*.orig.tar.xz"))
    if not tarballs:
        raise RuntimeError(f"apt-get source downloaded no {PACKAGE}_*.orig.tar.xz")
    return tarballs[-1]


def build(prefix: Path, quiet: bool) -> None:
    prefix.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fastpulsar-python-ft-") as tmp:
        work = Path(tmp)
        tarball = download_source(work, quiet)
        run(["tar", "-xJf", str(tarball)], work, quiet)
        trees = [Path(p) for p in glob.glob(str(work / "Python-3.13*"))]
        if len(trees) != 1:
            raise RuntimeError(f"{tarball.name} did not unpack to one Python-3.13* tree")
        tree = trees[0]
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=prefix.parent))
        try:
            # Built for its final prefix (paths are compiled in), installed via DESTDIR.
            run(["./configure", "--disable-gil", f"--prefix={prefix}"], tree, quiet)
            jobs = str(os.cpu_count() or 2)
            run(["make", f"-j{jobs}"], tree, quiet)
            run(["make", "install", f"DESTDIR={staging}"], tree, quiet)
            built = staging / prefix.relative_to(prefix.anchor)
            if prefix.exists():
                shutil.rmtree(prefix)
            built.rename(prefix)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="hide the build's output")
    args = parser.parse_args()
    prefix = cache_dir()
    python = interpreter(prefix)
    version = check(python)
    if version is None:
        log(f"building a free-threaded CPython into {prefix} (about ten minutes)")
        try:
            build(prefix, args.quiet)
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            log(f"failed: {exc}")
            return 1
        version = check(python)
        if version is None:
            log(f"the built {python} is not a working free-threaded interpreter")
            return 1
    log(f"{python}: {version}")
    print(python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
