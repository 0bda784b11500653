"""Start and stop a pulsar-lite broker (tests, benchmark, demo).

pulsar-lite 0.2.0 (PyPI) ships a single broker binary in ``pulsar_lite/bin``.  Its Python
package imports the *official* ``pulsar`` client, so it is never imported here: the binary
is located with ``importlib.util.find_spec`` (which does not execute the package) or through
the ``PULSAR_LITE_BIN`` environment variable.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import BinaryIO

from .pdeathsig import die_with_parent
from .ports import LOOPBACK, free_port, port_accepts

BINARY_ENV = "PULSAR_LITE_BIN"
INSTALL_HINT = "pip install --no-deps pulsar-lite==0.2.0"

# Without this the broker also serves metrics on 0.0.0.0:8080 (every interface, fixed port).
CONFIG_TOML = "[metrics]\nenabled = false\n"


class BrokerError(RuntimeError):
    """The pulsar-lite binary is missing or the broker could not be started."""


def find_pulsar_lite_binary() -> Path:
    """The pulsar-lite binary (``$PULSAR_LITE_BIN`` or the installed ``pulsar_lite`` package),
    made executable if needed.  Raises BrokerError saying how to install it."""
    env = os.environ.get(BINARY_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise BrokerError(f"{BINARY_ENV}={env!r} does not name a file")
    else:
        path = _packaged_binary()
    mode = path.stat().st_mode
    if not mode & stat.S_IXUSR:
        try:
            path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError as exc:
            raise BrokerError(f"cannot make {path} executable: {exc}") from exc
    return path


def _packaged_binary() -> Path:
    spec = importlib.util.find_spec("pulsar_lite")  # does not execute the package
    if spec is None or not spec.submodule_search_locations:
        raise BrokerError(
            "the pulsar-lite broker binary was not found: the package pulsar_lite is not "
            f"installed. Run `{INSTALL_HINT}` (or set {BINARY_ENV} to the binary)."
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / "pulsar-lite"
        if candidate.is_file():
            return candidate
    raise BrokerError(
        "the package pulsar_lite is installed but has no bin/pulsar-lite; reinstall it "
        f"with `{INSTALL_HINT}` (or set {BINARY_ENV} to the binary)."
    )


class PulsarLite:
    """One pulsar-lite process listening on a free loopback port, its files in ``workdir``."""

    kind = "pulsar-lite"
    admin_url: str | None = None  # pulsar-lite has no admin REST API

    def __init__(self, binary: Path, workdir: Path) -> None:
        self.binary = Path(binary)
        self.workdir = Path(workdir)
        self.db_path = self.workdir / "db"
        self.config_path = self.workdir / "pulsar-lite.toml"
        self.log_path = self.workdir / "pulsar-lite.log"
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: BinaryIO | None = None

    @property
    def service_url(self) -> str:
        assert self.port is not None, "broker not started"
        return f"pulsar://{LOOPBACK}:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no broker log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty broker log)"

    def start(
        self, ready_timeout: float = 30.0, attempts: int = 3, *, port: int | None = None
    ) -> PulsarLite:
        """Start and wait until the port accepts connections; BrokerError with the log tail
        if it does not after ``attempts`` tries (each on a new port). ``port``: that port
        (e.g. the one of an earlier start, to come back where clients look), tried once."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(CONFIG_TOML)
        last_error = ""
        for _ in range(1 if port is not None else attempts):
            self.port = port if port is not None else free_port()
            self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed by stop()
            self._log_file.write(f"=== starting pulsar-lite on {LOOPBACK}:{self.port}\n".encode())
            self._log_file.flush()
            self.process = subprocess.Popen(
                [
                    str(self.binary),
                    "--addr",
                    f"{LOOPBACK}:{self.port}",
                    "--db-path",
                    str(self.db_path),
                    "--config",
                    str(self.config_path),
                ],
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                cwd=str(self.workdir),
                preexec_fn=die_with_parent(),  # noqa: PLW1509 - one prctl call, nothing else
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
        """SIGTERM, then SIGKILL after ``timeout`` seconds; idempotent."""
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

    def __enter__(self) -> PulsarLite:  # noqa: PYI034 - Self needs Python 3.11
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
