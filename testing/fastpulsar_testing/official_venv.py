"""A virtual environment holding the official ``pulsar-client`` (interoperability tests, and
the benchmark's comparison).

It is created once in the cache directory (``cache.cache_dir()``) as
``official-venv-<version>`` and reused as long as its interpreter imports ``pulsar`` with the
expected ``__version__``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .cache import cache_dir

OFFICIAL_VERSION = "3.13.0"


class OfficialVenvError(RuntimeError):
    """The virtual environment could not be made (the message has the commands' output)."""


def venv_dir() -> Path:
    return cache_dir() / f"official-venv-{OFFICIAL_VERSION}"


def venv_python(venv: Path) -> Path:
    if os.name == "nt":  # pragma: no cover - the suite targets Linux
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def clean_env() -> dict[str, str]:
    """Environment for the official interpreter: nothing that could put fastpulsar on its path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _text(output: str | bytes | None) -> str:
    """A command's captured output as text (TimeoutExpired carries bytes even with text=True)."""
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def installed_version(python: Path) -> str | None:
    """``pulsar.__version__`` as ``python`` imports it, or None if it cannot."""
    if not python.exists():
        return None
    with tempfile.TemporaryDirectory() as cwd:  # keep the cwd from shadowing anything
        try:
            proc = subprocess.run(
                [str(python), "-c", "import pulsar; print(pulsar.__version__)"],
                cwd=cwd,
                env=clean_env(),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
    if proc.returncode != 0:
        return None
    lines = proc.stdout.strip().splitlines()
    return lines[-1].strip() if lines else None


def ensure_official_venv() -> Path:
    """The interpreter of a venv with pulsar-client==OFFICIAL_VERSION, created if needed.

    Raises OfficialVenvError (with the output of the failed command) if it cannot be made.
    """
    venv = venv_dir()
    python = venv_python(venv)
    if installed_version(python) == OFFICIAL_VERSION:
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    if venv.exists():
        shutil.rmtree(venv)
    log: list[str] = []

    def run(cmd: Sequence[str | Path], timeout: float) -> None:
        shown = " ".join(map(str, cmd))
        with tempfile.TemporaryDirectory() as cwd:
            try:
                proc = subprocess.run(
                    [str(part) for part in cmd],
                    cwd=cwd,
                    env=clean_env(),
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise OfficialVenvError(
                    f"`{shown}` timed out after {timeout} s\n"
                    + "".join(log)
                    + f"\nstdout:\n{_text(exc.stdout)}\nstderr:\n{_text(exc.stderr)}"
                ) from None
        log.append(f"$ {shown}\n{proc.stdout}{proc.stderr}\n")
        if proc.returncode != 0:
            raise OfficialVenvError(
                f"`{shown}` failed with exit code {proc.returncode}\n" + "".join(log)
            )

    run([sys.executable, "-m", "venv", venv], timeout=300)
    run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            f"pulsar-client=={OFFICIAL_VERSION}",
        ],
        timeout=540,
    )
    version = installed_version(python)
    if version != OFFICIAL_VERSION:
        raise OfficialVenvError(
            f"after installation, {python} reports pulsar.__version__={version!r}, expected "
            f"{OFFICIAL_VERSION!r}\n" + "".join(log)
        )
    return python
