"""End-to-end encryption keys for producers and consumers."""

from __future__ import annotations

from pulsar import _core
from pulsar._checks import check_type


class CryptoKeyReader:
    """Reads the RSA/ECDSA public and private keys from PEM files."""

    def __init__(self, public_key_path: str, private_key_path: str) -> None:
        check_type(public_key_path, str, "public_key_path")
        check_type(private_key_path, str, "private_key_path")
        self.cryptoKeyReader = _core.CryptoKeyReader(public_key_path, private_key_path)
