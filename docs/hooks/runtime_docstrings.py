"""Griffe extension (mkdocs.yml): the docstrings of the extension's classes, from the
extension itself.

mkdocstrings reads pulsar/_core.pyi for pulsar._core (the signatures, typed); a stub has
no docstrings: they are in the C++ registration (src/bind/register_*.cpp). This extension
imports the installed pulsar._core and copies each class's and public method's docstring
onto the stub's object, without the signature line pybind11 puts first (the stub's
signature is shown instead). One source for the text, so the two cannot drift.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import griffe

# pybind11's first docstring line: `name(self: pulsar._core.X, arg: T = d) -> R`.
PYBIND_SIGNATURE = re.compile(r"^\w+\(.*\)( -> .+)?$")


def runtime_doc(obj: object) -> str | None:
    """The docstring of `obj` without a leading pybind11 signature line, or None."""
    doc = inspect.getdoc(obj)
    if not doc:
        return None
    first, _, rest = doc.partition("\n")
    if PYBIND_SIGNATURE.match(first.strip()):
        doc = rest.strip("\n")
    return doc or None


class RuntimeDocstrings(griffe.Extension):
    """Fill pulsar._core's stub objects with the run-time docstrings."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Called by griffe once the pulsar package is loaded."""
        if pkg.name != "pulsar" or "_core" not in pkg.members:
            return
        core = importlib.import_module("pulsar._core")
        stub = pkg.members["_core"]
        for name, member in stub.members.items():
            runtime = getattr(core, name, None)
            if runtime is None or not isinstance(member, griffe.Class):
                continue
            self._copy(member, runtime)
            for method_name, method in member.members.items():
                if not method_name.startswith("_") and isinstance(method, griffe.Function):
                    self._copy(method, getattr(runtime, method_name, None))

    @staticmethod
    def _copy(target: griffe.Object | griffe.Alias, runtime: object) -> None:
        if runtime is None or target.docstring is not None:
            return
        text = runtime_doc(runtime)
        if text is not None:
            # Google style, as mkdocs.yml's docstring_style (and the Python modules' own).
            target.docstring = griffe.Docstring(
                text,
                parent=target,  # type: ignore[arg-type]
                parser="google",
            )
