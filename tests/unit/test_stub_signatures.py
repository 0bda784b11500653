"""pulsar/_core.pyi against the extension: the stub's signatures of Producer.send and
Producer.send_async (read with ast) must be those the extension reports (its
__text_signature__, derived in C++ from the one list of send parameters)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import pytest

from pulsar import _core

STUB = Path(__file__).resolve().parents[2] / "pulsar" / "_core.pyi"
REQUIRED = object()


def _stub_parameters(cls: str, method: str) -> list[tuple[str, Any]]:
    """(name, default or REQUIRED) of `cls.method` in the stub, without self."""
    tree = ast.parse(STUB.read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == method:
                    args = item.args
                    assert not args.posonlyargs, "the stub should not make them positional-only"
                    assert not args.kwonlyargs, "the stub should not make them keyword-only"
                    assert args.vararg is None
                    assert args.kwarg is None
                    names = [a.arg for a in args.args]
                    assert names[0] == "self"
                    defaults: list[Any] = [REQUIRED] * (len(names) - len(args.defaults))
                    defaults += [ast.literal_eval(d) for d in args.defaults]
                    return list(zip(names[1:], defaults[1:]))
    raise AssertionError(f"{STUB.name} has no {cls}.{method}")


def _extension_parameters(function: Any) -> list[tuple[str, Any]]:
    signature = inspect.signature(function)
    params = list(signature.parameters.values())
    assert params[0].name == "self"
    out = []
    for param in params[1:]:
        assert param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, param
        default = REQUIRED if param.default is inspect.Parameter.empty else param.default
        out.append((param.name, default))
    return out


@pytest.mark.parametrize("method", ["send", "send_async"])
def test_stub_matches_the_extension(method: str) -> None:
    function = getattr(_core.Producer, method)
    assert function.__text_signature__ is not None
    assert _stub_parameters("Producer", method) == _extension_parameters(function)


def test_send_async_is_send_with_a_callback() -> None:
    send = _extension_parameters(_core.Producer.send)
    send_async = _extension_parameters(_core.Producer.send_async)
    assert send_async[0] == send[0] == ("content", REQUIRED)
    assert send_async[1] == ("callback", REQUIRED)
    assert send_async[2:] == send[1:]
    assert len(send) == 10
