"""libpulsar's results are written by hand once (src/abi/results.hpp); the Python side is
generated from them (tools/update_results.py) and the extension's table is derived from
the same X-macro. These tests fail when any of them drifts."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import pulsar
import pulsar.exceptions
from pulsar import _core

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tools" / "update_results.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_results", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_sections_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_check_mode_reports_a_stale_section() -> None:
    script = _load_script()
    results = script.read_results()
    text = (REPO_ROOT / "pulsar" / "_enums.py").read_text()
    stale = text.replace("    Timeout = 3\n", "")
    assert stale != text
    assert script.regenerate(stale, results, script.enum_members, "_enums.py") == text


def test_extension_table_is_the_header_list() -> None:
    assert [tuple(entry) for entry in _core._result_table()] == _load_script().read_results()


def test_extension_table_equals_the_result_enum() -> None:
    table = _core._result_table()
    assert len(table) == len(pulsar.Result) > 40
    assert [(name, value) for name, value in table] == [(m.name, m.value) for m in pulsar.Result]


@pytest.mark.parametrize("name", [name for name, _ in _core._result_table() if name != "Ok"])
def test_one_exception_class_per_result(name: str) -> None:
    cls = getattr(pulsar.exceptions, name)
    assert cls.__module__ == "pulsar.exceptions"
    assert issubclass(cls, pulsar.exceptions.PulsarException)
    assert name in pulsar.exceptions.__all__


def test_the_extension_raises_the_python_classes() -> None:
    # pulsar._bridge handed pulsar.exceptions' classes to the extension, which raises them.
    with pytest.raises(pulsar.exceptions.InvalidArgumentType) as info:
        pulsar.MessageId.deserialize(5)  # type: ignore[arg-type]
    assert type(info.value) is pulsar.exceptions.InvalidArgumentType
    client = _core.Client("pulsar://127.0.0.1:1", _core.ClientConfiguration())
    client.close()
    with pytest.raises(pulsar.exceptions.AlreadyClosed) as closed:
        client.close()
    assert type(closed.value) is pulsar.exceptions.AlreadyClosed
