"""wheels/build_linux.py end to end: the sdist built, wheels built from it, repaired to a
manylinux tag, installed in fresh virtual environments and running the demo, for two
interpreters.

Slow (two builds of the extension, a few minutes on 2 cores), but it is the only check that
the wheels users install work: it runs in the default suite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "wheels" / "build_linux.py"
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))) / "versions"

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux wheels only"),
    pytest.mark.timeout(900),
]


def base_interpreter() -> Path:
    """The interpreter this suite's venv was made from (a venv of it is made per wheel)."""
    return Path(sys.base_prefix) / "bin" / f"python{running_minor()}"


def other_interpreter(running: Path) -> Path | None:
    """A pyenv CPython 3.9-3.14 of another minor version than the running one, newest first."""
    if not PYENV_VERSIONS.is_dir():
        return None
    candidates = []
    for entry in PYENV_VERSIONS.iterdir():
        match = re.fullmatch(r"3\.(9|1[0-4])\.(\d+)", entry.name)
        python = entry / "bin" / "python"
        if match and python.is_file() and f"3.{match.group(1)}" != running_minor():
            candidates.append((int(match.group(1)), int(match.group(2)), python))
    return max(candidates)[2] if candidates else None


def results_version(results: list[dict[str, str]]) -> str:
    """fastpulsar's version, as the first wheel's file name says."""
    return results[0]["wheel"].split("-")[1]


def running_minor() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def tree_state() -> str:
    """Untracked and ignored files of the checkout (what a build could leave behind)."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    # The suite's own caches and the README's .venv come and go while it runs.
    skip = (".venv/", ".pytest_cache/", ".mypy_cache/", ".ruff_cache/")
    return "\n".join(
        line
        for line in sorted(result.stdout.splitlines())
        if not line[3:].startswith(skip) and "__pycache__" not in line
    )


def wheels_extra() -> list[str]:
    """pyproject.toml's `wheels` extra: the pinned tools build_linux.py runs."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pip's copy of the same parser
        from pip._vendor import tomli as tomllib
    with (ROOT / "pyproject.toml").open("rb") as f:
        extra: list[str] = tomllib.load(f)["project"]["optional-dependencies"]["wheels"]
    return extra


def tools_python(tmp_path: Path) -> Path:
    """An interpreter with auditwheel: this one if it has it, else a venv of the extra's pins."""
    if importlib.util.find_spec("auditwheel") is None:
        venv = tmp_path / "tools"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / "bin" / "python"
        subprocess.run([str(python), "-m", "pip", "install", "-q", *wheels_extra()], check=True)
        return python
    return Path(sys.executable)


def test_wheels_build_repair_and_run_the_demo(tmp_path):
    if not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout (build_linux.py builds it)")
    running = base_interpreter()
    other = other_interpreter(running)
    if other is None:
        pytest.skip(
            f"only one CPython 3.9-3.14 here ({running_minor()}): the test builds for two "
            f"(install another under {PYENV_VERSIONS})"
        )
    before = tree_state()
    report = tmp_path / "wheels.json"
    env = {**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": "2"}
    runner = tools_python(tmp_path)
    command = [str(runner), str(SCRIPT), "--python", str(running), "--python", str(other)]
    result = subprocess.run(
        [*command, "--json", str(report)],
        cwd=tmp_path,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr[-4000:]}"
    results = json.loads(report.read_text())
    assert [r["interpreter"] for r in results] == [str(running), str(other)]
    machine = platform.machine()
    # Every wheel comes from the one sdist (which thereby builds and installs).
    assert {r["sdist"] for r in results} == {f"fastpulsar-{results_version(results)}.tar.gz"}
    assert f"Every wheel built from the sdist {results[0]['sdist']}." in result.stdout
    for r in results:
        major, minor = r["version"].split(".")[:2]
        assert r["demo"] == "ok", r
        assert r["ok"] is True, r
        assert re.fullmatch(
            # (cp313t: the ABI tag of a free-threaded CPython)
            rf"fastpulsar-[^-]+-cp{major}{minor}-cp{major}{minor}t?-manylinux_\d+_\d+_{machine}"
            rf"(\.manylinux_\d+_\d+_{machine})*\.whl",
            r["wheel"],
        ), r["wheel"]
        assert r["policy"].startswith("manylinux_"), r
        assert r["policy"] in r["wheel"], r
    # The table names each wheel; nothing was left in the checkout.
    for r in results:
        assert r["wheel"] in result.stdout
    assert tree_state() == before
