// Authentication providers and encryption key readers handed to Python as opaque
// handles (pulsar._core.AuthenticationHandle, pulsar._core.CryptoKeyReader).
//
// Everything here is called with the GIL held and throws error_already_set.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "abi/auth.hpp"

namespace fastpulsar {

namespace py = pybind11;

struct AuthHandle {
    pulsar::AuthenticationPtr auth;
};

struct CryptoKeyReaderHandle {
    pulsar::CryptoKeyReaderPtr reader;
};

// A handle for `auth`, made by one of libpulsar's factories for `what` (e.g. "TLS
// authentication"); raises ValueError when the factory made none.
AuthHandle auth_handle(pulsar::AuthenticationPtr auth, const char* what);

// Token authentication: `token` is a str, or a callable that libpulsar calls (on its
// own threads, taking the GIL) whenever it needs a token.
AuthHandle token_auth(py::handle token);

// A plugin by name or shared-library path (loaded with the GIL released).
AuthHandle plugin_auth(const std::string& plugin, const std::string& params);

// The provider inside a handle made by the functions above.
pulsar::AuthenticationPtr unwrap_authentication(py::handle obj);

}  // namespace fastpulsar
