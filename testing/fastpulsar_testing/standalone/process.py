"""One Apache Pulsar standalone process: configured, started on free loopback ports, waited
for, and stopped.

The broker runs without functions worker and stream storage, with metadata in RocksDB (no
ZooKeeper), data wiped on start, every port a free one on 127.0.0.1 (binary protocol, HTTP,
the embedded bookie, and with TLS the two TLS ports).  It is ready when
``GET /admin/v2/namespaces/public/default`` answers 200 and then ``/admin/v2/brokers/health``
(an end-to-end produce/consume on the broker's heartbeat topic) does.

The JVM runs in its own process group; ``stop()`` sends SIGTERM (the broker shuts down
cleanly in 0.3-2 s), then SIGKILLs the group.  Nothing outlives the process that started it:
``stop()`` is also registered with ``atexit``, and the JVM gets SIGTERM from the kernel if
that process dies (``pdeathsig``).

For fault tests, ``kill()`` SIGKILLs the JVM (a crash: no shutdown hook) and keeps the work
directory, and ``restart()`` starts the broker again on the same ports with the same
configuration and data (without ``--wipe-data``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import BinaryIO

from ..admin import PulsarAdmin
from ..pdeathsig import die_with_parent
from ..ports import free_ports
from .config import (
    LOG4J2_PROPERTIES,
    MINIMAL_STANDALONE_CONF,
    base_overrides,
    tls_overrides,
    write_config,
)
from .errors import StandaloneError
from .java import find_java, java_home_of, java_major
from .maven import DEFAULT_VERSION, ensure_broker, resolve_source
from .tls import generate_tls_material
from .tokens import ADMIN_ROLE, make_token

# G1 rather than bin/pulsar's ZGC: ZGC's multi-mapped heap shows ~1.3 GB RSS, G1 ~0.45 GB.
DEFAULT_MEM = "-Xms256m -Xmx1g -XX:MaxDirectMemorySize=512m"
DEFAULT_GC = "-XX:+UseG1GC -XX:+PerfDisableSharedMem"

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


class StandaloneBroker:
    """One Apache Pulsar standalone process with its own work directory and loopback ports.

    ``work_dir``: where config, logs, TLS files and data go (emptied on start; on stop, the
    data is removed and the rest kept); by default a temporary directory, removed on stop.
    ``tls=True`` adds the TLS ports (certificates made under the work directory) and turns on
    token authentication and authorization with an HS256 secret of its own; the super-user
    role is ``admin`` (``admin_token``), ``make_token(role)`` makes tokens for other roles.
    ``external_listener_port``: also advertise a listener named ``external`` at
    ``pulsar://127.0.0.1:<port>`` (e.g. a test's TCP proxy in front of the broker): a client
    created with ``listener_name="external"`` is then sent there by lookups, while the
    broker's own internal client keeps the ``internal`` listener (the broker's port).
    """

    kind = "standalone"

    def __init__(
        self,
        version: str = DEFAULT_VERSION,
        *,
        source: str = "auto",
        tls: bool = False,
        work_dir: Path | None = None,
        extra_config: dict[str, object] | None = None,
        start_timeout: float = 180.0,
        stop_timeout: float = 30.0,
        external_listener_port: int | None = None,
    ) -> None:
        self.version = version
        self.source = resolve_source(version, source)
        self.tls = tls
        self.extra_config = dict(extra_config or {})
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.external_listener_port = external_listener_port
        self._work_dir_arg = Path(work_dir) if work_dir else None
        self._own_work_dir = work_dir is None
        self.work_dir: Path | None = None
        self.home: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.ports: dict[str, int] = {}
        self.tls_files: dict[str, Path] = {}
        self.token_secret: bytes | None = None
        self.admin_token: str | None = None
        self.timings: dict[str, float] = {}
        self.broker_version: str | None = None
        self._log_file: BinaryIO | None = None
        # The command line and environment of the last start, for restart() (same config).
        self._launch: tuple[list[str], dict[str, str]] | None = None

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

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, attempts: int = 3) -> StandaloneBroker:
        """Obtain (first time only), start, and wait until ready.

        Ports are chosen free but released before the JVM binds them: a lost race
        ("Address already in use") is retried with new ports.  Raises StandaloneError (with
        the log's tail) or ToolMissing.
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

    def _prepare_work_dir(self) -> Path:
        if self._work_dir_arg is not None:
            work_dir = self._work_dir_arg
            shutil.rmtree(work_dir, ignore_errors=True)
            work_dir.mkdir(parents=True)
        else:
            work_dir = Path(tempfile.mkdtemp(prefix="fastpulsar-standalone-"))
        (work_dir / "logs").mkdir()
        return work_dir

    def _command(self, java: str, home: Path, work_dir: Path) -> tuple[list[str], dict[str, str]]:
        """The command line and environment that start the broker; writes its config."""
        conf = work_dir / "standalone.conf"
        if self.source == "distribution":
            template = (home / "conf" / "standalone.conf").read_text()
        else:
            template = MINIMAL_STANDALONE_CONF
        write_config(template, conf, self._overrides(work_dir))

        standalone_args = [
            "--config", str(conf),
            "--no-functions-worker", "--no-stream-storage", "--wipe-data",
            "--metadata-dir", str(work_dir / "metadata"),  # RocksDB metadata store
            "--bookkeeper-dir", str(work_dir / "bookkeeper"),
            "--bookkeeper-port", str(self.ports["bookie"]),
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULSAR_")}
        if self.source == "distribution":
            env.update(
                PULSAR_MEM=DEFAULT_MEM,
                PULSAR_GC=DEFAULT_GC,
                PULSAR_LOG_DIR=str(work_dir / "logs"),
                PULSAR_STANDALONE_CONF=str(conf),
                JAVA_HOME=str(java_home_of(java)),
            )
            return [str(home / "bin" / "pulsar"), "standalone", *standalone_args], env
        log_conf = work_dir / "log4j2.properties"
        log_conf.write_text(LOG4J2_PROPERTIES)
        flags = list(JVM_FLAGS)
        if java_major(java) >= 23:
            flags.insert(0, "--sun-misc-unsafe-memory-access=allow")
        cmd = [
            java, "-cp", f"{home / 'lib'}/*", f"-Dlog4j.configurationFile={log_conf}",
            *flags, *DEFAULT_MEM.split(), *DEFAULT_GC.split(),
            "org.apache.pulsar.PulsarStandaloneStarter", *standalone_args,
        ]  # fmt: skip
        return cmd, env

    def _start_once(self, java: str) -> None:
        if self.proc is not None:
            raise StandaloneError("already started")
        assert self.home is not None
        self.work_dir = work_dir = self._prepare_work_dir()
        names = ["broker", "web", "bookie"] + (["broker_tls", "web_tls"] if self.tls else [])
        self.ports = dict(zip(names, free_ports(len(names))))
        cmd, env = self._command(java, self.home, work_dir)
        self._launch = (cmd, env)

        t_start = self._launch_process(cmd, env, work_dir)
        try:
            self._wait_ready(t_start)
        except StandaloneError as exc:
            log = self.log_tail()
            self.stop()
            raise StandaloneError(f"{exc}\n{log}") from None
        except BaseException:
            self.stop()
            raise

    def _launch_process(
        self, cmd: list[str], env: dict[str, str], work_dir: Path, banner: bytes = b""
    ) -> float:
        """Start the JVM (`cmd`), its output appended to the log after ``banner``, and
        register it for the atexit fallback; returns the monotonic time it was started."""
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed by _end_process/stop
        if banner:
            self._log_file.write(banner)
            self._log_file.flush()
        t_start = time.monotonic()
        # bin/pulsar ends in `exec java`: either way proc.pid is the JVM.  Its own session
        # (process group) lets stop() kill whatever it may have started as well.
        self.proc = subprocess.Popen(
            cmd,
            cwd=str(work_dir),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(),  # noqa: PLW1509 - one prctl call, nothing else
        )
        with _running_lock:
            _running.add(self)
        return t_start

    def _overrides(self, work_dir: Path) -> dict[str, object]:
        overrides = base_overrides(self.ports)
        if self.tls:
            self.tls_files = generate_tls_material(work_dir / "tls")
            self.token_secret = os.urandom(32)  # HS256 wants a 256-bit key
            self.admin_token = make_token(self.token_secret, ADMIN_ROLE)
            overrides.update(
                tls_overrides(self.ports, self.tls_files, self.token_secret, self.admin_token)
            )
        if self.external_listener_port is not None and not self.tls:
            # advertisedListeners and advertisedAddress must not both be set.
            del overrides["advertisedAddress"]
            overrides["advertisedListeners"] = (
                f"internal:pulsar://127.0.0.1:{self.ports['broker']},"
                f"external:pulsar://127.0.0.1:{self.external_listener_port}"
            )
            overrides["internalListenerName"] = "internal"
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
        """SIGTERM, then SIGKILL the process group; idempotent; removes the work directory
        (a caller's ``work_dir``: only the data, the config and logs stay)."""
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

    # -- faults: crash and restart keeping the data ---------------------------------------------

    def kill(self) -> None:
        """SIGKILL the broker's process group now, as a crash would (no shutdown hook, no
        clean close of ledgers); idempotent.  Unlike ``stop()``, the work directory and the
        broker's data stay, for ``restart()``; ``stop()`` still cleans up afterwards."""
        self._end_process(signal.SIGKILL)

    def restart(
        self, *, hard: bool = False, start_timeout: float | None = None
    ) -> StandaloneBroker:
        """Stop the broker if it runs (SIGTERM and its shutdown, or SIGKILL with ``hard``),
        then start it again on the same ports, with the same configuration (TLS files and
        tokens too) and the data it had: nothing is wiped.  Waits until it is ready, as
        ``start()`` does.  Raises StandaloneError (with the log's tail) if it was never
        started or does not come back; a port still held by another process is retried
        until ``start_timeout`` (default: the broker's).  Call it from a thread that outlives
        the broker (e.g. the test's own): the JVM gets SIGTERM (``pdeathsig``) when the
        *thread* that started it ends, as with ``start()``."""
        if self._launch is None or self.work_dir is None:
            raise StandaloneError("restart() needs a broker that was started")
        self._end_process(signal.SIGKILL if hard else signal.SIGTERM)
        cmd = [arg for arg in self._launch[0] if arg != "--wipe-data"]
        env = self._launch[1]
        timeout = self.start_timeout if start_timeout is None else start_timeout
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._spawn(cmd, env, self.work_dir, timeout)
                return self
            except StandaloneError as exc:
                if "Address already in use" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(1.0)

    def _spawn(self, cmd: list[str], env: dict[str, str], work_dir: Path, timeout: float) -> None:
        """Start ``cmd`` as the broker and wait until it is ready; on failure, kill it (the
        data stays) and raise StandaloneError with the log's tail."""
        t_start = self._launch_process(
            cmd, env, work_dir, banner=b"=== fastpulsar_testing: restarting, data kept ===\n"
        )
        saved_timeout = self.start_timeout
        self.start_timeout = timeout
        try:
            self._wait_ready(t_start)
            self.timings["restart_ready_s"] = self.timings["healthy_s"]
        except StandaloneError as exc:
            log = self.log_tail()
            self._end_process(signal.SIGKILL)
            raise StandaloneError(f"{exc}\n{log}") from None
        except BaseException:
            self._end_process(signal.SIGKILL)
            raise
        finally:
            self.start_timeout = saved_timeout

    def _end_process(self, sig: signal.Signals) -> None:
        """End the JVM with ``sig`` (SIGTERM: wait up to ``stop_timeout`` for its shutdown),
        then SIGKILL whatever is left in its process group; keeps the work directory.  The
        broker stays registered for the atexit fallback, which still cleans up."""
        proc, self.proc = self.proc, None
        if proc is not None:
            t0 = time.monotonic()
            if proc.poll() is None:
                if sig == signal.SIGKILL:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.send_signal(sig)
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(self.stop_timeout)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            self.timings["kill_s" if sig == signal.SIGKILL else "terminate_s"] = (
                time.monotonic() - t0
            )
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


_running: set[StandaloneBroker] = set()
_running_lock = threading.Lock()


@atexit.register
def _stop_all() -> None:
    """Fallback: stop brokers that their owner did not (e.g. the session died)."""
    with _running_lock:
        brokers = list(_running)
    for broker in brokers:
        broker.stop()
