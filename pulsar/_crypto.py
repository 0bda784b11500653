"""End-to-end encryption: the key reader of producers and consumers, and the encryption
context of a received message (Message.encryption_context())."""

from __future__ import annotations

from pulsar import _core
from pulsar._checks import check_type
from pulsar._enums import CompressionType


class CryptoKeyReader:
    """Reads the RSA/ECDSA public and private keys from PEM files.

    Pass it as `crypto_key_reader=` to `Client.create_producer` (which encrypts with the
    public key) or to `Client.subscribe` / `Client.create_reader` (which decrypt with
    the private key).

    Args:
        public_key_path: The public key's PEM file.
        private_key_path: The private key's PEM file.
    """

    def __init__(self, public_key_path: str, private_key_path: str) -> None:
        check_type(public_key_path, str, "public_key_path")
        check_type(private_key_path, str, "private_key_path")
        self.cryptoKeyReader = _core.CryptoKeyReader(public_key_path, private_key_path)


class EncryptionKey:
    """One data key of an encrypted message: the name of the public key that encrypted it
    (`key`), the encrypted data key (`value`) and its `metadata`.

    Args:
        key: The name of the public key.
        value: The data key, encrypted with that public key.
        metadata: The key's metadata (str to str).
    """

    def __init__(self, key: str, value: bytes, metadata: dict[str, str]) -> None:
        self._key = key
        self._value = value
        self._metadata = metadata

    @property
    def key(self) -> str:
        """The name of the key, usually the producer's `encryption_key`."""
        return self._key

    @property
    def value(self) -> bytes:
        """The data key, encrypted with that public key."""
        return self._value

    @property
    def metadata(self) -> dict[str, str]:
        """The key's metadata (a copy)."""
        return dict(self._metadata)

    def __str__(self) -> str:
        return (
            f"EncryptionKey(key={self._key}, value_len={len(self._value)}, "
            f"metadata={self._metadata})"
        )

    def __repr__(self) -> str:
        return str(self)


class EncryptionContext:
    """How a received message was encrypted and compressed: what an application needs to
    decrypt a payload delivered still encrypted (crypto_failure_action=CONSUME).

    A copy: unlike pulsar-client's, it stays valid after its Message is gone.

    Args:
        keys: The data keys, one per public key the producer encrypted with.
        param: The cipher's parameter (its initialization vector).
        algorithm: The encryption algorithm's name.
        compression_type: How the payload was compressed before encryption.
        uncompressed_message_size: The payload's size before compression.
        batch_size: The number of messages in the batch, or -1.
        is_decryption_failed: Whether the payload could not be decrypted.
    """

    def __init__(
        self,
        keys: list[EncryptionKey],
        param: bytes,
        algorithm: str,
        compression_type: CompressionType,
        uncompressed_message_size: int,
        batch_size: int,
        is_decryption_failed: bool,
    ) -> None:
        self._keys = keys
        self._param = param
        self._algorithm = algorithm
        self._compression_type = compression_type
        self._uncompressed_message_size = uncompressed_message_size
        self._batch_size = batch_size
        self._is_decryption_failed = is_decryption_failed

    def keys(self) -> list[EncryptionKey]:
        """The data keys, one per public key the producer encrypted with."""
        return list(self._keys)

    def param(self) -> bytes:
        """The cipher's parameter (its initialization vector)."""
        return self._param

    def algorithm(self) -> str:
        """The encryption algorithm's name, as the producer set it."""
        return self._algorithm

    def compression_type(self) -> CompressionType:
        """How the payload was compressed before it was encrypted."""
        return self._compression_type

    def uncompressed_message_size(self) -> int:
        """The payload's size before compression, or 0 when it is not compressed."""
        return self._uncompressed_message_size

    def batch_size(self) -> int:
        """The number of messages in the batch, or -1 when the message is not batched."""
        return self._batch_size

    def is_decryption_failed(self) -> bool:
        """Whether the payload could not be decrypted (and is delivered encrypted)."""
        return self._is_decryption_failed

    def __str__(self) -> str:
        keys = ", ".join(str(key) for key in self._keys)
        return (
            f"EncryptionContext(algorithm={self._algorithm}, "
            f"compression_type={self._compression_type.name}, "
            f"uncompressed_message_size={self._uncompressed_message_size}, "
            f"is_decryption_failed={self._is_decryption_failed}, keys=[{keys}])"
        )

    def __repr__(self) -> str:
        return str(self)


def context_from_core(
    keys: list[tuple[str, bytes, dict[str, str]]],
    param: bytes,
    algorithm: str,
    compression_type: int,
    uncompressed_message_size: int,
    batch_size: int,
    is_decryption_failed: bool,
) -> EncryptionContext:
    """What the extension calls to build Message.encryption_context()'s result (handed to
    it by pulsar._bridge)."""
    return EncryptionContext(
        [EncryptionKey(key, value, metadata) for key, value, metadata in keys],
        param,
        algorithm,
        CompressionType(compression_type),
        uncompressed_message_size,
        batch_size,
        is_decryption_failed,
    )
