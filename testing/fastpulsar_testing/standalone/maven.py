"""Obtaining Apache Pulsar from Maven Central, cached, one download at a time.

Two ways, both cached under ``cache.cache_dir()`` and reused when present; a file lock makes
concurrent sessions wait for one download instead of racing:

* ``broker-jars`` (the only way for 4.1 and later: Maven Central has no
  ``pulsar-server-distribution`` tarball for them): ``org.apache.pulsar:pulsar-broker:<version>``
  and its runtime dependencies (versions managed by the ``org.apache.pulsar:pulsar:<version>``
  BOM; without it log4j versions mix and logging silently breaks) are copied with
  maven-dependency-plugin into ``pulsar-broker-jars-<version>/lib``.
* ``distribution`` (up to 4.0.x): ``org.apache.pulsar:pulsar-server-distribution:<version>:
  tar.gz:bin`` is unpacked into ``apache-pulsar-<version>``.

Needs Maven (``mvn``) for the first download only; ``$FASTPULSAR_STANDALONE_MAVEN_ARGS`` adds
arguments to its command line (e.g. ``-s settings.xml`` for a mirror).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from ..cache import cache_dir
from .errors import StandaloneError, ToolMissing

DEFAULT_VERSION = "4.2.4"
SOURCES = ("auto", "distribution", "broker-jars")
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
MAVEN_ARGS_ENV = "FASTPULSAR_STANDALONE_MAVEN_ARGS"
COMPLETE_MARKER = ".fastpulsar-complete"


def resolve_source(version: str, source: str = "auto") -> str:
    """``distribution`` or ``broker-jars``; ``auto`` picks the tarball up to 4.0.x.

    Raises ValueError for a source not in SOURCES.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown standalone source {source!r} (one of {', '.join(SOURCES)})")
    if source != "auto":
        return source
    major_minor = tuple(int(x) for x in re.findall(r"\d+", version)[:2])
    # Maven Central serves pulsar-server-distribution only up to 4.0.x.
    return "distribution" if major_minor <= (4, 0) else "broker-jars"


def cached_home(version: str, source: str) -> Path:
    """Where ``version`` fetched from ``source`` (resolved, not ``auto``) lives in the cache."""
    name = (
        f"apache-pulsar-{version}" if source == "distribution" else f"pulsar-broker-jars-{version}"
    )
    return cache_dir() / name


def is_cached(version: str, source: str) -> bool:
    return (cached_home(version, source) / COMPLETE_MARKER).exists()


def find_maven(what: str) -> str:
    """Path of ``mvn``, or ToolMissing saying that it is needed to fetch ``what``."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ToolMissing(
            f"Maven (`mvn`) is needed once to fetch {what} from Maven Central into "
            f"{cache_dir()} and is not on PATH. Install it (e.g. `apt-get install maven`), "
            "or deselect these tests with --no-standalone."
        )
    return mvn


def maven_extra_args() -> list[str]:
    """``$FASTPULSAR_STANDALONE_MAVEN_ARGS``, split on white space."""
    return os.environ.get(MAVEN_ARGS_ENV, "").split()


def ensure_broker(
    version: str = DEFAULT_VERSION, source: str = "auto", timeout: float = 1800
) -> Path:
    """The cached broker home for ``version``, fetched with Maven the first time.

    Home is ``apache-pulsar-<v>`` (with bin/ conf/ lib/) or ``pulsar-broker-jars-<v>`` (lib/).
    Raises ToolMissing (no Maven) or StandaloneError (the download failed).
    """
    source = resolve_source(version, source)
    home = cached_home(version, source)
    marker = home / COMPLETE_MARKER
    if marker.exists():
        return home
    home.parent.mkdir(parents=True, exist_ok=True)
    with open(home.parent / f".{home.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another session may be downloading it right now
        if marker.exists():
            return home
        what = f"Apache Pulsar {version} ({source})"
        mvn = find_maven(what)
        tmp = Path(tempfile.mkdtemp(prefix=".download-", dir=home.parent))
        try:
            if source == "distribution":
                fetched = _fetch_distribution(mvn, version, tmp, timeout)
            else:
                fetched = _fetch_broker_jars(mvn, version, tmp, timeout)
            (fetched / COMPLETE_MARKER).write_text(f"{what}\n")
            if home.exists():
                shutil.rmtree(home)
            os.rename(fetched, home)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return home


def _run_maven(cmd: list[str], cwd: Path, timeout: float, what: str) -> None:
    try:
        res = subprocess.run(
            cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=timeout, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise StandaloneError(f"`{' '.join(cmd)}` ({what}) timed out after {timeout} s") from exc
    if res.returncode != 0:
        raise StandaloneError(
            f"Maven could not fetch {what} (exit {res.returncode}): `{' '.join(cmd)}` in {cwd}\n"
            + res.stdout[-4000:]
        )


def _fetch_distribution(mvn: str, version: str, tmp: Path, timeout: float) -> Path:
    artifact = f"org.apache.pulsar:pulsar-server-distribution:{version}:tar.gz:bin"
    # No pom.xml in tmp: Maven runs with its built-in stand-alone project.
    _run_maven(
        [mvn, "-B", "-q", *maven_extra_args(), f"{DEPENDENCY_PLUGIN}:copy",
         f"-Dartifact={artifact}", f"-DoutputDirectory={tmp}"],
        tmp, timeout, artifact,
    )  # fmt: skip
    tarball = tmp / f"pulsar-server-distribution-{version}-bin.tar.gz"
    if not tarball.exists():
        raise StandaloneError(f"Maven reported success but {tarball} is missing")
    with tarfile.open(tarball) as tf:
        if hasattr(tarfile, "data_filter"):
            tf.extractall(tmp, filter="data")
        else:  # pragma: no cover - Python < 3.12 without the backported filter
            tf.extractall(tmp)  # a tarball from Maven Central
    tarball.unlink()
    home = tmp / f"apache-pulsar-{version}"
    if not (home / "bin" / "pulsar").exists() or not (home / "conf" / "standalone.conf").exists():
        raise StandaloneError(f"unexpected layout of {artifact} (no bin/pulsar) in {tmp}")
    return home


_BROKER_JARS_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>fastpulsar.tests</groupId>
  <artifactId>pulsar-broker-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.apache.pulsar</groupId>
        <artifactId>pulsar</artifactId>
        <version>{version}</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.apache.pulsar</groupId>
      <artifactId>pulsar-broker</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


def _fetch_broker_jars(mvn: str, version: str, tmp: Path, timeout: float) -> Path:
    (tmp / "pom.xml").write_text(_BROKER_JARS_POM.format(version=version))
    lib = tmp / "home" / "lib"
    _run_maven(
        [mvn, "-B", "-q", *maven_extra_args(), f"{DEPENDENCY_PLUGIN}:copy-dependencies",
         "-DincludeScope=runtime", f"-DoutputDirectory={lib}"],
        tmp, timeout, f"org.apache.pulsar:pulsar-broker:{version} and its dependencies",
    )  # fmt: skip
    if not list(lib.glob(f"pulsar-broker-{version}.jar")):
        raise StandaloneError(
            f"Maven reported success but {lib} has no pulsar-broker-{version}.jar"
        )
    return lib.parent
