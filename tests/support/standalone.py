"""Apache Pulsar standalone for the tests: obtained from Maven Central, started on loopback.

Two ways to obtain the broker, both cached outside the source tree (``$FASTPULSAR_TEST_CACHE``,
default ``~/.cache/fastpulsar-tests``) and reused when present; a file lock makes concurrent
test sessions wait for one download instead of racing:

* ``broker-jars`` (default, and the only way for 4.2.x: Maven Central has no
  ``pulsar-server-distribution`` tarball for it): ``org.apache.pulsar:pulsar-broker:<version>``
  and its runtime dependencies (versions managed by the ``org.apache.pulsar:pulsar:<version>``
  BOM; without it log4j versions mix and logging silently breaks) are copied with
  maven-dependency-plugin into ``pulsar-broker-jars-<version>/lib``, and the broker is started
  as ``java -cp 'lib/*' ... org.apache.pulsar.PulsarStandaloneStarter``.
* ``distribution`` (up to 4.0.x): ``org.apache.pulsar:pulsar-server-distribution:<version>:
  tar.gz:bin`` is unpacked into ``apache-pulsar-<version>`` and started as
  ``bin/pulsar standalone``.

Either way the broker runs without functions worker and stream storage, with metadata in
RocksDB (no ZooKeeper), data wiped on start, every port a free one on 127.0.0.1 (binary
protocol, HTTP, the embedded bookie, and with TLS the two TLS ports), and a config of ours:
the distribution's ``conf/standalone.conf`` (or, in broker-jars mode, which has none, the
settings of that file that differ from the broker's defaults) with our overrides replaced in
place.  It is ready when ``GET /admin/v2/namespaces/public/default`` answers 200 (and then
``/admin/v2/brokers/health``, an end-to-end produce/consume on the broker's heartbeat topic).

The JVM runs in its own process group; ``stop()`` sends SIGTERM (the broker shuts down
cleanly in 0.3-2 s), then SIGKILLs the group.  Nothing outlives the test process: ``stop()``
is also registered with ``atexit``, and the JVM gets SIGTERM from the kernel if the process
that started it dies (``PR_SET_PDEATHSIG``).

Needs Java 17+ (``$JAVA_HOME/bin/java`` or ``java`` on PATH) and, for the first download
only, Maven (``mvn``).  Manual use (prints the URLs and keeps the broker until Ctrl-C)::

    python tests/support/standalone.py [--tls] [--version 4.0.8] [--fetch-only]
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import datetime
import fcntl
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

try:  # run as a script (python tests/support/standalone.py) or imported as support.standalone
    from support.pulsar_admin import PulsarAdmin
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from support.pulsar_admin import PulsarAdmin

DEFAULT_VERSION = "4.2.4"
SOURCES = ("auto", "distribution", "broker-jars")
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
MIN_JAVA = 17

# G1 rather than bin/pulsar's ZGC: ZGC's multi-mapped heap shows ~1.3 GB RSS, G1 ~0.45 GB.
DEFAULT_MEM = "-Xms256m -Xmx1g -XX:MaxDirectMemorySize=512m"
DEFAULT_GC = "-XX:+UseG1GC -XX:+PerfDisableSharedMem"

TOKEN_AUTH_PROVIDER = "org.apache.pulsar.broker.authentication.AuthenticationProviderToken"
TOKEN_CLIENT_PLUGIN = "org.apache.pulsar.client.impl.auth.AuthenticationToken"
ADMIN_ROLE = "admin"

# broker-jars mode has no conf/standalone.conf: these are the values of the 4.0.8
# distribution's standalone.conf that differ from the broker and bookie defaults.
MINIMAL_STANDALONE_CONF = """\
clusterName=standalone
managedLedgerDefaultEnsembleSize=1
managedLedgerDefaultWriteQuorum=1
managedLedgerDefaultAckQuorum=1
managedLedgerDefaultMarkDeleteRateLimit=0.1
managedLedgerCacheEvictionFrequency=100.0
loadBalancerEnabled=false
loadManagerClassName=org.apache.pulsar.broker.loadbalance.NoopLoadManager
bookkeeperClientMinNumRacksPerWriteQuorum=1
bookkeeperClientReorderReadSequenceEnabled=false
backlogQuotaDefaultLimitGB=10
allowLoopback=true
ledgerStorageClass=org.apache.bookkeeper.bookie.storage.ldb.DbLedgerStorage
journalMaxGroupWaitMSec=1
journalSyncData=false
dbStorage_rocksDB_writeBufferSizeMB=4
dbStorage_rocksDB_sstSizeInMB=4
dbStorage_rocksDB_blockSize=4096
dbStorage_rocksDB_bloomFilterBitsPerKey=10
dbStorage_rocksDB_numLevels=-1
dbStorage_rocksDB_numFilesInLevel0=4
dbStorage_rocksDB_maxSizeInLevel1MB=256
diskUsageThreshold=0.99
diskUsageWarnThreshold=0.99
gcWaitTime=300000
flushInterval=60000
nettyMaxFrameSizeBytes=5253120
"""

# The distribution's log4j2.yaml needs a Prometheus appender that is not among the broker's
# jars: log to stdout (redirected to the log file) instead.
LOG4J2_PROPERTIES = """\
status = warn
appender.console.type = Console
appender.console.name = Console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{ISO8601} [%t] %-5level %c{1} - %msg%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = Console
"""

# What bin/pulsar adds for Java 17+ (Netty, BookKeeper, RocksDB, metrics).
JVM_FLAGS = [
    "-Djava.net.preferIPv4Stack=true",
    "-Djute.maxbuffer=10485760",
    "--add-opens", "java.base/java.io=ALL-UNNAMED",
    "--add-opens", "java.base/java.util.zip=ALL-UNNAMED",
    "--add-opens", "java.management/sun.management=ALL-UNNAMED",
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens", "java.base/jdk.internal.platform=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dorg.apache.pulsar.shade.io.netty.tryReflectionSetAccessible=true",
    "-Dpulsar.allocator.exit_on_oom=true",
    "-Dio.netty.recycler.maxCapacityPerThread=4096",
]  # fmt: skip


class StandaloneError(RuntimeError):
    """The broker could not be obtained or started (the message says why)."""


class ToolMissing(StandaloneError):
    """Java or Maven is missing or unusable."""


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


def cache_root() -> Path:
    """Same cache as the official client's venv (support.official_venv)."""
    configured = os.environ.get("FASTPULSAR_TEST_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "fastpulsar-tests"


def resolve_source(version: str, source: str = "auto") -> str:
    if source not in SOURCES:
        raise ValueError(f"unknown standalone source {source!r} (one of {', '.join(SOURCES)})")
    if source != "auto":
        return source
    major_minor = tuple(int(x) for x in re.findall(r"\d+", version)[:2])
    # Maven Central serves pulsar-server-distribution only up to 4.0.x.
    return "distribution" if major_minor <= (4, 0) else "broker-jars"


def find_java() -> str:
    """Path of a Java 17+ ``java`` (``$JAVA_HOME/bin/java``, else PATH), or ToolMissing."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        java = str(Path(java_home) / "bin" / "java")
        if not os.access(java, os.X_OK):
            raise ToolMissing(
                f"Java {MIN_JAVA}+ is needed to run Apache Pulsar standalone, and "
                f"JAVA_HOME={java_home!r} has no bin/java. Point JAVA_HOME at a JDK/JRE "
                f"{MIN_JAVA}+ (or unset it to use `java` from PATH), or deselect these tests "
                "with --no-standalone."
            )
    else:
        found = shutil.which("java")
        if found is None:
            raise ToolMissing(
                f"Java {MIN_JAVA}+ is needed to run Apache Pulsar standalone and no `java` is on "
                "PATH (nor JAVA_HOME set). Install a JDK/JRE 17 or newer (e.g. "
                "`apt-get install openjdk-17-jre-headless`), or deselect these tests with "
                "--no-standalone."
            )
        java = found
    major = java_major(java)
    if major < MIN_JAVA:
        raise ToolMissing(
            f"{java} is Java {major or '(unknown version)'}; Apache Pulsar needs Java "
            f"{MIN_JAVA}+. Set JAVA_HOME to a newer JDK, or deselect these tests with "
            "--no-standalone."
        )
    return java


def java_major(java: str) -> int:
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        ).stderr
    except (OSError, subprocess.TimeoutExpired):
        return 0
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return 0
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def find_maven(what: str) -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ToolMissing(
            f"Maven (`mvn`) is needed once to fetch {what} from Maven Central into "
            f"{cache_root()} and is not on PATH. Install it (e.g. `apt-get install maven`), "
            "or deselect these tests with --no-standalone."
        )
    return mvn


def maven_extra_args() -> list[str]:
    """``$FASTPULSAR_STANDALONE_MAVEN_ARGS``, e.g. ``-s settings.xml`` for a mirror."""
    return os.environ.get("FASTPULSAR_STANDALONE_MAVEN_ARGS", "").split()


# --------------------------------------------------------------------------------------------
# Obtaining the broker (cached, one download at a time)
# --------------------------------------------------------------------------------------------

COMPLETE_MARKER = ".fastpulsar-complete"


def cached_home(version: str, source: str) -> Path:
    name = (
        f"apache-pulsar-{version}" if source == "distribution" else f"pulsar-broker-jars-{version}"
    )
    return cache_root() / name


def is_cached(version: str, source: str) -> bool:
    return (cached_home(version, source) / COMPLETE_MARKER).exists()


def ensure_broker(version: str = DEFAULT_VERSION, source: str = "auto", timeout: float = 1800):
    """Return the cached broker home for ``version``, fetching it with Maven the first time.

    Home is ``apache-pulsar-<v>`` (with bin/ conf/ lib/) or ``pulsar-broker-jars-<v>`` (lib/).
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


def _fetch_broker_jars(mvn: str, version: str, tmp: Path, timeout: float) -> Path:
    (tmp / "pom.xml").write_text(
        f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
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
    )
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


# --------------------------------------------------------------------------------------------
# TLS material and tokens
# --------------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_token(secret: bytes, subject: str, expires_in: float | None = None) -> str:
    """An HS256 JWT ``{"sub": subject}`` as AuthenticationProviderToken with ``secret`` accepts."""
    header = {"alg": "HS256", "typ": "JWT"}
    claims: dict = {"sub": subject}
    if expires_in is not None:
        claims["exp"] = int(time.time() + expires_in)
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def generate_tls_material(directory: Path) -> dict[str, Path]:
    """A self-signed CA and a server certificate for localhost / 127.0.0.1 (PEM, PKCS#8 key).

    Made with the ``cryptography`` package.  Returns paths: ca_cert, cert, key.
    """
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:
        raise StandaloneError(
            "the TLS tests need the `cryptography` package to make their certificates: "
            "install the test extra (`pip install '.[test]'`)"
        ) from exc
    import ipaddress

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    not_before, not_after = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)

    ca_usage = x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fastpulsar test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(ca_usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    paths = {
        "ca_cert": directory / "ca.cert.pem",
        "cert": directory / "server.cert.pem",
        "key": directory / "server.key.pem",
    }
    paths["ca_cert"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,  # the broker's TLS code wants PKCS#8
            serialization.NoEncryption(),
        )
    )
    return paths


# --------------------------------------------------------------------------------------------
# Config and process helpers
# --------------------------------------------------------------------------------------------


def free_ports(n: int) -> list[int]:
    """``n`` distinct free TCP ports on 127.0.0.1 (held together while choosing)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def write_config(template: str, target: Path, overrides: dict) -> None:
    """Write ``template`` with each overridden key replaced in place, new keys appended.

    A key must never appear twice: the bookie's config parser turns repeats into lists.
    """
    lines, seen = [], set()
    for line in template.splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*=", line)
        if m and m.group(1) in overrides:
            key = m.group(1)
            if key not in seen:
                lines.append(f"{key}={overrides[key]}")
                seen.add(key)
        else:
            lines.append(line)
    lines += ["", "# --- fastpulsar test overrides ---"]
    lines += [f"{key}={value}" for key, value in overrides.items() if key not in seen]
    target.write_text("\n".join(lines) + "\n")


def _pdeathsig_setter():
    """A function for ``preexec_fn`` that makes the kernel SIGTERM the child when the
    (thread that started it in the) test process dies without stopping it; None off Linux.

    prctl is looked up here, in the parent: the child, forked from a process with threads,
    should do as little as possible before exec (no imports).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None
    PR_SET_PDEATHSIG = 1

    def set_pdeathsig() -> None:  # pragma: no cover - runs in the child
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)

    return set_pdeathsig


_running: set[StandaloneBroker] = set()
_running_lock = threading.Lock()


@atexit.register
def _stop_all() -> None:
    """Fallback: stop brokers that a finalizer did not (e.g. the session died)."""
    with _running_lock:
        brokers = list(_running)
    for broker in brokers:
        broker.stop()


# --------------------------------------------------------------------------------------------
# The broker
# --------------------------------------------------------------------------------------------


class StandaloneBroker:
    """One Apache Pulsar standalone process with its own work directory and loopback ports.

    ``work_dir``: where config, logs, TLS files and data go (emptied on start; on stop, the
    data is removed and the rest kept); by default a temporary directory, removed on stop.
    ``tls=True`` adds the TLS ports (certificates made under the work directory) and turns on
    token authentication and authorization with an HS256 secret of its own; the super-user
    role is ``admin`` (``admin_token``), ``make_token(role)`` makes tokens for other roles.
    """

    kind = "standalone"

    def __init__(
        self,
        version: str = DEFAULT_VERSION,
        *,
        source: str = "auto",
        tls: bool = False,
        work_dir: Path | None = None,
        extra_config: dict | None = None,
        start_timeout: float = 180.0,
        stop_timeout: float = 30.0,
    ):
        self.version = version
        self.source = resolve_source(version, source)
        self.tls = tls
        self.extra_config = dict(extra_config or {})
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._work_dir_arg = Path(work_dir) if work_dir else None
        self._own_work_dir = work_dir is None
        self.work_dir: Path | None = None
        self.home: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.ports: dict[str, int] = {}
        self.tls_files: dict[str, Path] = {}
        self.token_secret: bytes | None = None
        self.admin_token: str | None = None
        self.timings: dict[str, float] = {}
        self.broker_version: str | None = None
        self._log_file = None

    # -- addresses ----------------------------------------------------------------------------

    @property
    def service_url(self) -> str:
        return f"pulsar://127.0.0.1:{self.ports['broker']}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['web']}"

    @property
    def service_url_tls(self) -> str:
        return f"pulsar+ssl://127.0.0.1:{self.ports['broker_tls']}"

    @property
    def admin_url_tls(self) -> str:
        return f"https://127.0.0.1:{self.ports['web_tls']}"

    @property
    def ca_cert_path(self) -> str:
        return str(self.tls_files["ca_cert"])

    @property
    def log_path(self) -> Path:
        assert self.work_dir is not None
        return self.work_dir / "logs" / "broker.log"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def admin(self, token: str | None = None, *, use_tls: bool = False) -> PulsarAdmin:
        """Admin REST client (super-user token when auth is on, unless another is given)."""
        if use_tls:
            return PulsarAdmin(self.admin_url_tls, token or self.admin_token, self.ca_cert_path)
        return PulsarAdmin(self.admin_url, token or self.admin_token)

    def make_token(self, subject: str, expires_in: float | None = None) -> str:
        if self.token_secret is None:
            raise StandaloneError("this broker has no token authentication (tls=False)")
        return make_token(self.token_secret, subject, expires_in)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_bytes()[-200_000:].decode("utf-8", "replace")
        except (OSError, AssertionError):
            return "(no broker log)"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last {lines} lines of {self.log_path} ---\n{tail}"

    # -- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> StandaloneBroker:  # noqa: PYI034 - Self needs Python 3.11
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, attempts: int = 3) -> StandaloneBroker:
        """Obtain (first time only), start, and wait until ready.

        Ports are chosen free but released before the JVM binds them: a lost race
        ("Address already in use") is retried with new ports.
        """
        java = find_java()
        t0 = time.monotonic()
        self.home = ensure_broker(self.version, self.source)
        self.timings["obtain_s"] = time.monotonic() - t0
        for attempt in range(attempts):
            try:
                self._start_once(java)
                return self
            except StandaloneError as exc:
                if "Address already in use" not in str(exc) or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _start_once(self, java: str) -> None:
        if self.proc is not None:
            raise StandaloneError("already started")
        assert self.home is not None
        if self._work_dir_arg is not None:
            self.work_dir = self._work_dir_arg
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.work_dir.mkdir(parents=True)
        else:
            self.work_dir = Path(tempfile.mkdtemp(prefix="fastpulsar-standalone-"))
        (self.work_dir / "logs").mkdir()

        names = ["broker", "web", "bookie"] + (["broker_tls", "web_tls"] if self.tls else [])
        self.ports = dict(zip(names, free_ports(len(names))))
        conf = self.work_dir / "standalone.conf"
        if self.source == "distribution":
            template = (self.home / "conf" / "standalone.conf").read_text()
        else:
            template = MINIMAL_STANDALONE_CONF
        write_config(template, conf, self._overrides())

        standalone_args = [
            "--config", str(conf),
            "--no-functions-worker", "--no-stream-storage", "--wipe-data",
            "--metadata-dir", str(self.work_dir / "metadata"),  # RocksDB metadata store
            "--bookkeeper-dir", str(self.work_dir / "bookkeeper"),
            "--bookkeeper-port", str(self.ports["bookie"]),
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULSAR_")}
        if self.source == "distribution":
            env.update(
                PULSAR_MEM=DEFAULT_MEM,
                PULSAR_GC=DEFAULT_GC,
                PULSAR_LOG_DIR=str(self.work_dir / "logs"),
                PULSAR_STANDALONE_CONF=str(conf),
                JAVA_HOME=str(Path(java).resolve().parent.parent),
            )
            cmd = [str(self.home / "bin" / "pulsar"), "standalone", *standalone_args]
        else:
            log_conf = self.work_dir / "log4j2.properties"
            log_conf.write_text(LOG4J2_PROPERTIES)
            flags = list(JVM_FLAGS)
            if java_major(java) >= 23:
                flags.insert(0, "--sun-misc-unsafe-memory-access=allow")
            cmd = [
                java, "-cp", f"{self.home / 'lib'}/*", f"-Dlog4j.configurationFile={log_conf}",
                *flags, *DEFAULT_MEM.split(), *DEFAULT_GC.split(),
                "org.apache.pulsar.PulsarStandaloneStarter", *standalone_args,
            ]  # fmt: skip

        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed by stop()
        t_start = time.monotonic()
        # bin/pulsar ends in `exec java`: either way proc.pid is the JVM.  Its own session
        # (process group) lets stop() kill whatever it may have started as well.
        self.proc = subprocess.Popen(
            cmd,
            cwd=str(self.work_dir),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_pdeathsig_setter(),  # noqa: PLW1509 - one prctl call, nothing else
        )
        with _running_lock:
            _running.add(self)
        try:
            self._wait_ready(t_start)
        except StandaloneError as exc:
            log = self.log_tail()
            self.stop()
            raise StandaloneError(f"{exc}\n{log}") from None
        except BaseException:
            self.stop()
            raise

    def _overrides(self) -> dict:
        overrides = {
            "bindAddress": "127.0.0.1",
            "advertisedAddress": "127.0.0.1",
            "brokerServicePort": self.ports["broker"],
            "webServicePort": self.ports["web"],
            # Read by the embedded bookie (it loads the same file): without allowEphemeralPorts
            # it ignores --bookkeeper-port, without listeningInterface it binds 0.0.0.0.
            "allowEphemeralPorts": "true",
            "listeningInterface": "lo",
            "maxMessageSize": 1024000,
            "isDelayedDeliveryDeliverAtTimeStrict": "true",
        }
        if self.tls:
            self.tls_files = generate_tls_material(self.work_dir / "tls")
            self.token_secret = os.urandom(32)  # HS256 wants a 256-bit key
            self.admin_token = make_token(self.token_secret, ADMIN_ROLE)
            overrides.update(
                {
                    "brokerServicePortTls": self.ports["broker_tls"],
                    "webServicePortTls": self.ports["web_tls"],
                    "tlsCertificateFilePath": self.tls_files["cert"],
                    "tlsKeyFilePath": self.tls_files["key"],
                    "tlsTrustCertsFilePath": self.tls_files["ca_cert"],
                    "authenticationEnabled": "true",
                    "authorizationEnabled": "true",
                    "authenticationProviders": TOKEN_AUTH_PROVIDER,
                    "tokenSecretKey": "data:;base64,"
                    + base64.b64encode(self.token_secret).decode(),
                    "superUserRoles": ADMIN_ROLE,
                    # The broker's own internal client (e.g. the health check) authenticates too.
                    "brokerClientAuthenticationPlugin": TOKEN_CLIENT_PLUGIN,
                    "brokerClientAuthenticationParameters": f"token:{self.admin_token}",
                }
            )
        overrides.update(self.extra_config)
        return overrides

    def _wait_ready(self, t_start: float) -> None:
        admin = self.admin()
        deadline = t_start + self.start_timeout
        phase = "namespace"
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise StandaloneError(
                    f"Apache Pulsar standalone exited with code {self.proc.returncode} while "
                    "starting"
                )
            try:
                if phase == "namespace":
                    status, _ = admin.request(
                        "GET", "namespaces/public/default", expect=range(100, 600), timeout=5
                    )
                    if status == 200:
                        self.timings["ready_s"] = time.monotonic() - t_start
                        phase = "health"
                if phase == "health" and admin.healthy(timeout=30):
                    self.timings["healthy_s"] = time.monotonic() - t_start
                    self.broker_version = admin.broker_version()
                    return
            except OSError:  # not listening yet, reset, read timeout
                pass
            if time.monotonic() > deadline:
                raise StandaloneError(
                    f"Apache Pulsar standalone not ready after {self.start_timeout} s "
                    f"(waiting for {phase})"
                )
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL the process group; idempotent; removes the work directory."""
        with _running_lock:
            _running.discard(self)
        proc, self.proc = self.proc, None
        if proc is not None:
            t0 = time.monotonic()
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # the JVM's shutdown hook closes broker+bookie
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(self.stop_timeout)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # anything left in the group (normally none)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            self.timings["stop_s"] = time.monotonic() - t0
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self.work_dir is not None:
            if self._own_work_dir:
                shutil.rmtree(self.work_dir, ignore_errors=True)
            else:  # a caller's directory: keep the config and logs, drop the data
                for data in ("bookkeeper", "metadata"):
                    shutil.rmtree(self.work_dir / data, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Manual use
# --------------------------------------------------------------------------------------------


def _main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Run Apache Pulsar standalone as the tests do.")
    parser.add_argument("--version", default=DEFAULT_VERSION)
    parser.add_argument("--source", default="auto", choices=SOURCES)
    parser.add_argument("--tls", action="store_true", help="TLS ports and token auth")
    parser.add_argument("--fetch-only", action="store_true", help="only fill the cache")
    parser.add_argument("--hold", type=float, default=None, help="seconds to run (default: ^C)")
    args = parser.parse_args(argv)
    if args.fetch_only:
        t0 = time.monotonic()
        print(ensure_broker(args.version, args.source), f"({time.monotonic() - t0:.1f} s)")
        return 0
    with StandaloneBroker(args.version, source=args.source, tls=args.tls) as broker:
        print(f"Apache Pulsar {broker.broker_version} ({broker.source}), pid {broker.pid}")
        print(f"service URL {broker.service_url}, admin {broker.admin_url}")
        if broker.tls:
            print(f"TLS {broker.service_url_tls}, {broker.admin_url_tls}, CA {broker.ca_cert_path}")
            print(f"admin token {broker.admin_token}")
        print("timings", {k: round(v, 2) for k, v in broker.timings.items()}, flush=True)
        try:
            if args.hold is None:
                signal.pause()
            else:
                time.sleep(args.hold)
        except KeyboardInterrupt:
            pass
    print("stopped in", round(broker.timings.get("stop_s", -1), 2), "s")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
