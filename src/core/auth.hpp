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

// The provider inside a handle made by the functions above: null when plugin_auth found no
// such plugin (libpulsar then fails each connection with AuthenticationError).
pulsar::AuthenticationPtr unwrap_authentication(py::handle obj);

// A null provider (a plugin that could not be loaded) for an http(s):// service URL:
// libpulsar's HTTP lookup dereferences it (pulsar-client 3.13 crashes, SIGSEGV, on the
// first operation), so this raises AuthenticationError instead, at once. Over pulsar://
// libpulsar fails each operation with AuthenticationError itself: nothing raised here.
// GIL held; throws error_already_set.
void check_plugin_loaded_for(const std::string& service_url, const pulsar::AuthenticationPtr& auth);

}  // namespace fastpulsar
