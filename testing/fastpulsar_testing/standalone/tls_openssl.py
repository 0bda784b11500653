"""The TLS material of tls.py made with the ``openssl`` command instead of ``cryptography``.

For interpreters that ``cryptography`` does not install on (its cffi refuses the
free-threaded CPython 3.13). Same files, same contents that matter to a broker and a client:
RSA 2048 keys in PKCS#8 PEM, a CA with keyCertSign, leaf certificates with the extended key
usage and subject alternative names asked for, SHA-256 signatures, 30 days of validity.
Needs OpenSSL 1.1.1 or newer on PATH; every failure raises StandaloneError with its output.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import StandaloneError


def available() -> bool:
    """Whether an ``openssl`` command is on PATH."""
    return shutil.which("openssl") is not None


def _quote(value: str) -> str:
    """``value`` as one value of an OpenSSL configuration file."""
    if any(c in value for c in '"\n\r'):
        raise StandaloneError(f"cannot put {value!r} in an OpenSSL configuration")
    return f'"{value}"'


def _run(*args: str) -> None:
    try:
        subprocess.run(
            ["openssl", *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise StandaloneError(
            "the TLS tests need `cryptography` or the `openssl` command to make their "
            "certificates; neither is here"
        ) from exc
    except subprocess.CalledProcessError as exc:
        raise StandaloneError(
            f"openssl {args[0]} failed (exit {exc.returncode}): {exc.stderr.strip()}"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise StandaloneError(f"openssl {args[0]} did not finish in 60 s") from exc


def _new_key(path: Path) -> None:
    # genpkey writes PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted.
    _run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(path))


def _config(common_name: str, extensions: list[str]) -> str:
    lines = ["[req]", "distinguished_name = dn", "prompt = no", "[dn]"]
    lines += [f"CN = {_quote(common_name)}", "[ext]", *extensions]
    return "\n".join(lines) + "\n"


def generate_ca(directory: Path, name: str) -> dict[str, Path]:
    """tls.generate_ca, with openssl."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"ca_cert": directory / "ca.cert.pem", "ca_key": directory / "ca.key.pem"}
    extensions = [
        "basicConstraints = critical, CA:TRUE",
        "keyUsage = critical, keyCertSign, cRLSign",
        "subjectKeyIdentifier = hash",
    ]
    with tempfile.TemporaryDirectory(prefix="fastpulsar-tls-") as tmp:
        cnf = Path(tmp) / "ca.cnf"
        cnf.write_text(_config(name, extensions))
        _new_key(paths["ca_key"])
        _run(
            "req", "-x509", "-new", "-config", str(cnf), "-extensions", "ext",
            "-key", str(paths["ca_key"]), "-sha256", "-days", "30",
            "-set_serial", f"0x{secrets.token_hex(16)}", "-out", str(paths["ca_cert"]),
        )  # fmt: skip
    return paths


def issue_certificate(
    ca: dict[str, Path],
    directory: Path,
    stem: str,
    common_name: str,
    *,
    dns_names: tuple[str, ...],
    ip_addresses: tuple[str, ...],
    client: bool,
) -> dict[str, Path]:
    """tls.issue_certificate, with openssl."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"cert": directory / f"{stem}.cert.pem", "key": directory / f"{stem}.key.pem"}
    extensions = [
        "basicConstraints = critical, CA:FALSE",
        f"extendedKeyUsage = {'clientAuth' if client else 'serverAuth'}",
        "authorityKeyIdentifier = keyid",
    ]
    names = [f"DNS:{n}" for n in dns_names] + [f"IP:{a}" for a in ip_addresses]
    if names:
        extensions.append("subjectAltName = " + ", ".join(names))
    with tempfile.TemporaryDirectory(prefix="fastpulsar-tls-") as tmp:
        cnf = Path(tmp) / "leaf.cnf"
        csr = Path(tmp) / "leaf.csr"
        cnf.write_text(_config(common_name, extensions))
        _new_key(paths["key"])
        _run("req", "-new", "-config", str(cnf), "-key", str(paths["key"]), "-out", str(csr))
        _run(
            "x509", "-req", "-in", str(csr), "-CA", str(ca["ca_cert"]),
            "-CAkey", str(ca["ca_key"]), "-set_serial", f"0x{secrets.token_hex(16)}",
            "-sha256", "-days", "30", "-extfile", str(cnf), "-extensions", "ext",
            "-out", str(paths["cert"]),
        )  # fmt: skip
    return paths
