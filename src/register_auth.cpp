// Authentication: libpulsar's providers behind pulsar.Authentication* classes.
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "common.hpp"
#include "register.hpp"

namespace fastpulsar {
namespace {

struct AuthHandle {
    pulsar::AuthenticationPtr auth;
};

// Called by libpulsar (on its own threads) whenever it needs a token.
class TokenSupplier {
   public:
    explicit TokenSupplier(py::object supplier) : supplier_(std::make_shared<PyRef>(supplier)) {}

    std::string operator()() const {
        GilForCallback gil;
        if (!gil.ok()) {
            return std::string();
        }
        PyObject* token = PyObject_CallNoArgs(supplier_->get());
        if (token == nullptr) {
            report_callback_error(supplier_->get());
            return std::string();
        }
        std::string out;
        if (PyUnicode_Check(token)) {
            Py_ssize_t size = 0;
            const char* data = PyUnicode_AsUTF8AndSize(token, &size);
            if (data != nullptr) {
                out.assign(data, static_cast<std::size_t>(size));
            } else {
                report_callback_error(supplier_->get());
            }
        } else {
            PyErr_Format(PyExc_TypeError,
                         "the token supplier of AuthenticationToken returned %.200s, not a str",
                         Py_TYPE(token)->tp_name);
            report_callback_error(supplier_->get());
        }
        Py_DECREF(token);
        return out;
    }

   private:
    std::shared_ptr<PyRef> supplier_;
};

AuthHandle checked(pulsar::AuthenticationPtr auth, const char* what) {
    if (!auth) {
        throw py::value_error(std::string("libpulsar could not create ") + what);
    }
    return AuthHandle{std::move(auth)};
}

}  // namespace

pulsar::AuthenticationPtr unwrap_authentication(py::handle obj) {
    return obj.cast<const AuthHandle&>().auth;
}

void register_auth(py::module_& m) {
    py::class_<AuthHandle>(m, "AuthenticationHandle", "A libpulsar authentication provider.");

    m.def(
        "auth_token",
        [](py::handle token) {
            if (PyUnicode_Check(token.ptr())) {
                return checked(pulsar::AuthToken::createWithToken(as_string(token.ptr(), "token")),
                               "token authentication");
            }
            if (!PyCallable_Check(token.ptr())) {
                raise_type_error("token", "a str or a callable returning a str", token.ptr());
            }
            return checked(pulsar::AuthToken::create(
                               TokenSupplier(py::reinterpret_borrow<py::object>(token))),
                           "token authentication");
        },
        py::arg("token"));
    m.def(
        "auth_tls",
        [](const std::string& certificate_path, const std::string& private_key_path) {
            return checked(pulsar::AuthTls::create(certificate_path, private_key_path),
                           "TLS authentication");
        },
        py::arg("certificate_path"), py::arg("private_key_path"));
    m.def(
        "auth_basic",
        [](const std::string& username, const std::string& password, const std::string& method) {
            return checked(pulsar::AuthBasic::create(username, password, method),
                           "basic authentication");
        },
        py::arg("username"), py::arg("password"), py::arg("method"));
    m.def(
        "auth_oauth2",
        [](const std::string& params) {
            return checked(pulsar::AuthOauth2::create(params), "OAuth2 authentication");
        },
        py::arg("auth_params_string"));
    m.def(
        "auth_plugin",
        [](const std::string& plugin, const std::string& params) {
            AuthHandle handle;
            {
                GilRelease nogil;  // may load a shared library
                handle.auth = pulsar::AuthFactory::create(plugin, params);
            }
            return checked(std::move(handle.auth), "the authentication plugin");
        },
        py::arg("dynamic_lib_path"), py::arg("auth_params_string"));
}

}  // namespace fastpulsar
