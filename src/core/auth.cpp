// Authentication providers (see auth.hpp).
#include "core/auth.hpp"

#include <dlfcn.h>
#include <link.h>
#include <unwind.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "runtime/convert.hpp"
#include "runtime/errors.hpp"
#include "runtime/gil.hpp"

namespace fastpulsar {
namespace {

// libpulsar 4.2.0 calls a token supplier (through AuthDataToken::getCommandData) from two
// places, found in the bundled library (`objdump -d`, its only callers):
// - Commands::newConnect, called only by ClientConnection::handleHandshake inside
//   `try { ... } catch (const std::exception& e)`, which logs "Failed to create Connect
//   command: <what()>" and closes the connection with ResultAuthenticationError: the
//   pending operations fail with AuthenticationError at once (what pulsar-client 3.13 does
//   when its supplier raises there);
// - Commands::newAuthResponse, called by ClientConnection::handleAuthChallenge (the
//   broker asks for a fresh token), where nothing catches: an exception there ends the
//   process (pulsar-client 3.13 aborts).
// So a failing supplier throws only when Commands::newConnect is on the stack, and
// otherwise hands libpulsar an empty token (the broker then refuses it).
constexpr const char* kNewConnectSymbol =
    "_ZN6pulsar8Commands10newConnectERKSt10shared_ptrINS_14AuthenticationEERKNSt7__cxx1112basic_"
    "stringIcSt11char_traitsIcESaIcEEEbSD_RNS_6ResultE";

struct CodeRange {
    std::uintptr_t begin = 0;
    std::uintptr_t end = 0;  // one past the last byte; begin == end: unknown
};

// Where Commands::newConnect lies in the loaded libpulsar (its dynamic symbol's address
// and size). Empty when the symbol is missing: then a failing supplier never throws. Any
// thread; never throws.
CodeRange new_connect_range() noexcept {
    static const CodeRange range = []() noexcept {
        CodeRange found;
        Dl_info lib_info{};
        // Any libpulsar function we link names the library.
        auto* in_lib = reinterpret_cast<void*>(&pulsar::AuthToken::createWithToken);
        if (dladdr(in_lib, &lib_info) == 0 || lib_info.dli_fname == nullptr) {
            return found;
        }
        void* lib = dlopen(lib_info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
        if (lib == nullptr) {
            return found;
        }
        void* symbol = dlsym(lib, kNewConnectSymbol);
        Dl_info info{};
        void* entry = nullptr;  // the symbol's ElfW(Sym)
        if (symbol != nullptr && dladdr1(symbol, &info, &entry, RTLD_DL_SYMENT) != 0 &&
            entry != nullptr) {
            const auto size = static_cast<const ElfW(Sym)*>(entry)->st_size;
            if (size > 0) {
                found.begin = reinterpret_cast<std::uintptr_t>(symbol);
                found.end = found.begin + size;
            }
        }
        dlclose(lib);
        return found;
    }();
    return range;
}

struct StackSearch {
    CodeRange range;
    int frames_left;
    bool found;
};

_Unwind_Reason_Code visit_frame(_Unwind_Context* context, void* arg) {
    auto* search = static_cast<StackSearch*>(arg);
    // A return address: just past the call, so within (begin, end].
    const std::uintptr_t ip = _Unwind_GetIP(context);
    if (ip > search->range.begin && ip <= search->range.end) {
        search->found = true;
        return _URC_END_OF_STACK;
    }
    return --search->frames_left > 0 ? _URC_NO_REASON : _URC_END_OF_STACK;
}

// Whether this call comes from Commands::newConnect (a few frames up: the std::function,
// AuthDataToken::getCommandData). Any thread; never throws.
bool called_from_connect() noexcept {
    StackSearch search{new_connect_range(), 16, false};
    if (search.range.begin == search.range.end) {
        return false;
    }
    _Unwind_Backtrace(&visit_frame, &search);
    return search.found;
}

// Thrown through libpulsar's connect path only (see above): its what() goes into
// libpulsar's log line.
class TokenSupplierFailed : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

// "<type name>: <str(exception)>" of the Python error set, which stays set. GIL held;
// never throws.
std::string describe_current_error() noexcept {
    PyObject* type = nullptr;
    PyObject* value = nullptr;
    PyObject* traceback = nullptr;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    std::string text =
        type != nullptr ? std::string(reinterpret_cast<PyTypeObject*>(type)->tp_name) : "error";
    if (value != nullptr) {
        if (PyObject* str = PyObject_Str(value)) {
            if (const char* data = PyUnicode_AsUTF8(str)) {
                if (*data != '\0') {
                    text += std::string(": ") + data;
                }
            }
            Py_DECREF(str);
        }
        PyErr_Clear();  // from str() itself
    }
    PyErr_Restore(type, value, traceback);
    return text;
}

// Called by libpulsar (on its own threads) whenever it needs a token.
class TokenSupplier {
   public:
    explicit TokenSupplier(py::object supplier) : supplier_(std::make_shared<PyRef>(supplier)) {}

    // A failure (the supplier raised or returned something else than a str) is reported
    // through sys.unraisablehook; then, called from libpulsar's connect path, this throws
    // TokenSupplierFailed (the connection fails with AuthenticationError), and elsewhere
    // returns an empty token.
    std::string operator()() const {
        std::optional<std::string> failure;
        std::string out = call(failure);
        // The GIL is released by now: the exception crosses only libpulsar's frames.
        if (failure && called_from_connect()) {
            throw TokenSupplierFailed(*failure);
        }
        return out;
    }

   private:
    // Takes the GIL for the call; sets `failure` when there is one. Never throws.
    std::string call(std::optional<std::string>& failure) const {
        GilForCallback gil;
        if (!gil.ok()) {
            return std::string();
        }
        PyObject* token = PyObject_CallNoArgs(supplier_->get());
        if (token == nullptr) {
            fail(failure);
            return std::string();
        }
        std::string out;
        if (PyUnicode_Check(token)) {
            Py_ssize_t size = 0;
            const char* data = PyUnicode_AsUTF8AndSize(token, &size);
            if (data != nullptr) {
                out.assign(data, static_cast<std::size_t>(size));
            } else {
                fail(failure);
            }
        } else {
            PyErr_Format(PyExc_TypeError,
                         "the token supplier of AuthenticationToken returned %.200s, not a str",
                         Py_TYPE(token)->tp_name);
            fail(failure);
        }
        Py_DECREF(token);
        return out;
    }

    // The Python error set: described into `failure`, then reported. GIL held.
    void fail(std::optional<std::string>& failure) const {
        failure = describe_current_error();
        report_callback_error(supplier_->get());
    }

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
    // No such plugin: libpulsar has logged a warning ("Couldn't load auth plugin ...") and
    // returned null, which it then handles itself on connect (every operation needing the
    // broker fails with AuthenticationError), as in pulsar-client 3.13.
    return AuthHandle{std::move(auth)};
}

void check_plugin_loaded_for(const std::string& service_url,
                             const pulsar::AuthenticationPtr& auth) {
    if (auth || (service_url.rfind("http://", 0) != 0 && service_url.rfind("https://", 0) != 0)) {
        return;
    }
    raise_result(pulsar::ResultAuthenticationError,
                 "the authentication plugin could not be loaded (see the log), and libpulsar "
                 "cannot look topics up over " +
                     service_url.substr(0, service_url.find(':')) + " without one");
}

pulsar::AuthenticationPtr unwrap_authentication(py::handle obj) {
    return obj.cast<const AuthHandle&>().auth;
}

}  // namespace fastpulsar
