// Authentication providers (see auth.hpp).
#include "core/auth.hpp"

#include <functional>
#include <memory>
#include <utility>

#include "runtime/convert.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"

namespace fastpulsar {
namespace {

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

}  // namespace

AuthHandle auth_handle(pulsar::AuthenticationPtr auth, const char* what) {
    if (!auth) {
        raise_value_error(std::string("libpulsar could not create ") + what);
    }
    return AuthHandle{std::move(auth)};
}

AuthHandle token_auth(py::handle token) {
    if (PyUnicode_Check(token.ptr())) {
        return auth_handle(pulsar::AuthToken::createWithToken(as_string(token.ptr(), "token")),
                           "token authentication");
    }
    if (!PyCallable_Check(token.ptr())) {
        raise_type_error("token", "a str or a callable returning a str", token.ptr());
    }
    return auth_handle(
        pulsar::AuthToken::create(TokenSupplier(py::reinterpret_borrow<py::object>(token))),
        "token authentication");
}

AuthHandle plugin_auth(const std::string& plugin, const std::string& params) {
    pulsar::AuthenticationPtr auth;
    {
        GilRelease nogil;  // may load a shared library
        auth = pulsar::AuthFactory::create(plugin, params);
    }
    if (!auth) {
        // Named for the argument that picks the plugin (Authentication's dynamicLibPath).
        raise_value_error(
            "libpulsar could not create the authentication plugin: no plugin "
            "named, nor library at, dynamicLibPath '" +
            plugin + "'");
    }
    return auth_handle(std::move(auth), "the authentication plugin");
}

pulsar::AuthenticationPtr unwrap_authentication(py::handle obj) {
    return obj.cast<const AuthHandle&>().auth;
}

}  // namespace fastpulsar
