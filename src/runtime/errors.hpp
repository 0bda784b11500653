// Raising Python exceptions from C++, and the results' table.
//
// One way to raise: every raise_* helper sets the Python error and throws
// py::error_already_set, which pybind11 (or set_python_error_from_current_exception, for
// C API entry points) hands back to Python. They are called with the GIL held. One
// wording, shared with pulsar/_checks.py: "Argument X is expected to be ..., not
// '<type>'" for a wrong type, "Argument X is out of range: V is not in [min, max]" for a
// value out of range.
#pragma once

#include <pybind11/pybind11.h>

#include <array>
#include <cstddef>
#include <string>

#include "abi/results.hpp"

namespace fastpulsar {

namespace py = pybind11;

// ---- the results' table, derived from FASTPULSAR_RESULTS ---------------------------------

struct ResultName {
    const char* name;  // pulsar-client's name, e.g. "Timeout"
    pulsar::Result value;
};

inline constexpr ResultName kResults[] = {
#define FASTPULSAR_RESULT_ENTRY(name, value) {#name, pulsar::Result##name},
    FASTPULSAR_RESULTS(FASTPULSAR_RESULT_ENTRY)
#undef FASTPULSAR_RESULT_ENTRY
};
inline constexpr std::size_t kResultCount = sizeof(kResults) / sizeof(kResults[0]);

// kResults[i].value == i: results are looked up by value.
constexpr bool results_are_indexed_by_value() {
    for (std::size_t i = 0; i < kResultCount; ++i) {
        if (static_cast<std::size_t>(kResults[i].value) != i) {
            return false;
        }
    }
    return true;
}
static_assert(results_are_indexed_by_value(), "FASTPULSAR_RESULTS must list 0, 1, 2, ... in order");

// Installs the Python objects for the results (runtime/bridge.cpp does, at import):
// `members[i]` the pulsar.Result member of value i, `classes[i]` its exception class
// (PulsarException for Ok), and the class of wrong-type errors. References are stolen and
// kept for the process's life (libpulsar's callbacks may outlive the module). Before,
// results are None and errors RuntimeError/TypeError. GIL held; never throws.
void install_result_objects(const std::array<PyObject*, kResultCount>& members,
                            const std::array<PyObject*, kResultCount>& classes,
                            PyObject* invalid_argument_type);

// The pulsar.Result member for `result` (UnknownError for a value outside the table): a
// borrowed, immortal reference. GIL held; never throws.
PyObject* result_object(pulsar::Result result);

// ---- raising -----------------------------------------------------------------------------

// Raises `type` with `message`. GIL held; always throws error_already_set.
[[noreturn]] void raise_python(PyObject* type, const std::string& message);
// Raises `type` with a message formatted by PyErr_Format (which knows %U, %R, ...).
[[noreturn]] void raise_python_format(PyObject* type, const char* format, ...);

// Raises the pulsar.exceptions class of `result` with pulsar-client's message
// ("Pulsar error: <libpulsar's spelling>", e.g. "Pulsar error: TimeOut").
[[noreturn]] void raise_result(pulsar::Result result);
// Raises the class of `result` with a message of our own.
[[noreturn]] void raise_result(pulsar::Result result, const std::string& message);

// A wrong type: raises pulsar.exceptions.InvalidArgumentType (both a TypeError and a
// ValueError: code written for the official client catches ValueError) saying
// "Argument <name> is expected to be <expected>, not '<type of got>'".
[[noreturn]] void raise_type_error(const char* name, const char* expected, PyObject* got);

// A value out of range: raises ValueError saying
// "Argument <name> is out of range: <value> is not in [<min>, <max>]".
[[noreturn]] void raise_out_of_range(const char* name, const std::string& value,
                                     const std::string& min, const std::string& max);

// Another bad value: raises ValueError with `message`.
[[noreturn]] void raise_value_error(const std::string& message);

// Runs Python's signal handlers (PyErr_CheckSignals) for a blocking call waiting with the
// GIL released in slices. A plain KeyboardInterrupt raised by them (Ctrl-C under Python's
// default SIGINT handler) becomes pulsar.exceptions.Interrupted, as pulsar-client raises,
// which is a KeyboardInterrupt too; anything else a handler raises passes through
// unchanged. GIL held; returns when no handler raised, else throws error_already_set.
void check_signals();

// ---- errors that must not propagate -------------------------------------------------------

// Reports the current Python exception of a user callback through sys.unraisablehook
// and clears it: a callback never stops the process. GIL held; never throws.
void report_callback_error(PyObject* callback);

// Converts the C++ exception being handled into the Python error indicator; for entry
// points written against the C API (METH_FASTCALL functions). Called in a catch block
// with the GIL held; never throws.
void set_python_error_from_current_exception();

// The body of a C API entry point (a METH_* function or a slot returning a new reference):
// runs `body`, which may throw error_already_set or any C++ exception, and returns its
// result, or nullptr with the Python error set. GIL held; never throws.
template <typename Body>
PyObject* c_api_call(Body&& body) {
    try {
        return body();
    } catch (...) {
        set_python_error_from_current_exception();
        return nullptr;
    }
}

}  // namespace fastpulsar
