"""Every public class and function of pulsar, pulsar.schema, pulsar.asyncio and
pulsar.exceptions has a docstring, and every named parameter of a public callable is
mentioned in it (so `help(pulsar.Client.create_producer)` describes each keyword argument).

Public means: listed in the module's __all__, and for a class, its methods and properties
whose names do not start with an underscore (defined by the class itself, or inherited from
another class of the pulsar package). A class's constructor parameters may be described in
the class docstring or in __init__'s. Extension methods (pybind11) are checked through the
signature line pybind11 writes at the top of their docstring, or their __text_signature__.
"""

from __future__ import annotations

import enum
import inspect
import re
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import pulsar
import pulsar.asyncio
import pulsar.exceptions
import pulsar.schema

MODULES = [pulsar, pulsar.schema, pulsar.asyncio, pulsar.exceptions]

# A pybind11 signature line: `name(self: pulsar._core.X, arg: type = default) -> type`.
PYBIND_SIGNATURE = re.compile(r"^(?P<name>\w+)\((?P<params>.*)\)(?: -> .*)?$")


def _result_exception(name: str, obj: object) -> bool:
    """One of the generated classes, one per pulsar.Result (tools/update_results.py): the
    exceptions module's docstring and the Result member of the same name document them."""
    return (
        isinstance(obj, type)
        and issubclass(obj, pulsar.PulsarException)
        and name in pulsar.Result.__members__
    )


def _ours(obj: object) -> bool:
    return str(getattr(obj, "__module__", "")).startswith("pulsar")


def _public_classes_and_functions() -> Iterator[tuple[str, object]]:
    seen: set[int] = set()
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if not (isinstance(obj, type) or inspect.isroutine(obj)) or not _ours(obj):
                continue
            if id(obj) in seen or _result_exception(name, obj):
                continue
            seen.add(id(obj))
            yield f"{module.__name__}.{name}", obj


def _public_members(cls: type) -> Iterator[tuple[str, object]]:
    """The public methods and properties of `cls` that the pulsar package defines (each name
    once: where the method resolution order finds it)."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(cls, enum.EnumMeta) and name in cls.__members__:
                continue
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isinstance(member, property):
                member = member.fget
            if inspect.isroutine(member):
                yield name, member


def _split_pybind_doc(doc: str) -> tuple[list[str] | None, str]:
    """(parameter names from pybind11's signature line, or None; the docstring's text)."""
    first, _, rest = doc.partition("\n")
    match = PYBIND_SIGNATURE.match(first.strip())
    if match is None or not (" -> " in first or ": " in match["params"]):
        return None, doc
    names = []
    for part in re.split(r",\s*(?![^\[]*\])", match["params"]):
        name = part.split(":", 1)[0].split("=", 1)[0].strip().lstrip("*")
        if name and name not in ("self", "/"):
            names.append(name)
    return names, rest


def _parameters(function: Callable[..., Any]) -> tuple[list[str], str]:
    """The named parameters of `function` worth describing, and the text describing them."""
    doc = inspect.getdoc(function) or ""
    names, text = _split_pybind_doc(doc)
    if names is not None:
        return names, text
    if getattr(function, "__text_signature__", None):
        # A C function's docstring: inspect strips its `name(...)\n--\n\n` line.
        text = doc
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return [], text
    named = [
        p.name
        for p in signature.parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in ("self", "cls")
    ]
    return named, text


def _cases() -> Iterator[Any]:
    for qualname, obj in _public_classes_and_functions():
        yield pytest.param(obj, None, id=qualname)
        if isinstance(obj, type):
            for name, member in _public_members(obj):
                yield pytest.param(obj, member, id=f"{qualname}.{name}")


CASES = list(_cases())


def _undocumented_parameters(names: list[str], text: str) -> list[str]:
    return [n for n in names if re.search(rf"(?<![\w.]){re.escape(n)}\b", text) is None]


@pytest.mark.parametrize(("owner", "member"), CASES)
def test_documented(owner: Any, member: Any) -> None:
    if member is None:
        doc = owner.__doc__ if isinstance(owner, type) else inspect.getdoc(owner)
        assert (doc or "").strip(), f"{owner.__qualname__} has no docstring"
        if isinstance(owner, type):
            init = vars(owner).get("__init__")
            if init is None or not isinstance(init, types.FunctionType):
                return  # not a Python constructor of its own: nothing to describe
            names, init_text = _parameters(init)
            missing = _undocumented_parameters(names, f"{doc}\n{init_text}")
        else:
            names, text = _parameters(owner)
            missing = _undocumented_parameters(names, text)
        assert not missing, f"{owner.__qualname__}'s docstring does not describe {missing}"
        return
    names, text = _parameters(member)
    assert text.strip(), f"{owner.__qualname__}.{member.__name__} has no docstring"
    missing = _undocumented_parameters(names, text)
    assert not missing, (
        f"{owner.__qualname__}.{member.__name__}'s docstring does not describe {missing}"
    )


def test_create_producer_help_describes_every_keyword() -> None:
    """The issue's own example: help() shows a description of each keyword argument."""
    text = pydoc_text(pulsar.Client.create_producer)
    parameters = inspect.signature(pulsar.Client.create_producer).parameters
    keywords = [p for p in parameters.values() if p.default is not p.empty]
    assert len(keywords) == 21  # pulsar-client 3.13's, producer_name to message_router
    for param in keywords:
        assert re.search(rf"^\s+{param.name}: \S", text, re.MULTILINE), param.name


def test_the_check_sees_a_missing_parameter() -> None:
    def documented(alpha: int, beta: int = 0) -> None:
        """Args:
        alpha: one.
        """

    names, text = _parameters(documented)
    assert _undocumented_parameters(names, text) == ["beta"]


def pydoc_text(obj: object) -> str:
    import pydoc

    return pydoc.plain(pydoc.render_doc(obj))
