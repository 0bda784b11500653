"""The extension against the libpulsar it bundles.

libpulsar ships without headers: src/abi/ declares the part of its C++ API we use, and a
wrong declaration (a parameter type, a missing const) names a symbol the library does not
export. These tests check EVERY function declared in src/abi/ against the bundled
library's exports, by compiling a reference to each (a "probe") and reading which symbol
it needs; they also check that the extension uses each declaration, binds every symbol at
load time, and needs nothing outside the package.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import pulsar
from pulsar import _core

PACKAGE_DIR = Path(pulsar.__file__).parent
EXTENSION = Path(_core.__file__)
REPO_ROOT = Path(__file__).resolve().parents[2]
ABI_DIR = REPO_ROOT / "src" / "abi"
CXX = shutil.which(os.environ.get("CXX", "c++"))

needs_binutils = pytest.mark.skipif(
    shutil.which("nm") is None or shutil.which("readelf") is None,
    reason="nm/readelf (binutils) are needed to read the ELF symbol tables",
)
needs_compiler = pytest.mark.skipif(
    CXX is None, reason="a C++ compiler ($CXX or c++) is needed to compile the ABI probes"
)


def _bundled_libpulsar() -> Path:
    libs = sorted((PACKAGE_DIR / "_libs").glob("libpulsar*.so*"))
    assert len(libs) == 1, f"expected one bundled libpulsar, found {libs}"
    return libs[0]


def _symbols(path: Path, *flags: str) -> set[str]:
    out = subprocess.run(
        ["nm", "-D", *flags, str(path)], check=True, capture_output=True, text=True
    ).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def _dynamic_section(path: Path) -> str:
    return subprocess.run(
        ["readelf", "-dW", str(path)], check=True, capture_output=True, text=True
    ).stdout


# --------------------------------------------------------------------------------------------
# Reading the declarations of src/abi/*.hpp. They are written in a plain style (no macros
# in declarations, one declaration per statement); anything else stops the parser with an
# error rather than being skipped silently.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    file: str
    scope: tuple[str, ...]  # enclosing namespaces and class, outermost first
    cls: str | None  # the declaring class, or None at namespace scope
    text: str  # as written, whitespace folded
    name: str  # "ledgerId", "operator<", "~MessageId", "MessageId" (a constructor)
    params: str  # the parameter list as written
    is_static: bool
    is_const: bool
    is_virtual: bool


class AbiParseError(Exception):
    pass


def _strip_comments_and_preprocessor(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.MULTILINE)


def _closing(text: str, start: int, open_: str, close: str) -> int:
    """The index just past the bracket that closes the one at `start`."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == open_:
            depth += 1
        elif text[i] == close:
            depth -= 1
            if depth == 0:
                return i + 1
    raise AbiParseError(f"unbalanced {open_!r} at {text[start : start + 60]!r}")


_SCOPE_OR_SKIPPED = re.compile(
    r"\s*(?:(?P<namespace>namespace\s+(?P<ns>\w+)\s*\{)"
    r"|(?P<class>(?:class|struct)\s+(?P<cls>\w+)\s*(?:final\s*)?(?::[^{;]*)?(?P<cls_end>[{;]))"
    r"|(?P<enum>enum\b[^{;]*(?P<enum_end>[{;]))"
    r"|(?P<alias>(?:using|typedef)\b[^;]*;)"
    r"|(?P<access>(?:public|private|protected)\s*:)"
    r"|(?P<close>\}\s*;?))"
)
_NAME = re.compile(r"(operator\s*(?:<<|<=|>=|==|!=|=|<|>)|~?\w+)\s*\(")


def _declaration(statement: str, scope: list[tuple[str, str]], file: str) -> Declaration | None:
    text = " ".join(statement.split())
    if re.search(r"=\s*(?:default|delete|0)$", text):
        return None  # made by the compiler, or pure virtual: nothing of the library's
    name = _NAME.search(text)
    if name is None:
        raise AbiParseError(f"{file}: no function name in {text!r}")
    open_paren = name.end() - 1
    close_paren = _closing(text, open_paren, "(", ")")
    specifiers = text[: name.start()].split()
    qualifiers = text[close_paren:].split()
    if any(word not in ("const", "override", "noexcept") for word in qualifiers):
        raise AbiParseError(f"{file}: unexpected text after the parameters of {text!r}")
    cls = scope[-1][1] if scope and scope[-1][0] == "class" else None
    return Declaration(
        file=file,
        scope=tuple(scope_name for _, scope_name in scope),
        cls=cls,
        text=text + ";",
        name=name.group(1).replace(" ", ""),
        params=text[open_paren + 1 : close_paren - 1].strip(),
        is_static="static" in specifiers,
        is_const="const" in qualifiers,
        is_virtual="virtual" in specifiers or "override" in qualifiers,
    )


def parse_declarations(path: Path) -> list[Declaration]:
    """The functions `path` declares that the library must define (inline bodies, defaulted
    and pure virtual functions excluded)."""
    text = _strip_comments_and_preprocessor(path.read_text())
    scope: list[tuple[str, str]] = []
    found: list[Declaration] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        head = _SCOPE_OR_SKIPPED.match(text, pos)
        if head is not None:
            pos = head.end()
            if head.group("namespace"):
                scope.append(("namespace", head.group("ns")))
            elif head.group("class") and head.group("cls_end") == "{":
                scope.append(("class", head.group("cls")))
            elif head.group("enum") and head.group("enum_end") == "{":
                end = _closing(text, head.end() - 1, "{", "}")
                semicolon = re.match(r"\s*;", text[end:])
                if semicolon is None:
                    raise AbiParseError(f"{path.name}: an enum without its ';'")
                pos = end + semicolon.end()
            elif head.group("close"):
                if not scope:
                    raise AbiParseError(f"{path.name}: unbalanced '}}'")
                scope.pop()
            continue
        # A declaration: up to ';' outside parentheses, or up to the end of its body.
        depth, i = 0, pos
        while i < len(text):
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
            elif depth == 0 and text[i] in ";{":
                break
            i += 1
        else:
            raise AbiParseError(f"{path.name}: unterminated {text[pos : pos + 60]!r}")
        statement = text[pos:i]
        if text[i] == "{":  # defined here (ours, not the library's)
            end = _closing(text, i, "{", "}")
            semicolon = re.match(r"\s*;", text[end:])
            pos = end + (semicolon.end() if semicolon else 0)
            continue
        pos = i + 1
        if "(" in statement:  # else a data member
            declaration = _declaration(statement, scope, path.name)
            if declaration is not None:
                found.append(declaration)
    if scope:
        raise AbiParseError(f"{path.name}: unclosed {scope}")
    return found


def abi_declarations(abi_dir: Path = ABI_DIR) -> list[Declaration]:
    return [d for path in sorted(abi_dir.glob("*.hpp")) for d in parse_declarations(path)]


# --------------------------------------------------------------------------------------------
# The probes: one function per declaration, calling it with arguments of the declared
# parameter types, so that the compiler names the very symbol the declaration means.
# Compiled, never linked or run.
# --------------------------------------------------------------------------------------------

_PROBE_PRELUDE = """\
#include "abi/libpulsar.hpp"
#include <new>
#include <utility>
template <class T> T&& arg();  // declared only
template <class Signature> struct Args;
template <class... P> struct Args<void(P...)> {
    template <class F> static void apply(F f) { f(arg<P>()...); }
};
"""


def probe_source(declarations: list[Declaration]) -> str:
    lines = [_PROBE_PRELUDE]
    for index, d in enumerate(declarations):
        forward = "std::forward<decltype(a)>(a)..."
        if d.cls is None:
            # A free function: its signature declared in its own namespace.
            namespace = "::".join(d.scope)
            lines += [
                f"namespace {namespace} {{",
                f"void probe_signature_{index}({d.params});",
                f"void Probe_{index}() {{",
                (
                    f"    Args<decltype(probe_signature_{index})>::apply("
                    f"[](auto&&... a) {{ (void){namespace}::{d.name}({forward}); }});"
                ),
                "}",
                "}",
            ]
            continue
        # A member: the signature declared in a class derived from the declaring one, so
        # that the parameter types are looked up as in the declaration. Calls are
        # qualified (no virtual dispatch).
        qualified = "::".join(d.scope)
        if d.name == d.cls:
            call = f"::new (arg<void*>()) {qualified}({forward});"
        elif d.name == f"~{d.cls}":
            call = f"arg<{qualified}&>().{qualified}::{d.name}();"
        elif d.is_static:
            call = f"(void){qualified}::{d.name}({forward});"
        else:
            self_type = f"const {qualified}&" if d.is_const else f"{qualified}&"
            call = f"(void)arg<{self_type}>().{qualified}::{d.name}({forward});"
        lines += [
            f"namespace {'::'.join(d.scope[:-1])} {{",
            f"struct Probe_{index} : {qualified} {{",
            f"    static void signature({d.params});",
            "    static void probe();",
            "};",
            f"void Probe_{index}::probe() {{",
            f"    Args<decltype(signature)>::apply([](auto&&... a) {{ {call} }});",
            "}",
            "}",
        ]
    return "\n".join(lines) + "\n"


def _probe_index(mangled: str) -> int | None:
    """N when `mangled` names something inside Probe_N (mangled as "<length>Probe_N")."""
    for match in re.finditer(r"(\d+)Probe_(\d+)", mangled):
        length, digits = match.groups()
        for start in range(len(length)):  # the length may follow other digits
            size = int(length[start:]) - len("Probe_")
            if 0 < size <= len(digits):
                return int(digits[:size])
    return None


def probe_symbols(abi_dir: Path, declarations: list[Declaration], work: Path) -> list[set[str]]:
    """For each declaration, the pulsar symbols its probe needs from outside the probe."""
    assert CXX is not None
    source = work / "abi_probe.cpp"
    obj = work / "abi_probe.o"
    source.write_text(probe_source(declarations))
    compiled = subprocess.run(
        [
            CXX,
            "-std=c++17",
            "-O0",
            "-ffunction-sections",
            "-D_GLIBCXX_USE_CXX11_ABI=1",
            *("-I", str(abi_dir.parent), "-c", str(source), "-o", str(obj)),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    assert compiled.returncode == 0, f"the ABI probes do not compile:\n{compiled.stderr}"
    undefined = {
        line.split()[-1]
        for line in subprocess.run(
            ["nm", "--undefined-only", str(obj)], check=True, capture_output=True, text=True
        ).stdout.splitlines()
        if line.strip()
    }
    relocations = subprocess.run(
        ["readelf", "-rW", str(obj)], check=True, capture_output=True, text=True
    ).stdout
    needed: list[set[str]] = [set() for _ in declarations]
    current: int | None = None
    for line in relocations.splitlines():
        section = re.match(r"Relocation section '\.rela\.text\.(\S+)'", line)
        if section is not None:
            current = _probe_index(section.group(1))
            continue
        symbol = re.search(r"\s(_Z\S+)\s+[+-]\s", line)
        if current is not None and symbol is not None:
            name = symbol.group(1)
            if re.match(r"_ZNK?6pulsar", name) and name in undefined:
                needed[current].add(name)
    return needed


def wrong_declarations(abi_dir: Path, exported: set[str], work: Path) -> dict[str, str]:
    """Declaration -> what is wrong with it, for every declaration of `abi_dir`."""
    declarations = abi_declarations(abi_dir)
    assert len(declarations) > 100, "the parser should find every declaration"
    wrong = {}
    needed = probe_symbols(abi_dir, declarations, work)
    for declaration, symbols in zip(declarations, needed):
        missing = sorted(symbols - exported)
        if not symbols:
            wrong[declaration.text] = "its probe refers to no libpulsar symbol"
        elif missing:
            wrong[declaration.text] = f"not exported: {missing}"
    return wrong


def _normalized(symbol: str) -> str:
    """Constructors and destructors under one name (complete/base object variants)."""
    return re.sub(r"C[123]E", "C1E", re.sub(r"D[012]Ev", "D1Ev", symbol))


# --------------------------------------------------------------------------------------------
# The tests.
# --------------------------------------------------------------------------------------------


@needs_binutils
@needs_compiler
def test_every_declared_function_is_exported_by_the_bundled_library(tmp_path: Path) -> None:
    exported = _symbols(_bundled_libpulsar(), "--defined-only")
    assert wrong_declarations(ABI_DIR, exported, tmp_path) == {}


@needs_binutils
@needs_compiler
def test_a_wrong_declaration_fails_the_check(tmp_path: Path) -> None:
    # The check itself must catch a wrong declaration: a missing const, a wrong parameter
    # type, a wrong class.
    abi_copy = tmp_path / "src" / "abi"
    shutil.copytree(ABI_DIR, abi_copy)
    mutations = {
        "message.hpp": ("    int64_t ledgerId() const;", "    int64_t ledgerId();"),
        "configuration.hpp": (
            "    void setSendTimeout(int sendTimeoutMs);",
            "    void setSendTimeout(long sendTimeoutMs);",
        ),
        "results.hpp": (
            "const char* strResult(Result result);",
            "const char* strResult(int result);",
        ),
    }
    for file, (right, wrong) in mutations.items():
        text = (abi_copy / file).read_text()
        assert right in text, f"{file} no longer declares {right.strip()!r}: update this test"
        (abi_copy / file).write_text(text.replace(right, wrong))
    exported = _symbols(_bundled_libpulsar(), "--defined-only")
    work = tmp_path / "work"
    work.mkdir()
    reported = wrong_declarations(abi_copy, exported, work)
    assert sorted(reported) == sorted(wrong.strip() for _, wrong in mutations.values())


@needs_binutils
@needs_compiler
def test_every_declared_function_is_used_by_the_extension(tmp_path: Path) -> None:
    # Nothing is declared for nothing (virtual functions keep a vtable's layout).
    declarations = abi_declarations()
    needed = probe_symbols(ABI_DIR, declarations, tmp_path)
    used = {_normalized(s) for s in _symbols(EXTENSION, "--undefined-only")}
    unused = [
        d.text
        for d, symbols in zip(declarations, needed)
        if not d.is_virtual and not any(_normalized(s) in used for s in symbols)
    ]
    assert unused == []


@needs_binutils
def test_every_pulsar_symbol_the_extension_needs_is_exported_by_the_bundled_library() -> None:
    needed = {s for s in _symbols(EXTENSION, "--undefined-only") if "6pulsar" in s}
    exported = _symbols(_bundled_libpulsar(), "--defined-only")
    assert len(needed) > 100, "the extension should use libpulsar's C++ API"
    missing = sorted(needed - exported)
    assert not missing, f"declared in src/abi/ but not exported: {missing}"


def test_the_abi_headers_name_no_missing_file() -> None:
    # Comments may point at files of the repository only.
    for header in sorted(ABI_DIR.glob("*.hpp")):
        for cited in re.findall(r"\b((?:src|tests|tools|pulsar)/[\w/.]+\.\w+)", header.read_text()):
            assert (REPO_ROOT / cited).exists(), f"{header.name} cites {cited}, not in the repo"


@needs_binutils
def test_extension_binds_now_and_finds_libpulsar_beside_itself() -> None:
    dynamic = _dynamic_section(EXTENSION)
    assert "BIND_NOW" in dynamic or ("FLAGS_1" in dynamic and "NOW" in dynamic)
    assert f"[{_bundled_libpulsar().name}]" in dynamic, "NEEDED must name the bundled SONAME"
    assert "$ORIGIN/_libs" in dynamic, "RUNPATH must point into the package"


def test_imports_with_immediate_binding_and_no_library_path(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD")}
    env["LD_BIND_NOW"] = "1"
    code = (
        "import os, sys\n"
        "sys.setdlopenflags(os.RTLD_NOW | os.RTLD_LOCAL)\n"
        "import pulsar, pulsar._core\n"
        "print(pulsar._core.__file__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(EXTENSION)


def test_official_client_is_not_installed_beside_us() -> None:
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("pulsar-client")
    assert importlib.metadata.distribution("fastpulsar").version == pulsar.__version__


def test_key_value_encoding_values_are_libpulsars() -> None:
    # KeyValueEncodingType is an enum class in libpulsar's header only: its values are
    # checked through the library, which names the encoding it was given in the KeyValue
    # schema's properties.
    from pulsar.schema.keyvalue import KeyValueEncoding

    key = _core.SchemaInfo(pulsar.SchemaType.STRING.value, "K", "", {"a": "1"})
    value = _core.SchemaInfo(pulsar.SchemaType.JSON.value, "V", '{"type": "record"}')
    for encoding in KeyValueEncoding:
        info = _core.SchemaInfo.key_value(key, value, encoding.value)
        assert info.schema_type() == pulsar.SchemaType.KEY_VALUE
        properties = info.properties()
        assert properties["kv.encoding.type"] == encoding.name
        assert (properties["key.schema.type"], properties["key.schema.name"]) == ("STRING", "K")
        assert (properties["value.schema.type"], properties["value.schema.name"]) == ("JSON", "V")
        assert json_object(properties["key.schema.properties"]) == {"a": "1"}
        # Each definition after its 4-byte big-endian length (an empty one: -1 or 0).
        definition = info.schema().encode("utf-8", "surrogateescape")
        assert definition.endswith(len(value.schema()).to_bytes(4, "big") + b'{"type": "record"}')


def json_object(text: str) -> object:
    import json

    return json.loads(text)
