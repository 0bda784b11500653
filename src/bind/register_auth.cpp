// Authentication: libpulsar's providers behind the pulsar.Authentication* classes
// (the handles and factories are core/auth.hpp's).
#include <pybind11/pybind11.h>

#include <string>

#include "abi/auth.hpp"
#include "bind/register.hpp"
#include "core/auth.hpp"

namespace fastpulsar {

void register_auth(py::module_& m) {
    py::class_<AuthHandle>(m, "AuthenticationHandle", "A libpulsar authentication provider.");

    m.def("auth_token", &token_auth, py::arg("token"));
    m.def(
        "auth_tls",
        [](const std::string& certificate_path, const std::string& private_key_path) {
            return auth_handle(pulsar::AuthTls::create(certificate_path, private_key_path),
                               "TLS authentication");
        },
        py::arg("certificate_path"), py::arg("private_key_path"));
    m.def(
        "auth_basic",
        [](const std::string& username, const std::string& password, const std::string& method) {
            return auth_handle(pulsar::AuthBasic::create(username, password, method),
                               "basic authentication");
        },
        py::arg("username"), py::arg("password"), py::arg("method"));
    m.def(
        "auth_oauth2",
        [](const std::string& params) {
            return auth_handle(pulsar::AuthOauth2::create(params), "OAuth2 authentication");
        },
        py::arg("auth_params_string"));
    m.def("auth_plugin", &plugin_auth, py::arg("dynamic_lib_path"), py::arg("auth_params_string"));
}

}  // namespace fastpulsar
