"""A two-broker Apache Pulsar cluster on loopback, as the Pulsar docs deploy one on bare
metal: one ZooKeeper, the cluster's metadata initialised (``initialize-cluster-metadata``:
``PulsarClusterMetadataSetup``, which also formats the BookKeeper metadata), one bookie, then
the brokers (``PulsarBrokerStarter``), every process a JVM of its own started from the same
jars as the standalone broker (``fastpulsar_testing.standalone``).

Every port is a free one on 127.0.0.1; config, data and logs live in a work directory (a
temporary one by default, removed on stop).  Every JVM runs in its own process group and
gets SIGTERM from the kernel if the starting thread dies; ``stop()`` (also run at interpreter
exit) kills whatever is left.  One broker can be stopped gracefully (SIGTERM: it unloads
its bundles, which the other takes at once) or killed (SIGKILL: its ZooKeeper session, and
with it the ownership of its bundles, expires after ``session_timeout_ms``), and restarted.
"""

from __future__ import annotations

import atexit
import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..admin import AdminError, PulsarAdmin, topic_path
from ..pdeathsig import die_with_parent
from ..ports import LOOPBACK, free_ports, port_accepts
from ..standalone import DEFAULT_VERSION, StandaloneError, ensure_broker, find_java, resolve_source
from ..standalone.config import LOG4J2_PROPERTIES, write_config
from ..standalone.java import java_major
from ..standalone.process import JVM_FLAGS
from .config import bookie_config, broker_config, zk_connect, zookeeper_config
from .node import JavaNode

CLUSTER_NAME = "fastpulsar-cluster"
# C1 only: a test cluster lives for minutes, and C2's compilations cost a loaded 2-core
# machine much of the start-up time.
GC = ["-XX:+UseG1GC", "-XX:+PerfDisableSharedMem", "-XX:TieredStopAtLevel=1"]
# Small heaps: four JVMs on a shared 2-core test machine.
ZK_MEM = ["-Xms32m", "-Xmx128m"]
BOOKIE_MEM = ["-Xms64m", "-Xmx256m", "-XX:MaxDirectMemorySize=256m"]
BROKER_MEM = ["-Xms128m", "-Xmx512m", "-XX:MaxDirectMemorySize=256m"]
ZK_MAIN = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
SETUP_MAIN = "org.apache.pulsar.PulsarClusterMetadataSetup"
BOOKIE_MAIN = "org.apache.bookkeeper.server.Main"
BROKER_MAIN = "org.apache.pulsar.PulsarBrokerStarter"


class ClusterError(StandaloneError):
    """The cluster could not be started (the message carries the failing process's log)."""


class ClusterBroker:
    """One broker of the cluster: its ports, URLs, admin client and process."""

    def __init__(self, index: int, broker_port: int, web_port: int) -> None:
        self.index = index
        self.name = f"broker{index}"
        self.broker_port = broker_port
        self.web_port = web_port
        self.node: JavaNode | None = None
        self.timings: dict[str, float] = {}

    @property
    def service_url(self) -> str:
        return f"pulsar://{LOOPBACK}:{self.broker_port}"

    @property
    def admin_url(self) -> str:
        return f"http://{LOOPBACK}:{self.web_port}"

    @property
    def broker_id(self) -> str:
        """How the cluster names this broker (``brokers/<cluster>``, ``destinationBroker``)."""
        return f"{LOOPBACK}:{self.web_port}"

    @property
    def alive(self) -> bool:
        return self.node is not None and self.node.alive

    def admin(self) -> PulsarAdmin:
        return PulsarAdmin(self.admin_url)


class PulsarCluster:
    """ZooKeeper, one bookie and ``brokers`` brokers of Apache Pulsar ``version`` on loopback.

    ``start()`` waits until every broker passes its health check and sees the others;
    ``timings`` records how long each step took, ``rss_mb()`` the JVMs' resident memory.
    """

    def __init__(
        self,
        version: str = DEFAULT_VERSION,
        *,
        brokers: int = 2,
        work_dir: Path | None = None,
        session_timeout_ms: int = 6000,
        start_timeout: float = 240.0,
        extra_broker_config: dict[str, object] | None = None,
    ) -> None:
        self.version = version
        self.source = resolve_source(version)
        self.broker_count = brokers
        self.session_timeout_ms = session_timeout_ms
        self.start_timeout = start_timeout
        self.extra_broker_config = dict(extra_broker_config or {})
        self._work_dir_arg = Path(work_dir) if work_dir else None
        self.work_dir: Path | None = None
        self.lib: Path | None = None
        self.java = ""
        self.zk_port = 0
        self.bookie_port = 0
        self.zookeeper: JavaNode | None = None
        self.bookie: JavaNode | None = None
        self.brokers: list[ClusterBroker] = []
        self.timings: dict[str, float] = {}
        self.cluster_name = CLUSTER_NAME

    # -- addresses ----------------------------------------------------------------------------

    @property
    def service_url(self) -> str:
        """Every broker's binary-protocol address, as one multi-host ``pulsar://`` URL."""
        return "pulsar://" + ",".join(f"{LOOPBACK}:{b.broker_port}" for b in self.brokers)

    def admin(self, index: int | None = None) -> PulsarAdmin:
        """The admin client of broker ``index``, or of the first one alive."""
        return self._broker(index).admin()

    def _broker(self, index: int | None) -> ClusterBroker:
        if index is not None:
            return self.brokers[index]
        for broker in self.brokers:
            if broker.alive:
                return broker
        raise ClusterError("no broker of the cluster is running")

    def broker_by_url(self, url: str) -> ClusterBroker:
        """The broker whose ``pulsar://`` service URL is ``url`` (KeyError if none)."""
        for broker in self.brokers:
            if broker.service_url == url.rstrip("/"):
                return broker
        raise KeyError(url)

    # -- topics and bundles -------------------------------------------------------------------

    def lookup(self, topic: str, via: int | None = None, timeout: float = 30.0) -> str:
        """The ``pulsar://`` URL of the broker that owns ``topic`` (one partition, or a
        non-partitioned topic), asked through broker ``via`` (the first alive by default).
        The lookup assigns the topic's bundle if nobody owns it.  Raises OSError or
        urllib.error.HTTPError."""
        url = f"{self._broker(via).admin_url}/lookup/v2/topic/{topic_path(topic)}"
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # follows 307 redirects
            answer = json.loads(resp.read().decode())
        return str(answer["brokerUrl"]).rstrip("/")

    def bundle_of(self, topic: str, via: int | None = None) -> str:
        """The namespace bundle (``0x..._0x...``) ``topic`` falls in."""
        url = f"{self._broker(via).admin_url}/lookup/v2/topic/{topic_path(topic)}/bundle"
        with urllib.request.urlopen(url, timeout=30) as resp:  # plain text, not JSON
            return str(resp.read().decode()).strip().strip('"')

    def unload_bundle(
        self, namespace: str, bundle: str, destination: int | None = None, via: int | None = None
    ) -> None:
        """Unload ``bundle`` of ``namespace`` from its owner; with ``destination``, the load
        manager assigns it to that broker next (``destinationBroker``)."""
        query = ""
        if destination is not None:
            query = "?destinationBroker=" + urllib.parse.quote(self.brokers[destination].broker_id)
        url = f"{self._broker(via).admin_url}/admin/v2/namespaces/{namespace}/{bundle}/unload"
        _put(url + query)

    def split_bundle(self, namespace: str, bundle: str, via: int | None = None) -> None:
        """Split ``bundle`` of ``namespace`` in two and unload both halves."""
        _put(
            f"{self._broker(via).admin_url}/admin/v2/namespaces/{namespace}/{bundle}/split?unload=true"
        )

    def active_brokers(self, via: int | None = None) -> list[str]:
        return [str(b) for b in self.admin(via).get(f"brokers/{self.cluster_name}")]

    # -- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> PulsarCluster:  # noqa: PYI034 - Self needs Python 3.11
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, attempts: int = 2) -> PulsarCluster:
        """Start everything and wait until every broker is healthy and sees the others.

        Ports are chosen free, then released before the JVMs bind them: a lost race is
        retried once with new ports.  Raises ClusterError (with the failing log's tail) or
        ToolMissing (no Java 17+)."""
        self.java = find_java()
        t0 = time.monotonic()
        self.lib = ensure_broker(self.version, self.source) / "lib"
        self.timings["obtain_s"] = time.monotonic() - t0
        for attempt in range(attempts):
            try:
                self._start_once()
                return self
            except ClusterError as exc:
                if "Address already in use" not in str(exc) or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _start_once(self) -> None:
        if self.work_dir is not None:
            raise ClusterError("already started")
        if self._work_dir_arg is not None:
            shutil.rmtree(self._work_dir_arg, ignore_errors=True)
            self._work_dir_arg.mkdir(parents=True)
            self.work_dir = self._work_dir_arg
        else:
            self.work_dir = Path(tempfile.mkdtemp(prefix="fastpulsar-cluster-"))
        (self.work_dir / "logs").mkdir()
        (self.work_dir / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
        ports = free_ports(2 + 2 * self.broker_count)
        self.zk_port, self.bookie_port = ports[0], ports[1]
        self.brokers = [
            ClusterBroker(i, ports[2 + 2 * i], ports[3 + 2 * i]) for i in range(self.broker_count)
        ]
        with _running_lock:
            _running.add(self)
        t_start = time.monotonic()
        deadline = t_start + self.start_timeout
        try:
            self._step("zookeeper_s", self._start_zookeeper, deadline)
            self._step("metadata_s", self._initialize_metadata, deadline)
            # The brokers need the bookie only once they are up (their health check writes):
            # start them together, then wait for each.
            self._step("bookie_s", self._start_bookie, deadline)
            self._step("brokers_s", self._start_brokers, deadline)
        except BaseException:
            self.stop(keep_logs=True)
            raise
        self.timings["ready_s"] = time.monotonic() - t_start

    def _step(self, name: str, step: Callable[[float], None], deadline: float) -> None:
        t0 = time.monotonic()
        step(deadline)
        self.timings[name] = time.monotonic() - t0

    def _java_cmd(self, name: str, mem: list[str], main: str, *args: str) -> list[str]:
        assert self.work_dir is not None
        assert self.lib is not None
        flags = list(JVM_FLAGS)
        if java_major(self.java) >= 23:
            flags.insert(0, "--sun-misc-unsafe-memory-access=allow")
        return [
            self.java, "-cp", f"{self.lib}/*",
            f"-Dlog4j.configurationFile={self.work_dir / 'log4j2.properties'}",
            "-Dzookeeper.4lw.commands.whitelist=ruok,srvr",
            *flags, *mem, *GC, main, *args,
        ]  # fmt: skip

    def _node(self, name: str, mem: list[str], main: str, *args: str) -> JavaNode:
        assert self.work_dir is not None
        node = JavaNode(
            name,
            self._java_cmd(name, mem, main, *args),
            self.work_dir,
            self.work_dir / "logs" / f"{name}.log",
        )
        node.start()
        return node

    def _fail(self, node: JavaNode | None, what: str) -> ClusterError:
        tail = node.log_tail() if node is not None else ""
        return ClusterError(f"{what}\n{tail}")

    def _wait(self, node: JavaNode, ready: Callable[[], bool], what: str, deadline: float) -> None:
        while not ready():
            if not node.alive:
                raise self._fail(node, f"{node.name} exited with code {node.returncode} {what}")
            if time.monotonic() > deadline:
                raise self._fail(node, f"{node.name} not ready after {self.start_timeout} s {what}")
            time.sleep(0.2)

    def _start_zookeeper(self, deadline: float) -> None:
        assert self.work_dir is not None
        conf = self.work_dir / "zoo.cfg"
        write_config("", conf, zookeeper_config(self.zk_port, self.work_dir / "zookeeper"))
        self.zookeeper = self._node("zookeeper", ZK_MEM, ZK_MAIN, str(conf))
        self._wait(self.zookeeper, lambda: _zk_ok(self.zk_port), "(ZooKeeper)", deadline)

    def _initialize_metadata(self, deadline: float) -> None:
        assert self.work_dir is not None
        zk = f"zk:{zk_connect(self.zk_port)}"
        first = self.brokers[0]
        log_path = self.work_dir / "logs" / "initialize-cluster-metadata.log"
        cmd = self._java_cmd(
            "metadata", ["-Xmx128m"], SETUP_MAIN,
            "--cluster", self.cluster_name,
            "--metadata-store", zk,
            "--configuration-metadata-store", zk,
            "--web-service-url", first.admin_url,
            "--broker-service-url", first.service_url,
        )  # fmt: skip
        with open(log_path, "ab") as log:
            try:
                done = subprocess.run(
                    cmd,
                    cwd=str(self.work_dir),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=max(1.0, deadline - time.monotonic()),
                    preexec_fn=die_with_parent(),
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise ClusterError("initialize-cluster-metadata timed out") from None
        if done.returncode != 0:
            node = JavaNode("initialize-cluster-metadata", cmd, self.work_dir, log_path)
            raise self._fail(node, f"initialize-cluster-metadata exited with {done.returncode}")

    def _start_bookie(self, deadline: float) -> None:
        assert self.work_dir is not None
        conf = self.work_dir / "bookkeeper.conf"
        data = self.work_dir / "bookie"
        write_config("", conf, bookie_config(self.bookie_port, self.zk_port, data))
        self.bookie = self._node("bookie", BOOKIE_MEM, BOOKIE_MAIN, "--conf", str(conf))
        for broker in self.brokers:
            broker.node = self._node(
                broker.name,
                BROKER_MEM,
                BROKER_MAIN,
                "--broker-conf",
                str(self._broker_conf(broker)),
            )
        self._wait(self.bookie, lambda: port_accepts(self.bookie_port), "(bookie)", deadline)

    def _broker_conf(self, broker: ClusterBroker) -> Path:
        assert self.work_dir is not None
        conf = self.work_dir / f"{broker.name}.conf"
        settings = broker_config(
            self.cluster_name,
            self.zk_port,
            broker.broker_port,
            broker.web_port,
            self.session_timeout_ms,
        )
        settings.update(self.extra_broker_config)
        write_config("", conf, settings)
        return conf

    def _start_brokers(self, deadline: float) -> None:
        """Wait for the brokers (started with the bookie) to be healthy and registered."""
        with ThreadPoolExecutor(len(self.brokers)) as pool:
            for future in [pool.submit(self._wait_broker, b, deadline) for b in self.brokers]:
                future.result()
        # Every broker registered and seen: bundles can now be placed on any of them.
        assert self.brokers[0].node is not None
        want = {b.broker_id for b in self.brokers}
        self._wait(
            self.brokers[0].node,
            lambda: want <= set(_quiet(self.active_brokers, [])),
            "(waiting for every broker to register)",
            deadline,
        )

    def _wait_broker(self, broker: ClusterBroker, deadline: float) -> None:
        assert broker.node is not None
        t0 = time.monotonic()
        admin = broker.admin()

        def ready() -> bool:
            try:
                status, _ = admin.request(
                    "GET", "namespaces/public/default", expect=range(100, 600), timeout=5
                )
            except OSError:
                return False
            return status == 200 and admin.healthy(timeout=30)

        self._wait(broker.node, ready, "(broker health check)", deadline)
        broker.timings["ready_s"] = time.monotonic() - t0

    # -- one broker ---------------------------------------------------------------------------

    def stop_broker(self, index: int, timeout: float = 60.0) -> float:
        """Stop broker ``index`` gracefully (SIGTERM: it unloads its bundles and closes its
        topics, then exits); SIGKILL after ``timeout`` s.  Returns the seconds it took."""
        node = self.brokers[index].node
        return node.stop(timeout) if node is not None else 0.0

    def kill_broker(self, index: int) -> None:
        """SIGKILL broker ``index``: no shutdown at all; its bundles stay owned until its
        ZooKeeper session expires (``session_timeout_ms``)."""
        node = self.brokers[index].node
        if node is not None:
            node.kill()

    def restart_broker(self, index: int, timeout: float | None = None) -> float:
        """Start broker ``index`` again on its ports; returns the seconds until healthy."""
        broker = self.brokers[index]
        if broker.alive:
            raise ClusterError(f"{broker.name} is running")
        t0 = time.monotonic()
        conf = self._broker_conf(broker)
        broker.node = self._node(broker.name, BROKER_MEM, BROKER_MAIN, "--broker-conf", str(conf))
        deadline = t0 + (timeout or self.start_timeout)
        self._wait_broker(broker, deadline)
        assert broker.node is not None
        self._wait(
            broker.node,
            lambda: broker.broker_id in _quiet(lambda: self.active_brokers(index), []),
            "(waiting for the broker to register)",
            deadline,
        )
        return time.monotonic() - t0

    # -- resources and teardown ---------------------------------------------------------------

    def nodes(self) -> list[JavaNode]:
        found = [self.zookeeper, self.bookie, *(b.node for b in self.brokers)]
        return [n for n in found if n is not None]

    def pids(self) -> list[int]:
        return [n.pid for n in self.nodes() if n.pid is not None and n.alive]

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of each running JVM, in MiB (from /proc; empty where unreadable)."""
        out: dict[str, float] = {}
        for node in self.nodes():
            if node.pid is None or not node.alive:
                continue
            try:
                status = Path(f"/proc/{node.pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    out[node.name] = int(line.split()[1]) / 1024
        return out

    def log_tails(self, lines: int = 30) -> str:
        return "\n".join(node.log_tail(lines) for node in self.nodes())

    def stop(self, keep_logs: bool = False) -> None:
        """Stop the brokers (SIGTERM, in parallel), then the bookie and ZooKeeper; SIGKILL
        what is left; idempotent.  The work directory is removed unless it is the caller's
        (then only the data goes) or ``keep_logs``."""
        with _running_lock:
            _running.discard(self)
        t0 = time.monotonic()
        # Plain threads: an executor refuses work once the interpreter is exiting (atexit).
        stoppers = [
            threading.Thread(target=b.node.stop, args=(20.0,), name=f"stop-{b.name}")
            for b in self.brokers
            if b.node is not None
        ]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        for node in (self.bookie, self.zookeeper):
            if node is not None:
                node.stop(10.0)
        if self.timings and "stop_s" not in self.timings:
            self.timings["stop_s"] = time.monotonic() - t0
        work_dir, self.work_dir = self.work_dir, None
        if work_dir is None:
            return
        if self._work_dir_arg is None and not keep_logs:
            shutil.rmtree(work_dir, ignore_errors=True)
        else:
            for data in ("zookeeper", "bookie"):
                shutil.rmtree(work_dir / data, ignore_errors=True)


def _zk_ok(port: int) -> bool:
    """Whether ZooKeeper on 127.0.0.1:``port`` answers ``ruok`` with ``imok``."""
    if not port_accepts(port):
        return False
    try:
        with socket.create_connection((LOOPBACK, port), timeout=2) as sock:
            sock.sendall(b"ruok")
            return sock.recv(16) == b"imok"
    except OSError:
        return False


def _put(url: str, redirects: int = 3) -> None:
    """PUT ``url`` with no body, following the 307 redirects a broker that does not own the
    resource answers with (urllib follows them for GET only).  Raises AdminError or OSError."""
    for _ in range(redirects + 1):
        request = urllib.request.Request(url, method="PUT")  # no body: no content type
        try:
            with urllib.request.urlopen(request, timeout=60):
                return
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location")
            if exc.code not in (307, 308) or not location:
                raise AdminError(
                    "PUT", url, exc.code, exc.read().decode("utf-8", "replace")
                ) from None
            url = urllib.parse.urljoin(url, location)
    raise AdminError("PUT", url, 307, "too many redirects")


def _quiet(call: Callable[[], Any], default: Any) -> Any:
    """``call()``, or ``default`` if the broker cannot answer (yet)."""
    try:
        return call()
    except (OSError, urllib.error.URLError, StandaloneError, RuntimeError):
        return default


_running: set[PulsarCluster] = set()
_running_lock = threading.Lock()


@atexit.register
def _stop_all() -> None:
    """Fallback: stop clusters that their owner did not (e.g. the session died)."""
    with _running_lock:
        clusters = list(_running)
    for cluster in clusters:
        cluster.stop()
