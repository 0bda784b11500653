"""An embedded pulsar-lite broker for the command line (``python -m pulsar`` without
``--service-url``).

pulsar-lite (PyPI) ships one broker binary in ``pulsar_lite/bin``. Its Python package
imports the official ``pulsar`` client, so it is never imported here: the binary is found
with ``importlib.util.find_spec`` (which does not run the package) or through
``$PULSAR_LITE_BIN``. The broker listens on a free loopback port, keeps its files in a
temporary directory, and is stopped (directory removed) when the ``with`` block ends; on
Linux the kernel also stops it if this process dies first (``PR_SET_PDEATHSIG``).

The test helpers have a launcher of their own (``fastpulsar_testing.lite``): they must not
import this package, which is not the ``pulsar`` of every environment they run in.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

BINARY_ENV = "PULSAR_LITE_BIN"
INSTALL_HINT = "pip install --no-deps pulsar-lite"
LOOPBACK = "127.0.0.1"
# Without this the broker also serves metrics on 0.0.0.0:8080 (every interface, fixed port).
_CONFIG_TOML = "[metrics]\nenabled = false\n"
_PR_SET_PDEATHSIG = 1


class EmbeddedBrokerError(RuntimeError):
    """pulsar-lite is not installed, or its broker did not start."""


def find_binary() -> Path:
    """The pulsar-lite binary ($PULSAR_LITE_BIN or the installed pulsar_lite package), made
    executable if needed. Any thread; raises EmbeddedBrokerError saying how to install it."""
    env = os.environ.get(BINARY_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise EmbeddedBrokerError(f"{BINARY_ENV}={env!r} does not name a file")
    else:
        path = _packaged_binary()
    mode = path.stat().st_mode
    if not mode & stat.S_IXUSR:
        try:
            path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError as exc:
            raise EmbeddedBrokerError(f"cannot make {path} executable: {exc}") from exc
    return path


def _packaged_binary() -> Path:
    try:
        spec = importlib.util.find_spec("pulsar_lite")  # does not execute the package
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedBrokerError("pulsar-lite is not installed")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / "pulsar-lite"
        if candidate.is_file():
            return candidate
    raise EmbeddedBrokerError(
        f"the package pulsar_lite is installed but has no bin/pulsar-lite; reinstall it "
        f"(`{INSTALL_HINT}`) or set {BINARY_ENV} to the binary"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _port_accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.2):
            return True
    except OSError:
        return False


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking the kernel to SIGTERM the child when the thread that started it
    dies (Linux); None elsewhere. prctl is looked up here, so the child makes one call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None

    def set_pdeathsig() -> None:  # pragma: no cover - runs in the child
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)

    return set_pdeathsig


class EmbeddedBroker:
    """A pulsar-lite process on a free loopback port, for as long as the ``with`` block.

    Start and stop it from the main thread (the kernel's parent-death signal follows the
    thread that started it). ``start`` raises EmbeddedBrokerError with the log's tail."""

    def __init__(self, binary: Path, ready_timeout: float = 30.0, attempts: int = 3) -> None:
        self.binary = binary
        self.ready_timeout = ready_timeout
        self.attempts = attempts
        self.port: int | None = None
        self._workdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def service_url(self) -> str:
        if self.port is None:
            raise EmbeddedBrokerError("the embedded broker is not running")
        return f"pulsar://{LOOPBACK}:{self.port}"

    def start(self) -> EmbeddedBroker:
        self._workdir = Path(tempfile.mkdtemp(prefix="fastpulsar-cli-broker-"))
        config = self._workdir / "pulsar-lite.toml"
        config.write_text(_CONFIG_TOML)
        log_path = self._workdir / "pulsar-lite.log"
        problem = ""
        try:
            for _ in range(self.attempts):
                port = _free_port()
                with open(log_path, "ab") as log:
                    self._process = subprocess.Popen(
                        [
                            str(self.binary),
                            "--addr",
                            f"{LOOPBACK}:{port}",
                            "--db-path",
                            str(self._workdir / "db"),
                            "--config",
                            str(config),
                        ],
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        cwd=str(self._workdir),
                        # Out of the terminal's process group: Ctrl-C reaches the command,
                        # which closes its client before it stops the broker.
                        start_new_session=True,
                        preexec_fn=_die_with_parent(),  # noqa: PLW1509 - one prctl call
                    )
                problem = self._wait_ready(port)
                if not problem:
                    self.port = port
                    return self
                self._stop_process()
        except BaseException:
            self.stop()
            raise
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
        self.stop()
        raise EmbeddedBrokerError(f"{problem} ({self.binary}); its log ends with:\n{tail}")

    def _wait_ready(self, port: int) -> str:
        """'' once the port accepts connections, else what went wrong."""
        assert self._process is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return f"pulsar-lite exited with code {self._process.returncode}"
            if _port_accepts(port):
                return ""
            time.sleep(0.05)
        return f"pulsar-lite did not accept connections within {self.ready_timeout:g} s"

    def _stop_process(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL) and remove its files; idempotent."""
        self.port = None
        self._stop_process()
        workdir, self._workdir = self._workdir, None
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
