"""One JVM of the cluster: started in its own process group with its output in a log file,
stopped with SIGTERM (graceful) or SIGKILL; the kernel sends it SIGTERM if the thread that
started it dies (``pdeathsig``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import BinaryIO

from ..pdeathsig import die_with_parent


class JavaNode:
    """``cmd`` run in ``cwd`` with stdout and stderr appended to ``log_path``.

    Not thread-safe; every method may be called again (idempotent stop/kill)."""

    def __init__(self, name: str, cmd: list[str], cwd: Path, log_path: Path) -> None:
        self.name = name
        self.cmd = cmd
        self.cwd = cwd
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: BinaryIO | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc is not None else None

    def start(self) -> None:
        """Start the process (OSError if ``cmd`` cannot be run)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULSAR_")}
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed by stop()/kill()
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=str(self.cwd),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(),  # noqa: PLW1509 - one prctl call, nothing else
        )

    def stop(self, timeout: float = 30.0) -> float:
        """SIGTERM (the JVM's shutdown hooks run), wait up to ``timeout`` s, then SIGKILL the
        process group.  Returns the seconds it took."""
        t0 = time.monotonic()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        self.kill()
        return time.monotonic() - t0

    def kill(self) -> None:
        """SIGKILL the process group (no shutdown hook runs) and reap the process."""
        proc = self.proc
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_bytes()[-200_000:].decode("utf-8", "replace")
        except OSError:
            return f"(no log for {self.name})"
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- last {lines} lines of {self.log_path} ---\n{tail}"
