"""A virtual environment holding the official ``pulsar-client`` (interoperability tests, and
the benchmark's comparison), with the optional packages its AvroSchema and
ProtobufNativeSchema need (``EXTRAS``).

It is created once in the cache directory (``cache.cache_dir()``) as
``official-venv-<version>`` and reused as long as its interpreter imports ``pulsar`` with the
expected ``__version__`` and each extra at its pinned version; one cached before an extra was
added (or with another pin) gets it installed in place. The cache is shared by every session
on the machine: a file lock beside the venv serialises creating and upgrading it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from .cache import cache_dir

OFFICIAL_VERSION = "3.13.0"
# The optional packages of 3.13's AvroSchema and ProtobufNativeSchema, pinned as fastpulsar's
# own `avro` and `protobuf` extras pin them (the schema interoperability tests run both).
EXTRAS = {"fastavro": "1.13.1", "protobuf": "7.36.2"}
EXPECTED = {"pulsar-client": OFFICIAL_VERSION, **EXTRAS}
PIP_OPTIONS = ("--disable-pip-version-check", "--no-input")


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


# The module each extra is imported as, where it is not the distribution's name.
_IMPORT_NAMES = {"protobuf": "google.protobuf"}
# What the interpreter reports: pulsar's version, and each extra's (None when it does not
# import); argv[1] is the JSON {distribution: module} of the extras.
_PROBE = """
import importlib, json, sys
import pulsar
found = {"pulsar-client": pulsar.__version__}
for name, module in json.loads(sys.argv[1]).items():
    try:
        found[name] = importlib.import_module(module).__version__
    except ImportError:
        found[name] = None
print(json.dumps(found))
"""


def installed_versions(python: Path) -> dict[str, str | None] | None:
    """The versions ``python`` imports (``pulsar-client``: ``pulsar.__version__``, and each of
    EXTRAS, None if it does not import), or None if it cannot import pulsar at all."""
    if not python.exists():
        return None
    modules = {name: _IMPORT_NAMES.get(name, name) for name in EXTRAS}
    with tempfile.TemporaryDirectory() as cwd:  # keep the cwd from shadowing anything
        try:
            proc = subprocess.run(
                [str(python), "-c", _PROBE, json.dumps(modules)],
                cwd=cwd,
                env=clean_env(),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return None
    try:
        found = json.loads(lines[-1])
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def installed_version(python: Path) -> str | None:
    """``pulsar.__version__`` as ``python`` imports it, or None if it cannot."""
    found = installed_versions(python)
    return None if found is None else found.get("pulsar-client")


def _missing(found: dict[str, str | None] | None) -> list[str]:
    """The requirements (``name==version``) of EXPECTED that ``found`` does not satisfy."""
    have = found or {}
    return [f"{name}=={version}" for name, version in EXPECTED.items() if have.get(name) != version]


@contextlib.contextmanager
def _locked(venv: Path) -> Iterator[None]:
    """Hold the venv's lock file (beside it): one process at a time creates or upgrades it."""
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # blocks while another session works on it
        yield  # closing the file releases the lock


def ensure_official_venv() -> Path:
    """The interpreter of a venv with pulsar-client==OFFICIAL_VERSION and EXTRAS, made if
    needed: created when missing or broken, given the extras it lacks when it has the right
    pulsar-client (a venv cached before the extras were added). Safe to call from several
    processes at once (a file lock; the check is repeated once it is held).

    Raises OfficialVenvError (with the output of the failed command) if it cannot be made.
    """
    venv = venv_dir()
    python = venv_python(venv)
    if not _missing(installed_versions(python)):
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    with _locked(venv):
        found = installed_versions(python)
        missing = _missing(found)
        if not missing:  # another process made it while this one waited for the lock
            return python
        log: list[str] = []
        if found is None or found.get("pulsar-client") != OFFICIAL_VERSION:
            if venv.exists():
                shutil.rmtree(venv)
            _run([sys.executable, "-m", "venv", venv], 300, log)
        _run([python, "-m", "pip", "install", *PIP_OPTIONS, *missing], 540, log)
        still_missing = _missing(installed_versions(python))
        if still_missing:
            raise OfficialVenvError(
                f"after installation, {python} still lacks {', '.join(still_missing)} "
                f"(it reports {installed_versions(python)!r})\n" + "".join(log)
            )
    return python


def _run(cmd: Sequence[str | Path], timeout: float, log: list[str]) -> None:
    """Run ``cmd`` in an empty directory with clean_env(), appending its output to ``log``;
    OfficialVenvError (with the whole log) if it fails or times out."""
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
