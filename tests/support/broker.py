"""Start and stop a pulsar-lite broker for the tests.

pulsar-lite 0.2.0 (PyPI) ships a single broker binary in ``pulsar_lite/bin``.  Its Python
package imports the *official* ``pulsar`` client, so it must never be imported here: the
binary is located with ``importlib.util.find_spec`` (which does not execute the package) or
through the ``PULSAR_LITE_BIN`` environment variable.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

INSTALL_HINT = "pip install --no-deps pulsar-lite==0.2.0"

# Without this the broker also serves metrics on 0.0.0.0:8080 (every interface, fixed port).
CONFIG_TOML = "[metrics]\nenabled = false\n"


class BrokerError(RuntimeError):
    """The broker binary is missing or the broker could not be started."""


def find_pulsar_lite_binary() -> Path:
    """Return the path of the pulsar-lite binary, made executable if needed."""
    env = os.environ.get("PULSAR_LITE_BIN")
    if env:
        path = Path(env)
        if not path.is_file():
            raise BrokerError(f"PULSAR_LITE_BIN={env!r} does not name a file")
    else:
        spec = importlib.util.find_spec("pulsar_lite")  # does not execute the package
        if spec is None or not spec.submodule_search_locations:
            raise BrokerError(
                "the pulsar-lite broker binary was not found: the package pulsar_lite is not "
                f"installed. Run `{INSTALL_HINT}` (or set PULSAR_LITE_BIN to the binary)."
            )
        path = None
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "bin" / "pulsar-lite"
            if candidate.is_file():
                path = candidate
                break
        if path is None:
            raise BrokerError(
                "the package pulsar_lite is installed but has no bin/pulsar-lite; reinstall it "
                f"with `{INSTALL_HINT}` (or set PULSAR_LITE_BIN to the binary)."
            )
    mode = path.stat().st_mode
    if not mode & stat.S_IXUSR:
        try:
            path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError as exc:
            raise BrokerError(f"cannot make {path} executable: {exc}") from exc
    return path


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_accepts(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM the broker if the test process dies without tearing it down."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:
        pass


class PulsarLite:
    """One pulsar-lite process listening on a free loopback port."""

    kind = "pulsar-lite"

    def __init__(self, binary: Path, workdir: Path):
        self.binary = Path(binary)
        self.workdir = Path(workdir)
        self.db_path = self.workdir / "db"
        self.config_path = self.workdir / "pulsar-lite.toml"
        self.log_path = self.workdir / "pulsar-lite.log"
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log_file = None

    @property
    def service_url(self) -> str:
        assert self.port is not None, "broker not started"
        return f"pulsar://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no broker log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty broker log)"

    def start(self, ready_timeout: float = 30.0, attempts: int = 3) -> PulsarLite:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(CONFIG_TOML)
        last_error = ""
        for _ in range(attempts):
            self.port = free_loopback_port()
            self._log_file = open(self.log_path, "ab")
            self._log_file.write(f"=== starting pulsar-lite on 127.0.0.1:{self.port}\n".encode())
            self._log_file.flush()
            kwargs = {}
            if sys.platform.startswith("linux"):
                kwargs["preexec_fn"] = _die_with_parent
            self.process = subprocess.Popen(
                [
                    str(self.binary),
                    "--addr",
                    f"127.0.0.1:{self.port}",
                    "--db-path",
                    str(self.db_path),
                    "--config",
                    str(self.config_path),
                ],
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                cwd=str(self.workdir),
                **kwargs,
            )
            deadline = time.monotonic() + ready_timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    last_error = f"pulsar-lite exited with code {self.process.returncode}"
                    break
                if port_accepts(self.port):
                    return self
                time.sleep(0.05)
            else:
                last_error = f"pulsar-lite did not accept connections within {ready_timeout} s"
            self.stop()
        raise BrokerError(
            f"{last_error} (binary {self.binary}).\n--- broker log tail ({self.log_path}) ---\n"
            f"{self.log_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
