"""Authentication providers, as pulsar-client names them."""

from __future__ import annotations

from typing import Callable

from pulsar import _core
from pulsar._checks import check_optional, check_type, type_error


class Authentication:
    """An authentication plugin by name or shared-library path, with its parameters.

    The base class of the other authentication classes: pass any of them as
    `pulsar.Client(..., authentication=...)`.

    Args:
        dynamicLibPath: The plugin: a name libpulsar knows (`tls`, `token`, `athenz`,
            `oauth2`, `basic`) or the path of a shared library implementing one.
        authParamsString: The plugin's parameters, as the plugin reads them (usually
            JSON, or `key:value,key:value`).

    A plugin that cannot be loaded is logged as a warning, and (as in pulsar-client) each
    operation of the client that needs the broker raises `AuthenticationError`.
    """

    auth: _core.AuthenticationHandle

    def __init__(self, dynamicLibPath: str, authParamsString: str) -> None:
        check_type(dynamicLibPath, str, "dynamicLibPath")
        check_type(authParamsString, str, "authParamsString")
        self.auth = _core.auth_plugin(dynamicLibPath, authParamsString)


class AuthenticationTLS(Authentication):
    """TLS client-certificate authentication.

    Args:
        certificate_path: The client's certificate (PEM).
        private_key_path: The client's private key (PEM).
    """

    def __init__(self, certificate_path: str, private_key_path: str) -> None:
        check_type(certificate_path, str, "certificate_path")
        check_type(private_key_path, str, "private_key_path")
        self.auth = _core.auth_tls(certificate_path, private_key_path)


class AuthenticationToken(Authentication):
    """Token (JWT) authentication: a token, or a function returning a fresh one.

    A function is called by libpulsar's threads (with the GIL) whenever a token
    is needed; an exception it raises goes to sys.unraisablehook, and when the
    client connects the operation raises `AuthenticationError` at once (as in
    pulsar-client); when the broker asks for a fresh token later, the broker is
    handed an empty token instead (pulsar-client aborts the process there).

    Args:
        token: The token, or a function of no argument returning it.
    """

    def __init__(self, token: str | Callable[[], str]) -> None:
        if not (isinstance(token, str) or callable(token)):
            raise type_error("token", "of type 'str' or a function returning 'str'", token)
        self.auth = _core.auth_token(token)


class AuthenticationAthenz(Authentication):
    """Athenz authentication, from its JSON parameters.

    Args:
        auth_params_string: A JSON object of the Athenz parameters (`tenantDomain`,
            `tenantService`, `providerDomain`, `privateKey`, `keyId`, ...).
    """

    def __init__(self, auth_params_string: str) -> None:
        check_type(auth_params_string, str, "auth_params_string")
        self.auth = _core.auth_plugin("athenz", auth_params_string)


class AuthenticationOauth2(Authentication):
    """OAuth2 client-credentials authentication, from its JSON parameters.

    Args:
        auth_params_string: A JSON object of the OAuth2 parameters (`type`,
            `issuer_url`, `private_key`, `audience`, `scope`).
    """

    def __init__(self, auth_params_string: str) -> None:
        check_type(auth_params_string, str, "auth_params_string")
        self.auth = _core.auth_oauth2(auth_params_string)


class AuthenticationBasic(Authentication):
    """HTTP basic authentication: username and password, or a JSON parameter string.

    Args:
        username: The user's name (unless `auth_params_string` is given).
        password: The user's password (unless `auth_params_string` is given).
        method: The authentication method name sent to the broker.
        auth_params_string: Instead of the other arguments, a JSON object with
            `username`, `password` and optionally `method`.
    """

    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        method: str = "basic",
        auth_params_string: str | None = None,
    ) -> None:
        check_optional(auth_params_string, str, "auth_params_string")
        if auth_params_string is not None:
            self.auth = _core.auth_plugin("basic", auth_params_string)
            return
        check_type(username, str, "username")
        check_type(password, str, "password")
        check_type(method, str, "method")
        assert username is not None
        assert password is not None
        self.auth = _core.auth_basic(username, password, method)
