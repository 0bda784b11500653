// Shared helpers of the binding: errors raised to Python and argument checks.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>

#include "libpulsar.hpp"

namespace py = pybind11;

namespace fastpulsar {

// ---- errors (register_results.cpp) ------------------------------------------------

// Raises the pulsar.exceptions class of `result` ("Pulsar error: <Name>").
[[noreturn]] void raise_result(pulsar::Result result);
// Raises the class of `result` with a message of our own.
[[noreturn]] void raise_result(pulsar::Result result, const std::string& message);
// The pulsar.Result member for `result` (a borrowed, immortal reference).
PyObject* result_object(pulsar::Result result);
// The exception class of `result`.
PyObject* exception_class(pulsar::Result result);

// A wrong type: raises pulsar.exceptions.InvalidArgumentType, which is both a
// TypeError and a ValueError (code written for the official client catches
// ValueError).
[[noreturn]] void raise_type_error(const char* name, const char* expected, PyObject* got);
// An out-of-range value: raises ValueError.
[[noreturn]] void raise_value_error(const std::string& message);

// Reports the current Python exception of a user callback through
// sys.unraisablehook and clears it: a callback never stops the process
// (register_dispatcher.cpp).
void report_callback_error(PyObject* callback);

// ---- argument conversion ------------------------------------------------------------

// A Python str as UTF-8; any other type raises naming the argument.
std::string as_string(PyObject* obj, const char* name);
// A Python int (bool included, as in Python) in [min, max]; raises naming it.
int64_t as_int(PyObject* obj, const char* name, int64_t min, int64_t max);
// A Python bool; raises naming it.
bool as_bool(PyObject* obj, const char* name);

// ---- objects handed to Python ---------------------------------------------------------

// A new pulsar.MessageId (register_message_id.cpp).
py::object wrap_message_id(const pulsar::MessageId& id);
// The same for the dispatcher: a new reference, or nullptr with a Python error set.
PyObject* new_message_id(pulsar::MessageId&& id);
// The libpulsar id inside a pulsar.MessageId, or nullptr for another object.
const pulsar::MessageId* unwrap_message_id(py::handle obj);
// A new pulsar.Message whose value() decodes with `schema` (register_message.cpp).
py::object wrap_message(const pulsar::Message& message, py::handle schema);
// The libpulsar message inside a pulsar.Message, or nullptr for another object.
const pulsar::Message* unwrap_message(py::handle obj);

// The provider inside a handle made by the auth_* functions (register_auth.cpp).
pulsar::AuthenticationPtr unwrap_authentication(py::handle obj);

// A logger factory sending libpulsar's log lines to a logging.Logger, or to
// logging.getLogger("pulsar") at INFO and above when `logger` is None
// (register_logging.cpp).
std::unique_ptr<pulsar::LoggerFactory> make_logger_factory(py::handle logger);

// ---- Python objects held by libpulsar --------------------------------------------------

// An owned reference that libpulsar may destroy on any thread: the reference is
// released later on the dispatcher thread, with the GIL.
class PyRef {
   public:
    explicit PyRef(py::object obj) : obj_(obj.release().ptr()) {}
    PyRef(const PyRef&) = delete;
    PyRef& operator=(const PyRef&) = delete;
    ~PyRef();
    PyObject* get() const { return obj_; }

   private:
    PyObject* obj_;
};

// Whether the interpreter is finalizing (it is then unsafe to take the GIL).
bool interpreter_finalizing();

// Releases the GIL for the scope, like py::gil_scoped_release, except at exit: a
// (daemon) thread that would take the GIL back while the interpreter finalizes is
// parked for good instead. Python would end it with pthread_exit, whose unwinding
// through C++ frames terminates the process ("terminate called without an active
// exception").
class GilRelease {
   public:
    GilRelease() : state_(PyEval_SaveThread()) {}
    ~GilRelease() noexcept(false);
    GilRelease(const GilRelease&) = delete;
    GilRelease& operator=(const GilRelease&) = delete;

   private:
    PyThreadState* state_;
};

// Holds the GIL for the scope on any thread, libpulsar's included; `ok()` is false
// (and the GIL not taken) once the interpreter is finalizing.
class GilForCallback {
   public:
    GilForCallback();
    ~GilForCallback();
    GilForCallback(const GilForCallback&) = delete;
    GilForCallback& operator=(const GilForCallback&) = delete;
    bool ok() const { return ok_; }

   private:
    bool ok_ = false;
    PyGILState_STATE state_{};
};

// Converts the C++ exception being handled into the Python error indicator; for
// entry points written against the C API (METH_FASTCALL functions).
void set_python_error_from_current_exception();

}  // namespace fastpulsar
