"""A virtual environment holding the official ``pulsar-client`` for interoperability tests.

It is created once under a cache directory (``$FASTPULSAR_TEST_CACHE``, default
``~/.cache/fastpulsar-tests``) as ``official-venv-<version>`` and reused as long as its
interpreter imports ``pulsar`` with the expected ``__version__``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

OFFICIAL_VERSION = "3.13.0"


class OfficialVenvError(RuntimeError):
    pass


def cache_dir() -> Path:
    configured = os.environ.get("FASTPULSAR_TEST_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "fastpulsar-tests"


def venv_dir() -> Path:
    return cache_dir() / f"official-venv-{OFFICIAL_VERSION}"


def venv_python(venv: Path) -> Path:
    if os.name == "nt":  # pragma: no cover - the suite targets Linux
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def clean_env() -> dict:
    """Environment for the official interpreter: nothing that could put fastpulsar on its path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def installed_version(python: Path) -> str | None:
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
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
    if proc.returncode != 0:
        return None
    lines = proc.stdout.strip().splitlines()
    return lines[-1].strip() if lines else None


def ensure_official_venv() -> Path:
    """Return the interpreter of a venv with pulsar-client==OFFICIAL_VERSION, creating it."""
    venv = venv_dir()
    python = venv_python(venv)
    if installed_version(python) == OFFICIAL_VERSION:
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    if venv.exists():
        shutil.rmtree(venv)
    log = []

    def run(cmd, timeout):
        with tempfile.TemporaryDirectory() as cwd:
            try:
                proc = subprocess.run(
                    cmd,
                    cwd=cwd,
                    env=clean_env(),
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                )
            except subprocess.TimeoutExpired as exc:
                raise OfficialVenvError(
                    f"`{' '.join(map(str, cmd))}` timed out after {timeout} s\n"
                    + "".join(log)
                    + f"\nstdout:\n{exc.stdout}\nstderr:\n{exc.stderr}"
                ) from None
        log.append(f"$ {' '.join(map(str, cmd))}\n{proc.stdout}{proc.stderr}\n")
        if proc.returncode != 0:
            raise OfficialVenvError(
                f"`{' '.join(map(str, cmd))}` failed with exit code {proc.returncode}\n"
                + "".join(log)
            )

    run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    run(
        [
            str(python),
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
