"""Running Python code in a child process: for crash-prone probes, signals and deadlocks.

The child imports the same installed ``pulsar`` as the test process (checked: it exits with
code 97 otherwise) and finds the broker's URL in ``SERVICE_URL``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EXPECTED_PULSAR_ENV = "FASTPULSAR_EXPECTED_PULSAR_FILE"
SERVICE_URL_ENV = "FASTPULSAR_CHILD_SERVICE_URL"
DONE_MARKER = "CHILD-DONE"

_PRELUDE = f"""\
import os, sys
import pulsar
_expected = os.environ.get("{EXPECTED_PULSAR_ENV}")
if _expected and os.path.realpath(pulsar.__file__) != os.path.realpath(_expected):
    sys.stderr.write("child imported %s instead of %s\\n" % (pulsar.__file__, _expected))
    sys.exit(97)
SERVICE_URL = os.environ.get("{SERVICE_URL_ENV}", "")
"""


def child_env(
    service_url: str | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """This process's environment and ``extra``, plus the ``pulsar`` the child must import
    and the URL."""
    import pulsar

    env = dict(os.environ)
    env.update(extra or {})
    env[EXPECTED_PULSAR_ENV] = str(pulsar.__file__)
    if service_url:
        env[SERVICE_URL_ENV] = service_url
    env.setdefault("PYTHONFAULTHANDLER", "1")
    return env


def write_child_script(directory: Path, code: str, name: str = "child.py") -> Path:
    """``directory/name``: the prelude, then ``code`` (dedented)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / name
    script.write_text(_PRELUDE + textwrap.dedent(code))
    return script


def run_child(
    directory: Path,
    code: str,
    *,
    service_url: str | None = None,
    timeout: float = 60.0,
    name: str = "child.py",
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` (after a prelude importing ``pulsar``) in a fresh interpreter, with
    ``env`` added to the environment.

    The script is written to, and run from, ``directory`` so the working directory can never
    shadow the installed ``pulsar`` with the source tree.  A crash shows up as a negative
    return code; a hang as an AssertionError with every thread's stack.
    """
    script = write_child_script(directory, code, name)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=str(directory),
        env=child_env(service_url, env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Hang or deadlock: SIGABRT makes faulthandler (PYTHONFAULTHANDLER=1) dump every
        # thread's Python stack before the process dies, to show where it was stuck.
        proc.send_signal(signal.SIGABRT)
        try:
            out, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        raise AssertionError(
            f"child process did not finish within {timeout} s (hang or deadlock)\n"
            f"stdout:\n{tail(out)}\nstderr (thread dump):\n{tail(err, lines=120, chars=12000)}"
        ) from None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def tail(text: str | bytes | None, lines: int = 40, chars: int = 4000) -> str:
    """The last ``lines`` lines of ``text``, at most ``chars`` characters of them."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    text = "\n".join(text.splitlines()[-lines:])
    return text if len(text) <= chars else "..." + text[-chars:]


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    return (
        f"return code {proc.returncode}\nstdout:\n{tail(proc.stdout)}\n"
        f"stderr (tail):\n{tail(proc.stderr)}"
    )


def assert_child_ok(proc: subprocess.CompletedProcess[str], marker: str = DONE_MARKER) -> None:
    """The child exited with 0, printed ``marker``, and had no fatal error."""
    assert proc.returncode == 0, "child failed or crashed: " + describe(proc)
    assert marker in proc.stdout, f"child did not reach {marker!r}: " + describe(proc)
    assert "Fatal Python error" not in (proc.stderr or ""), describe(proc)


# pulsar-client 3.13 can abort at interpreter exit after a program that closed everything
# ("terminate called without an active exception", return code -6; CI saw it once in ~10
# runs). Its runs of a program therefore go through this wrapper, which runs the program
# unchanged and leaves with os._exit once it has returned; a program that raises still
# fails. fastpulsar's runs exit the normal way: a clean exit is part of what they test.
HARD_EXIT = textwrap.dedent(
    """
    import os, runpy, sys
    program, *args = sys.argv[1:]
    sys.argv = [program, *args]
    runpy.run_path(program, run_name="__main__")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
    """
)


def run_program(
    python: Path | str,
    program: Path,
    env: Mapping[str, str],
    *args: object,
    result_prefix: str,
    hard_exit: bool = False,
) -> Any:
    """Runs `program` (a file; its folder is the working directory, never the source tree)
    with `python` and returns the JSON of its last stdout line starting with
    `result_prefix`; fails the test when it exits non-zero or prints no such line."""
    prefix = [str(python), "-c", HARD_EXIT] if hard_exit else [str(python)]
    proc = subprocess.run(
        [*prefix, str(program), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(env),
        cwd=str(program.parent),
        check=False,
    )
    assert proc.returncode == 0, describe(proc)
    lines = [
        x[len(result_prefix) :] for x in proc.stdout.splitlines() if x.startswith(result_prefix)
    ]
    assert lines, describe(proc)
    return json.loads(lines[-1])
