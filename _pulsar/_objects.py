"""The small objects of pulsar-client 3.13's `_pulsar` that `pulsar` does not have:
authentication providers with 3.13's `create` factories, the crypto key readers, `Error`,
`TopicRegex` and `ServiceInfo`. Each wraps the extension's own object (no second path to
libpulsar)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Callable, NoReturn

from pulsar import _core
from pulsar._enums import Result


def _no_constructor(cls: type) -> NoReturn:
    raise TypeError(f"_pulsar.{cls.__name__}: No constructor defined!")


class Authentication:
    """pulsar-client 3.13's `_pulsar.Authentication`: made by the `create` factories
    (`Authentication.create(plugin, params)`, `AuthenticationToken.create(token)`, ...),
    given to `ClientConfiguration.authentication()` or `ServiceInfo(...)`."""

    _handle: _core.AuthenticationHandle
    _method: str

    def __init__(self, *args: Any) -> None:
        # 3.13's constructors take a libpulsar AuthenticationDataProvider, which Python
        # cannot make: only the create() factories give an instance.
        raise TypeError(
            f"_pulsar.{type(self).__name__}: use {type(self).__name__}.create(...) to make one"
        )

    @classmethod
    def _of(cls, handle: _core.AuthenticationHandle, method: str) -> Any:
        auth = cls.__new__(cls)
        auth._handle = handle
        auth._method = method
        return auth

    @staticmethod
    def create(dynamicLibPath: str, authParamsString: str) -> Authentication:
        """A provider by plugin name (`token`, `tls`, `basic`, `oauth2`, `athenz`) or
        shared-library path, with its parameter string; an instance of the matching
        class (`create("token", ...)` is an `AuthenticationToken`)."""
        _check_str(dynamicLibPath, "arg0")
        _check_str(authParamsString, "arg1")
        handle = _core.auth_plugin(dynamicLibPath, authParamsString)
        kind = _PLUGINS.get(dynamicLibPath.lower(), (Authentication, dynamicLibPath))
        return kind[0]._of(handle, kind[1])  # type: ignore[no-any-return]

    def getAuthMethodName(self) -> str:
        """The method name sent to the broker (`token`, `tls`, `basic`, ...)."""
        return self._method

    def getAuthData(self, *args: Any) -> NoReturn:
        """As in 3.13, it takes a libpulsar AuthenticationDataProvider, which Python cannot
        make: always TypeError."""
        raise TypeError(
            "getAuthData(): incompatible function arguments: it takes a "
            "pulsar::AuthenticationDataProvider, which Python cannot create"
        )


class AuthenticationTLS(Authentication):
    """TLS client-certificate authentication (`create(certificate_path, private_key_path)`)."""

    @staticmethod
    def create(certificate_path: str, private_key_path: str) -> AuthenticationTLS:
        """The provider of this certificate and private key (PEM files)."""
        _check_str(certificate_path, "arg0")
        _check_str(private_key_path, "arg1")
        handle = _core.auth_tls(certificate_path, private_key_path)
        return AuthenticationTLS._of(handle, "tls")  # type: ignore[no-any-return]


class AuthenticationToken(Authentication):
    """Token authentication (`create(token)`, a str or a function returning one)."""

    @staticmethod
    def create(token: str | Callable[[], str]) -> AuthenticationToken:  # type: ignore[override]
        """The provider of this token, or of the function that returns a fresh one."""
        if not (isinstance(token, str) or callable(token)):
            raise TypeError(
                f"create(): incompatible function arguments: expected a str or a function "
                f"returning a str, got {type(token).__name__}"
            )
        return AuthenticationToken._of(_core.auth_token(token), "token")  # type: ignore[no-any-return]


class AuthenticationAthenz(Authentication):
    """Athenz authentication (`create(auth_params_string)`, a JSON object)."""

    @staticmethod
    def create(auth_params_string: str) -> AuthenticationAthenz:  # type: ignore[override]
        """The provider of these Athenz parameters."""
        _check_str(auth_params_string, "arg0")
        handle = _core.auth_plugin("athenz", auth_params_string)
        return AuthenticationAthenz._of(handle, "athenz")  # type: ignore[no-any-return]


class AuthenticationOauth2(Authentication):
    """OAuth2 client-credentials authentication (`create(auth_params_string)`)."""

    @staticmethod
    def create(auth_params_string: str) -> AuthenticationOauth2:  # type: ignore[override]
        """The provider of these OAuth2 parameters (a JSON object)."""
        _check_str(auth_params_string, "arg0")
        handle = _core.auth_oauth2(auth_params_string)
        return AuthenticationOauth2._of(handle, "token")  # type: ignore[no-any-return]


class AuthenticationBasic(Authentication):
    """HTTP basic authentication: `create(username, password, method)` or
    `create(auth_params_string)` (a JSON object with username, password, method)."""

    @staticmethod
    def create(*args: str) -> AuthenticationBasic:
        """The provider of these credentials."""
        for i, arg in enumerate(args):
            _check_str(arg, f"arg{i}")
        if len(args) == 3:
            handle = _core.auth_basic(args[0], args[1], args[2])
            return AuthenticationBasic._of(handle, args[2])  # type: ignore[no-any-return]
        if len(args) == 1:
            handle = _core.auth_plugin("basic", args[0])
            try:
                method = json.loads(args[0]).get("method", "basic")
            except (ValueError, AttributeError):
                method = "basic"
            return AuthenticationBasic._of(handle, str(method))  # type: ignore[no-any-return]
        raise TypeError(
            "create(): incompatible function arguments: (username, password, method) or "
            "(auth_params_string)"
        )


_PLUGINS: dict[str, tuple[type[Authentication], str]] = {
    "token": (AuthenticationToken, "token"),
    "org.apache.pulsar.client.impl.auth.authenticationtoken": (AuthenticationToken, "token"),
    "tls": (AuthenticationTLS, "tls"),
    "org.apache.pulsar.client.impl.auth.authenticationtls": (AuthenticationTLS, "tls"),
    "basic": (AuthenticationBasic, "basic"),
    "org.apache.pulsar.client.impl.auth.authenticationbasic": (AuthenticationBasic, "basic"),
    "oauth2": (AuthenticationOauth2, "token"),
    "org.apache.pulsar.client.impl.auth.oauth2.authenticationoauth2": (
        AuthenticationOauth2,
        "token",
    ),
    "athenz": (AuthenticationAthenz, "athenz"),
    "org.apache.pulsar.client.impl.auth.authenticationathenz": (AuthenticationAthenz, "athenz"),
}


def _check_str(value: object, name: str) -> None:
    if not isinstance(value, str):
        raise TypeError(
            f"incompatible function arguments: {name} must be a str, not {type(value).__name__}"
        )


class AbstractCryptoKeyReader:
    """pulsar-client 3.13's `_pulsar.AbstractCryptoKeyReader`: the base of `CryptoKeyReader`
    (no constructor of its own)."""

    def __init__(self, *args: Any) -> None:
        _no_constructor(AbstractCryptoKeyReader)

    def getPublicKey(self, key_name: str, metadata: Mapping[str, str], key_info: Any) -> NoReturn:
        """As in 3.13, it takes a libpulsar EncryptionKeyInfo, which Python cannot make:
        always TypeError."""
        raise TypeError(
            "getPublicKey(): incompatible function arguments: it takes a "
            "pulsar::EncryptionKeyInfo, which Python cannot create"
        )

    def getPrivateKey(self, key_name: str, metadata: Mapping[str, str], key_info: Any) -> NoReturn:
        """As in 3.13, it takes a libpulsar EncryptionKeyInfo, which Python cannot make:
        always TypeError."""
        raise TypeError(
            "getPrivateKey(): incompatible function arguments: it takes a "
            "pulsar::EncryptionKeyInfo, which Python cannot create"
        )


class CryptoKeyReader(_core.CryptoKeyReader, AbstractCryptoKeyReader):
    """pulsar-client 3.13's `_pulsar.CryptoKeyReader(public_key_path, private_key_path)`:
    reads the encryption keys from PEM files; for the configurations' `crypto_key_reader`."""

    def __init__(self, public_key_path: str, private_key_path: str) -> None:
        _check_str(public_key_path, "arg0")
        _check_str(private_key_path, "arg1")
        _core.CryptoKeyReader.__init__(self, public_key_path, private_key_path)


class Error:
    """pulsar-client 3.13's `_pulsar.Error`: what the `*_async_v2` callbacks get on failure:
    `error` (the `Result`) and `message` (a description)."""

    __slots__ = ("_error", "_message")
    _error: Result
    _message: str

    def __init__(self, *args: Any) -> None:
        _no_constructor(Error)

    @classmethod
    def _of(cls, error: Result, message: str) -> Error:
        instance = cls.__new__(cls)
        instance._error = error
        instance._message = message
        return instance

    @property
    def error(self) -> Result:
        """The failure's `Result`."""
        return self._error

    @property
    def message(self) -> str:
        """A description of the failure."""
        return self._message

    def __repr__(self) -> str:
        return f"_pulsar.Error({self._error!r}, {self._message!r})"


class TopicRegex:
    """pulsar-client 3.13's `_pulsar.TopicRegex(pattern)`: a topic pattern for
    `Client.subscribe_async_v2`."""

    __slots__ = ("_pattern",)

    def __init__(self, pattern: str) -> None:
        _check_str(pattern, "pattern")
        self._pattern = pattern

    @property
    def pattern(self) -> str:
        """The regular expression."""
        return self._pattern


class ServiceInfo(_core.ServiceInfo):
    """pulsar-client 3.13's `_pulsar.ServiceInfo(service_url, authentication=None,
    tls_trust_certs_file_path=None)`: one cluster of a failover client."""

    def __init__(
        self,
        service_url: str,
        authentication: Authentication | None = None,
        tls_trust_certs_file_path: str | None = None,
    ) -> None:
        _check_str(service_url, "service_url")
        if authentication is not None and not isinstance(authentication, Authentication):
            raise TypeError(
                "incompatible function arguments: authentication must be a "
                f"_pulsar.Authentication, not {type(authentication).__name__}"
            )
        if tls_trust_certs_file_path is not None:
            _check_str(tls_trust_certs_file_path, "tls_trust_certs_file_path")
        handle = None if authentication is None else authentication._handle
        super().__init__(service_url, handle, tls_trust_certs_file_path)
